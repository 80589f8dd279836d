import type { IncomingMessage, ServerResponse } from 'node:http';
import { generateId, unixSeconds } from '../../provider-utils/ids.js';
import type { ResolvedTarget } from '../../router/model-resolver.js';
import type { CallOptions, ChatResult } from '../../spec/chat.js';
import { type LlamaGateError, toLlamaGateError, toOpenAIErrorBody } from '../../spec/errors.js';
import { type GatewayContext, type RequestState, warningsHeader } from '../gateway-context.js';
import { parseJsonBody, readBody, sendJson, writeWithBackpressure } from '../http-io.js';
import { type ParsedChatRequest, parseChatCompletionBody } from '../openai-request.js';
import { ChatChunkEncoder, encodeChatCompletion } from '../openai-response.js';
import { chatCacheKey } from '../response-cache.js';

function wantsNoCache(request: IncomingMessage): boolean {
  const header = request.headers['cache-control'];
  return typeof header === 'string' && /\b(no-cache|no-store)\b/i.test(header);
}

/** The call deadline: body `timeout`, else `x-llamagate-timeout` (seconds), else the backend's, capped by TIMEOUT. */
export function requestTimeout(
  context: GatewayContext,
  request: IncomingMessage,
  parsedTimeoutMs: number | undefined,
  backendTimeoutMs: number | undefined,
): number {
  const header = request.headers['x-llamagate-timeout'];
  const headerMs =
    typeof header === 'string' && Number.isFinite(Number(header)) && Number(header) > 0
      ? Number(header) * 1000
      : undefined;
  const asked = parsedTimeoutMs ?? headerMs ?? backendTimeoutMs ?? context.config.timeoutMs;
  return Math.min(asked, context.config.timeoutMs);
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
  const target = context.resolver.resolve(parsed.model);
  state.backend = target.backend.name;
  response.setHeader('x-llamagate-backend', target.backend.name);
  const options: CallOptions = {
    signal: state.abort.signal,
    timeoutMs: requestTimeout(context, request, parsed.timeoutMs, target.backend.timeoutMs),
    headers: upstreamHeaders(state),
    requestId: state.id,
  };
  if (parsed.stream) return streamChat(context, response, state, parsed, target, options);
  return generateChat(context, request, response, state, parsed, target, options);
}

async function generateChat(
  context: GatewayContext,
  request: IncomingMessage,
  response: ServerResponse,
  state: RequestState,
  parsed: ParsedChatRequest,
  target: ResolvedTarget,
  options: CallOptions,
): Promise<void> {
  const cache = context.cache;
  let key: string | undefined;
  if (cache !== undefined) {
    if (wantsNoCache(request)) {
      state.cache = 'BYPASS';
    } else {
      key = chatCacheKey(target.backend.name, target.modelId, parsed.request.openaiBody ?? {});
      const hit = cache.get(key);
      if (hit !== undefined) {
        state.cache = 'HIT';
        state.usage = hit.usage;
        sendJson(response, 200, encodeChatCompletion(hit), { 'x-cache': 'HIT' });
        return;
      }
      state.cache = 'MISS';
    }
  }
  const result: ChatResult = await target.backend.provider.chatModel(target.modelId).generate(parsed.request, options);
  state.usage = result.usage;
  if (key !== undefined) cache?.set(key, result);
  const headers: Record<string, string> = {};
  if (state.cache !== undefined) headers['x-cache'] = state.cache === 'BYPASS' ? 'MISS' : state.cache;
  const warnings = warningsHeader(result.warnings);
  if (warnings !== undefined) headers['x-llamagate-warnings'] = warnings;
  sendJson(response, 200, encodeChatCompletion(result), headers);
}

async function streamChat(
  context: GatewayContext,
  response: ServerResponse,
  state: RequestState,
  parsed: ParsedChatRequest,
  target: ResolvedTarget,
  options: CallOptions,
): Promise<void> {
  // Failures before the upstream accepted the stream reject here and become a normal JSON error response.
  const stream = await target.backend.provider.chatModel(target.modelId).stream(parsed.request, options);
  const headers: Record<string, string> = {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  };
  const warnings = warningsHeader(stream.warnings);
  if (warnings !== undefined) headers['x-llamagate-warnings'] = warnings;
  response.writeHead(200, headers);
  response.flushHeaders();
  const encoder = new ChatChunkEncoder(
    { id: generateId('chatcmpl'), model: stream.model, created: unixSeconds() },
    parsed.includeUsage,
  );
  let failed: LlamaGateError | undefined;
  try {
    for await (const part of stream.parts) {
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
  if (response.destroyed || state.abort.signal.aborted) return;
  if (failed !== undefined) {
    state.errorCode = failed.code;
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
