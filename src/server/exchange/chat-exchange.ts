/**
 * The one chat exchange every inbound API shares: admission → plan → cache → the routed model call (with the
 * configured wrappers around it) → events. It knows no wire format: a codec decoded the call and will encode
 * what this returns.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FallbackTrace } from '../../router/fallback-runner.js';
import type { PlannedTarget } from '../../router/route-plan.js';
import type { AttemptObserver, RouteCallOptions, RouteOutcome, RoutePlan, Router } from '../../router/router.js';
import type { CallOptions, ChatRequest, ChatResult, ChatStreamPart, ChatStreamResult, Usage } from '../../spec/chat.js';
import type { ChatCall, ChatCallContext, ChatCallWrapper } from '../../spec/chat-call.js';
import { type LlamaGateError, toLlamaGateError } from '../../spec/errors.js';
import type { GatewayContext, RequestState } from '../gateway-context.js';
import { cacheScope, chatCacheKey } from '../response-cache.js';
import type { DecodedChatCall } from '../wire/chat-codec.js';
import {
  emitAdmit,
  emitAnswer,
  emitAttemptEnd,
  emitAttemptStart,
  emitError,
  emitPart,
  emitUsage,
  observesAttempts,
} from './emit.js';
import {
  addTriedHeaders,
  recordServed,
  requestTiming,
  responseScopedSignal,
  routedCallOptions,
  routingHeaders,
  warningsHeader,
} from './route-call.js';

/** What the exchange hands back to the route: the answer, and the headers it must carry. */
export type ChatOutcome =
  | { kind: 'result'; result: ChatResult; headers: Record<string, string> }
  | {
      kind: 'stream';
      stream: ChatStreamResult;
      /** The stream's parts, observed (usage, errors, billing) as the encoder pulls them. */
      parts: AsyncIterable<ChatStreamPart>;
      headers: Record<string, string>;
    };

function wantsNoCache(request: IncomingMessage): boolean {
  const header = request.headers['cache-control'];
  return typeof header === 'string' && /\b(no-cache|no-store)\b/i.test(header);
}

/**
 * The innermost model call: the router over the plan (retries, fallback), recording which backend served into
 * the request state, however many times a wrapper calls it. The client's passthrough reaches the adapter only
 * while the request is the decoded one and the caller kept `options.passthrough`.
 */
class RoutedChatCall implements ChatCall, AttemptObserver {
  /** The last call's routing (the one whose answer is sent); attempts and fallbacks summed over all calls. */
  served: RouteOutcome<unknown> | undefined;
  attempts = 0;
  fallbacks = 0;

  constructor(
    private readonly router: Router,
    private readonly plan: RoutePlan,
    private readonly decoded: ChatRequest,
    readonly options: RouteCallOptions,
    private readonly state: RequestState,
  ) {}

  generate(request: ChatRequest, options: CallOptions): Promise<ChatResult> {
    return this.router.generate(this.plan, request, this.#options(request, options)).then((outcome) => {
      this.#record(outcome);
      if (this.state.observation?.traced === true) {
        this.state.finishReasons = outcome.value.choices.map((choice) => choice.finishReason);
      }
      return outcome.value;
    });
  }

  stream(request: ChatRequest, options: CallOptions): Promise<ChatStreamResult> {
    return this.router.stream(this.plan, request, this.#options(request, options)).then((outcome) => {
      this.#record(outcome);
      return outcome.value;
    });
  }

  attemptStart(target: PlannedTarget): void {
    emitAttemptStart(this.state, target.backend.name, target.modelId);
  }

  attemptEnd(target: PlannedTarget, latencyMs: number, error: LlamaGateError | undefined): void {
    const record = { backend: target.backend.name, model: target.modelId, status: error?.status ?? 200, latencyMs };
    emitAttemptEnd(this.state, error === undefined ? record : { ...record, error });
  }

  /** Routing headers of the served call, with attempts and fallbacks over every call a wrapper made. */
  headers(): Record<string, string> {
    const served = this.served as RouteOutcome<unknown>;
    return routingHeaders({ attempts: this.attempts, fallbacks: this.fallbacks }, served.target.backend.name);
  }

  #options(request: ChatRequest, options: CallOptions): RouteCallOptions {
    if (request === this.decoded && options.passthrough === this.options.passthrough) return this.options;
    return { ...this.options, passthrough: request === this.decoded ? options.passthrough : undefined };
  }

  #record(outcome: RouteOutcome<unknown>): void {
    this.served = outcome;
    this.attempts += outcome.attempts;
    this.fallbacks += outcome.fallbacks;
    recordServed(this.state, outcome);
    this.state.attempts = this.attempts;
  }
}

