/**
 * Encoding typed results back into OpenAI's wire format: `chat.completion` objects, `chat.completion.chunk`
 * objects for streams (built from typed parts, never by rewriting upstream text), and usage blocks.
 */
import type { ChatResult, ChatStreamPart, FinishReason, Usage } from '../../../spec/chat.js';
import { toolProgressWire } from '../tool-progress-wire.js';

export interface OpenAIUsageBody {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens: number };
  completion_tokens_details?: { reasoning_tokens: number };
}

/** OpenAI's schema has required integers; counts the provider did not report are sent as 0 on the wire. */
export function encodeUsage(usage: Usage): OpenAIUsageBody {
  const prompt = usage.promptTokens ?? 0;
  const completion = usage.completionTokens ?? 0;
  const body: OpenAIUsageBody = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: usage.totalTokens ?? prompt + completion,
  };
  if (usage.cachedTokens !== undefined) body.prompt_tokens_details = { cached_tokens: usage.cachedTokens };
  if (usage.reasoningTokens !== undefined) body.completion_tokens_details = { reasoning_tokens: usage.reasoningTokens };
  return body;
}

/** OpenAI clients know stop, length, tool_calls and content_filter only. */
export function encodeFinishReason(reason: FinishReason): 'stop' | 'length' | 'tool_calls' | 'content_filter' {
  return reason === 'error' || reason === 'other' ? 'stop' : reason;
}

export function encodeChatCompletion(result: ChatResult): Record<string, unknown> {
  const body: Record<string, unknown> = {
    id: result.id,
    object: 'chat.completion',
    created: result.created,
    model: result.model,
    choices: result.choices.map((choice) => {
      const message: Record<string, unknown> = { role: 'assistant', content: choice.message.content };
      if (choice.message.reasoningContent !== undefined) message.reasoning_content = choice.message.reasoningContent;
      if (choice.message.toolCalls !== undefined && choice.message.toolCalls.length > 0)
        message.tool_calls = choice.message.toolCalls;
      message.refusal = choice.message.refusal ?? null;
      return {
        index: choice.index,
        message,
        logprobs: choice.logprobs ?? null,
        finish_reason: encodeFinishReason(choice.finishReason),
      };
    }),
    usage: encodeUsage(result.usage),
  };
  if (result.systemFingerprint !== undefined) body.system_fingerprint = result.systemFingerprint;
  return body;
}

/**
 * Turns typed stream parts into `chat.completion.chunk` objects. The first chunk of each choice carries the
 * assistant role; a usage chunk (empty choices) is emitted at the end only when the client asked for it;
 * choices the upstream left without a finish reason are closed with `stop`.
 */
export class ChatChunkEncoder {
  private readonly started = new Set<number>();
  private readonly finished = new Set<number>();
  private usage: Usage | undefined;
  private id: string;
  private model: string;
  private created: number;
  private systemFingerprint: string | undefined;

  constructor(
    defaults: { id: string; model: string; created: number },
    private readonly includeUsage: boolean,
  ) {
    this.id = defaults.id;
    this.model = defaults.model;
    this.created = defaults.created;
  }

  /** The last usage seen (for metering), whether or not the client asked for it. */
  get finalUsage(): Usage | undefined {
    return this.usage;
  }

  private chunk(
    choiceIndex: number,
    delta: Record<string, unknown>,
    finishReason: string | null = null,
    logprobs: unknown = null,
  ): Record<string, unknown> {
    const body: Record<string, unknown> = {
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
      choices: [{ index: choiceIndex, delta, logprobs, finish_reason: finishReason }],
    };
    if (this.systemFingerprint !== undefined) body.system_fingerprint = this.systemFingerprint;
    return body;
  }

  private withRole(choiceIndex: number, delta: Record<string, unknown>): Record<string, unknown> {
    if (this.started.has(choiceIndex)) return delta;
    this.started.add(choiceIndex);
    return { role: 'assistant', ...delta };
  }

  /** Chunks for one part (zero or one; returns an array to keep the call site simple). */
  encode(part: ChatStreamPart): Record<string, unknown>[] {
    switch (part.type) {
      case 'response-metadata':
        if (part.id !== undefined) this.id = part.id;
        if (part.model !== undefined) this.model = part.model;
        if (part.created !== undefined) this.created = part.created;
        if (part.systemFingerprint !== undefined) this.systemFingerprint = part.systemFingerprint;
        return [];
      case 'text-delta':
        return [
          this.chunk(
            part.choiceIndex,
            this.withRole(part.choiceIndex, { content: part.delta }),
            null,
            part.logprobs ?? null,
          ),
        ];
      case 'reasoning-delta':
        return [this.chunk(part.choiceIndex, this.withRole(part.choiceIndex, { reasoning_content: part.delta }))];
      case 'refusal-delta':
        return [this.chunk(part.choiceIndex, this.withRole(part.choiceIndex, { refusal: part.delta }))];
      case 'tool-call-delta': {
        const call: Record<string, unknown> = { index: part.toolCallIndex };
        if (part.id !== undefined) {
          call.id = part.id;
          call.type = 'function';
        }
        const fn: Record<string, unknown> = {};
        if (part.name !== undefined) fn.name = part.name;
        fn.arguments = part.argumentsDelta;
        call.function = fn;
        return [this.chunk(part.choiceIndex, this.withRole(part.choiceIndex, { tool_calls: [call] }))];
      }
      case 'finish':
        if (this.finished.has(part.choiceIndex)) return [];
        this.finished.add(part.choiceIndex);
        return [
          this.chunk(part.choiceIndex, this.withRole(part.choiceIndex, {}), encodeFinishReason(part.finishReason)),
        ];
      case 'usage':
        this.usage = { ...this.usage, ...part.usage };
        return [];
      case 'tool-progress': {
        // An empty delta (not empty choices), so clients that read choices[0] unguarded keep working.
        const chunk = this.chunk(0, this.withRole(0, {}));
        chunk.llamagate_tool_progress = toolProgressWire(part.progress);
        return [chunk];
      }
      case 'reasoning-signature':
      case 'redacted-reasoning':
      case 'upstream-frame':
      case 'error':
        return [];
    }
  }

  /** Closing chunks after the upstream ended normally: missing finishes, then the usage chunk if asked. */
  finish(): Record<string, unknown>[] {
    const chunks: Record<string, unknown>[] = [];
    const open = this.started.size === 0 ? [0] : [...this.started];
    for (const index of open) {
      if (!this.finished.has(index)) {
        this.finished.add(index);
        chunks.push(this.chunk(index, this.withRole(index, {}), 'stop'));
      }
    }
    if (this.includeUsage) {
      const body: Record<string, unknown> = {
        id: this.id,
        object: 'chat.completion.chunk',
        created: this.created,
        model: this.model,
        choices: [],
        usage: encodeUsage(this.usage ?? {}),
      };
      if (this.systemFingerprint !== undefined) body.system_fingerprint = this.systemFingerprint;
      chunks.push(body);
    }
    return chunks;
  }
}
