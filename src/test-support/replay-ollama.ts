/**
 * Replays recorded Ollama `/api/chat` traffic: `<baseName>.json` for `"stream": false`, otherwise
 * `<baseName>.chunks.txt` as NDJSON (`application/x-ndjson`, one JSON object per line) — Ollama streams
 * unless the request says `"stream": false`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type MockHandler, sendJson, sendStream } from './mock-upstream.js';

export function ollamaReplay(fixtureDir: string, baseName: string): MockHandler {
  return async (request, response) => {
    const streaming = (request.body as { stream?: unknown } | undefined)?.stream !== false;
    if (!streaming) {
      sendJson(response, 200, readFileSync(join(fixtureDir, `${baseName}.json`), 'utf8'));
      return;
    }
    const lines = readFileSync(join(fixtureDir, `${baseName}.chunks.txt`), 'utf8')
      .split('\n')
      .filter((line) => line.trim().length > 0);
    await sendStream(response, lines, { format: 'ndjson', contentType: 'application/x-ndjson' });
  };
}
