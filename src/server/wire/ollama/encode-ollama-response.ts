/**
 * Neutral results and stream parts → Ollama's `/api/chat` and `/api/generate` answers: one object, or NDJSON
 * lines ending with a `done: true` line that carries Ollama's counters (token counts, durations in ns).
 */
import { merged } from '../../../provider-utils/merged.js';
import type { ChatResult, ChatStreamPart, FinishReason, ToolCall, Usage } from '../../../spec/chat.js';
import type { ResponseMeta } from '../chat-codec.js';
import type { OllamaCall } from './decode-ollama-request.js';

export type OllamaEndpoint = 'chat' | 'generate';

interface OllamaToolCall {
  function: { name: string; arguments: unknown };
}

function parseArguments(text: string): unknown {
  try {
    return JSON.parse(text === '' ? '{}' : text);
  } catch {
    // Ollama's wire has object arguments; text that is not JSON is kept rather than lost.
    return { input: text };
  }
}

function toolCalls(calls: readonly ToolCall[]): OllamaToolCall[] {
  return calls.map((call) => ({
    function: { name: call.function.name, arguments: parseArguments(call.function.arguments) },
  }));
}

/** Ollama's done reasons are `stop`, `length` and `load`; tool calls end with `stop` there too. */
function doneReason(reason: FinishReason | undefined): string {
  return reason === 'length' ? 'length' : 'stop';
}

interface Timing {
  startedAt: number;
  firstPartAt?: number;
}

const NS_PER_MS = 1_000_000;

/** Ollama's counters; an Ollama upstream's own figures win over the gateway's measurements. */
function counters(usage: Usage, timing: Timing, raw?: unknown): Record<string, number> {
  const now = performance.now();
  const total = Math.round((now - timing.startedAt) * NS_PER_MS);
  const promptEval =
    timing.firstPartAt === undefined ? 0 : Math.round((timing.firstPartAt - timing.startedAt) * NS_PER_MS);
  const measured = {
    total_duration: total,
    load_duration: 0,
    prompt_eval_count: usage.promptTokens ?? 0,
    prompt_eval_duration: promptEval,
    eval_count: usage.completionTokens ?? 0,
    eval_duration: Math.max(0, total - promptEval),
  };
  if (typeof raw === 'object' && raw !== null) {
    const upstream = raw as Record<string, unknown>;
    for (const name of Object.keys(measured) as (keyof typeof measured)[]) {
      const value = upstream[name];
      if (typeof value === 'number') measured[name] = value;
    }
  }
  return measured;
}

function head(meta: ResponseMeta): { model: string; created_at: string } {
  return { model: meta.model, created_at: new Date().toISOString() };
}

export function encodeOllamaResult(
  endpoint: OllamaEndpoint,
  result: ChatResult,
  call: OllamaCall,
  meta: ResponseMeta,
): Record<string, unknown> {
  const choice = result.choices[0];
  const message = choice?.message;
  const body: Record<string, unknown> = head(meta);
  if (endpoint === 'chat') {
    const out: Record<string, unknown> = { role: 'assistant', content: message?.content ?? '' };
    if (message?.reasoningContent !== undefined && message.reasoningContent !== '')
      out.thinking = message.reasoningContent;
    if (message?.toolCalls !== undefined && message.toolCalls.length > 0) out.tool_calls = toolCalls(message.toolCalls);
    body.message = out;
  } else {
    body.response = message?.content ?? '';
    if (message?.reasoningContent !== undefined && message.reasoningContent !== '')
      body.thinking = message.reasoningContent;
  }
  body.done = true;
  body.done_reason = doneReason(choice?.finishReason);
  if (endpoint === 'generate') body.context = [];
  Object.assign(
    body,
    counters(result.usage, { startedAt: call.startedAt }, result.provider === 'ollama' ? result.raw : undefined),
  );
  return body;
}

/** The answer to a load-only request (empty prompt or no messages), as Ollama gives it. */
export function encodeOllamaLoad(endpoint: OllamaEndpoint, meta: ResponseMeta): Record<string, unknown> {
  const body: Record<string, unknown> = head(meta);
  if (endpoint === 'chat') body.message = { role: 'assistant', content: '' };
  else body.response = '';
  body.done = true;
  body.done_reason = 'load';
  return body;
}

