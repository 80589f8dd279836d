/**
 * Replays recorded Gemini / Vertex AI traffic: `:streamGenerateContent` requests get `<baseName>.chunks.txt`
 * as SSE (`data: <line>` events, no `[DONE]`, as Google sends with `alt=sse`); any other request gets
 * `<baseName>.json`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type MockHandler, sendJson, sendStream } from './mock-upstream.js';

export function googleReplay(fixtureDir: string, baseName: string): MockHandler {
  return async (request, response) => {
    if (request.path.endsWith(':streamGenerateContent')) {
      const text = readFileSync(join(fixtureDir, `${baseName}.chunks.txt`), 'utf8');
      const lines = text.split('\n').filter((line) => line.trim().length > 0);
      await sendStream(response, lines, { format: 'sse' });
      return;
    }
    sendJson(response, 200, JSON.parse(readFileSync(join(fixtureDir, `${baseName}.json`), 'utf8')));
  };
}

/** The same replay under the provider ids `gemini` and `vertex`. */
export const geminiReplay = googleReplay;
export const vertexReplay = googleReplay;
