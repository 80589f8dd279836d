import type { PriceConfig } from './price-config.js';

/**
 * Prices shipped with LlamaGate, in USD per 1M tokens (strings, so no float ever touches them). Public list
 * prices as of 2025; they drift, so deployments override them in config (`prices:` wins over these).
 * Dated snapshots (`gpt-4o-2024-08-06`, `claude-sonnet-4-20250514`) find their family by prefix.
 */

/**
 * The LlamaGate-hosted catalogue, inside the published bands (embeddings $0.02 in; 3–4B $0.03–0.04 in /
 * $0.08 out; 7–8B $0.03–0.15 / $0.05–0.55; code $0.06–0.10 / $0.12–0.20; reasoning $0.08–0.10 / $0.15–0.20).
 * Keyed `llamagate/<model>` so a local Ollama model of the same name (`nomic-embed-text:latest`) never
 * carries the hosted price.
 */
export const LLAMAGATE_HOSTED_PRICES: PriceConfig = {
  // Embeddings.
  'llamagate/nomic-embed-text': { input: '0.02', output: '0' },
  'llamagate/qwen3-embedding-8b': { input: '0.02', output: '0' },
  'llamagate/embeddinggemma-300m': { input: '0.02', output: '0' },
  // Small 3–4B models.
  'llamagate/llama-3.2-3b': { input: '0.04', output: '0.08' },
  'llamagate/gemma3-4b': { input: '0.03', output: '0.08' },
  // 7–8B general and vision models.
  'llamagate/llama-3.1-8b': { input: '0.03', output: '0.05' },
  'llamagate/mistral-7b-v0.3': { input: '0.10', output: '0.15' },
  'llamagate/qwen3-8b': { input: '0.04', output: '0.14' },
  'llamagate/dolphin3-8b': { input: '0.08', output: '0.15' },
  'llamagate/qwen3-vl-8b': { input: '0.15', output: '0.55' },
  'llamagate/llava-7b': { input: '0.10', output: '0.20' },
  'llamagate/olmocr-7b': { input: '0.10', output: '0.20' },
  'llamagate/ui-tars-7b': { input: '0.10', output: '0.20' },
  // Code models.
  'llamagate/qwen2.5-coder-7b': { input: '0.06', output: '0.12' },
  'llamagate/deepseek-coder-6.7b': { input: '0.06', output: '0.12' },
  'llamagate/codellama-7b': { input: '0.06', output: '0.12' },
  'llamagate/codegemma-7b': { input: '0.06', output: '0.12' },
  'llamagate/starcoder2-7b': { input: '0.06', output: '0.12' },
  // Reasoning models.
  'llamagate/deepseek-r1-8b': { input: '0.10', output: '0.20' },
  'llamagate/deepseek-r1-7b-qwen': { input: '0.08', output: '0.15' },
  'llamagate/openthinker-7b': { input: '0.08', output: '0.15' },
};

export const HOSTED_PROVIDER_PRICES: PriceConfig = {
  // OpenAI.
  'gpt-4o': { input: '2.50', output: '10.00', cachedInput: '1.25' },
  'gpt-4o-mini': { input: '0.15', output: '0.60', cachedInput: '0.075' },
  'gpt-4.1': { input: '2.00', output: '8.00', cachedInput: '0.50' },
  'gpt-4.1-mini': { input: '0.40', output: '1.60', cachedInput: '0.10' },
  'gpt-4.1-nano': { input: '0.10', output: '0.40', cachedInput: '0.025' },
  'o3-mini': { input: '1.10', output: '4.40', cachedInput: '0.55' },
  'text-embedding-3-small': { input: '0.02', output: '0' },
  'text-embedding-3-large': { input: '0.13', output: '0' },
  // Anthropic (cachedInput = cache read).
  'claude-3-5-sonnet': { input: '3.00', output: '15.00', cachedInput: '0.30' },
  'claude-3-5-haiku': { input: '0.80', output: '4.00', cachedInput: '0.08' },
  'claude-sonnet-4': { input: '3.00', output: '15.00', cachedInput: '0.30' },
  // Google (prompts up to 200k tokens).
  'gemini-2.5-pro': { input: '1.25', output: '10.00', cachedInput: '0.125' },
  'gemini-2.5-flash': { input: '0.30', output: '2.50', cachedInput: '0.03' },
  'gemini-2.5-flash-lite': { input: '0.10', output: '0.40', cachedInput: '0.01' },
  // Groq.
  'llama-3.1-8b-instant': { input: '0.05', output: '0.08' },
  // Mistral.
  'mistral-large': { input: '2.00', output: '6.00' },
  // DeepSeek (V3.2; cachedInput = cache hit).
  'deepseek-chat': { input: '0.28', output: '0.42', cachedInput: '0.028' },
  'deepseek-reasoner': { input: '0.28', output: '0.42', cachedInput: '0.028' },
};

export const DEFAULT_PRICES: PriceConfig = { ...LLAMAGATE_HOSTED_PRICES, ...HOSTED_PROVIDER_PRICES };
