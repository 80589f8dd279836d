/**
 * The MCP tool loop as a {@link ChatCallWrapper}: the model's MCP tool calls run in the gateway, round after
 * round, until it answers without them or a limit is reached. Calls to the client's own tools go back to the
 * client as ordinary `tool_calls`. In a round that calls both kinds, no MCP call runs: the client gets its own
 * calls only, and the model calls the MCP tools again once the client's results are in (nothing runs twice,
 * no result is lost, and the conversation the client holds stays valid).
 */

import type { CallOptions, ChatRequest, ChatResult, Usage } from '../spec/chat.js';
import type { ChatCall, ChatCallContext, ChatCallWrapper } from '../spec/chat-call.js';
import type { McpManager } from './mcp-manager.js';
import {
  addUsage,
  checkLimits,
  type LoopCounters,
  prepareLoop,
  roundRequest,
  runRound,
  splitCalls,
  withoutPassthrough,
} from './tool-loop-plan.js';
import { streamToolLoop } from './tool-loop-stream.js';

async function generateWithTools(
  manager: McpManager,
  next: ChatCall,
  request: ChatRequest,
  options: CallOptions,
  context: ChatCallContext,
): Promise<ChatResult> {
  const prepared = await prepareLoop(manager, request, options, context);
  if (!prepared.changed) return next.generate(request, options);
  const plan = prepared.plan;
  if (plan === undefined) {
    const { mcpTools: _mcp, ...rest } = request;
    return next.generate({ ...rest, messages: prepared.messages }, withoutPassthrough(options));
  }
  const upstreamOptions = withoutPassthrough(options);
  const messages = [...prepared.messages];
  const counters: LoopCounters = { rounds: 0, totalCalls: 0 };
  let usage: Usage = {};
  let text = '';
  for (let round = 1; ; round += 1) {
    const result = await next.generate(roundRequest(request, plan, messages, round), upstreamOptions);
    usage = addUsage(usage, result.usage);
    const choice = result.choices[0];
    const calls = splitCalls(choice?.message.toolCalls ?? [], plan);
    text += choice?.message.content ?? '';
    if (choice === undefined || calls.mcp.length === 0 || calls.client.length > 0) {
      if (round === 1 && calls.mcp.length === 0) return result;
      const rest = result;
      const message = { ...choice?.message, role: 'assistant' as const, content: text === '' ? null : text };
      if (calls.client.length > 0) message.toolCalls = calls.client;
      else delete message.toolCalls;
      const finishReason = calls.client.length > 0 ? 'tool_calls' : (choice?.finishReason ?? 'stop');
      return {
        ...rest,
        choices: [
          {
            index: 0,
            message,
            finishReason,
            ...(choice?.rawFinishReason === undefined ? {} : { rawFinishReason: choice.rawFinishReason }),
          },
        ],
        usage,
        cacheable: false,
      };
    }
    checkLimits(manager, counters, calls.mcp.length);
    counters.rounds += 1;
    counters.totalCalls += calls.mcp.length;
    messages.push({ role: 'assistant', content: choice.message.content, tool_calls: calls.mcp });
    messages.push(...(await runRound(manager, plan, calls.mcp, context, options.signal)));
  }
}

/**
 * The tool loop around the routed model call. Install it only when MCP is enabled; a request with nothing to
 * offer (and no `mcp://` reference) passes through untouched.
 *
 * @example
 * const wrapper = createToolLoop(manager);
 * const call = wrapper(routedCall, { requestId: 'r1', model: 'llama3.2', stream: false });
 */
export function createToolLoop(manager: McpManager): ChatCallWrapper {
  return (next: ChatCall, context: ChatCallContext): ChatCall => ({
    generate: (request, options) => generateWithTools(manager, next, request, options, context),
    stream: (request, options) => streamToolLoop(manager, next, request, options, context),
  });
}
