/**
 * What one chat request offers the model (its own function tools plus the MCP tools it may use, under
 * provider-safe names) and how one round of MCP tool calls runs: limits checked first, calls in parallel,
 * each with its timeout, results appended as tool messages.
 */

import type {
  CallOptions,
  ChatMessage,
  ChatRequest,
  FunctionTool,
  JsonSchema,
  ToolCall,
  ToolChoice,
  ToolProgress,
  Usage,
} from '../spec/chat.js';
import type { ChatCallContext } from '../spec/chat-call.js';
import { BadRequestError, McpError, ToolLoopLimitError } from '../spec/errors.js';
import type { McpManager, McpToolEntry } from './mcp-manager.js';
import { resolveResourceReferences } from './resource-references.js';
import { parseQualifiedToolName, ToolNameMap } from './tool-names.js';
import { isServerAllowedForKey } from './tool-policy.js';

export interface ToolLoopPlan {
  names: ToolNameMap;
  /** The client's own function tools by name (a call to one goes back to the client). */
  clientNames: Set<string>;
  /** The tools sent to the model each round. */
  tools: FunctionTool[];
  toolChoice: ToolChoice | undefined;
}

function toFunctionTool(name: string, entry: McpToolEntry): FunctionTool {
  const description = entry.tool.description ?? entry.tool.title ?? '';
  return {
    type: 'function',
    function: {
      name,
      description: `${description}${description === '' ? '' : ' '}(MCP tool ${entry.qualifiedName})`,
      parameters: (entry.tool.inputSchema ?? { type: 'object', properties: {} }) as JsonSchema,
    },
  };
}

/** An MCP name the request used: `mcp.<server>.<tool>` or the safe `mcp__<server>__<tool>` form. */
function requestedMcpName(name: string, manager: McpManager): { server: string; tool: string } | undefined {
  const qualified = parseQualifiedToolName(name);
  if (qualified !== undefined) return qualified;
  if (!name.startsWith('mcp__')) return undefined;
  for (const connection of manager.servers()) {
    const names = new ToolNameMap(connection.tools.map((tool) => ({ server: connection.name, tool: tool.name })));
    const resolved = names.resolve(name);
    if (resolved !== undefined) return resolved;
  }
  return undefined;
}

/**
 * The plan for a request, or undefined when the loop stays out of it (no MCP tool to offer, `tool_choice:
 * none`, or `n` > 1). A request that names MCP tools gets exactly those; otherwise, with
 * `MCP_EXPOSE_TOOLS=all`, every tool the caller may use is offered.
 */
export function planTools(
  manager: McpManager,
  request: ChatRequest,
  context: ChatCallContext,
): ToolLoopPlan | undefined {
  if (request.toolChoice === 'none' || (request.n ?? 1) > 1) return undefined;
  const allowed = manager.allowedTools(context.mcpToolGlobs);
  const byKey = new Map(allowed.map((entry) => [`${entry.server}\u0000${entry.tool.name}`, entry]));
  const chosen: McpToolEntry[] = [];
  const clientTools: FunctionTool[] = [];
  const choose = (server: string, tool: string, param: string) => {
    const refusal = manager.refusal(server, tool, context.mcpToolGlobs);
    if (refusal !== undefined)
      throw new McpError({ code: 'mcp_tool_not_allowed', message: `Refused: ${refusal}`, param });
    const entry = byKey.get(`${server}\u0000${tool}`);
    if (entry === undefined) {
      throw new BadRequestError({
        message: `The MCP tool mcp.${server}.${tool} does not exist or its server is not connected`,
        param,
      });
    }
    if (!chosen.includes(entry)) chosen.push(entry);
  };
  (request.tools ?? []).forEach((tool, index) => {
    const mcp = requestedMcpName(tool.function.name, manager);
    if (mcp === undefined) clientTools.push(tool);
    else choose(mcp.server, mcp.tool, `tools[${index}]`);
  });
  (request.mcpTools ?? []).forEach((selection, index) => {
    const connection = manager.server(selection.serverLabel);
    if (connection === undefined) {
      throw new BadRequestError({
        message: `No MCP server is named "${selection.serverLabel}"`,
        param: `tools[${index}]`,
      });
    }
    if (!isServerAllowedForKey(context.mcpToolGlobs, selection.serverLabel)) {
      throw new McpError({
        code: 'mcp_tool_not_allowed',
        message: `Refused: the MCP server "${selection.serverLabel}" is not allowed for this API key`,
        param: `tools[${index}]`,
      });
    }
    if (selection.allowedTools === undefined) {
      for (const entry of allowed) if (entry.server === selection.serverLabel) chosen.push(entry);
    } else {
      for (const tool of selection.allowedTools) choose(selection.serverLabel, tool, `tools[${index}].allowed_tools`);
    }
  });
  const requested = chosen.length > 0 || (request.mcpTools?.length ?? 0) > 0;
  const offered = requested ? chosen : manager.settings.exposeTools === 'all' ? allowed : [];
  if (offered.length === 0) return undefined;
  const names = new ToolNameMap(offered.map((entry) => ({ server: entry.server, tool: entry.tool.name })));
  const mcpTools = offered.map((entry) =>
    toFunctionTool(names.add({ server: entry.server, tool: entry.tool.name }), entry),
  );
  let toolChoice = request.toolChoice;
  if (typeof toolChoice === 'object') {
    const mcp = requestedMcpName(toolChoice.function.name, manager);
    const safe = mcp === undefined ? undefined : names.safeName(mcp.server, mcp.tool);
    if (safe !== undefined) toolChoice = { type: 'function', function: { name: safe } };
  }
  const clientNames = new Set(clientTools.map((tool) => tool.function.name));
  return { names, clientNames, tools: [...clientTools, ...mcpTools], toolChoice };
}

