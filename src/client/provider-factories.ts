/**
 * Every provider factory, for building a provider with explicit settings (or wrapping one in your own adapter).
 * Each returns its provider at once and imports the adapter's code on the first call, so importing the library
 * loads no adapter (and the AWS SDK packages only with Bedrock); `await provider.load()` loads it up front.
 */
import { type LazyProvider, lazyProvider } from '../provider-utils/lazy-provider.js';
import type { AnthropicProviderSettings } from '../providers/anthropic/anthropic-provider.js';
import type { AzureProviderSettings } from '../providers/azure/azure-provider.js';
import type { BedrockProviderSettings } from '../providers/bedrock/bedrock-provider.js';
import type { CohereProviderSettings } from '../providers/cohere/cohere-provider.js';
import type { GeminiProviderSettings } from '../providers/google/gemini-provider.js';
import type { VertexProviderSettings } from '../providers/google/vertex-provider.js';
import type { MetaProviderSettings } from '../providers/meta/meta-provider.js';
import type { OllamaProviderSettings } from '../providers/ollama/ollama-provider.js';
import type { OpenAIProviderSettings } from '../providers/openai/openai-provider.js';
import type { OpenAICompatibleProviderSettings } from '../providers/openai-compatible/openai-compatible-provider.js';
import type { ProviderSettings } from '../spec/provider.js';

export type {
  AnthropicProviderSettings,
  AzureProviderSettings,
  BedrockProviderSettings,
  CohereProviderSettings,
  GeminiProviderSettings,
  MetaProviderSettings,
  OllamaProviderSettings,
  OpenAICompatibleProviderSettings,
  OpenAIProviderSettings,
  VertexProviderSettings,
};

/**
 * See the adapter's own documentation; the code loads on the first call.
 *
 * @example
 * const provider = createAnthropic({ apiKey: process.env.ANTHROPIC_API_KEY });
 * const result = await provider.chatModel('claude-haiku-4-5').generate({ messages: [{ role: 'user', content: 'Hi' }] });
 */
export function createAnthropic(settings: AnthropicProviderSettings = {}): LazyProvider {
  return lazyProvider('anthropic', async () =>
    (await import('../providers/anthropic/anthropic-provider.js')).createAnthropic(settings),
  );
}

/**
 * See the adapter's own documentation; the code loads on the first call.
 *
 * @example
 * const provider = createAzure({ resourceName: 'my-resource', apiKey: process.env.AZURE_OPENAI_API_KEY });
 * const result = await provider.chatModel('my-gpt-4o-deployment').generate({ messages: [{ role: 'user', content: 'Hi' }] });
 */
export function createAzure(settings: AzureProviderSettings = {}): LazyProvider {
  return lazyProvider('azure', async () =>
    (await import('../providers/azure/azure-provider.js')).createAzure(settings),
  );
}

/**
 * See the adapter's own documentation; the code loads on the first call.
 *
 * @example
 * const provider = createBedrock({ region: 'us-east-1' });
 * const result = await provider.chatModel('anthropic.claude-3-5-haiku-20241022-v1:0').generate({ messages: [{ role: 'user', content: 'Hi' }] });
 */
export function createBedrock(settings: BedrockProviderSettings = {}): LazyProvider {
  return lazyProvider(settings.name ?? 'bedrock', async () =>
    (await import('../providers/bedrock/bedrock-provider.js')).createBedrock(settings),
  );
}

/**
 * See the adapter's own documentation; the code loads on the first call.
 *
 * @example
 * const provider = createCohere({ apiKey: process.env.COHERE_API_KEY });
 * const result = await provider.chatModel('command-r-plus').generate({ messages: [{ role: 'user', content: 'Hi' }] });
 */
export function createCohere(settings: CohereProviderSettings = {}): LazyProvider {
  return lazyProvider(settings.name ?? 'cohere', async () =>
    (await import('../providers/cohere/cohere-provider.js')).createCohere(settings),
  );
}

/**
 * See the adapter's own documentation; the code loads on the first call.
 *
 * @example
 * const provider = createDeepSeek({ apiKey: process.env.DEEPSEEK_API_KEY });
 * const result = await provider.chatModel('deepseek-chat').generate({ messages: [{ role: 'user', content: 'Hi' }] });
 */
export function createDeepSeek(settings: ProviderSettings = {}): LazyProvider {
  return lazyProvider('deepseek', async () =>
    (await import('../providers/deepseek/deepseek-provider.js')).createDeepSeek(settings),
  );
}

/**
 * See the adapter's own documentation; the code loads on the first call.
 *
 * @example
 * const provider = createFireworks({ apiKey: process.env.FIREWORKS_API_KEY });
 * const result = await provider.chatModel('accounts/fireworks/models/llama-v3p1-8b-instruct').generate({ messages: [{ role: 'user', content: 'Hi' }] });
 */
export function createFireworks(settings: ProviderSettings = {}): LazyProvider {
  return lazyProvider('fireworks', async () =>
    (await import('../providers/fireworks/fireworks-provider.js')).createFireworks(settings),
  );
}

/**
 * See the adapter's own documentation; the code loads on the first call.
 *
 * @example
 * const provider = createGatewayz({ apiKey: process.env.GATEWAYZ_API_KEY });
 * const result = await provider.chatModel('openai/gpt-4o-mini').generate({ messages: [{ role: 'user', content: 'Hi' }] });
 */
export function createGatewayz(settings: ProviderSettings = {}): LazyProvider {
  return lazyProvider('gatewayz', async () =>
    (await import('../providers/gatewayz/gatewayz-provider.js')).createGatewayz(settings),
  );
}

