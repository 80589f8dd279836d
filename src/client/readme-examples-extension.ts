/**
 * The README's examples for extending the library (provider factories, your own adapter, content helpers,
 * prompt templates, the llmgate names) and the provider factories' JSDoc examples, type-checked by `tsc`.
 * Each is a function, so importing this module sends nothing anywhere.
 */
import { z } from 'zod';
import {
  AllProvidersFailedError,
  type ChatMessage,
  chatTemplate,
  completion,
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
  EmbeddingsNotSupportedError,
  imageBytes,
  LlamaGate,
  type OpenAIProviderSettings,
  type Provider,
  parse,
  prompt,
  system,
  text,
  user,
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
    const settings: OpenAIProviderSettings = { apiKey: process.env.OPENAI_API_KEY, organization: 'org-123' };
    console.log(createOpenAI(settings).id);
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

const messages: ChatMessage[] = [{ role: 'user', content: 'Write a haiku about the sea.' }];
const pngBytes = Uint8Array.from([0x89, 0x50, 0x4e, 0x47]);

export async function messagesAndTemplates(): Promise<void> {
  const describeImage = chatTemplate([
    ['system', 'Describe images for {{audience}}.'],
    ['user', 'Focus on {{focus}}.'],
  ]);
  const [instructions, question] = describeImage.messages({ audience: 'children', focus: 'colours' });
  const picture = await completion({
    model: 'gpt-4o-mini',
    messages: [
      system('Be brief.'),
      ...(instructions === undefined ? [] : [instructions]),
      user(text(prompt('Question: {{q}}').format({ q: 'what is this?' })), imageBytes(pngBytes, 'image/png')),
      ...(question === undefined ? [] : [question]),
    ],
  });
  const city = await parse({
    model: 'gpt-4o-mini',
    messages: chatTemplate([['user', 'Name the capital of {{country}}.']]).messages({ country: 'France' }),
    schema: z.object({ name: z.string() }),
  });
  console.log(picture.text, city.name);
}

export async function ownAdapter(): Promise<void> {
  const anthropic = createAnthropic({ apiKey: process.env.MY_ANTHROPIC_KEY });
  const echo: Provider = {
    id: 'echo',
    chatModel: (modelId) => ({
      provider: 'echo',
      modelId,
      generate: async (request) => ({
        id: 'echo-1',
        created: 0,
        provider: 'echo',
        model: modelId,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: JSON.stringify(request.messages.at(-1)) },
            finishReason: 'stop',
          },
        ],
        usage: {},
        warnings: [],
      }),
      stream: () => Promise.reject(new Error('no streaming')),
    }),
    embeddingModel: (modelId) => {
      throw new EmbeddingsNotSupportedError({ message: 'no embeddings', provider: 'echo', model: modelId });
    },
  };
  const gate = new LlamaGate({ providers: { claude: anthropic, echo } });
  await gate.completion({ model: 'claude/claude-haiku-4-5', messages });
  await gate.completion({ model: 'echo/anything', messages });
}
