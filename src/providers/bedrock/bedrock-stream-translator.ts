import { unexpectedStreamItem } from '../../provider-utils/upstream-error.js';
import type { ChatStreamPart, FinishReason, Usage } from '../../spec/chat.js';
import { ProviderAPIError } from '../../spec/errors.js';
import { bedrockStreamEventSchemas } from './bedrock-api.js';
import { bedrockError } from './bedrock-error.js';
import { decodeEventBody, type EventStreamMessage } from './bedrock-event-stream.js';
import { convertBedrockUsage } from './convert-bedrock-usage.js';
import { mapBedrockFinishReason } from './map-bedrock-finish-reason.js';

interface ToolBlock {
  /** Undefined for the structured-output tool, whose input is streamed as text. */
  toolCallIndex: number | undefined;
  argumentsSent: boolean;
}

export interface StreamTranslatorOptions {
  provider: string;
  model: string;
  url: string;
  headers: Record<string, string>;
  jsonToolName?: string;
}

/**
 * Turns ConverseStream events into typed stream parts. Content blocks are addressed by index; tool calls
 * get their own running index (text and reasoning blocks take block indexes too). With structured output,
 * text is held back until it is known whether the JSON tool answers: its input then becomes the content.
 */
export class BedrockStreamTranslator {
  private readonly blocks = new Map<number, ToolBlock>();
  private nextToolCallIndex = 0;
  private heldText: string[] = [];
  private jsonAnswered = false;
  private usage: Usage | undefined;
  private finished = false;
  private failed = false;

  constructor(private readonly options: StreamTranslatorOptions) {}

  /** True after an exception event: nothing more is read. */
  get stopped(): boolean {
    return this.failed;
  }

  handle(message: EventStreamMessage): ChatStreamPart[] {
    const body = decodeEventBody(message);
    if (message.messageType === 'exception' || message.messageType === 'error') {
      this.failed = true;
      const failure: Parameters<typeof bedrockError>[0] = {
        provider: this.options.provider,
        model: this.options.model,
        url: this.options.url,
        headers: this.options.headers,
        body,
        errorType: message.type,
      };
      if (message.errorMessage !== undefined) failure.message = message.errorMessage;
      return [{ type: 'error', error: bedrockError(failure) }];
    }
    switch (message.type) {
      case 'contentBlockStart':
        return this.blockStart(this.parse('contentBlockStart', body));
      case 'contentBlockDelta':
        return this.blockDelta(this.parse('contentBlockDelta', body));
      case 'contentBlockStop':
        return this.blockStop(this.parse('contentBlockStop', body).contentBlockIndex ?? 0);
      case 'messageStop':
        return this.messageStop(this.parse('messageStop', body).stopReason);
      case 'metadata': {
        const usage = this.parse('metadata', body).usage;
        if (usage === null || usage === undefined) return [];
        this.usage = convertBedrockUsage(usage);
        return this.finished ? this.flushUsage() : [];
      }
      default:
        return [];
    }
  }

  /** Parts owed at the end of the body: a stream that stops before `messageStop` was cut short. */
  end(): ChatStreamPart[] {
    if (this.failed) return [];
    if (!this.finished) {
      return [
        {
          type: 'error',
          error: new ProviderAPIError({
            message: `${this.options.provider} stream ended before messageStop`,
            provider: this.options.provider,
            model: this.options.model,
            upstream: { url: this.options.url },
          }),
        },
      ];
    }
    return this.flushUsage();
  }

  private parse<K extends keyof typeof bedrockStreamEventSchemas>(
    type: K,
    body: unknown,
  ): ReturnType<(typeof bedrockStreamEventSchemas)[K]['parse']> {
    const parsed = bedrockStreamEventSchemas[type].safeParse(body);
    if (!parsed.success) {
      throw unexpectedStreamItem(this.options, `${type} event`, body);
    }
    return parsed.data as ReturnType<(typeof bedrockStreamEventSchemas)[K]['parse']>;
  }

