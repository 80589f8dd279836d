/**
 * The contract between an inbound API's wire codec and the one chat exchange. A codec turns its format's
 * request body into a neutral {@link ChatRequest} and turns the exchange's neutral results, stream parts and
 * errors back into its format; it knows nothing of routing, billing, caching or tools.
 *
 * A route is: read the body → `codec.decode` → run the chat exchange → `codec.encodeResult` or
 * `codec.encodeStream`; any failure before the response started → `codec.encodeError`.
 */
import type { ChatRequest, ChatResult, ChatStreamPart } from '../../spec/chat.js';
import type { LlamaGateError } from '../../spec/errors.js';

/** Every inbound API the gateway speaks (one codec each). */
export type WireFormat =
  | 'openai-chat'
  | 'openai-embeddings'
  | 'anthropic-messages'
  | 'openai-responses'
  | 'openai-completions'
  | 'ollama-chat'
  | 'ollama-generate';

/**
 * The client's own bytes, kept so that an adapter speaking the same format can forward them unchanged (and a
 * codec can return the upstream's bytes unchanged). Set only when decoding changed nothing.
 */
export interface WirePassthrough {
  format: WireFormat;
  /** The decoded body, never mutated by decoding. */
  body: Readonly<Record<string, unknown>>;
  /** The exact request bytes. */
  bytes: Uint8Array;
  /** Client headers of this format that an adapter of the same format forwards unchanged. */
  headers?: Record<string, string>;
}

/** What `decode` returns: the neutral request plus the facts the exchange and the encoder need. */
export interface DecodedChatCall {
  /** The model (or alias, pool, route) the client named. */
  model: string;
  stream: boolean;
  /** A per-request timeout the body asked for. */
  timeoutMs?: number;
  request: ChatRequest;
  passthrough?: WirePassthrough;
  /** What the response cache hashes (with the routing target); the same for requests that must answer alike. */
  cacheMaterial: unknown;
}

/** Facts about the response the encoder writes: ids and names the client sees. */
export interface ResponseMeta {
  requestId: string;
  /** The model name to report: the model the upstream answered with, else the one the client asked for. */
  model: string;
  /** Unix seconds. */
  created: number;
}

/** A body ready to send. `bytes` is preferred (upstream bytes passed through); otherwise `json` is serialised. */
export type EncodedBody =
  | { kind: 'json'; status?: number; json: unknown; headers?: Record<string, string> }
  | { kind: 'bytes'; status?: number; bytes: Uint8Array; contentType: string; headers?: Record<string, string> };

export interface EncodedError {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface ChatCodec<Call extends DecodedChatCall = DecodedChatCall> {
  readonly format: WireFormat;
  /** The stream's content type: `text/event-stream; charset=utf-8` or `application/x-ndjson`. */
  readonly streamContentType: string;
  /**
   * Body (already JSON-parsed, with depth limits) and its bytes → the neutral call. Never mutates `body`.
   * Throws `BadRequestError` (with `param`) for invalid input. `headers` are the request headers (lower-case).
   */
  decode(body: unknown, bytes: Uint8Array, headers: Readonly<Record<string, string | string[] | undefined>>): Call;
  /** One result → the response body. May return the upstream's bytes when they already are this format. */
  encodeResult(result: ChatResult, call: Call, meta: ResponseMeta): EncodedBody;
  /**
   * Typed parts → framed text (SSE events with their blank lines, or NDJSON lines), the final frames included
   * (`[DONE]`, `message_stop`, `done: true`). An `error` part is the last part: encode it in the format's
   * in-stream error shape and end. Bytes are the upstream's own frames, relayed (`wire-bytes` parts).
   */
  encodeStream(
    parts: AsyncIterable<ChatStreamPart>,
    call: Call,
    meta: ResponseMeta,
  ): AsyncIterable<string | Uint8Array>;
  /** A failure before the response started → status and body in this format's error shape. */
  encodeError(error: LlamaGateError, requestId: string): EncodedError;
}
