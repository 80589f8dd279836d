/**
 * A decoded call of any inbound API through the routed chat call: billing admission → plan → cache →
 * router (retries, fallback) → the codec's encoding, streamed or whole. Thin stand-in, in the current route
 * style, for the shared chat exchange; it moves there once that exchange exists.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { unixSeconds } from '../provider-utils/ids.js';
import type { FallbackTrace } from '../router/fallback-runner.js';
import type { RouteCallOptions } from '../router/router.js';
import type { ChatResult, ChatStreamPart } from '../spec/chat.js';
import { toLlamaGateError } from '../spec/errors.js';
import { type GatewayContext, type RequestState, warningsHeader } from './gateway-context.js';
import { sendJson, writeResponseHead, writeWithBackpressure } from './http-io.js';
import { chatCacheKey } from './response-cache.js';
import { addTriedHeaders, recordServed, requestTiming, routingHeaders } from './routes/chat-completions.js';
import type { ChatCodec, DecodedChatCall, EncodedBody, ResponseMeta } from './wire/chat-codec.js';

/** Aborted when the client goes away or this response ends, so a stream's upstream never outlives it. */
function responseScopedSignal(state: RequestState, response: ServerResponse): AbortSignal {
  const controller = new AbortController();
  const connection = state.signal;
  const onAbort = () => controller.abort(connection.reason);
  if (connection.aborted) controller.abort(connection.reason);
  else connection.addEventListener('abort', onAbort, { once: true });
  response.once('close', () => {
    connection.removeEventListener('abort', onAbort);
    if (!controller.signal.aborted) controller.abort(new Error('response finished'));
  });
  return controller.signal;
}

function wantsNoCache(request: IncomingMessage): boolean {
  const header = request.headers['cache-control'];
  return typeof header === 'string' && /\b(no-cache|no-store)\b/i.test(header);
}

export function sendEncoded(response: ServerResponse, body: EncodedBody, headers: Record<string, string>): void {
  const all = { ...headers, ...body.headers };
  if (body.kind === 'bytes') {
    writeResponseHead(response, body.status ?? 200, all, body.contentType, body.bytes.byteLength);
    response.end(body.bytes);
  } else {
    sendJson(response, body.status ?? 200, body.json, all);
  }
}

export async function runCodecChat<Call extends DecodedChatCall>(
  context: GatewayContext,
  request: IncomingMessage,
  response: ServerResponse,
  state: RequestState,
  codec: ChatCodec<Call>,
  call: Call,
): Promise<void> {
  state.model = call.model;
  state.stream = call.stream;
  if (state.billing !== undefined) await state.billing.admitChat(response, call.model, call.request, call.stream);
  const plan = context.router.plan({
    model: call.model,
    path: state.path,
    method: request.method,
    stream: call.stream,
  });
  const timing = requestTiming(context, request, call.timeoutMs);
  const trace: FallbackTrace = { attempts: 0, fallbacks: 0 };
  const options: RouteCallOptions = {
    signal: call.stream ? responseScopedSignal(state, response) : state.signal,
    deadlineMs: timing.deadlineMs,
    requestTimeoutMs: timing.requestTimeoutMs,
    headers: { 'x-request-id': state.id },
    requestId: state.id,
    trace,
  };
  try {
    if (call.stream) await streamCall(context, response, state, codec, call, plan, options);
    else await generateCall(context, request, response, state, codec, call, plan, options);
  } catch (error) {
    addTriedHeaders(response, trace);
    throw error;
  }
}

type Plan = ReturnType<GatewayContext['router']['plan']>;

async function generateCall<Call extends DecodedChatCall>(
  context: GatewayContext,
  request: IncomingMessage,
  response: ServerResponse,
  state: RequestState,
  codec: ChatCodec<Call>,
  call: Call,
  plan: Plan,
  options: RouteCallOptions,
): Promise<void> {
  const cache = context.cache;
  let key: string | undefined;
  let result: ChatResult | undefined;
  const headers: Record<string, string> = {};
  if (cache !== undefined) {
    if (wantsNoCache(request)) state.cache = 'BYPASS';
    else {
      key = chatCacheKey(plan.target, plan.model ?? '', { format: codec.format, material: call.cacheMaterial });
      result = cache.get(key);
      state.cache = result === undefined ? 'MISS' : 'HIT';
      headers['x-cache'] = state.cache;
      if (result !== undefined) headers['x-llamagate-attempts'] = '0';
    }
  }
  if (result === undefined) {
    const outcome = await context.router.generate(plan, call.request, options);
    recordServed(state, outcome);
    result = outcome.value;
    if (key !== undefined) cache?.set(key, result);
    Object.assign(headers, routingHeaders(outcome, outcome.target.backend.name));
  }
  state.usage = result.usage;
  const warnings = warningsHeader(result.warnings);
  if (warnings !== undefined) headers['x-llamagate-warnings'] = warnings;
  if (state.billing !== undefined) await state.billing.charge(response, result);
  const meta: ResponseMeta = { requestId: state.id, model: result.model || call.model, created: unixSeconds() };
  sendEncoded(response, codec.encodeResult(result, call, meta), headers);
}

/** The upstream's parts, seen by billing and the request log; a thrown failure becomes an `error` part. */
async function* observed(parts: AsyncIterable<ChatStreamPart>, state: RequestState): AsyncIterable<ChatStreamPart> {
  try {
    for await (const part of parts) {
      state.billing?.observe(part);
      if (part.type === 'usage') state.usage = part.usage;
      if (part.type === 'error') state.errorCode = part.error.code;
      yield part;
      if (part.type === 'error') return;
    }
  } catch (error) {
    const failure = toLlamaGateError(error);
    state.errorCode = failure.code;
    yield { type: 'error', error: failure };
  }
}

async function streamCall<Call extends DecodedChatCall>(
  context: GatewayContext,
  response: ServerResponse,
  state: RequestState,
  codec: ChatCodec<Call>,
  call: Call,
  plan: Plan,
  options: RouteCallOptions,
): Promise<void> {
  const outcome = await context.router.stream(plan, call.request, options);
  recordServed(state, outcome);
  const stream = outcome.value;
  const headers: Record<string, string> = {
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    ...routingHeaders(outcome, outcome.target.backend.name),
  };
  const warnings = warningsHeader(stream.warnings);
  if (warnings !== undefined) headers['x-llamagate-warnings'] = warnings;
  writeResponseHead(response, 200, headers, codec.streamContentType);
  response.flushHeaders();
  const meta: ResponseMeta = { requestId: state.id, model: stream.model || call.model, created: unixSeconds() };
  for await (const frame of codec.encodeStream(observed(stream.parts, state), call, meta)) {
    if (response.destroyed) break;
    state.timeToFirstChunkMs ??= performance.now() - state.startedAt;
    const pending = writeWithBackpressure(response, frame);
    if (pending !== undefined) await pending;
  }
  if (state.errorCode !== undefined)
    context.logger.warn(
      { requestId: state.id, backend: state.backend, code: state.errorCode },
      'stream failed after it started',
    );
  if (!response.destroyed) response.end();
}
