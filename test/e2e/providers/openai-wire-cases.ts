/**
 * The recordings each OpenAI-wire provider replays in `openai-wire.e2e.test.ts`, with what the gateway must
 * answer for them: native path and auth, recorded text or tool call, finish reason and usage numbers.
 */
export type Usage = [prompt: number, completion: number, total: number];

export interface ToolCallExpectation {
  id: string;
  name: string;
  arguments: string;
}

/** One recorded exchange: `<base>.json` (non-streaming) or `<base>.chunks.txt` (streaming). */
export interface Recording {
  base: string;
  /** The recording answered a request with the weather tool. */
  tools?: boolean;
  /** Omitted: the recorded text itself (the recording is the oracle). */
  content?: string;
  toolCall?: ToolCallExpectation;
  finish: 'stop' | 'length' | 'tool_calls';
  usage: Usage;
}

export interface WireCase {
  id: string;
  /** The part after `<id>/` in the model string. */
  model: string;
  /** The model id the upstream must receive. */
  upstreamModel: string;
  chatPath: string;
  /** Query the upstream must receive on every call (Azure's api-version). */
  query?: Record<string, string>;
  auth: [header: string, value: string];
  chat: Recording;
  stream: Recording;
  /** The second mode of a tool-call recording, where the provider has one besides text. */
  extra?: Recording & { stream: boolean };
  /** Mistral rejects unknown fields and always reports stream usage, so `stream_options` is not forwarded. */
  dropsStreamOptions?: boolean;
  /** `folder`: where the recording lives when the provider has none of its own. */
  embeddings?: { base: string; path: string; vectors: number; promptTokens: number; folder?: string };
  error?: { base: string; status: number; type: string; code: string; message: string };
}

const weatherArgs = '{"location": "San Francisco"}';