interface PendingCall {
  id?: string;
  name: string;
  arguments: string;
}

/** Whether an upstream frame is Ollama's in-stream error line (which the client already got as it was). */
function isErrorLine(frame: Uint8Array | undefined): boolean {
  if (frame === undefined) return false;
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(frame));
    return typeof value === 'object' && value !== null && typeof (value as { error?: unknown }).error === 'string';
  } catch {
    return false;
  }
}

/**
 * NDJSON lines: one per delta, tool calls whole (Ollama sends them complete), then the done line. When the
 * parts carry an Ollama upstream's own frames of this endpoint (they come first), those bytes are the answer,
 * with an error line of the gateway's only when the stream failed other than by the upstream's own error line.
 */
export async function* encodeOllamaStream(
  endpoint: OllamaEndpoint,
  parts: AsyncIterable<ChatStreamPart>,
  call: OllamaCall,
  meta: ResponseMeta,
): AsyncIterable<string | Uint8Array> {
  const format = endpoint === 'chat' ? 'ollama-chat' : 'ollama-generate';
  let lastFrame: Uint8Array | undefined;
  const timing: Timing = { startedAt: call.startedAt };
  const pending = new Map<number, PendingCall>();
  let usage: Usage = {};
  let finish: FinishReason | undefined;
  let model = meta.model;
  const line = (fields: Record<string, unknown>) => `${JSON.stringify({ ...head({ ...meta, model }), ...fields })}\n`;
  const delta = (fields: { content?: string; thinking?: string; tool_calls?: OllamaToolCall[] }) => {
    timing.firstPartAt ??= performance.now();
    if (endpoint === 'chat') return line({ message: { role: 'assistant', content: '', ...fields }, done: false });
    const out: Record<string, unknown> = { response: fields.content ?? '' };
    if (fields.thinking !== undefined) out.thinking = fields.thinking;
    return line({ ...out, done: false });
  };
  const flushCalls = (): string | undefined => {
    if (pending.size === 0 || endpoint !== 'chat') return undefined;
    const calls = [...pending.values()].map((entry) => ({
      function: { name: entry.name, arguments: parseArguments(entry.arguments) },
    }));
    pending.clear();
    return delta({ tool_calls: calls });
  };
  for await (const part of parts) {
    if (part.type === 'upstream-frame') {
      if (part.format !== format) continue;
      lastFrame = part.bytes;
      yield part.bytes;
      continue;
    }
    if (lastFrame !== undefined) {
      if (part.type !== 'error') continue;
      if (!isErrorLine(lastFrame)) yield `${JSON.stringify({ error: part.error.message })}\n`;
      return;
    }
    switch (part.type) {
      case 'response-metadata':
        if (part.model !== undefined) model = part.model;
        break;
      case 'text-delta':
      case 'refusal-delta':
        if (part.choiceIndex === 0 && part.delta !== '') yield delta({ content: part.delta });
        break;
      case 'reasoning-delta':
        if (part.choiceIndex === 0 && part.delta !== '') yield delta({ thinking: part.delta });
        break;
      case 'tool-call-delta': {
        if (part.choiceIndex !== 0) break;
        const entry = pending.get(part.toolCallIndex) ?? { name: '', arguments: '' };
        if (part.id !== undefined) entry.id = part.id;
        if (part.name !== undefined) entry.name = part.name;
        entry.arguments += part.argumentsDelta;
        pending.set(part.toolCallIndex, entry);
        break;
      }
      case 'finish':
        if (part.choiceIndex === 0) finish = part.finishReason;
        break;
      case 'usage':
        usage = part.usage;
        break;
      case 'error':
        // Ollama's in-stream error line; its client throws it as an Error with this message.
        yield `${JSON.stringify({ error: part.error.message })}\n`;
        return;
    }
  }
  // The upstream's own done line was among its frames.
  if (lastFrame !== undefined) return;
  const calls = flushCalls();
  if (calls !== undefined) yield calls;
  const done: Record<string, unknown> =
    endpoint === 'chat' ? { message: { role: 'assistant', content: '' } } : { response: '' };
  done.done = true;
  done.done_reason = doneReason(finish);
  if (endpoint === 'generate') done.context = [];
  yield line(merged(done, counters(usage, timing)));
}
