/**
 * Chat messages in the shape of the OpenTelemetry GenAI semantic conventions' `gen_ai.input.messages` and
 * `gen_ai.output.messages` attributes (`{role, parts: [{type: 'text', content}…]}`, output messages with their
 * `finish_reason`), for traces that capture message content (opt-in). Text longer than a cap is cut, with the
 * cut noted, so the JSON stays valid.
 */
import type { ChatMessage, ChatResult, ChatStreamPart, FinishReason, UserContentPart } from '../../spec/chat.js';

export type GenAiPart =
  | { type: 'text'; content: string }
  | { type: 'reasoning'; content: string }
  | { type: 'tool_call'; id: string | null; name: string; arguments: unknown }
  | { type: 'tool_call_response'; id: string | null; response: unknown }
  | { type: 'uri'; modality: 'image'; uri: string }
  | { type: 'blob'; modality: 'image'; mime_type: string | null; content: string }
  | { type: 'document'; title: string | null };

export interface GenAiMessage {
  role: string;
  parts: GenAiPart[];
}

export interface GenAiOutputMessage extends GenAiMessage {
  finish_reason: string;
}

/** The conventions' finish-reason vocabulary (`tool_call`, singular); the others are the same words. */
function conventionFinishReason(reason: FinishReason | undefined): string {
  if (reason === undefined) return 'error';
  return reason === 'tool_calls' ? 'tool_call' : reason;
}

function cut(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : `${text.slice(0, maxChars)}…[truncated ${text.length - maxChars} chars]`;
}

/** Tool-call arguments as the object they encode when they are JSON, else the text as sent. */
function parsedArguments(text: string, maxChars: number): unknown {
  if (text.length <= maxChars) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      // Not JSON (a model may send anything): kept as text.
    }
  }
  return cut(text, maxChars);
}

function userPart(part: UserContentPart, maxChars: number): GenAiPart {
  if (part.type === 'text') return { type: 'text', content: cut(part.text, maxChars) };
  if (part.type === 'document') return { type: 'document', title: part.title ?? null };
  // A provider's own block (e.g. an Anthropic server tool result) as the text it reads as elsewhere.
  if (part.type === 'provider') return { type: 'text', content: cut(part.text, maxChars) };
  const url = part.image_url.url;
  const inline = /^data:([^;,]+)?;base64,(.*)$/s.exec(url);
  if (inline === null) return { type: 'uri', modality: 'image', uri: cut(url, maxChars) };
  return { type: 'blob', modality: 'image', mime_type: inline[1] ?? null, content: cut(inline[2] ?? '', maxChars) };
}

function textParts(content: string | readonly { type: string; text: string }[] | null | undefined, maxChars: number) {
  if (content === null || content === undefined) return [];
  if (typeof content === 'string')
    return content === '' ? [] : [{ type: 'text' as const, content: cut(content, maxChars) }];
  return content.map((part) => ({ type: 'text' as const, content: cut(part.text, maxChars) }));
}

/** A request's messages as `gen_ai.input.messages` (system and developer messages keep their place, as `system`). */
export function inputMessages(messages: readonly ChatMessage[], maxChars: number): GenAiMessage[] {
  return messages.map((message): GenAiMessage => {
    switch (message.role) {
      case 'system':
      case 'developer':
        return { role: 'system', parts: textParts(message.content, maxChars) };
      case 'user':
        return {
          role: 'user',
          parts:
            typeof message.content === 'string'
              ? textParts(message.content, maxChars)
              : message.content.map((part) => userPart(part, maxChars)),
        };
      case 'assistant': {
        const parts: GenAiPart[] = [];
        if (message.reasoning_content !== undefined && message.reasoning_content !== '')
          parts.push({ type: 'reasoning', content: cut(message.reasoning_content, maxChars) });
        parts.push(...textParts(message.content, maxChars));
        for (const call of message.tool_calls ?? [])
          parts.push({
            type: 'tool_call',
            id: call.id,
            name: call.function.name,
            arguments: parsedArguments(call.function.arguments, maxChars),
          });
        return { role: 'assistant', parts };
      }
      case 'tool':
        return {
          role: 'tool',
          parts: [
            {
              type: 'tool_call_response',
              id: message.tool_call_id,
              response:
                typeof message.content === 'string'
                  ? cut(message.content, maxChars)
                  : message.content.map((part) => userPart(part, maxChars)),
            },
          ],
        };
    }
    return { role: 'unknown', parts: [] };
  });
}