/** The wrappers applied around the routed call, the first listed outermost. */
function wrap(
  inner: ChatCall,
  wrappers: readonly ChatCallWrapper[],
  state: RequestState,
  call: DecodedChatCall,
  request: IncomingMessage,
) {
  const progress = request.headers['x-llamagate-tool-progress'];
  const context: ChatCallContext = {
    requestId: state.id,
    model: call.model,
    stream: call.stream,
    ...optionalKey(state.keyId),
    ...(state.mcpTools == null ? {} : { mcpToolGlobs: state.mcpTools }),
    ...(state.toolCharges === undefined ? {} : { toolCharges: state.toolCharges }),
    ...(progress === 'true' || progress === 'false' ? { toolProgress: progress === 'true' } : {}),
  };
  let wrapped = inner;
  for (let index = wrappers.length - 1; index >= 0; index--)
    wrapped = (wrappers[index] as ChatCallWrapper)(wrapped, context);
  return wrapped;
}

function optionalKey(keyId: string | undefined): { keyId?: string } {
  return keyId === undefined ? {} : { keyId };
}

/**
 * Runs a decoded chat call. Failures before the answer started are thrown (with the routing headers of what
 * was tried already set on the response); a stream's later failures arrive as its `error` part.
 */
export async function runChatExchange(
  context: GatewayContext,
  request: IncomingMessage,
  response: ServerResponse,
  state: RequestState,
  call: DecodedChatCall,
): Promise<ChatOutcome> {
  state.model = call.model;
  state.stream = call.stream;
  const admitted = emitAdmit(state, { kind: 'chat', model: call.model, request: call.request, stream: call.stream });
  if (admitted !== undefined) await admitted;
  const plan = context.router.plan({
    model: call.model,
    path: state.path,
    method: request.method,
    stream: call.stream,
  });
  const timing = requestTiming(context, request, call.timeoutMs);
  const trace: FallbackTrace = { attempts: 0, fallbacks: 0 };
  const options: RouteCallOptions = routedCallOptions(
    state,
    timing,
    trace,
    call.stream ? responseScopedSignal(state, response) : state.signal,
  );
  options.passthrough = call.passthrough;
  const routed = new RoutedChatCall(context.router, plan, call.request, options, state);
  if (observesAttempts(state)) options.observer = routed;
  const wrappers = context.chatWrappers;
  const model: ChatCall =
    wrappers === undefined || wrappers.length === 0 ? routed : wrap(routed, wrappers, state, call, request);
  try {
    return call.stream
      ? await streamChat(context.logger, state, call, model, routed)
      : await generateChat(context, request, state, call, plan, model, routed);
  } catch (error) {
    addTriedHeaders(response, trace);
    emitError(state, toLlamaGateError(error));
    throw error;
  }
}