/** The next round's request: the conversation so far, the offered tools, and no forced tool choice after round one. */
export function roundRequest(
  request: ChatRequest,
  plan: ToolLoopPlan,
  messages: ChatMessage[],
  round: number,
): ChatRequest {
  const { mcpTools: _mcp, ...rest } = request;
  const next: ChatRequest = { ...rest, messages, tools: plan.tools };
  const choice = round === 1 ? plan.toolChoice : plan.toolChoice === 'none' ? 'none' : 'auto';
  if (choice === undefined) delete next.toolChoice;
  else next.toolChoice = choice;
  return next;
}

export interface RoundCalls {
  mcp: ToolCall[];
  client: ToolCall[];
}

export function splitCalls(calls: readonly ToolCall[], plan: ToolLoopPlan): RoundCalls {
  const split: RoundCalls = { mcp: [], client: [] };
  for (const call of calls) {
    const name = call.function.name;
    // A call to an MCP-looking name that was not offered (a denied tool, a guess) is answered by the gateway.
    const mcp =
      plan.names.isMcpName(name) ||
      (!plan.clientNames.has(name) && (name.startsWith('mcp__') || name.startsWith('mcp.')));
    (mcp ? split.mcp : split.client).push(call);
  }
  return split;
}

export interface LoopCounters {
  /** Rounds whose MCP calls ran. */
  rounds: number;
  totalCalls: number;
}

/** Throws the limit a round of `count` MCP calls would break. */
export function checkLimits(manager: McpManager, counters: LoopCounters, count: number): void {
  const settings = manager.settings;
  if (counters.rounds >= settings.maxToolRounds) {
    throw new ToolLoopLimitError({
      code: 'max_tool_rounds_exceeded',
      message: `The model still called MCP tools after ${counters.rounds} tool rounds; the limit is ${settings.maxToolRounds} (MCP_MAX_TOOL_ROUNDS)`,
    });
  }
  if (count > settings.maxToolCallsPerRound) {
    throw new ToolLoopLimitError({
      code: 'too_many_tool_calls_per_round',
      message: `The model called ${count} MCP tools in one round; the limit is ${settings.maxToolCallsPerRound} (MCP_MAX_TOOL_CALLS_PER_ROUND)`,
    });
  }
  if (counters.totalCalls + count > settings.maxTotalToolCalls) {
    throw new ToolLoopLimitError({
      code: 'max_total_tool_calls_exceeded',
      message: `The model would make ${counters.totalCalls + count} MCP tool calls in this request; the limit is ${settings.maxTotalToolCalls} (MCP_MAX_TOTAL_TOOL_CALLS)`,
    });
  }
}