/** A complete answer's choices as `gen_ai.output.messages`. */
export function outputMessages(result: ChatResult, maxChars: number): GenAiOutputMessage[] {
  return result.choices.map((choice) => {
    const message = choice.message;
    const parts: GenAiPart[] = [];
    if (message.reasoningContent !== undefined && message.reasoningContent !== '')
      parts.push({ type: 'reasoning', content: cut(message.reasoningContent, maxChars) });
    parts.push(...textParts(message.content, maxChars));
    if (message.refusal !== undefined && message.refusal !== null && message.refusal !== '')
      parts.push({ type: 'text', content: cut(message.refusal, maxChars) });
    for (const call of message.toolCalls ?? [])
      parts.push({
        type: 'tool_call',
        id: call.id,
        name: call.function.name,
        arguments: parsedArguments(call.function.arguments, maxChars),
      });
    return { role: 'assistant', parts, finish_reason: conventionFinishReason(choice.finishReason) };
  });
}

/** Text that arrives in pieces: kept up to the cap, its full length counted. */
class CappedText {
  kept = '';
  length = 0;

  append(delta: string, maxChars: number): void {
    if (this.kept.length < maxChars) this.kept += delta.slice(0, maxChars - this.kept.length);
    this.length += delta.length;
  }

  text(): string {
    const cutChars = this.length - this.kept.length;
    return cutChars === 0 ? this.kept : `${this.kept}…[truncated ${cutChars} chars]`;
  }
}

interface ChoiceSoFar {
  reasoning: CappedText;
  text: CappedText;
  toolCalls: { id: string | null; name: string; arguments: CappedText }[];
  finishReason: FinishReason | undefined;
}

/**
 * A stream's answer, assembled from its parts as they pass (text, reasoning and tool-call deltas per choice),
 * into the same `gen_ai.output.messages` a complete answer gives. Text beyond the cap is counted, not kept.
 */
export class StreamedOutput {
  readonly #choices: ChoiceSoFar[] = [];
  readonly #maxChars: number;

  constructor(maxChars: number) {
    this.#maxChars = maxChars;
  }

  #choice(index: number): ChoiceSoFar {
    let choice = this.#choices[index];
    if (choice === undefined) {
      choice = { reasoning: new CappedText(), text: new CappedText(), toolCalls: [], finishReason: undefined };
      this.#choices[index] = choice;
    }
    return choice;
  }

  add(part: ChatStreamPart): void {
    switch (part.type) {
      case 'text-delta':
      case 'refusal-delta':
        this.#choice(part.choiceIndex).text.append(part.delta, this.#maxChars);
        break;
      case 'reasoning-delta':
        this.#choice(part.choiceIndex).reasoning.append(part.delta, this.#maxChars);
        break;
      case 'tool-call-delta': {
        const choice = this.#choice(part.choiceIndex);
        let call = choice.toolCalls[part.toolCallIndex];
        if (call === undefined) {
          call = { id: null, name: '', arguments: new CappedText() };
          choice.toolCalls[part.toolCallIndex] = call;
        }
        if (part.id !== undefined) call.id = part.id;
        if (part.name !== undefined) call.name += part.name;
        call.arguments.append(part.argumentsDelta, this.#maxChars);
        break;
      }
      case 'finish':
        this.#choice(part.choiceIndex).finishReason = part.finishReason;
        break;
      default:
    }
  }

  messages(): GenAiOutputMessage[] {
    const messages: GenAiOutputMessage[] = [];
    for (const choice of this.#choices) {
      if (choice === undefined) continue;
      const parts: GenAiPart[] = [];
      if (choice.reasoning.length > 0) parts.push({ type: 'reasoning', content: choice.reasoning.text() });
      if (choice.text.length > 0) parts.push({ type: 'text', content: choice.text.text() });
      for (const call of choice.toolCalls) {
        if (call === undefined) continue;
        const text = call.arguments.text();
        parts.push({
          type: 'tool_call',
          id: call.id,
          name: call.name,
          arguments:
            call.arguments.length === call.arguments.kept.length ? parsedArguments(text, this.#maxChars) : text,
        });
      }
      messages.push({ role: 'assistant', parts, finish_reason: conventionFinishReason(choice.finishReason) });
    }
    return messages;
  }
}
