/**
 * Token estimates for billing. Two kinds, for two jobs:
 * - a cheap, deliberately high bound before the call (reservation and tpm): UTF-8 bytes / 3, so CJK text
 *   (≈1 token per 3-byte character) is not undercounted; no tokenizer on the hot path;
 * - a real count with `gpt-tokenizer` (o200k) after the call, only when the provider reported no usage, so
 *   estimated ledger rows are close to what a provider would have reported.
 */
import type { ChatRequest, ChatStreamPart, Usage } from '../../spec/chat.js';
import type { MeteredUsage } from './billing-services.js';

/** Tokens an image is reserved and counted at (high-detail images of the larger providers stay below it). */
export const IMAGE_TOKENS = 1600;
/** Per-message framing (role, separators), as OpenAI counts it. */
const MESSAGE_TOKENS = 4;
const REPLY_PRIMER_TOKENS = 3;

/** The text of a prompt, gathered once, and what is not text. */
export interface PromptShape {
  texts: string[];
  images: number;
  messages: number;
}

export function chatPromptShape(request: ChatRequest): PromptShape {
  const texts: string[] = [];
  let images = 0;
  for (const message of request.messages) {
    const content = message.content;
    if (typeof content === 'string') texts.push(content);
    else if (Array.isArray(content)) {
      for (const part of content) {
        if (part.type === 'text' || part.type === 'provider') texts.push(part.text);
        else images++;
      }
    }
    if (message.role === 'assistant') {
      for (const call of message.tool_calls ?? []) texts.push(call.function.name, call.function.arguments);
      if (message.reasoning_content !== undefined) texts.push(message.reasoning_content);
    }
  }
  if (request.tools !== undefined && request.tools.length > 0) texts.push(JSON.stringify(request.tools));
  if (request.responseFormat?.type === 'json_schema') texts.push(JSON.stringify(request.responseFormat));
  return { texts, images, messages: request.messages.length };
}

export function embeddingPromptShape(input: readonly string[]): PromptShape {
  return { texts: [...input], images: 0, messages: 0 };
}

/** The high bound used to reserve credit and count against tpm before the call. */
export function promptTokenBound(shape: PromptShape): number {
  let bytes = 0;
  for (const text of shape.texts) bytes += Buffer.byteLength(text, 'utf8');
  const framing = shape.messages > 0 ? shape.messages * MESSAGE_TOKENS + REPLY_PRIMER_TOKENS : 0;
  return Math.ceil(bytes / 3) + shape.images * IMAGE_TOKENS + framing;
}

type CountTokens = (text: string) => number;
let tokenizer: Promise<CountTokens> | undefined;

/** gpt-tokenizer is loaded on first use: its tables cost start-up time most gateways never need. */
function loadTokenizer(): Promise<CountTokens> {
  tokenizer ??= import('gpt-tokenizer').then((module) => (text: string) => module.countTokens(text));
  return tokenizer;
}

/** Counted prompt tokens (images and framing added as constants). */
export async function countPromptTokens(shape: PromptShape): Promise<number> {
  const count = await loadTokenizer();
  let tokens = 0;
  for (const text of shape.texts) tokens += text === '' ? 0 : count(text);
  const framing = shape.messages > 0 ? shape.messages * MESSAGE_TOKENS + REPLY_PRIMER_TOKENS : 0;
  return tokens + shape.images * IMAGE_TOKENS + framing;
}

export async function countTextTokens(texts: readonly string[]): Promise<number> {
  const count = await loadTokenizer();
  let tokens = 0;
  for (const text of texts) tokens += text === '' ? 0 : count(text);
  return tokens;
}

/**
 * The provider's counts; what it left out is counted here and the result marked estimated: prompt tokens from
 * the prompt's shape, completion tokens (chat only: `generated` is undefined otherwise) from the generated text.
 */
export async function meteredUsage(
  reported: Usage | undefined,
  shape: PromptShape | undefined,
  generated: readonly string[] | undefined,
): Promise<MeteredUsage> {
  let estimated = reported?.estimated === true;
  let promptTokens = reported?.promptTokens;
  if (promptTokens === undefined) {
    promptTokens = shape === undefined ? 0 : await countPromptTokens(shape);
    estimated = true;
  }
  let completionTokens = reported?.completionTokens;
  if (completionTokens === undefined && generated !== undefined) {
    completionTokens = await countTextTokens(generated);
    estimated = true;
  }
  return {
    promptTokens,
    completionTokens,
    cachedTokens: reported?.cachedTokens,
    reasoningTokens: reported?.reasoningTokens,
    estimated,
  };
}

/** The generated text a stream part carries (what a provider bills as output), or undefined. */
export function generatedText(part: ChatStreamPart): string | undefined {
  switch (part.type) {
    case 'text-delta':
    case 'reasoning-delta':
    case 'refusal-delta':
      return part.delta;
    case 'tool-call-delta':
      return part.name === undefined ? part.argumentsDelta : part.name + part.argumentsDelta;
    default:
      return undefined;
  }
}
