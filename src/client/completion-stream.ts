/**
 * Streaming completions: typed stream parts become chunks (text, reasoning and tool-call deltas, partial
 * objects for zod schemas, usage on the last), the tool loop runs between steps, and the aggregated response
 * is available once the stream has been consumed.
 */
import type { ChatRequest } from '../spec/chat.js';
import { AbortedError, type LlamaGateError } from '../spec/errors.js';
import type { CompletionChunk, CompletionResponse, CompletionStep } from './client-types.js';
import { assembleResponse, type StepResult, StreamAggregator, toStep } from './completion-response.js';
import type { CallTrace, ClientStreamResult } from './model-call.js';
import { parsePartialJson } from './partial-json.js';
import { type PreparedCompletion, runToolRound, validateStep } from './run-completion.js';

type Chunk = CompletionChunk<unknown>;

function emptyChunk(aggregator: StreamAggregator, step: number, choiceIndex = 0): Chunk {
  return {
    delta: '',
    reasoningDelta: '',
    toolCallDeltas: [],
    choiceIndex,
    model: aggregator.currentModel,
    provider: aggregator.currentProvider,
    step,
  };
}

/** One model stream as chunks; returns the step's aggregated answer. Throws a mid-stream failure. */
async function* streamStep(
  stream: ClientStreamResult,
  step: number,
  prepared: PreparedCompletion,
): AsyncGenerator<Chunk, { result: StepResult; aggregator: StreamAggregator }> {
  const aggregator = new StreamAggregator(stream.provider, stream.model, stream.warnings);
  let lastPartial = '';
  for await (const part of stream.parts) {
    switch (part.type) {
      case 'error':
        throw part.error;
      case 'fallback':
        aggregator.switchModel(part);
        if (part.mode === 'restart') lastPartial = '';
        yield {
          ...emptyChunk(aggregator, step),
          fallback: { mode: part.mode, from: part.from, to: part.to, error: part.error },
        };
        break;
      case 'text-delta': {
        aggregator.add(part);
        const chunk: Chunk = { ...emptyChunk(aggregator, step, part.choiceIndex), delta: part.delta };
        if (prepared.schema !== undefined && part.choiceIndex === 0) {
          const partial = parsePartialJson(aggregator.text(0));
          const serialised = partial === undefined ? '' : JSON.stringify(partial.value);
          if (partial !== undefined && serialised !== lastPartial) {
            lastPartial = serialised;
            chunk.partial = partial.value;
          }
        }
        yield chunk;
        break;
      }
      case 'reasoning-delta':
        aggregator.add(part);
        yield { ...emptyChunk(aggregator, step, part.choiceIndex), reasoningDelta: part.delta };
        break;
      case 'tool-call-delta': {
        aggregator.add(part);
        const delta = { index: part.toolCallIndex, argumentsDelta: part.argumentsDelta };
        if (part.id !== undefined) Object.assign(delta, { id: part.id });
        if (part.name !== undefined) Object.assign(delta, { name: part.name });
        yield { ...emptyChunk(aggregator, step, part.choiceIndex), toolCallDeltas: [delta] };
        break;
      }
      case 'finish':
        aggregator.add(part);
        if (part.choiceIndex !== 0) {
          yield { ...emptyChunk(aggregator, step, part.choiceIndex), finishReason: part.finishReason };
        }
        break;
      default:
        aggregator.add(part);
    }
  }
  return { result: aggregator.result(), aggregator };
}

/** Every step of a streamed completion; returns the final response (validated against the schema). */
export async function* streamCompletion(
  prepared: PreparedCompletion,
  openStream: (request: ChatRequest) => Promise<ClientStreamResult>,
  trace: CallTrace,
  signal: AbortSignal | undefined,
): AsyncGenerator<Chunk, CompletionResponse<unknown>> {
  let messages = prepared.request.messages;
  const steps: CompletionStep[] = [];
  let last: StepResult;
  for (let index = 0; ; index++) {
    const stream = await openStream({ ...prepared.request, messages });
    const { result, aggregator } = yield* streamStep(stream, index, prepared);
    last = result;
    const round = await runToolRound(prepared, messages, last, signal);
    const closing: Chunk = {
      ...emptyChunk(aggregator, index),
      finishReason: last.choices[0]?.finishReason ?? 'other',
      usage: last.usage,
    };
    if (round !== undefined) closing.toolResults = round.results;
    steps.push(toStep(index, last, round?.results ?? []));
    yield closing;
    if (round === undefined || index + 1 >= prepared.maxSteps) break;
    messages = round.messages;
  }
  return assembleResponse(last, steps, trace, validateStep(prepared, last));
}

/**
 * The result of `completion({ stream: true })`: iterate it once with `for await`, then (or instead) read the
 * aggregated response with `finalResponse()`. Nothing is sent before the iteration starts.
 *
 * @example
 * const stream = completion({ model: 'gpt-4o-mini', messages, stream: true });
 * for await (const chunk of stream) process.stdout.write(chunk.delta);
 * const { usage } = await stream.finalResponse();
 */
export class CompletionStream<T = undefined> implements AsyncIterable<CompletionChunk<T>> {
  readonly #start: (signal: AbortSignal) => AsyncGenerator<Chunk, CompletionResponse<unknown>>;
  readonly #controller = new AbortController();
  // Typed loosely inside so that a stream of a specific schema stays assignable to CompletionStream<unknown>.
  readonly #final: Promise<CompletionResponse<unknown>>;
  #resolve!: (response: CompletionResponse<unknown>) => void;
  #reject!: (error: unknown) => void;
  #started = false;

  constructor(start: (signal: AbortSignal) => AsyncGenerator<Chunk, CompletionResponse<unknown>>) {
    this.#start = start;
    this.#final = new Promise<CompletionResponse<unknown>>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // Consumers that only iterate never look at the final response; its failure must not go unhandled.
    this.#final.catch(() => undefined);
  }

  [Symbol.asyncIterator](): AsyncIterator<CompletionChunk<T>> {
    if (this.#started) throw new TypeError('A completion stream can be iterated only once');
    this.#started = true;
    return this.#iterate();
  }

  async *#iterate(): AsyncGenerator<CompletionChunk<T>> {
    const generator = this.#start(this.#controller.signal);
    let finished = false;
    try {
      for (;;) {
        const next = await generator.next();
        if (next.done) {
          finished = true;
          this.#resolve(next.value);
          return;
        }
        yield next.value as CompletionChunk<T>;
      }
    } catch (error) {
      finished = true;
      this.#reject(error);
      throw error;
    } finally {
      if (!finished) {
        // The consumer stopped early: close the upstream and settle the final response.
        this.#controller.abort();
        await generator.return(undefined as unknown as CompletionResponse<unknown>);
        this.#reject(new AbortedError({ message: 'The stream was closed before it finished', isRetryable: false }));
      }
    }
  }

  /** The aggregated response; consumes the stream itself when nobody iterates it. */
  async finalResponse(): Promise<CompletionResponse<T>> {
    if (!this.#started) for await (const _chunk of this) void _chunk;
    return this.#final as Promise<CompletionResponse<T>>;
  }

  /** The concatenated text, consuming the stream. */
  async text(): Promise<string> {
    return (await this.finalResponse()).text;
  }

  /** Stops the stream and the upstream request. */
  abort(reason?: LlamaGateError): void {
    this.#controller.abort(reason);
  }
}