/** Runs one round's MCP calls in parallel; each answer (or failure, told to the model) becomes a tool message. */
export async function runRound(
  manager: McpManager,
  plan: ToolLoopPlan,
  calls: readonly ToolCall[],
  context: ChatCallContext,
  signal: AbortSignal | undefined,
  onProgress?: (progress: ToolProgress) => void,
): Promise<ChatMessage[]> {
  return Promise.all(
    calls.map(async (call): Promise<ChatMessage> => {
      const target = plan.names.resolve(call.function.name) ?? requestedMcpName(call.function.name, manager);
      const name = target === undefined ? call.function.name : `mcp.${target.server}.${target.tool}`;
      onProgress?.({ name, callId: call.id, status: 'started' });
      const started = performance.now();
      const answer = (content: string, ok: boolean): ChatMessage => {
        onProgress?.({
          name,
          callId: call.id,
          status: ok ? 'ok' : 'error',
          durationMs: Math.round(performance.now() - started),
        });
        return { role: 'tool', tool_call_id: call.id, content };
      };
      if (target === undefined) return answer(`Error: there is no MCP tool named ${call.function.name}`, false);
      let args: Record<string, unknown>;
      try {
        const parsed: unknown = call.function.arguments.trim() === '' ? {} : JSON.parse(call.function.arguments);
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
        args = parsed as Record<string, unknown>;
      } catch {
        return answer(`Error: the arguments for ${name} are not a JSON object: ${call.function.arguments}`, false);
      }
      try {
        const execution = await manager.execute(target.server, target.tool, args, {
          source: 'chat',
          requestId: context.requestId,
          ...(context.keyId === undefined ? {} : { keyId: context.keyId }),
          ...(context.mcpToolGlobs === undefined ? {} : { keyGlobs: context.mcpToolGlobs }),
          ...(context.toolCharges === undefined ? {} : { charges: context.toolCharges }),
          ...(onProgress === undefined
            ? {}
            : {
                onProgress: (step: { progress: number; total?: number; message?: string }) =>
                  onProgress({
                    name,
                    callId: call.id,
                    status: 'progress',
                    progress: step.progress,
                    ...(step.total === undefined ? {} : { total: step.total }),
                    ...(step.message === undefined ? {} : { message: step.message }),
                  }),
              }),
          ...(signal === undefined ? {} : { signal }),
        });
        return execution.isError
          ? answer(`Error from ${name}: ${execution.text}`, false)
          : answer(execution.text, true);
      } catch (error) {
        return answer(`Error: ${error instanceof Error ? error.message : String(error)}`, false);
      }
    }),
  );
}

/** Sums token counts over rounds; a count no round reported stays undefined. */
export function addUsage(total: Usage, next: Usage): Usage {
  const sum = (a: number | undefined, b: number | undefined) =>
    a === undefined && b === undefined ? undefined : (a ?? 0) + (b ?? 0);
  const result: Usage = {};
  for (const key of ['promptTokens', 'completionTokens', 'totalTokens', 'cachedTokens', 'reasoningTokens'] as const) {
    const value = sum(total[key], next[key]);
    if (value !== undefined) result[key] = value;
  }
  if (total.estimated === true || next.estimated === true) result.estimated = true;
  return result;
}

/** Options a feature passes on unchanged except the same-format passthrough, which no longer matches the request. */
export function withoutPassthrough(options: CallOptions): CallOptions {
  const { passthrough: _passthrough, ...rest } = options;
  return rest;
}

export interface PreparedLoop {
  plan: ToolLoopPlan | undefined;
  messages: ChatMessage[];
  /** True when the request must be rebuilt (MCP tools offered or resources injected). */
  changed: boolean;
}

export async function prepareLoop(
  manager: McpManager,
  request: ChatRequest,
  options: CallOptions,
  context: ChatCallContext,
): Promise<PreparedLoop> {
  const plan = planTools(manager, request, context);
  const messages = await resolveResourceReferences(manager, request.messages, {
    requestId: context.requestId,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(context.mcpToolGlobs === undefined ? {} : { keyGlobs: context.mcpToolGlobs }),
  });
  return { plan, messages, changed: plan !== undefined || messages !== request.messages };
}