/**
 * See the adapter's own documentation; the code loads on the first call.
 *
 * @example
 * const provider = createGemini({ apiKey: process.env.GEMINI_API_KEY });
 * const result = await provider.chatModel('gemini-2.5-flash-lite').generate({ messages: [{ role: 'user', content: 'Hi' }] });
 */
export function createGemini(settings: GeminiProviderSettings = {}): LazyProvider {
  return lazyProvider(settings.name ?? 'gemini', async () =>
    (await import('../providers/google/gemini-provider.js')).createGemini(settings),
  );
}

/**
 * See the adapter's own documentation; the code loads on the first call.
 *
 * @example
 * const provider = createVertex({ projectId: 'my-project', location: 'us-central1' });
 * const result = await provider.chatModel('gemini-2.5-flash').generate({ messages: [{ role: 'user', content: 'Hi' }] });
 */
export function createVertex(settings: VertexProviderSettings = {}): LazyProvider {
  return lazyProvider(settings.name ?? 'vertex', async () =>
    (await import('../providers/google/vertex-provider.js')).createVertex(settings),
  );
}

/**
 * See the adapter's own documentation; the code loads on the first call.
 *
 * @example
 * const provider = createGroq({ apiKey: process.env.GROQ_API_KEY });
 * const result = await provider.chatModel('llama-3.1-8b-instant').generate({ messages: [{ role: 'user', content: 'Hi' }] });
 */
export function createGroq(settings: ProviderSettings = {}): LazyProvider {
  return lazyProvider('groq', async () => (await import('../providers/groq/groq-provider.js')).createGroq(settings));
}

/**
 * See the adapter's own documentation; the code loads on the first call.
 *
 * @example
 * const provider = createLlamaGate({ apiKey: process.env.LLAMAGATE_API_KEY });
 * const result = await provider.chatModel('llama-3.1-8b').generate({ messages: [{ role: 'user', content: 'Hi' }] });
 */
export function createLlamaGate(settings: ProviderSettings = {}): LazyProvider {
  return lazyProvider('llamagate', async () =>
    (await import('../providers/llamagate/llamagate-provider.js')).createLlamaGate(settings),
  );
}

/**
 * See the adapter's own documentation; the code loads on the first call.
 *
 * @example
 * const provider = createMeta({ endpoint: 'https://api.llama.com/compat/v1', apiKey: process.env.LLAMA_API_KEY });
 * const result = await provider.chatModel('Llama-4-Maverick-17B-128E-Instruct-FP8').generate({ messages: [{ role: 'user', content: 'Hi' }] });
 */
export function createMeta(settings: MetaProviderSettings = {}): LazyProvider {
  return lazyProvider('meta', async () => (await import('../providers/meta/meta-provider.js')).createMeta(settings));
}

/**
 * See the adapter's own documentation; the code loads on the first call.
 *
 * @example
 * const provider = createMistral({ apiKey: process.env.MISTRAL_API_KEY });
 * const result = await provider.chatModel('mistral-small-latest').generate({ messages: [{ role: 'user', content: 'Hi' }] });
 */
export function createMistral(settings: ProviderSettings = {}): LazyProvider {
  return lazyProvider('mistral', async () =>
    (await import('../providers/mistral/mistral-provider.js')).createMistral(settings),
  );
}

/**
 * See the adapter's own documentation; the code loads on the first call.
 *
 * @example
 * const provider = createOllama({ baseURL: 'http://localhost:11434' });
 * const result = await provider.chatModel('llama3.2').generate({ messages: [{ role: 'user', content: 'Hi' }] });
 */
export function createOllama(settings: OllamaProviderSettings = {}): LazyProvider {
  return lazyProvider('ollama', async () =>
    (await import('../providers/ollama/ollama-provider.js')).createOllama(settings),
  );
}

/**
 * See the adapter's own documentation; the code loads on the first call.
 *
 * @example
 * const provider = createOpenAI({ apiKey: process.env.OPENAI_API_KEY });
 * const result = await provider.chatModel('gpt-4o-mini').generate({ messages: [{ role: 'user', content: 'Hi' }] });
 */
export function createOpenAI(settings: OpenAIProviderSettings = {}): LazyProvider {
  return lazyProvider('openai', async () =>
    (await import('../providers/openai/openai-provider.js')).createOpenAI(settings),
  );
}

/**
 * See the adapter's own documentation; the code loads on the first call.
 *
 * @example
 * const provider = createTogether({ apiKey: process.env.TOGETHER_API_KEY });
 * const result = await provider.chatModel('meta-llama/Llama-3.3-70B-Instruct-Turbo').generate({ messages: [{ role: 'user', content: 'Hi' }] });
 */
export function createTogether(settings: ProviderSettings = {}): LazyProvider {
  return lazyProvider('together', async () =>
    (await import('../providers/together/together-provider.js')).createTogether(settings),
  );
}

/**
 * Any OpenAI-compatible server (vLLM, LM Studio, llama.cpp, TGI…); the code loads on the first call. Local
 * servers need no key: one is sent when `apiKey` (or a variable of `apiKeyEnvironmentVariables`) gives it, and
 * `apiKeyRequired: true` refuses to call without one.
 *
 * @example
 * const provider = createOpenAICompatible({ name: 'vllm', baseURL: 'http://localhost:8000/v1' });
 * const result = await provider.chatModel('llama-3.1-8b').generate({ messages: [{ role: 'user', content: 'Hi' }] });
 */
export function createOpenAICompatible(settings: OpenAICompatibleProviderSettings): LazyProvider {
  const withDefaults = { apiKeyRequired: false, ...settings };
  return lazyProvider(settings.name, async () =>
    (await import('../providers/openai-compatible/openai-compatible-provider.js')).createOpenAICompatible(withDefaults),
  );
}
