/**
 * What happens during one request, as events that stages subscribe to (billing today; metrics and the request
 * log's detail next): admission, each upstream attempt, the first chunk, usage, the answer, stream parts and
 * errors. A request carries its observers in `RequestState.observers`; with none, emitting costs a field read.
 */
import type { ChatRequest, ChatResult, ChatStreamPart, Usage } from '../../spec/chat.js';
import type { EmbeddingResult } from '../../spec/embedding.js';
import type { LlamaGateError } from '../../spec/errors.js';

/** A call about to be routed: observers may refuse it (throw a typed error) before any upstream call. */
export type Admission =
  | { kind: 'chat'; model: string; request: ChatRequest; stream: boolean }
  | { kind: 'embeddings'; model: string; input: readonly string[] };

/** The complete answer, about to be sent (a cache hit included). */
export type Answer =
  | { kind: 'chat'; result: ChatResult }
  | { kind: 'embeddings'; model: string; results: readonly EmbeddingResult[] };

/** One upstream attempt (retries and fallbacks each count). */
export interface AttemptRecord {
  backend: string;
  /** The model id the backend was asked for. */
  model: string;
  /** The HTTP status the attempt ended with (200 on success; the error's status on failure). */
  status: number;
  latencyMs: number;
  error?: LlamaGateError;
}

/** Every member is optional; stages implement what they need. Only `admit` and `answer` may be awaited. */
export interface ExchangeObserver {
  requestStart?(): void;
  admit?(admission: Admission): Promise<void> | undefined;
  attemptStart?(backend: string, model: string): void;
  attemptEnd?(attempt: AttemptRecord): void;
  /** The first frame of a stream went out, `ms` after the request started. */
  firstChunk?(ms: number): void;
  part?(part: ChatStreamPart): void;
  /** The usage as the upstream reported it (a stream's: once it ended). */
  usage?(usage: Usage): void;
  /** Before the answer is sent; response headers can still be set. */
  answer?(answer: Answer): Promise<void> | undefined;
  error?(error: LlamaGateError): void;
  /** The response finished (or the client went away: 499). */
  requestEnd?(status: number): void;
}
