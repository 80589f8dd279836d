import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BadRequestError } from '../spec/errors.js';
import { fixtureDirs, replyWith } from '../test-support/client-mocks.js';
import { bodyOf, type MockUpstream, startMockUpstream } from '../test-support/mock-upstream.js';
import { openaiReplay } from '../test-support/replay-openai.js';
import { assistant, imageBytes, imageUrl, system, text, toolResult, user } from './content.js';
import { LlamaGate } from './llamagate-client.js';
import { chatTemplate, prompt } from './prompt-template.js';

let openai: MockUpstream;
beforeAll(async () => {
  openai = await startMockUpstream();
  openai.handle(openaiReplay(fixtureDirs.openai, 'openai-text'));
});
afterAll(() => openai.close());

const gate = () => new LlamaGate({ env: { OPENAI_API_KEY: 'sk', OPENAI_BASE_URL: `${openai.url}/v1` } });

describe('content helpers', () => {
  it('build the OpenAI-shaped parts and messages the providers receive', async () => {
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47]);
    const messages = [
      system('Answer briefly.'),
      user(
        text('What is in these?'),
        imageUrl('https://example.com/cat.jpg', { detail: 'low' }),
        imageBytes(png, 'image/png'),
      ),
      assistant('A cat.'),
      user('And now?'),
    ];
    await gate().completion({ model: 'gpt-4o-mini', messages });
    expect(bodyOf(openai.requests.at(-1)).messages).toMatchInlineSnapshot(`
      [
        {
          "content": "Answer briefly.",
          "role": "system",
        },
        {
          "content": [
            {
              "text": "What is in these?",
              "type": "text",
            },
            {
              "image_url": {
                "detail": "low",
                "url": "https://example.com/cat.jpg",
              },
              "type": "image_url",
            },
            {
              "image_url": {
                "url": "data:image/png;base64,iVBORw==",
              },
              "type": "image_url",
            },
          ],
          "role": "user",
        },
        {
          "content": "A cat.",
          "role": "assistant",
        },
        {
          "content": "And now?",
          "role": "user",
        },
      ]
    `);
    expect(toolResult('call_1', { ok: true })).toEqual({
      role: 'tool',
      tool_call_id: 'call_1',
      content: '{"ok":true}',
    });
    expect(() => imageBytes(png, 'text/plain')).toThrow(/image MIME type/);
  });
});

describe('prompt templates', () => {
  it('fill {{variables}}, checked by the compiler and at run time', () => {
    const greet = prompt('Greet {{name}} in {{ language }}.');
    expect(greet.variables).toEqual(['name', 'language']);
    expect(greet.format({ name: 'Ada', language: 'French' })).toBe('Greet Ada in French.');
    // @ts-expect-error a missing variable does not compile
    expect(() => greet.format({ name: 'Ada' })).toThrow(/missing "language"/);
    // @ts-expect-error a misspelt variable does not compile
    const misspelt = () => greet.format({ name: 'Ada', language: 'French', langauge: 'x' });
    expect(misspelt).toThrow(BadRequestError);
    expect(misspelt).toThrow(/unknown "langauge"/);
    const dynamic: string = 'Hello {{who}}';
    expect(() => prompt(dynamic).format({})).toThrow(/missing "who"/);
  });

  it('compose with completion and parse through chatTemplate messages', async () => {
    const summarise = chatTemplate([
      ['system', 'You summarise {{kind}} documents in {{words}} words.'],
      ['user', '{{document}}'],
    ]);
    const messages = summarise.messages({ kind: 'legal', words: 50, document: 'The party of the first part…' });
    await gate().completion({ model: 'gpt-4o-mini', messages });
    expect(bodyOf(openai.requests.at(-1)).messages).toEqual([
      { role: 'system', content: 'You summarise legal documents in 50 words.' },
      { role: 'user', content: 'The party of the first part…' },
    ]);
    // @ts-expect-error document is required
    expect(() => summarise.messages({ kind: 'legal', words: 50 })).toThrow(/missing "document"/);

    openai.handle(replyWith({ content: '{"name":"Paris"}' }));
    const capital = chatTemplate([['user', 'Name the capital of {{country}}.']]);
    const city = await gate().parse({
      model: 'gpt-4o-mini',
      messages: capital.messages({ country: 'France' }),
      schema: z.object({ name: z.string() }),
    });
    expect(city).toEqual({ name: 'Paris' });
    expect(bodyOf(openai.requests.at(-1)).messages).toEqual([{ role: 'user', content: 'Name the capital of France.' }]);
    openai.handle(openaiReplay(fixtureDirs.openai, 'openai-text'));
  });
});

describe('.env', () => {
  const run = promisify(execFile);
  const script = (options: string) => `
    const { LlamaGate } = await import(${JSON.stringify(join(import.meta.dirname, 'llamagate-client.ts'))});
    new LlamaGate(${options});
    const key = process.env.FROM_DOTENV ?? null;
    delete process.env.FROM_DOTENV;
    new LlamaGate(${options});
    console.log(JSON.stringify({ key, again: process.env.FROM_DOTENV ?? null, preset: process.env.PRESET }));
  `;
  const inDirectory = async (env: Record<string, string>, options = '') => {
    const directory = mkdtempSync(join(tmpdir(), 'lg-dotenv-'));
    writeFileSync(join(directory, '.env'), 'FROM_DOTENV=file-value\nPRESET=from-file\n');
    const { stdout } = await run(
      process.execPath,
      ['--import', createRequire(import.meta.url).resolve('tsx'), '--input-type=module', '-e', script(options)],
      {
        cwd: directory,
        env: { PATH: process.env.PATH ?? '', PRESET: 'real', ...env },
        timeout: 60_000,
      },
    );
    return JSON.parse(stdout) as { key: string | null; again: string | null; preset: string };
  };

  it('is loaded from the working directory once, without overriding real variables, unless turned off', async () => {
    // Read once: a second client does not read the file again (the deleted variable stays deleted).
    expect(await inDirectory({})).toEqual({ key: 'file-value', again: null, preset: 'real' });
    expect(await inDirectory({ LLAMAGATE_NO_DOTENV: '1' })).toEqual({ key: null, again: null, preset: 'real' });
    expect(await inDirectory({}, '{ dotenv: false }')).toEqual({ key: null, again: null, preset: 'real' });
  }, 90_000);
});
