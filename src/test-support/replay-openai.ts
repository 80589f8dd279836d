/**
 * Replays recorded OpenAI-format traffic (OpenAI, Azure and every OpenAI-compatible vendor) from a provider's
 * `__fixtures__` folder, so end-to-end tests through the server can reuse the adapters' recordings.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type MockHandler, sendJson, sendStream } from './mock-upstream.js';

export interface OpenAIReplayOptions {
  /** HTTP status for the JSON answer (error recordings such as `openai-error.1.json` come with 4xx/5xx). */
  status?: number;
  headers?: Record<string, string>;
}

/**
 * A mock upstream handler: a request with `"stream": true` gets `<baseName>.chunks.txt` as SSE (`data: <line>`
 * per recorded chunk, then `data: [DONE]`), any other request gets `<baseName>.json` byte for byte.
 *
 * @example
 * upstream.handle(openaiReplay(join(here, '__fixtures__'), 'openai-text'));
 */
export function openaiReplay(fixtureDir: string, baseName: string, options: OpenAIReplayOptions = {}): MockHandler {
  return async (request, response) => {
    const streaming = (request.body as { stream?: unknown } | undefined)?.stream === true;
    if (streaming) {
      const text = readFileSync(join(fixtureDir, `${baseName}.chunks.txt`), 'utf8');
      const lines = text.split('\n').filter((line) => line.trim().length > 0);
      await sendStream(response, lines, { format: 'sse', done: true });
      return;
    }
    const body = readFileSync(join(fixtureDir, `${baseName}.json`), 'utf8');
    sendJson(response, options.status ?? 200, body, options.headers);
  };
}