  private text(delta: string): ChatStreamPart[] {
    if (delta === '') return [];
    if (this.options.jsonToolName === undefined) return [{ type: 'text-delta', choiceIndex: 0, delta }];
    // Structured output: the answer is the JSON tool's input; chatter around it is not part of it.
    if (!this.jsonAnswered) this.heldText.push(delta);
    return [];
  }

  private blockStart(event: ReturnType<(typeof bedrockStreamEventSchemas)['contentBlockStart']['parse']>) {
    const toolUse = event.start?.toolUse;
    if (toolUse === null || toolUse === undefined) return [];
    const index = event.contentBlockIndex ?? 0;
    const name = toolUse.name ?? '';
    if (this.options.jsonToolName !== undefined && name === this.options.jsonToolName) {
      this.jsonAnswered = true;
      this.heldText = [];
      this.blocks.set(index, { toolCallIndex: undefined, argumentsSent: false });
      return [];
    }
    const toolCallIndex = this.nextToolCallIndex++;
    this.blocks.set(index, { toolCallIndex, argumentsSent: false });
    const part: ChatStreamPart = { type: 'tool-call-delta', choiceIndex: 0, toolCallIndex, name, argumentsDelta: '' };
    if (toolUse.toolUseId) part.id = toolUse.toolUseId;
    return [part];
  }

  private blockDelta(event: ReturnType<(typeof bedrockStreamEventSchemas)['contentBlockDelta']['parse']>) {
    const delta = event.delta;
    if (delta === null || delta === undefined) return [];
    const parts: ChatStreamPart[] = [];
    if (typeof delta.text === 'string') parts.push(...this.text(delta.text));
    const reasoning = delta.reasoningContent?.text;
    if (typeof reasoning === 'string' && reasoning !== '') {
      parts.push({ type: 'reasoning-delta', choiceIndex: 0, delta: reasoning });
    }
    const input = delta.toolUse?.input;
    const block = this.blocks.get(event.contentBlockIndex ?? 0);
    if (typeof input === 'string' && input !== '' && block !== undefined) {
      block.argumentsSent = true;
      parts.push(this.arguments(block, input));
    }
    return parts;
  }

  private arguments(block: ToolBlock, text: string): ChatStreamPart {
    if (block.toolCallIndex === undefined) return { type: 'text-delta', choiceIndex: 0, delta: text };
    return { type: 'tool-call-delta', choiceIndex: 0, toolCallIndex: block.toolCallIndex, argumentsDelta: text };
  }

  private blockStop(index: number): ChatStreamPart[] {
    const block = this.blocks.get(index);
    this.blocks.delete(index);
    // A tool without arguments streams an empty input; callers expect the arguments to parse as JSON.
    if (block === undefined || block.argumentsSent) return [];
    return [this.arguments(block, '{}')];
  }

  private messageStop(rawFinishReason: string | null | undefined): ChatStreamPart[] {
    const parts: ChatStreamPart[] = [];
    if (this.heldText.length > 0) {
      parts.push({ type: 'text-delta', choiceIndex: 0, delta: this.heldText.join('') });
      this.heldText = [];
    }
    for (const index of [...this.blocks.keys()]) parts.push(...this.blockStop(index));
    let finishReason: FinishReason = mapBedrockFinishReason(rawFinishReason);
    if (this.jsonAnswered && this.nextToolCallIndex === 0 && finishReason === 'tool_calls') finishReason = 'stop';
    const finish: ChatStreamPart = { type: 'finish', choiceIndex: 0, finishReason };
    if (rawFinishReason) finish.rawFinishReason = rawFinishReason;
    parts.push(finish);
    this.finished = true;
    return [...parts, ...this.flushUsage()];
  }

  private flushUsage(): ChatStreamPart[] {
    if (this.usage === undefined) return [];
    const usage = this.usage;
    this.usage = undefined;
    return [{ type: 'usage', usage }];
  }
}
