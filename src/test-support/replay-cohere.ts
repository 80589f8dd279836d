/**
 * Replays recorded Cohere traffic the way Cohere sends it: `<baseName>.json` for a plain request, and for
 * `"stream": true` the lines of `<baseName>.chunks.txt` as SSE with `event: <type>` lines.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type MockHandler, sendJson, sendStream } from './mock-upstream.js';

export function cohereReplay(fixtureDir: string, baseName: string): MockHandler {
  return async (request, response) => {
    const streaming = (request.body as { stream?: unknown } | undefined)?.stream === true;
    const file = join(fixtureDir, streaming ? `${baseName}.chunks.txt` : `${baseName}.json`);
    if (!existsSync(file)) {
      sendJson(response, 404, { message: `no ${streaming ? 'stream' : 'response'} recorded for ${baseName}` });
      return;
    }
    const text = readFileSync(file, 'utf8');
    if (!streaming) {
      sendJson(response, 200, text);
      return;
    }
    const lines = text.split('\n').filter((line) => line.trim().length > 0);
    await sendStream(response, lines, { format: 'sse', eventFromType: true });
  };
}
