/**
 * The whole of a chat endpoint, for any inbound format: read the body, decode it with the format's codec, run
 * the one chat exchange, encode the answer (one body, or a stream of frames) with the same codec.
 */
import type { ServerResponse } from 'node:http';
import { unixSeconds } from '../../provider-utils/ids.js';
import { merged } from '../../provider-utils/merged.js';
import { leavesOf } from '../../router/routing-table.js';
import type { LlamaGateError } from '../../spec/errors.js';
import { type ChatOutcome, runChatExchange } from '../exchange/chat-exchange.js';
import { emitFirstChunk } from '../exchange/emit.js';
import type { GatewayContext, RequestState } from '../gateway-context.js';
import { parseJsonBody, readBody, sendEncoded, writeResponseHead, writeWithBackpressure } from '../http-io.js';
import type { Route, RouteHandler } from '../route.js';
import type { ChatCodec, DecodedChatCall } from '../wire/chat-codec.js';
import { invalidField } from '../wire/wire-fields.js';

/** Headers that keep proxies from buffering or caching an event stream. */
const STREAM_HEADERS: Readonly<Record<string, string>> = {
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};

/**
 * A route's own step between decoding and the exchange (stored conversation state, Ollama's load-only
 * requests); it returns true when it answered the request itself.
 */
export type PrepareCall<Call extends DecodedChatCall> = (
  call: Call,
  context: GatewayContext,
  response: ServerResponse,
  state: RequestState,
) => Promise<boolean | undefined> | boolean | undefined;

/** The handler of a chat endpoint speaking `codec`'s format. */
export function chatHandler<Call extends DecodedChatCall>(
  codec: ChatCodec<Call>,
  prepare?: PrepareCall<Call>,
): RouteHandler {
  return async (context, request, response, state) => {
    state.modelRoute = true;
    const bytes = await readBody(request, context.config.maxBodySize);
    const call = codec.decode(parseJsonBody(bytes), bytes, request.headers);
    if (call.providerOnly !== undefined) checkProviderOnly(context, call, state.path, request.method);
    if (prepare !== undefined && (await prepare(call, context, response, state)) === true) return;
    const outcome = await runChatExchange(context, request, response, state, call);
    if (outcome.kind === 'result') {
      const meta = { requestId: state.id, model: outcome.result.model, created: unixSeconds() };
      sendEncoded(response, codec.encodeResult(outcome.result, call, meta), outcome.headers);
    } else await sendStream(codec, call, outcome, response, state);
  };
}

/** A 400 naming the parameter unless every backend the call may reach is of the one provider that honours it. */
function checkProviderOnly(context: GatewayContext, call: DecodedChatCall, path: string, method: string | undefined) {
  const only = call.providerOnly;
  if (only === undefined) return;
  const { node } = context.router.resolveNode({ model: call.model, path, method });
  if (leavesOf(node).every((leaf) => leaf.backend.type === only.provider)) return;
  throw invalidField(only.message, only.param, 'invalid_request');
}

/** A chat route: `POST path` answered by `codec`'s format, its errors too. */
export function chatRoute<Call extends DecodedChatCall>(
  path: string,
  codec: ChatCodec<Call>,
  prepare?: PrepareCall<Call>,
): Route {
  return {
    method: 'POST',
    path,
    auth: 'key',
    handler: chatHandler(codec, prepare),
    encodeError: (error: LlamaGateError, requestId: string) => codec.encodeError(error, requestId),
  };
}

async function sendStream<Call extends DecodedChatCall>(
  codec: ChatCodec<Call>,
  call: Call,
  outcome: Extract<ChatOutcome, { kind: 'stream' }>,
  response: ServerResponse,
  state: RequestState,
): Promise<void> {
  // Not flushed on their own: the headers leave with the first frame in one write, one wake-up of the client.
  writeResponseHead(response, 200, merged(STREAM_HEADERS, outcome.headers), codec.streamContentType);
  const meta = { requestId: state.id, model: outcome.stream.model, created: unixSeconds() };
  let first = true;
  for await (const frame of codec.encodeStream(outcome.parts, call, meta)) {
    if (response.destroyed) break;
    if (first) {
      first = false;
      emitFirstChunk(state);
    }
    const pending = writeWithBackpressure(response, frame);
    if (pending !== undefined) await pending;
  }
  if (!response.destroyed && !state.signal.aborted) response.end();
}
