/**
 * The README's "Library" examples, type-checked by `tsc` with the rest of the code (in the README they import
 * from 'llamagate'). Each is a function, so importing this module sends nothing anywhere.
 */
import { z } from 'zod';
import {
  AllProvidersFailedError,
  AuthenticationError,
  batch,
  type CacheStore,
  type ChatMessage,
  ContextWindowExceededError,
  cache,
  completion,
  countTokens,
  embed,
  estimateCost,
  fallback,
  LlamaGate,
  logging,
  type Middleware,
  parse,
  RateLimitError,
  rateLimit,
  retry,
  tool,
  ValidationError,
} from '../index.js';

const messages: ChatMessage[] = [{ role: 'user', content: 'Write a haiku about the sea.' }];

export async function quickStart(): Promise<void> {
  const response = await completion({ model: 'groq/llama-3.1-8b-instant', messages });
  console.log(response.text, response.toolCalls, response.usage, response.provider, response.model, response.raw);

  for await (const chunk of completion({ model: 'gpt-4o-mini', messages, stream: true })) {
    process.stdout.write(chunk.delta);
  }
}

export async function completionOptions(): Promise<void> {
  const response = await completion({
    model: 'claude-sonnet-4-5',
    messages: [
      { role: 'system', content: 'Answer in one sentence.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is in this picture?' },
          { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
        ],
      },
    ],
    maxTokens: 200,
    temperature: 0.2,
    stop: ['\n\n'],
    timeout: 30_000,
    providerOptions: { anthropic: { topK: 40, thinkingBudgetTokens: 2048 } },
  });
  console.log(response.text, response.finishReason, response.usage.cachedTokens, response.warnings);

  // Per-call credentials and endpoint, e.g. a vLLM server speaking the OpenAI API.
  await completion({
    model: 'llama-3.1-8b',
    provider: 'openai-compatible',
    baseURL: 'http://localhost:8000/v1',
    messages,
  });
}

export async function streaming(): Promise<void> {
  const controller = new AbortController();
  const stream = completion({ model: 'gpt-4o-mini', messages, stream: true, signal: controller.signal });
  for await (const chunk of stream) {
    process.stdout.write(chunk.delta); // also chunk.reasoningDelta, chunk.toolCallDeltas, chunk.finishReason
    if (chunk.usage) console.log('\ntokens:', chunk.usage.totalTokens);
  }
  const final = await stream.finalResponse(); // drives the stream itself if nobody iterated it
  console.log(final.text.length, final.finishReason);
}

export async function structuredOutput(): Promise<void> {
  const Recipe = z.object({
    name: z.string(),
    minutes: z.number().int(),
    ingredients: z.array(z.object({ item: z.string(), grams: z.number() })),
  });

  const recipe = await parse({ model: 'gpt-4o-mini', messages, schema: Recipe, repair: true });
  console.log(recipe.ingredients.map((ingredient) => ingredient.item));

  const response = await completion({ model: 'gemini-2.5-flash-lite', messages, responseFormat: Recipe });
  console.log(response.parsed.minutes);

  for await (const chunk of completion({ model: 'gpt-4o-mini', messages, responseFormat: Recipe, stream: true })) {
    if (chunk.partial) console.log(chunk.partial.name, chunk.partial.ingredients?.length);
  }
}

export async function embedExample(): Promise<void> {
  const { embeddings, usage } = await embed({
    model: 'text-embedding-3-small',
    input: ['first document', 'second document'],
    dimensions: 256,
  });
  console.log(embeddings.length, embeddings[0]?.length, usage.totalTokens);
}

export async function batches(): Promise<void> {
  const questions = ['What is 2 + 2?', 'Name a prime number.', 'Spell "cat" backwards.'];
  const result = await batch(
    questions.map((content) => ({ model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content }] })),
    { maxConcurrency: 2, timeout: 20_000, onProgress: ({ completed, total }) => console.log(`${completed}/${total}`) },
  );
  for (const [index, response] of result.results.entries()) console.log(index, response?.text ?? 'failed');
  for (const error of result.errors) console.log(error.index, error.type, error.error.message);
  console.log(result.successful, result.failed, result.totalTokens, result.successRate);
}