async function generateChat(
  context: GatewayContext,
  request: IncomingMessage,
  state: RequestState,
  call: DecodedChatCall,
  plan: RoutePlan,
  model: ChatCall,
  routed: RoutedChatCall,
): Promise<ChatOutcome> {
  const cache = context.cache;
  let key: string | undefined;
  if (cache !== undefined) {
    if (wantsNoCache(request)) {
      state.cache = 'BYPASS';
    } else {
      key = chatCacheKey(
        plan.target,
        plan.model ?? '',
        call.cacheMaterial as Readonly<Record<string, unknown>>,
        cacheScope(state.keyId, context.cacheGroups),
      );
      const hit = cache.get(key);
      if (hit !== undefined) {
        state.cache = 'HIT';
        emitUsage(state, hit.usage);
        const answered = emitAnswer(state, { kind: 'chat', result: hit });
        if (answered !== undefined) await answered;
        return { kind: 'result', result: hit, headers: { 'x-cache': 'HIT', 'x-llamagate-attempts': '0' } };
      }
      state.cache = 'MISS';
    }
  }
  let result = await model.generate(call.request, routed.options);
  // A wrapper's own result cannot carry the upstream's bytes: they describe a different answer.
  if (model !== routed && result.response?.body !== undefined && result !== routed.served?.value)
    result = { ...result, response: { ...result.response, body: undefined } };
  emitUsage(state, result.usage);
  if (key !== undefined && result.cacheable !== false) cache?.set(key, result);
  const headers = routed.headers();
  if (state.cache !== undefined) headers['x-cache'] = state.cache === 'BYPASS' ? 'MISS' : state.cache;
  const warnings = warningsHeader(result.warnings);
  if (warnings !== undefined) headers['x-llamagate-warnings'] = warnings;
  const answered = emitAnswer(state, { kind: 'chat', result });
  if (answered !== undefined) await answered;
  return { kind: 'result', result, headers };
}

async function streamChat(
  logger: GatewayContext['logger'],
  state: RequestState,
  call: DecodedChatCall,
  model: ChatCall,
  routed: RoutedChatCall,
): Promise<ChatOutcome> {
  // Failures before the first output part are retried or fallen back from inside the router; when every
  // candidate failed the rejection becomes a normal error response.
  const stream = await model.stream(call.request, routed.options);
  const headers = routed.headers();
  const warnings = warningsHeader(stream.warnings);
  if (warnings !== undefined) headers['x-llamagate-warnings'] = warnings;
  // A wrapper's own stream cannot relay the upstream's bytes: they describe a different answer.
  const relays = model === routed || stream === routed.served?.value;
  return { kind: 'stream', stream, parts: observeParts(stream.parts, state, logger, relays), headers };
}

/**
 * The stream's parts as the encoder pulls them, each told to the observers; a thrown failure becomes the
 * final `error` part, and the usage is recorded when the stream ends or is abandoned. Relayed upstream bytes
 * pass only when `relays`.
 */
async function* observeParts(
  parts: AsyncIterable<ChatStreamPart>,
  state: RequestState,
  logger: GatewayContext['logger'],
  relays: boolean,
): AsyncGenerator<ChatStreamPart> {
  let usage: Usage | undefined;
  let failed: LlamaGateError | undefined;
  let relayed = false;
  try {
    try {
      for await (const part of parts) {
        if (part.type === 'upstream-frame') {
          if (relays) yield part;
          continue;
        }
        emitPart(state, part);
        if (part.type === 'usage') usage = { ...usage, ...part.usage };
        else if (part.type === 'finish' && state.observation?.traced === true) {
          // One per finished choice, as a plain answer's `choices` give them (for traces).
          if (state.finishReasons === undefined) state.finishReasons = [part.finishReason];
          else state.finishReasons.push(part.finishReason);
        } else if (part.type === 'error') {
          failed = part.error;
          relayed = relays && part.relayed === true;
          break;
        }
        yield part;
      }
    } catch (error) {
      failed = toLlamaGateError(error);
    }
    if (failed !== undefined && !state.signal.aborted) {
      state.errorCode = failed.code;
      logger.warn(
        { requestId: state.id, backend: state.backend, code: failed.code, message: failed.message },
        'stream failed after it started',
      );
      emitError(state, failed);
      yield relayed ? { type: 'error', error: failed, relayed } : { type: 'error', error: failed };
    }
  } finally {
    emitUsage(state, usage ?? {});
  }
}
