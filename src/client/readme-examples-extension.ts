/**
 * The README's examples for extending the library (provider factories, your own adapter, content helpers,
 * prompt templates, the llmgate names) and the provider factories' JSDoc examples, type-checked by `tsc`.
 * Each is a function, so importing this module sends nothing anywhere.
 */
import {
  AllProvidersFailedError,
  createAnthropic,
  createAzure,
  createBedrock,
  createCohere,
  createDeepSeek,
  createFireworks,
  createGatewayz,
  createGemini,
  createGroq,
  createLlamaGate,
  createMeta,
  createMistral,
  createOllama,
  createOpenAI,
  createOpenAICompatible,
  createTogether,
  createVertex,
} from '../index.js';

/** Every provider factory's JSDoc example, as written there. */
export async function providerFactoryExamples(): Promise<void> {
  {
    const provider = createAnthropic({ apiKey: process.env.ANTHROPIC_API_KEY });
    const result = await provider
      .chatModel('claude-haiku-4-5')
      .generate({ messages: [{ role: 'user', content: 'Hi' }] });
    console.log(result.choices[0]?.message.content);
  }
  {
    const provider = createAzure({ resourceName: 'my-resource', apiKey: process.env.AZURE_OPENAI_API_KEY });
    const result = await provider
      .chatModel('my-gpt-4o-deployment')
      .generate({ messages: [{ role: 'user', content: 'Hi' }] });
    console.log(result.choices[0]?.message.content);
  }
  {
    const provider = createBedrock({ region: 'us-east-1' });
    const result = await provider
      .chatModel('anthropic.claude-3-5-haiku-20241022-v1:0')
      .generate({ messages: [{ role: 'user', content: 'Hi' }] });
    console.log(result.choices[0]?.message.content);
  }
  {
    const provider = createCohere({ apiKey: process.env.COHERE_API_KEY });
    const result = await provider.chatModel('command-r-plus').generate({ messages: [{ role: 'user', content: 'Hi' }] });
    console.log(result.choices[0]?.message.content);
  }
  {
    const provider = createDeepSeek({ apiKey: process.env.DEEPSEEK_API_KEY });
    const result = await provider.chatModel('deepseek-chat').generate({ messages: [{ role: 'user', content: 'Hi' }] });
    console.log(result.choices[0]?.message.content);
  }
  {
    const provider = createFireworks({ apiKey: process.env.FIREWORKS_API_KEY });
    const result = await provider
      .chatModel('accounts/fireworks/models/llama-v3p1-8b-instruct')
      .generate({ messages: [{ role: 'user', content: 'Hi' }] });
    console.log(result.choices[0]?.message.content);
  }
  {
    const provider = createGatewayz({ apiKey: process.env.GATEWAYZ_API_KEY });
    const result = await provider
      .chatModel('openai/gpt-4o-mini')
      .generate({ messages: [{ role: 'user', content: 'Hi' }] });
    console.log(result.choices[0]?.message.content);
  }
  {
    const provider = createGemini({ apiKey: process.env.GEMINI_API_KEY });
    const result = await provider
      .chatModel('gemini-2.5-flash-lite')
      .generate({ messages: [{ role: 'user', content: 'Hi' }] });
    console.log(result.choices[0]?.message.content);
  }
  {
    const provider = createVertex({ projectId: 'my-project', location: 'us-central1' });
    const result = await provider
      .chatModel('gemini-2.5-flash')
      .generate({ messages: [{ role: 'user', content: 'Hi' }] });
    console.log(result.choices[0]?.message.content);
  }
  {
    const provider = createGroq({ apiKey: process.env.GROQ_API_KEY });
    const result = await provider
      .chatModel('llama-3.1-8b-instant')
      .generate({ messages: [{ role: 'user', content: 'Hi' }] });
    console.log(result.choices[0]?.message.content);
  }
  {
    const provider = createLlamaGate({ apiKey: process.env.LLAMAGATE_API_KEY });
    const result = await provider.chatModel('llama-3.1-8b').generate({ messages: [{ role: 'user', content: 'Hi' }] });
    console.log(result.choices[0]?.message.content);
  }
  {
    const provider = createMeta({ endpoint: 'https://api.llama.com/compat/v1', apiKey: process.env.LLAMA_API_KEY });
    const result = await provider
      .chatModel('Llama-4-Maverick-17B-128E-Instruct-FP8')
      .generate({ messages: [{ role: 'user', content: 'Hi' }] });
    console.log(result.choices[0]?.message.content);
  }
  {
    const provider = createMistral({ apiKey: process.env.MISTRAL_API_KEY });
    const result = await provider
      .chatModel('mistral-small-latest')
      .generate({ messages: [{ role: 'user', content: 'Hi' }] });
    console.log(result.choices[0]?.message.content);
  }
  {
    const provider = createOllama({ baseURL: 'http://localhost:11434' });
    const result = await provider.chatModel('llama3.2').generate({ messages: [{ role: 'user', content: 'Hi' }] });
    console.log(result.choices[0]?.message.content);
  }
  {
    const provider = createOpenAI({ apiKey: process.env.OPENAI_API_KEY });
    const result = await provider.chatModel('gpt-4o-mini').generate({ messages: [{ role: 'user', content: 'Hi' }] });
    console.log(result.choices[0]?.message.content);
  }
  {
    const provider = createTogether({ apiKey: process.env.TOGETHER_API_KEY });
    const result = await provider
      .chatModel('meta-llama/Llama-3.3-70B-Instruct-Turbo')
      .generate({ messages: [{ role: 'user', content: 'Hi' }] });
    console.log(result.choices[0]?.message.content);
  }
  {
    const provider = createOpenAICompatible({ name: 'vllm', baseURL: 'http://localhost:8000/v1' });
    const result = await provider.chatModel('llama-3.1-8b').generate({ messages: [{ role: 'user', content: 'Hi' }] });
    console.log(result.choices[0]?.message.content);
  }
}

export async function portedFromLlmgate(): Promise<void> {
  try {
    await createGroq()
      .chatModel('llama-3.1-8b-instant')
      .generate({ messages: [{ role: 'user', content: 'Hi' }] });
  } catch (error) {
    if (AllProvidersFailedError.isInstance(error))
      for (const { model, error: cause } of error.errors) console.log(model, cause.code);
  }
}
