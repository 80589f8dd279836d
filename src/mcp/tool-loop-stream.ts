/**
 * The streaming tool loop: the client sees one well-formed stream. Text of every round streams as it
 * arrives; the intermediate tool turns show no `finish` and no tool-call parts; exactly one final `finish`
 * and one `usage` (summed over rounds) close it. The stream resolves at its first visible part, so a limit or
 * an upstream failure before anything was shown still gets a real HTTP status.
 */
import { randomUUID } from 'node:crypto';
import type {
  CallOptions,
  ChatMessage,
  ChatRequest,
  ChatStreamPart,
  ChatStreamResult,
  FinishReason,
  ToolCall,
  Usage,
} from '../spec/chat.js';
import type { ChatCall, ChatCallContext } from '../spec/chat-call.js';
import { toLlamaGateError } from '../spec/errors.js';
import type { McpManager } from './mcp-manager.js';
import {
  addUsage,
  checkLimits,
  type LoopCounters,
  prepareLoop,
  roundRequest,
  runRound,
  splitCalls,
  type ToolLoopPlan,
  withoutPassthrough,
} from './tool-loop-plan.js';

interface PendingCall {
  id?: string;
  name: string;
  arguments: string;
}

interface LoopState {
  manager: McpManager;
  next: ChatCall;
  request: ChatRequest;
  plan: ToolLoopPlan;
  messages: ChatMessage[];
  options: CallOptions;
  signal: AbortSignal | undefined;
  context: ChatCallContext;
}

async function* loopParts(state: LoopState, first: ChatStreamResult): AsyncGenerator<ChatStreamPart> {
  const counters: LoopCounters = { rounds: 0, totalCalls: 0 };
  let current = first;
  let usage: Usage | undefined;
  let metadataSent = false;
  for (let round = 1; ; round += 1) {
    const pending = new Map<number, PendingCall>();
    let finishReason: FinishReason | undefined;
    let rawFinishReason: string | undefined;
    let text = '';
    for await (const part of current.parts) {
      switch (part.type) {
        case 'response-metadata':
          if (!metadataSent) {
            metadataSent = true;
            yield part;
          }
          break;
        case 'text-delta':
          text += part.delta;
          yield part;
          break;
        case 'reasoning-delta':
        case 'reasoning-signature':
        case 'redacted-reasoning':
        case 'refusal-delta':
        case 'tool-progress':
          yield part;
          break;
        case 'tool-call-delta': {
          const call = pending.get(part.toolCallIndex) ?? { name: '', arguments: '' };
          if (part.id !== undefined && call.id === undefined) call.id = part.id;
          if (part.name !== undefined && call.name === '') call.name = part.name;
          call.arguments += part.argumentsDelta;
          pending.set(part.toolCallIndex, call);
          break;
        }
        case 'finish':
          finishReason = part.finishReason;
          rawFinishReason = part.rawFinishReason;
          break;
        case 'usage':
          usage = addUsage(usage ?? {}, part.usage);
          break;
        case 'error':
          yield part;
          return;
      }
    }
    const toolCalls: ToolCall[] = [...pending.entries()]
      .sort(([a], [b]) => a - b)
      .map(([, call]) => ({
        id: call.id ?? `call_${randomUUID().replaceAll('-', '')}`,
        type: 'function',
        function: { name: call.name, arguments: call.arguments },
      }));
    const calls = splitCalls(toolCalls, state.plan);
    if (calls.mcp.length === 0 || calls.client.length > 0) {
      for (const [index, call] of calls.client.entries()) {
        yield {
          type: 'tool-call-delta',
          choiceIndex: 0,
          toolCallIndex: index,
          id: call.id,
          name: call.function.name,
          argumentsDelta: call.function.arguments,
        };
      }
      const reason: FinishReason = calls.client.length > 0 ? 'tool_calls' : (finishReason ?? 'stop');
      yield {
        type: 'finish',
        choiceIndex: 0,
        finishReason: reason,
        ...(rawFinishReason === undefined || reason !== finishReason ? {} : { rawFinishReason }),
      };
      if (usage !== undefined) yield { type: 'usage', usage };
      return;
    }
    checkLimits(state.manager, counters, calls.mcp.length);
    counters.rounds += 1;
    counters.totalCalls += calls.mcp.length;
    state.messages.push({ role: 'assistant', content: text === '' ? null : text, tool_calls: calls.mcp });
    state.messages.push(...(yield* runRoundShowingProgress(state, calls.mcp)));
    current = await state.next.stream(
      roundRequest(state.request, state.plan, state.messages, round + 1),
      state.options,
    );
  }
}

