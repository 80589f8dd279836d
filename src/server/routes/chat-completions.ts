import type { IncomingMessage, ServerResponse } from 'node:http';
import { generateId, unixSeconds } from '../../provider-utils/ids.js';
import type { FallbackTrace } from '../../router/fallback-runner.js';
import type { RouteCallOptions, RouteOutcome, RoutePlan } from '../../router/router.js';
import type { ChatResult } from '../../spec/chat.js';
import { type LlamaGateError, toLlamaGateError, toOpenAIErrorBody } from '../../spec/errors.js';
import { type GatewayContext, type RequestState, warningsHeader } from '../gateway-context.js';
import {
  parseJsonBody,
  readBody,
  sendJson,
  sendJsonBytes,
  writeResponseHead,
  writeWithBackpressure,
} from '../http-io.js';
import { type ParsedChatRequest, parseChatCompletionBody } from '../openai-request.js';
import { ChatChunkEncoder, encodeChatCompletion } from '../openai-response.js';
import { chatCacheKey } from '../response-cache.js';

function wantsNoCache(request: IncomingMessage): boolean {
  const header = request.headers['cache-control'];
  return typeof header === 'string' && /\b(no-cache|no-store)\b/i.test(header);
}

export interface RequestTiming {
  /** The overall deadline across retries and fallbacks (ms). */
  deadlineMs: number;
  /** The timeout the client asked for (body `timeout`, else `x-llamagate-timeout`), which also bounds each attempt. */
  requestTimeoutMs: number | undefined;
}

/** The client's timeout (body `timeout`, else `x-llamagate-timeout` in seconds), capped by TIMEOUT. */
export function requestTiming(
  context: GatewayContext,
  request: IncomingMessage,
  parsedTimeoutMs: number | undefined,
): RequestTiming {
  const header = request.headers['x-llamagate-timeout'];
  const headerMs =
    typeof header === 'string' && Number.isFinite(Number(header)) && Number(header) > 0
      ? Number(header) * 1000
      : undefined;
  const asked = parsedTimeoutMs ?? headerMs;
  const cap = context.config.timeoutMs;
  return {
    deadlineMs: Math.min(asked ?? cap, cap),
    requestTimeoutMs: asked === undefined ? undefined : Math.min(asked, cap),
  };
}

/** `x-llamagate-backend` (who served, or was tried last), `x-llamagate-attempts`, `x-llamagate-fallbacks`. */
export function routingHeaders(trace: FallbackTrace, served?: string): Record<string, string> {
  const headers: Record<string, string> = {
    'x-llamagate-attempts': String(trace.attempts),
    'x-llamagate-fallbacks': String(trace.fallbacks),
  };
  const backend = served ?? trace.current;
  if (backend !== undefined) headers['x-llamagate-backend'] = backend;
  return headers;
}

/** After a failed routed call: tells the client how many attempts were made and where. */
export function addTriedHeaders(response: ServerResponse, trace: FallbackTrace): void {
  if (!response.headersSent && trace.attempts > 0) {
    for (const [name, value] of Object.entries(routingHeaders(trace))) response.setHeader(name, value);
  }
}

/**
 * A stream's own signal, aborted when the client's connection closes or when this response ends for any
 * reason. Non-streaming calls listen to the connection's shared signal and always remove their listener; a
 * stream's upstream listens until the stream is consumed or closed, so its listener must not outlive the
 * response on a keep-alive connection.
 */
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

function upstreamHeaders(state: RequestState): Record<string, string> {
  return { 'x-request-id': state.id };
}

export async function handleChatCompletions(
  context: GatewayContext,
  request: IncomingMessage,
  response: ServerResponse,
  state: RequestState,
): Promise<void> {
  const raw = await readBody(request, context.config.maxBodySize);
  const parsed = parseChatCompletionBody(parseJsonBody(raw), raw);
  state.model = parsed.model;
  state.stream = parsed.stream;
  if (state.billing !== undefined) await state.billing.admitChat(response, parsed.model, parsed.request, parsed.stream);
  const plan = context.router.plan({
    model: parsed.model,
    path: state.path,
    method: request.method,
    stream: parsed.stream,
  });
  const timing = requestTiming(context, request, parsed.timeoutMs);
  const trace: FallbackTrace = { attempts: 0, fallbacks: 0 };
  const options: RouteCallOptions = {
    signal: parsed.stream ? responseScopedSignal(state, response) : state.signal,
    deadlineMs: timing.deadlineMs,
    requestTimeoutMs: timing.requestTimeoutMs,
    headers: upstreamHeaders(state),
    requestId: state.id,
    trace,
    onAttempt: state.observation?.onAttempt,
  };
  try {
    if (parsed.stream) await streamChat(context, response, state, parsed, plan, options);
    else await generateChat(context, request, response, state, parsed, plan, options);
  } catch (error) {
    addTriedHeaders(response, trace);
    throw error;
  }
}

