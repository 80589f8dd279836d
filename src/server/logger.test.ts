import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

describe('createLogger with LOG_FILE', () => {
  let directory: string | undefined;
  afterEach(() => {
    if (directory !== undefined) rmSync(directory, { recursive: true, force: true });
  });

  it('writes every line to both outputs, and flush calls back only once the file has it too', async () => {
    directory = mkdtempSync(join(tmpdir(), 'llamagate-logger-'));
    const file = join(directory, 'gateway.log');
    const stdout: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        stdout.push(String(chunk));
        done();
      },
    });
    const logger = createLogger({ debug: false, logFile: file, destination });
    logger.info({ answer: 42 }, 'hello');
    // The file's batch waits up to 100 ms; flush must call back only once it is written: read it right there.
    const written = await new Promise<string>((resolve, reject) =>
      logger.flush((error) => (error ? reject(error) : resolve(readFileSync(file, 'utf8')))),
    );
    expect(JSON.parse(written)).toMatchObject({ answer: 42, msg: 'hello' });
    expect(JSON.parse(stdout.join(''))).toMatchObject({ answer: 42, msg: 'hello' });
  });
});