/**
 * Runs a round's MCP calls; with tool progress on (MCP_TOOL_PROGRESS or the request's header), yields a
 * `tool-progress` part for each call's start, each `notifications/progress` and its end, as they happen.
 */
async function* runRoundShowingProgress(
  state: LoopState,
  calls: ToolCall[],
): AsyncGenerator<ChatStreamPart, ChatMessage[]> {
  if (!(state.context.toolProgress ?? state.manager.settings.toolProgress)) {
    return runRound(state.manager, state.plan, calls, state.context, state.signal);
  }
  const pending: ChatStreamPart[] = [];
  let wake: (() => void) | undefined;
  let done = false;
  const round = runRound(state.manager, state.plan, calls, state.context, state.signal, (progress) => {
    pending.push({ type: 'tool-progress', progress });
    wake?.();
  });
  round.then(
    () => {
      done = true;
      wake?.();
    },
    () => {
      done = true;
      wake?.();
    },
  );
  for (;;) {
    let part = pending.shift();
    while (part !== undefined) {
      yield part;
      part = pending.shift();
    }
    if (done) break;
    await new Promise<void>((resolve) => {
      wake = resolve;
    });
    wake = undefined;
  }
  return round;
}

/** After the first visible part, a failure becomes the stream's final `error` part. */
async function* afterHead(head: ChatStreamPart, rest: AsyncGenerator<ChatStreamPart>): AsyncGenerator<ChatStreamPart> {
  try {
    yield head;
    if (head.type === 'error') return;
    while (true) {
      const step = await rest.next();
      if (step.done === true) return;
      yield step.value;
    }
  } catch (error) {
    yield { type: 'error', error: toLlamaGateError(error) };
  } finally {
    await rest.return(undefined);
  }
}

export async function streamToolLoop(
  manager: McpManager,
  next: ChatCall,
  request: ChatRequest,
  options: CallOptions,
  context: ChatCallContext,
): Promise<ChatStreamResult> {
  const prepared = await prepareLoop(manager, request, options, context);
  if (!prepared.changed) return next.stream(request, options);
  const upstreamOptions = withoutPassthrough(options);
  const plan = prepared.plan;
  if (plan === undefined) {
    const { mcpTools: _mcp, ...rest } = request;
    return next.stream({ ...rest, messages: prepared.messages }, upstreamOptions);
  }
  const messages = [...prepared.messages];
  const first = await next.stream(roundRequest(request, plan, messages, 1), upstreamOptions);
  const parts = loopParts(
    { manager, next, request, plan, messages, options: upstreamOptions, signal: options.signal, context },
    first,
  );
  // Hold the metadata part back with the first visible one: an error before anything visible rejects instead.
  const held: ChatStreamPart[] = [];
  let head: IteratorResult<ChatStreamPart>;
  try {
    do {
      head = await parts.next();
      if (head.done !== true && head.value.type === 'response-metadata') held.push(head.value);
    } while (head.done !== true && head.value.type === 'response-metadata');
  } catch (error) {
    await parts.return(undefined);
    throw error;
  }
  const visible: AsyncGenerator<ChatStreamPart> =
    head.done === true ? (async function* () {})() : afterHead(head.value, parts);
  return {
    provider: first.provider,
    model: first.model,
    warnings: first.warnings,
    ...(first.response === undefined ? {} : { response: first.response }),
    parts: (async function* () {
      yield* held;
      yield* visible;
    })(),
  };
}
