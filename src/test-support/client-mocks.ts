/**
 * Mock-upstream handlers for the client library's tests, built on recorded OpenAI traffic: the recorded
 * response (or chunk) with only the answer swapped, so the wire format stays the provider's own.
 */
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type MockHandler, type RecordedRequest, sendJson, sendStream } from './mock-upstream.js';

const providers = join(dirname(fileURLToPath(import.meta.url)), '..', 'providers');

export const fixtureDirs = {
  openai: join(providers, 'openai', '__fixtures__'),
  groq: join(providers, 'groq', '__fixtures__'),
  anthropic: join(providers, 'anthropic', '__fixtures__'),
};

const recordedText = JSON.parse(readFileSync(join(fixtureDirs.openai, 'openai-text.json'), 'utf8')) as {
  choices: { message: Record<string, unknown>; finish_reason: string }[];
};
const recordedChunks = readFileSync(join(fixtureDirs.openai, 'openai-text.chunks.txt'), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '');
const recordedEmbedding = JSON.parse(readFileSync(join(fixtureDirs.openai, 'openai-embedding.json'), 'utf8')) as {
  data: { embedding: number[] }[];
};

export interface ReplyMessage {
  content?: string | null;
  tool_calls?: { id: string; type: 'function'; function: { name: string; arguments: string } }[];
}

/** The recorded OpenAI chat completion with its message replaced. */
export function openaiBody(message: ReplyMessage, finishReason = message.tool_calls ? 'tool_calls' : 'stop'): unknown {
  const body = structuredClone(recordedText);
  const choice = body.choices[0];
  if (choice !== undefined) {
    choice.message = { role: 'assistant', content: message.content ?? null, refusal: null, annotations: [] };
    if (message.tool_calls !== undefined) choice.message.tool_calls = message.tool_calls;
    choice.finish_reason = finishReason;
  }
  return body;
}

export function replyWith(message: ReplyMessage): MockHandler {
  return (_, response) => sendJson(response, 200, openaiBody(message));
}

/** Recorded OpenAI stream chunks carrying `deltas` as content: role chunk, one chunk per delta, finish, usage. */
export function openaiChunkLines(deltas: readonly string[]): string[] {
  const [first = '{}'] = recordedChunks;
  const template = JSON.parse(first) as { choices: { delta: Record<string, unknown>; finish_reason: unknown }[] };
  const line = (delta: Record<string, unknown>, finish: string | null) => {
    const chunk = structuredClone(template);
    const choice = chunk.choices[0];
    if (choice !== undefined) {
      choice.delta = delta;
      choice.finish_reason = finish;
    }
    return JSON.stringify(chunk);
  };
  return [
    line({ role: 'assistant', content: '' }, null),
    ...deltas.map((delta) => line({ content: delta }, null)),
    line({}, 'stop'),
    recordedChunks.at(-1) ?? '{}',
  ];
}

/** Streams `deltas` as OpenAI SSE; `cutAfter` destroys the connection after that many lines (a mid-stream failure). */
export function streamWith(
  deltas: readonly string[],
  options: { cutAfter?: number; delayMs?: number } = {},
): MockHandler {
  return (_, response) => sendStream(response, openaiChunkLines(deltas), { format: 'sse', done: true, ...options });
}

/** An OpenAI-style error reply. */
export function failWith(status: number, message: string, headers: Record<string, string> = {}): MockHandler {
  return (_, response) =>
    sendJson(response, status, { error: { message, type: 'server_error', param: null, code: null } }, headers);
}

/** An OpenAI embeddings reply with one (recorded-length) vector per input, the input's index in its first slot. */
export function embeddingsFor(request: RecordedRequest, response: ServerResponse): void {
  const input = (request.body as { input?: unknown }).input;
  const count = Array.isArray(input) ? input.length : 1;
  const template = recordedEmbedding.data[0]?.embedding ?? [0];
  sendJson(response, 200, {
    object: 'list',
    data: Array.from({ length: count }, (_, index) => ({
      object: 'embedding',
      index,
      embedding: [index, ...template.slice(1)],
    })),
    model: 'text-embedding-3-small',
    usage: { prompt_tokens: count * 2, total_tokens: count * 2 },
  });
}

/** Chooses a handler per request, in order of arrival (the last one repeats). */
export function sequence(...handlers: MockHandler[]): MockHandler {
  let index = 0;
  return (request, response) => {
    const handler = handlers[Math.min(index, handlers.length - 1)];
    index++;
    return handler?.(request, response);
  };
}
