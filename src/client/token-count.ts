/**
 * Local token counts and cost estimates. OpenAI models are counted exactly with their own BPE (`o200k_base`
 * for GPT-4o/4.1/4.5/5 and o-series, `cl100k_base` for GPT-4/3.5 and embeddings) using OpenAI's chat
 * framing (3 tokens per message, 3 to prime the reply). Other models are an approximation: the `o200k_base`
 * count plus 10%, since their vocabularies are smaller. Images count as OpenAI bills them when the size is
 * unknown (85 tokens at low detail, 765 otherwise) and tool definitions by their JSON text: both estimates.
 */
import { createRequire } from 'node:module';
import type { TokenUsage } from '../pricing/money.js';
import { type PriceConfig, PriceTable } from '../pricing/prices.js';
import type { ChatMessage, FunctionTool, Usage } from '../spec/chat.js';
import { type ToolSet, toFunctionTools } from './tool-loop.js';

type Encoder = { encode(text: string): number[] };
export type TokenizerName = 'o200k_base' | 'cl100k_base';

const requireModule = createRequire(import.meta.url);
const encoders = new Map<TokenizerName, Encoder>();

// The BPE tables are large; load one only when a count first needs it.
function encoder(name: TokenizerName): Encoder {
  let found = encoders.get(name);
  if (found === undefined) {
    found = requireModule(`gpt-tokenizer/encoding/${name}`) as Encoder;
    encoders.set(name, found);
  }
  return found;
}

const O200K = /^(gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|gpt-oss|chatgpt-4o|o1|o3|o4|codex-)/;
const CL100K = /^(gpt-4|gpt-3\.5|text-embedding-3|text-embedding-ada-002)/;

/** Which tokenizer counts a model, and whether the count is exact (OpenAI) or an approximation. */
export function tokenizerFor(model: string): { tokenizer: TokenizerName; exact: boolean } {
  const name = (model.split('/').at(-1) ?? model).toLowerCase();
  if (O200K.test(name)) return { tokenizer: 'o200k_base', exact: true };
  if (CL100K.test(name)) return { tokenizer: 'cl100k_base', exact: true };
  return { tokenizer: 'o200k_base', exact: false };
}

export interface CountTokensOptions {
  model: string;
  messages?: readonly ChatMessage[];
  /** Plain text, counted without chat framing. */
  text?: string;
  tools?: FunctionTool[] | ToolSet;
}

function contentText(
  content: ChatMessage['content'],
  imageTokens: (detail: string | undefined) => number,
): [string, number] {
  if (content === undefined || content === null) return ['', 0];
  if (typeof content === 'string') return [content, 0];
  let text = '';
  let extra = 0;
  for (const part of content) {
    if (part.type === 'text') text += part.text;
    else if (part.type === 'image_url') extra += imageTokens(part.image_url.detail);
    else if (part.type === 'provider') text += part.text;
    else if (part.source.type === 'text') text += part.source.data;
    else if (part.source.type === 'content') {
      const inner = contentText(part.source.content, imageTokens);
      text += inner[0];
      extra += inner[1];
    }
  }
  return [text, extra];
}

/**
 * Counts the tokens a request's prompt takes (see the module note for exact vs approximate).
 *
 * @example
 * countTokens({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hello, world!' }] }); // 11
 */
export function countTokens(options: CountTokensOptions): number {
  const { tokenizer, exact } = tokenizerFor(options.model);
  const { encode } = encoder(tokenizer);
  const count = (text: string) => (text === '' ? 0 : encode(text).length);
  const image = (detail: string | undefined) => (detail === 'low' ? 85 : 765);
  let total = options.text === undefined ? 0 : count(options.text);
  if (options.messages !== undefined) {
    for (const message of options.messages) {
      const [text, extra] = contentText(message.content, image);
      total += 3 + count(message.role) + count(text) + extra;
      if ('name' in message && message.name !== undefined) total += 1 + count(message.name);
      if (message.role === 'assistant') {
        for (const call of message.tool_calls ?? [])
          total += count(call.function.name) + count(call.function.arguments);
      }
    }
    total += 3;
  }
  const tools = toFunctionTools(options.tools);
  if (tools !== undefined && tools.length > 0) total += count(JSON.stringify(tools));
  return exact ? total : Math.ceil(total * 1.1);
}

export interface EstimateCostOptions {
  model: string;
  /**
   * The provider that served `model` (a response carries it). Hosted-catalogue prices are keyed by provider, so
   * `llama-3.1-8b` answered by `llamagate` costs `llamagate/llama-3.1-8b` and a local Ollama namesake stays unpriced.
   */
  provider?: string;
  /** Token counts of a finished call (a `CompletionResponse` can be passed as it is). */
  usage?: Usage | TokenUsage;
  /** Without usage: the prompt, counted locally, plus `maxTokens` as the output. */
  messages?: readonly ChatMessage[];
  maxTokens?: number;
  /** Your own prices (USD per 1M tokens); the shipped table is used beneath them. */
  prices?: PriceConfig;
}

export interface CostEstimate {
  /** US dollars (rounded to the micro-dollar). */
  usd: number;
  micros: number;
  /** False when no price matched the model (the cost is then 0). */
  priced: boolean;
  promptTokens: number;
  completionTokens: number;
}

let defaultPrices: PriceTable | undefined;

/**
 * The cost of a call from the shipped price table (`src/pricing/default-prices.ts`, USD per 1M tokens, cached input
 * priced separately), or from `prices`.
 *
 * @example
 * const response = await completion({ model: 'gpt-4o-mini', messages });
 * estimateCost(response).usd;
 */
export function estimateCost(options: EstimateCostOptions): CostEstimate {
  defaultPrices ??= PriceTable.fromConfig();
  const table = options.prices === undefined ? defaultPrices : PriceTable.fromConfig(options.prices);
  const usage: TokenUsage = options.usage
    ? {
        promptTokens: options.usage.promptTokens,
        completionTokens: options.usage.completionTokens,
        cachedTokens: options.usage.cachedTokens,
      }
    : {
        promptTokens:
          options.messages === undefined ? 0 : countTokens({ model: options.model, messages: options.messages }),
        completionTokens: options.maxTokens ?? 0,
      };
  const { model, provider } = options;
  const priceKey = provider === undefined || model.startsWith(`${provider}/`) ? model : `${provider}/${model}`;
  const priced = table.cost(priceKey, usage);
  return {
    usd: priced.cost / 1_000_000,
    micros: priced.cost,
    priced: priced.priced,
    promptTokens: usage.promptTokens ?? 0,
    completionTokens: usage.completionTokens ?? 0,
  };
}