/** Which backend served (after retries and fallbacks), for the log line and billing. */
export function recordServed(state: RequestState, outcome: RouteOutcome<unknown>): void {
  state.backend = outcome.target.backend.name;
  state.upstreamModel = outcome.target.modelId;
  state.attempts = outcome.attempts;
}

async function generateChat(
  context: GatewayContext,
  request: IncomingMessage,
  response: ServerResponse,
  state: RequestState,
  parsed: ParsedChatRequest,
  plan: RoutePlan,
  options: RouteCallOptions,
): Promise<void> {
  const cache = context.cache;
  let key: string | undefined;
  if (cache !== undefined) {
    if (wantsNoCache(request)) {
      state.cache = 'BYPASS';
    } else {
      key = chatCacheKey(plan.target, plan.model ?? '', parsed.request.openaiBody ?? {});
      const hit = cache.get(key);
      if (hit !== undefined) {
        state.cache = 'HIT';
        state.usage = hit.usage;
        if (state.billing !== undefined) await state.billing.charge(response, hit);
        sendCompletion(response, hit, { 'x-cache': 'HIT', 'x-llamagate-attempts': '0' });
        return;
      }
      state.cache = 'MISS';
    }
  }
  const outcome = await context.router.generate(plan, parsed.request, options);
  recordServed(state, outcome);
  const result: ChatResult = outcome.value;
  state.usage = result.usage;
  if (state.observation !== undefined) state.finishReasons = result.choices.map((choice) => choice.finishReason);
  if (key !== undefined) cache?.set(key, result);
  const headers: Record<string, string> = routingHeaders(outcome, outcome.target.backend.name);
  if (state.cache !== undefined) headers['x-cache'] = state.cache === 'BYPASS' ? 'MISS' : state.cache;
  const warnings = warningsHeader(result.warnings);
  if (warnings !== undefined) headers['x-llamagate-warnings'] = warnings;
  if (state.billing !== undefined) await state.billing.charge(response, result);
  sendCompletion(response, result, headers);
}

/** The upstream's own bytes when they already are OpenAI's format (`wire`), else the re-encoded result. */
function sendCompletion(response: ServerResponse, result: ChatResult, headers: Record<string, string>): void {
  if (result.wire !== undefined) sendJsonBytes(response, 200, result.wire, headers);
  else sendJson(response, 200, encodeChatCompletion(result), headers);
}

async function streamChat(
  context: GatewayContext,
  response: ServerResponse,
  state: RequestState,
  parsed: ParsedChatRequest,
  plan: RoutePlan,
  options: RouteCallOptions,
): Promise<void> {
  // Failures before the first output part are retried or fallen back from inside the router; when every
  // candidate failed the rejection becomes a normal JSON error response.
  const outcome = await context.router.stream(plan, parsed.request, options);
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
  writeResponseHead(response, 200, headers, 'text/event-stream; charset=utf-8');
  response.flushHeaders();
  const encoder = new ChatChunkEncoder(
    { id: generateId('chatcmpl'), model: stream.model, created: unixSeconds() },
    parsed.includeUsage,
  );
  let failed: LlamaGateError | undefined;
  try {
    for await (const part of stream.parts) {
      state.billing?.observe(part);
      if (part.type === 'error') {
        failed = part.error;
        break;
      }
      for (const chunk of encoder.encode(part)) {
        state.timeToFirstChunkMs ??= performance.now() - state.startedAt;
        const pending = writeWithBackpressure(response, `data: ${JSON.stringify(chunk)}\n\n`);
        if (pending !== undefined) await pending;
      }
      if (response.destroyed) break;
    }
  } catch (error) {
    failed = toLlamaGateError(error);
  }
  state.usage = encoder.finalUsage;
  if (response.destroyed || state.signal.aborted) return;
  if (failed !== undefined) {
    state.errorCode = failed.code;
    state.observation?.failed(failed);
    context.logger.warn(
      { requestId: state.id, backend: state.backend, code: failed.code, message: failed.message },
      'stream failed after it started',
    );
    response.write(`data: ${JSON.stringify(toOpenAIErrorBody(failed, state.id))}\n\n`);
  } else {
    for (const chunk of encoder.finish()) response.write(`data: ${JSON.stringify(chunk)}\n\n`);
  }
  response.end('data: [DONE]\n\n');
}