export const cases: WireCase[] = [
  {
    id: 'openai',
    model: 'gpt-4.1-nano',
    upstreamModel: 'gpt-4.1-nano',
    chatPath: '/v1/chat/completions',
    auth: ['authorization', 'Bearer sk-openai-test'],
    chat: { base: 'openai-text', finish: 'stop', usage: [16, 363, 379] },
    stream: { base: 'openai-text', finish: 'stop', usage: [16, 300, 316] },
    embeddings: { path: '/v1/embeddings', base: 'openai-embedding', vectors: 2, promptTokens: 12 },
    error: {
      base: 'openai-error.1',
      status: 429,
      type: 'insufficient_quota',
      code: 'insufficient_quota',
      message: 'You exceeded your current quota',
    },
  },
  {
    id: 'azure',
    model: 'prod-gpt-4o',
    upstreamModel: 'prod-gpt-4o',
    chatPath: '/openai/deployments/prod-gpt-4o/chat/completions',
    query: { 'api-version': '2024-10-21' },
    auth: ['api-key', 'azure-test-key'],
    chat: { base: 'openai-text', finish: 'stop', usage: [16, 363, 379] },
    stream: { base: 'azure-model-router.1', content: 'Capital of Denmark.', finish: 'stop', usage: [15, 78, 93] },
    embeddings: {
      path: '/openai/deployments/prod-gpt-4o/embeddings',
      base: 'openai-embedding',
      vectors: 2,
      promptTokens: 12,
    },
    error: {
      base: 'doc-azure-content-filter-error',
      status: 400,
      type: 'invalid_request_error',
      code: 'content_policy_violation',
      message: "triggering Azure OpenAI's content management policy",
    },
  },
  {
    id: 'groq',
    model: 'llama-3.3-70b-versatile',
    upstreamModel: 'llama-3.3-70b-versatile',
    chatPath: '/openai/v1/chat/completions',
    auth: ['authorization', 'Bearer gsk-test'],
    chat: { base: 'groq-text', finish: 'stop', usage: [45, 607, 652] },
    stream: { base: 'groq-text', finish: 'stop', usage: [45, 662, 707] },
    extra: {
      base: 'groq-tool-call',
      stream: true,
      tools: true,
      toolCall: { id: 'tk85n1k4m', name: 'weather', arguments: '{}' },
      finish: 'tool_calls',
      usage: [210, 15, 225],
    },
  },
  {
    id: 'mistral',
    model: 'mistral-small-latest',
    upstreamModel: 'mistral-small-latest',
    chatPath: '/v1/chat/completions',
    auth: ['authorization', 'Bearer mistral-test'],
    chat: { base: 'mistral-text', finish: 'stop', usage: [13, 434, 447] },
    stream: {
      base: 'mistral-tool-call',
      tools: true,
      toolCall: { id: 'gSIMJiOkT', name: 'weather', arguments: weatherArgs },
      finish: 'tool_calls',
      usage: [124, 22, 146],
    },
    extra: {
      base: 'mistral-text',
      stream: true,
      content: 'Hello, world! This is a test response.',
      finish: 'stop',
      usage: [13, 8, 21],
    },
    dropsStreamOptions: true,
    embeddings: { path: '/v1/embeddings', base: 'doc-mistral-embeddings', vectors: 2, promptTokens: 15 },
    error: {
      base: 'doc-mistral-422',
      status: 422,
      type: 'invalid_request_error',
      code: 'invalid_request',
      message: 'mistral error (422)',
    },
  },
  {
    id: 'deepseek',
    model: 'deepseek-chat',
    upstreamModel: 'deepseek-chat',
    chatPath: '/v1/chat/completions',
    auth: ['authorization', 'Bearer deepseek-test'],
    chat: { base: 'deepseek-text', finish: 'length', usage: [13, 300, 313] },
    stream: { base: 'deepseek-text', finish: 'length', usage: [13, 400, 413] },
    extra: {
      base: 'deepseek-tool-call',
      stream: false,
      tools: true,
      toolCall: { id: 'call_00_9V0vrf86Pc9aelHCJMZqnJBo', name: 'weather', arguments: weatherArgs },
      finish: 'tool_calls',
      usage: [339, 92, 431],
    },
  },
  {
    id: 'together',
    model: 'meta-llama/Llama-3.3-70B-Instruct-Turbo',
    upstreamModel: 'meta-llama/Llama-3.3-70B-Instruct-Turbo',
    chatPath: '/v1/chat/completions',
    auth: ['authorization', 'Bearer together-test'],
    chat: {
      base: 'groq-tool-call',
      tools: true,
      toolCall: { id: 'ax9fskhev', name: 'weather', arguments: '{}' },
      finish: 'tool_calls',
      usage: [218, 15, 233],
    },
    stream: {
      base: 'groq-tool-call',
      tools: true,
      toolCall: { id: 'tk85n1k4m', name: 'weather', arguments: '{}' },
      finish: 'tool_calls',
      usage: [210, 15, 225],
    },
    embeddings: { path: '/v1/embeddings', base: 'openai-embedding', vectors: 2, promptTokens: 12 },
  },
  {
    id: 'fireworks',
    model: 'llama-v3p1-8b-instruct',
    upstreamModel: 'accounts/fireworks/models/llama-v3p1-8b-instruct',
    chatPath: '/inference/v1/chat/completions',
    auth: ['authorization', 'Bearer fw-test'],
    chat: { base: 'mistral-text', finish: 'stop', usage: [13, 434, 447] },
    stream: {
      base: 'mistral-text',
      content: 'Hello, world! This is a test response.',
      finish: 'stop',
      usage: [13, 8, 21],
    },
    embeddings: { path: '/inference/v1/embeddings', base: 'openai-embedding', vectors: 2, promptTokens: 12 },
  },
  {
    id: 'meta',
    model: 'Llama-4-Maverick-17B-128E-Instruct-FP8',
    upstreamModel: 'Llama-4-Maverick-17B-128E-Instruct-FP8',
    chatPath: '/compat/v1/chat/completions',
    auth: ['authorization', 'Bearer meta-test'],
    chat: {
      base: 'mistral-tool-call',
      tools: true,
      toolCall: { id: 'gSIMJiOkT', name: 'weather', arguments: weatherArgs },
      finish: 'tool_calls',
      usage: [124, 22, 146],
    },
    stream: {
      base: 'mistral-tool-call',
      tools: true,
      toolCall: { id: 'gSIMJiOkT', name: 'weather', arguments: weatherArgs },
      finish: 'tool_calls',
      usage: [124, 22, 146],
    },
  },
  {
    id: 'llamagate',
    model: 'llama-3.1-8b',
    upstreamModel: 'llama-3.1-8b',
    chatPath: '/v1/chat/completions',
    auth: ['authorization', 'Bearer lg-test'],
    chat: { base: 'xai-text', content: 'Grok', finish: 'stop', usage: [12, 2, 334] },
    stream: { base: 'xai-text', content: 'Grok', finish: 'stop', usage: [12, 2, 354] },
    embeddings: { path: '/v1/embeddings', base: 'openai-embedding', vectors: 2, promptTokens: 12 },
  },
  {
    id: 'gatewayz',
    model: 'deepseek/deepseek-reasoner',
    upstreamModel: 'deepseek/deepseek-reasoner',
    chatPath: '/v1/chat/completions',
    auth: ['authorization', 'Bearer gatewayz-test'],
    chat: {
      base: 'deepseek-tool-call',
      tools: true,
      toolCall: { id: 'call_00_9V0vrf86Pc9aelHCJMZqnJBo', name: 'weather', arguments: weatherArgs },
      finish: 'tool_calls',
      usage: [339, 92, 431],
    },
    stream: {
      base: 'deepseek-tool-call',
      tools: true,
      toolCall: { id: 'call_00_ioIn7yN9p1ZOMNpDLwd4MgAF', name: 'weather', arguments: weatherArgs },
      finish: 'tool_calls',
      usage: [339, 83, 422],
    },
  },
  {
    id: 'openai-compatible',
    model: 'grok-3-mini',
    upstreamModel: 'grok-3-mini',
    chatPath: '/v1/chat/completions',
    auth: ['authorization', 'Bearer vllm-test'],
    chat: { base: 'xai-text', content: 'Grok', finish: 'stop', usage: [12, 2, 334] },
    stream: { base: 'xai-text', content: 'Grok', finish: 'stop', usage: [12, 2, 354] },
    extra: {
      base: 'xai-tool-call',
      stream: true,
      tools: true,
      toolCall: { id: 'call_79382389', name: 'weather', arguments: '{"location":"San Francisco"}' },
      finish: 'tool_calls',
      usage: [307, 26, 560],
    },
    embeddings: { path: '/v1/embeddings', base: 'openai-embedding', vectors: 2, promptTokens: 12, folder: 'openai' },
  },
];
