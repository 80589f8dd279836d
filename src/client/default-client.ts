/**
 * The one-call API (`completion`, `parse`, `embed`, `batch`) on a shared default `LlamaGate`, created on first
 * use with `process.env`; for other defaults create your own `LlamaGate`.
 */
import type { z } from 'zod';
import type {
  BatchOptions,
  BatchResult,
  CompletionOptions,
  CompletionResponse,
  EmbedOptions,
  EmbedResponse,
} from './client-types.js';
import type { CompletionStream } from './completion-stream.js';
import { LlamaGate } from './llamagate-client.js';

let shared: LlamaGate | undefined;

function client(): LlamaGate {
  shared ??= new LlamaGate();
  return shared;
}

/**
 * A chat completion. With `stream: true` the result is directly `for await`-able; otherwise a promise.
 *
 * @example
 * const response = await completion({ model: 'groq/llama-3.1-8b-instant', messages });
 * for await (const chunk of completion({ model: 'gpt-4o-mini', messages, stream: true })) process.stdout.write(chunk.delta);
 */
export function completion<S extends z.ZodType>(
  options: CompletionOptions & { stream: true; responseFormat: S },
): CompletionStream<z.output<S>>;
export function completion(options: CompletionOptions & { stream: true }): CompletionStream;
export function completion<S extends z.ZodType>(
  options: CompletionOptions & { stream?: false; responseFormat: S },
): Promise<CompletionResponse<z.output<S>>>;
export function completion(options: CompletionOptions & { stream?: false }): Promise<CompletionResponse>;
export function completion(
  options: CompletionOptions,
): CompletionStream<unknown> | Promise<CompletionResponse<unknown>>;
export function completion(
  options: CompletionOptions,
): CompletionStream<unknown> | Promise<CompletionResponse<unknown>> {
  return client().completion(options);
}

/** A streaming completion: `completion({ ...options, stream: true })`. */
export function stream<S extends z.ZodType>(
  options: Omit<CompletionOptions, 'stream'> & { responseFormat: S },
): CompletionStream<z.output<S>>;
export function stream(options: Omit<CompletionOptions, 'stream'>): CompletionStream;
export function stream(options: Omit<CompletionOptions, 'stream'>): CompletionStream<unknown> {
  return client().stream(options);
}

/** JSON validated against a zod schema, typed. */
export function parse<S extends z.ZodType>(
  options: Omit<CompletionOptions, 'responseFormat' | 'stream'> & { schema: S },
): Promise<z.output<S>> {
  return client().parse(options);
}

/** One embedding vector per input. */
export function embed(options: EmbedOptions): Promise<EmbedResponse> {
  return client().embed(options);
}

/** Many completions with bounded concurrency. */
export function batch(
  requests: readonly (CompletionOptions & { stream?: false })[],
  options?: BatchOptions,
): Promise<BatchResult> {
  return client().batch(requests, options);
}
