/**
 * Shared pieces of the per-provider end-to-end tests: fixture folders, a YAML config file on disk, a fetch
 * that keeps a copy of every response body (to see the raw SSE the `openai` client consumed), and a stream
 * assembler that turns `chat.completion.chunk`s back into text, tool calls, finish reason and usage.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI, { type APIError } from 'openai';
import type { Harness } from '../gateway-harness.js';

/** Absolute path of `src/providers/<id>/__fixtures__`. */
export function fixtureDir(providerId: string): string {
  return fileURLToPath(new URL(`../../../src/providers/${providerId}/__fixtures__`, import.meta.url));
}

export function readJsonFixture(providerId: string, name: string): unknown {
  return JSON.parse(readFileSync(join(fixtureDir(providerId), name), 'utf8')) as unknown;
}

/** Writes a YAML config into a fresh temporary folder and returns its path. */
export function writeConfig(yaml: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'lg-provider-e2e-')), 'llamagate.yaml');
  writeFileSync(file, yaml);
  return file;
}

/** An `openai` client whose every response body is also kept as text, in order. */
export function recordingClient(gateway: Harness): { client: OpenAI; bodies: Promise<string>[] } {
  const bodies: Promise<string>[] = [];
  const recordingFetch: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    bodies.push(response.clone().text());
    return response;
  };
  return { client: gateway.client('unused', { fetch: recordingFetch }), bodies };
}

export interface AssembledToolCall {
  id: string;
  name: string;
  arguments: string;
}

export interface AssembledStream {
  chunks: OpenAI.ChatCompletionChunk[];
  text: string;
  toolCalls: AssembledToolCall[];
  finishReasons: string[];
  /** Usage chunks seen (a chunk with `usage`); with `include_usage` exactly one, the last chunk. */
  usageChunks: OpenAI.ChatCompletionChunk[];
}

/** Reads a chat stream the way an application does with the `openai` client. */
export async function assembleStream(stream: AsyncIterable<OpenAI.ChatCompletionChunk>): Promise<AssembledStream> {
  const chunks: OpenAI.ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  let text = '';
  const toolCalls: AssembledToolCall[] = [];
  const finishReasons: string[] = [];
  for (const chunk of chunks) {
    const choice = chunk.choices[0];
    if (choice === undefined) continue;
    text += choice.delta.content ?? '';
    for (const delta of choice.delta.tool_calls ?? []) {
      let call = toolCalls[delta.index];
      if (call === undefined) {
        call = { id: '', name: '', arguments: '' };
        toolCalls[delta.index] = call;
      }
      if (delta.id) call.id = delta.id;
      if (delta.function?.name) call.name += delta.function.name;
      call.arguments += delta.function?.arguments ?? '';
    }
    if (choice.finish_reason) finishReasons.push(choice.finish_reason);
  }
  return { chunks, text, toolCalls, finishReasons, usageChunks: chunks.filter((chunk) => chunk.usage) };
}

/** The rejection of a call made with the `openai` client, as its `APIError`. */
export async function apiErrorOf(call: Promise<unknown>): Promise<APIError> {
  const outcome = await call.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(outcome instanceof OpenAI.APIError)) throw new Error(`expected an APIError, got ${String(outcome)}`);
  return outcome;
}

/** The `error` object of an OpenAI-style error body. */
export function errorBody(error: APIError): { message: string; type: string; code: string } {
  return error.error as { message: string; type: string; code: string };
}

export const weatherTool: OpenAI.ChatCompletionFunctionTool = {
  type: 'function',
  function: {
    name: 'weather',
    description: 'Current weather for a place',
    parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
  },
};
