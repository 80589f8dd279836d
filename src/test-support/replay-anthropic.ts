/**
 * Plays recorded Anthropic Messages API traffic: `<baseName>.json` for a plain request, `<baseName>.chunks.txt`
 * (one event payload per line) as SSE with `event: <type>` lines for a streaming one, as Anthropic sends it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type MockHandler, sendJson, sendStream } from './mock-upstream.js';

export function anthropicReplay(fixtureDir: string, baseName: string): MockHandler {
  return async (request, response) => {
    const streaming = (request.body as { stream?: unknown } | undefined)?.stream === true;
    if (!streaming) {
      sendJson(response, 200, readFileSync(join(fixtureDir, `${baseName}.json`), 'utf8'));
      return;
    }
    const lines = readFileSync(join(fixtureDir, `${baseName}.chunks.txt`), 'utf8')
      .split('\n')
      .filter((line) => line.trim().length > 0);
    await sendStream(response, lines, { format: 'sse', eventFromType: true });
  };
}
