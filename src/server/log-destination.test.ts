import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BatchedLogDestination } from './log-destination.js';

describe('BatchedLogDestination', () => {
  let directory: string;
  let file: string;
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'llamagate-log-'));
    file = join(directory, 'gateway.log');
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  const read = () => readFileSync(file, 'utf8');
  const flushed = (destination: BatchedLogDestination) =>
    new Promise<void>((resolve, reject) => destination.flush((error) => (error ? reject(error) : resolve())));

  it('holds a short batch until the flush interval, then writes it', async () => {
    const destination = new BatchedLogDestination(file, { minLength: 4096, flushIntervalMs: 30 });
    destination.write('{"a":1}\n');
    destination.write('{"a":2}\n');
    expect(read()).toBe('');
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(read()).toBe('{"a":1}\n{"a":2}\n');
    destination.end();
  });

  it('writes every line once and in order when lines arrive faster than writes finish', async () => {
    const destination = new BatchedLogDestination(file, { minLength: 256, flushIntervalMs: 1000 });
    const expected: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const line = `{"n":${i}}\n`;
      expected.push(line);
      destination.write(line);
      if (i % 1000 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await flushed(destination);
    expect(read()).toBe(expected.join(''));
    destination.end();
  });

  it('keeps multi-byte lines whole across batch boundaries and writes a line longer than a batch on its own', async () => {
    const destination = new BatchedLogDestination(file, { minLength: 64, flushIntervalMs: 1000 });
    const expected: string[] = [];
    for (let i = 0; i < 200; i++) {
      const line = i % 50 === 7 ? `{"long":"${'ü€'.repeat(100)}"}\n` : `{"model":"ünï-${'€'.repeat(i % 9)}"}\n`;
      expected.push(line);
      destination.write(line);
    }
    await flushed(destination);
    expect(read()).toBe(expected.join(''));
    destination.end();
  });

  it('writes what is pending synchronously on end (shutdown, process exit)', () => {
    const destination = new BatchedLogDestination(file, { minLength: 4096, flushIntervalMs: 60_000 });
    destination.write('{"last":true}\n');
    destination.end();
    expect(read()).toBe('{"last":true}\n');
  });

  it('drops lines past maxPending and reports how many once it writes again', () => {
    const destination = new BatchedLogDestination(file, { minLength: 4096, flushIntervalMs: 60_000, maxPending: 20 });
    expect(destination.write('0123456789\n')).toBe(true);
    expect(destination.write('0123456789\n')).toBe(false);
    expect(destination.write('0123456789\n')).toBe(false);
    destination.end();
    const lines = read().trim().split('\n');
    expect(lines[0]).toBe('0123456789');
    expect(JSON.parse(lines[1] as string)).toMatchObject({ level: 40, dropped: 2 });
  });

  it('calls a flush callback at once when nothing is pending', async () => {
    const destination = new BatchedLogDestination(file);
    await flushed(destination);
    expect(read()).toBe('');
    destination.end();
  });
});
