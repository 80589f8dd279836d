/**
 * Locally executed tools: `tool({ description, parameters, execute })` definitions, their translation to
 * OpenAI-shaped function tools, and one round of executing a step's tool calls.
 */
import type { z } from 'zod';
import type { ChatMessage, FunctionTool, ToolCall } from '../spec/chat.js';
import { toJsonSchema } from './structured-output.js';

export interface ToolExecutionContext {
  toolCallId: string;
  /** The conversation up to the call, the assistant's tool-call turn included. */
  messages: readonly ChatMessage[];
  signal: AbortSignal | undefined;
}

/** A tool the model may call; with `execute` the library runs it and sends the result back to the model. */
export interface Tool<P extends z.ZodType = z.ZodType, R = unknown> {
  description?: string;
  parameters: P;
  execute?(input: z.output<P>, context: ToolExecutionContext): R | Promise<R>;
}

export type ToolSet = Record<string, Tool>;

export interface ToolResult {
  toolCallId: string;
  toolName: string;
  /** The arguments as parsed and validated by the tool's schema (the raw string when that failed). */
  input: unknown;
  output: unknown;
  /** Set when the arguments were invalid or `execute` threw; the model is told, the loop goes on. */
  error?: string;
}

/**
 * Declares a tool with typed arguments.
 *
 * @example
 * const weather = tool({
 *   description: 'Current weather for a city',
 *   parameters: z.object({ city: z.string() }),
 *   execute: async ({ city }) => ({ city, celsius: 21 }),
 * });
 */
export function tool<P extends z.ZodType, R>(definition: Tool<P, R>): Tool<P, R> {
  return definition;
}

export function isToolSet(tools: FunctionTool[] | ToolSet | undefined): tools is ToolSet {
  return tools !== undefined && !Array.isArray(tools);
}

export function toFunctionTools(tools: FunctionTool[] | ToolSet | undefined): FunctionTool[] | undefined {
  if (!isToolSet(tools)) return tools;
  return Object.entries(tools).map(([name, definition]) => {
    const fn: FunctionTool['function'] = { name, parameters: toJsonSchema(definition.parameters) };
    if (definition.description !== undefined) fn.description = definition.description;
    return { type: 'function', function: fn };
  });
}

/** Whether the loop can answer these calls itself (every called tool known and executable). */
export function canExecute(toolCalls: readonly ToolCall[], tools: ToolSet): boolean {
  return toolCalls.length > 0 && toolCalls.every((call) => tools[call.function.name]?.execute !== undefined);
}

function stringify(value: unknown): string {
  if (typeof value === 'string') return value;
  return JSON.stringify(value) ?? 'null';
}

async function executeOne(call: ToolCall, tools: ToolSet, context: ToolExecutionContext): Promise<ToolResult> {
  const base = { toolCallId: call.id, toolName: call.function.name };
  const definition = tools[call.function.name];
  if (definition?.execute === undefined) {
    return { ...base, input: call.function.arguments, output: undefined, error: `Unknown tool ${call.function.name}` };
  }
  let raw: unknown;
  try {
    raw = call.function.arguments.trim() === '' ? {} : JSON.parse(call.function.arguments);
  } catch {
    return { ...base, input: call.function.arguments, output: undefined, error: 'The arguments are not valid JSON' };
  }
  const parsed = definition.parameters.safeParse(raw);
  if (!parsed.success) {
    return { ...base, input: raw, output: undefined, error: `Invalid arguments: ${parsed.error.message}` };
  }
  try {
    return { ...base, input: parsed.data, output: await definition.execute(parsed.data, context) };
  } catch (error) {
    return { ...base, input: parsed.data, output: undefined, error: (error as Error).message ?? String(error) };
  }
}

/** Runs a step's tool calls concurrently; a failing tool becomes an error result the model gets to see. */
export function executeToolCalls(
  toolCalls: readonly ToolCall[],
  tools: ToolSet,
  messages: readonly ChatMessage[],
  signal: AbortSignal | undefined,
): Promise<ToolResult[]> {
  return Promise.all(toolCalls.map((call) => executeOne(call, tools, { toolCallId: call.id, messages, signal })));
}

/** The assistant's tool-call turn and one tool message per result, appended to continue the loop. */
export function toolTurnMessages(text: string, toolCalls: ToolCall[], results: readonly ToolResult[]): ChatMessage[] {
  return [
    { role: 'assistant', content: text === '' ? null : text, tool_calls: toolCalls },
    ...results.map(
      (result): ChatMessage => ({
        role: 'tool',
        tool_call_id: result.toolCallId,
        content: result.error === undefined ? stringify(result.output) : stringify({ error: result.error }),
      }),
    ),
  ];
}