export async function fallbackChains(): Promise<void> {
  const response = await completion({
    model: ['gpt-4o-mini', 'groq/llama-3.1-8b-instant', 'gemini-2.5-flash-lite'],
    messages,
    fallbackOn: ['rate_limit', 'server_error', 'timeout', 'auth', 'context_window'],
  });
  for (const attempt of response.fallbackErrors) console.log('skipped', attempt.model, attempt.error.code);

  const stream = completion({
    model: ['claude-sonnet-4-5', 'gpt-4o'],
    messages,
    stream: true,
    streamFallbackMode: 'continue',
  });
  for await (const chunk of stream) {
    if (chunk.fallback) console.log(`\n[${chunk.fallback.from} failed; ${chunk.fallback.to} continues]`);
    process.stdout.write(chunk.delta);
  }
}

export async function middleware(): Promise<void> {
  const timing: Middleware = (next) => async (call) => {
    const started = Date.now();
    try {
      return await next(call);
    } finally {
      console.log(call.kind, call.model, `${Date.now() - started} ms`);
    }
  };
  const redisLike = new Map<string, string>();
  const store: CacheStore = {
    get: (key) => {
      const text = redisLike.get(key);
      return text === undefined ? undefined : JSON.parse(text);
    },
    set: (key, entry) => {
      redisLike.set(key, JSON.stringify(entry));
    },
  };

  const gate = new LlamaGate({
    middleware: [
      logging({ level: 'info', redactContent: true }),
      fallback({ models: ['groq/llama-3.1-8b-instant'] }),
      rateLimit({ requestsPerMinute: 60, tokensPerMinute: 100_000 }),
      retry({ maxRetries: 3, backoff: { initialDelayMs: 500 }, jitter: 'full' }),
      cache({ ttl: 10 * 60_000, maxEntries: 500, store }),
      timing,
    ],
    providers: { openai: { apiKey: process.env.MY_OPENAI_KEY } },
    timeout: 60_000,
  });
  const response = await gate.completion({ model: 'gpt-4o-mini', messages });
  console.log(response.cacheHit, response.fallbackAttempts.length);
}

export async function toolLoop(): Promise<void> {
  const response = await completion({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'Should I take an umbrella in Paris today?' }],
    tools: {
      get_weather: tool({
        description: 'Current weather for a city',
        parameters: z.object({ city: z.string() }),
        execute: async ({ city }) => ({ city, rainProbability: 0.7 }),
      }),
    },
    maxSteps: 4,
  });
  console.log(response.text);
  for (const step of response.steps) console.log(step.index, step.toolCalls.length, step.toolResults);
}

export async function errors(): Promise<void> {
  try {
    await completion({ model: ['gpt-4o-mini', 'claude-sonnet-4-5'], messages });
  } catch (error) {
    if (RateLimitError.isInstance(error)) console.log('retry after', error.retryAfter, 'seconds');
    else if (AuthenticationError.isInstance(error)) console.log('check the key for', error.provider);
    else if (ContextWindowExceededError.isInstance(error)) console.log('prompt too long for', error.model);
    else if (ValidationError.isInstance(error)) console.log('bad JSON:', error.upstream?.body);
    else if (AllProvidersFailedError.isInstance(error)) {
      for (const attempt of error.errors) console.log(attempt.model, attempt.error.status, attempt.error.message);
    } else throw error;
  }
}

export async function tokensAndCost(): Promise<void> {
  const prompt = countTokens({ model: 'gpt-4o', messages });
  const before = estimateCost({ model: 'gpt-4o', messages, maxTokens: 500 }); // upper bound before the call
  const after = estimateCost(await completion({ model: 'gpt-4o-mini', messages })); // a response works as is
  console.log(prompt, before.usd, after.priced ? after.usd : 'no price');
}

export async function selfHostedGateway(): Promise<void> {
  // LLAMAGATE_API_BASE=http://localhost:8080/v1 (and LLAMAGATE_API_KEY if the gateway requires one)
  const response = await completion({ model: 'llamagate/groq/llama-3.1-8b-instant', messages });
  console.log(response.provider); // 'llamagate': the gateway chose the backend
}
