/**
 * OpenAI's legacy completions (`POST /v1/completions`) as a {@link ChatCodec}: the prompt becomes one user
 * turn of a chat call (an Ollama backend answers it through `/api/generate` from the passthrough body, which is
 * what makes `suffix` and Ollama's `raw` possible there), and the answer is encoded as `text_completion`
 * objects or SSE chunks. What no backend reproduces (`echo`, `logprobs`, `best_of`, token-array prompts) is a
 * clear 400; so are `suffix` and `raw` when the model routes to a backend other than Ollama.
 */
import { generateId } from '../../../provider-utils/ids.js';
import type { ChatRequest, ChatStreamPart, FinishReason, Usage } from '../../../spec/chat.js';
import { toOpenAIErrorBody } from '../../../spec/errors.js';
import type { ChatCodec, DecodedChatCall, ResponseMeta } from '../chat-codec.js';
import { encodeFinishReason, encodeUsage } from '../openai-chat/encode-response.js';
import { encodeOpenAIError } from '../openai-chat/openai-chat-codec.js';
import {
  invalidField,
  isRecord,
  readBoolean,
  readNumber,
  readStop,
  readString,
  rejectField,
  requireModel,
  requireObject,
  type WireBody,
} from '../wire-fields.js';

export interface CompletionsCall extends DecodedChatCall {
  includeUsage: boolean;
  completionId: string;
}

/** OpenAI's default for this endpoint, kept so that a client relying on it gets what it would from OpenAI. */
const DEFAULT_MAX_TOKENS = 16;

function decodePrompt(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.length === 1 && typeof value[0] === 'string') return value[0];
  if (Array.isArray(value) && value.every((item) => typeof item === 'string'))
    throw invalidField("'prompt' may hold one string per request at LlamaGate; send one request per prompt", 'prompt');
  if (value === undefined || value === null)
    throw invalidField("you must provide a 'prompt' parameter", 'prompt', 'missing_field');
  throw invalidField("'prompt' must be a string (token arrays are not supported by LlamaGate)", 'prompt');
}

/** `suffix` and Ollama's `raw`: only an Ollama backend takes them (through `/api/generate`). */
function ollamaOnly(body: WireBody, model: string): CompletionsCall['providerOnly'] {
  const suffix = readString(body, 'suffix');
  const raw = readBoolean(body, 'raw');
  if (suffix !== undefined && suffix !== '') {
    if (raw === true)
      throw invalidField(
        "'suffix' needs the model's template, which 'raw: true' turns off; send one or the other",
        'suffix',
        'invalid_request',
      );
    return {
      provider: 'ollama',
      param: 'suffix',
      message: `'suffix' (fill-in-the-middle) needs an Ollama backend; "${model}" routes to a backend that cannot take it (chat backends answer legacy completions as a chat turn)`,
    };
  }
  if (raw !== true) return undefined;
  return {
    provider: 'ollama',
    param: 'raw',
    message: `'raw' (an Ollama extension) needs an Ollama backend; "${model}" routes to a backend that cannot take it`,
  };
}

export function decodeCompletions(value: unknown, bytes: Uint8Array): CompletionsCall {
  const body = requireObject(value);
  const model = requireModel(body);
  const prompt = decodePrompt(body.prompt);
  rejectField(body, 'echo', 'the gateway answers through chat models, which do not return the prompt');
  const providerOnly = ollamaOnly(body, model);
  if (body.logprobs !== undefined && body.logprobs !== null)
    rejectField(body, 'logprobs', 'token log probabilities are not returned for legacy completions');
  if (body.best_of !== undefined && body.best_of !== null && body.best_of !== 1)
    rejectField(body, 'best_of', 'ask for n completions instead');
  const request: ChatRequest = {
    messages: [{ role: 'user', content: prompt }],
    maxTokens: readNumber(body, 'max_tokens', 1, Number.MAX_SAFE_INTEGER, true) ?? DEFAULT_MAX_TOKENS,
  };
  const temperature = readNumber(body, 'temperature', 0, 2);
  if (temperature !== undefined) request.temperature = temperature;
  const topP = readNumber(body, 'top_p', 0, 1);
  if (topP !== undefined) request.topP = topP;
  const n = readNumber(body, 'n', 1, 128, true);
  if (n !== undefined && n > 1) request.n = n;
  const seed = readNumber(body, 'seed', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, true);
  if (seed !== undefined) request.seed = seed;
  const presence = readNumber(body, 'presence_penalty', -2, 2);
  if (presence !== undefined) request.presencePenalty = presence;
  const frequency = readNumber(body, 'frequency_penalty', -2, 2);
  if (frequency !== undefined) request.frequencyPenalty = frequency;
  const stop = readStop(body.stop, 'stop');
  if (stop !== undefined) request.stop = stop;
  const user = readString(body, 'user');
  if (user !== undefined) request.user = user;
  const stream = readBoolean(body, 'stream') ?? false;
  const options = body.stream_options;
  const includeUsage = isRecord(options) && options.include_usage === true;
  const call: CompletionsCall = {
    model,
    stream,
    request,
    // An Ollama backend reads prompt, suffix and raw from the client's body (decoding never changes it).
    passthrough: { format: 'openai-completions', body, bytes },
    cacheMaterial: providerOnly === undefined ? request : { request, suffix: body.suffix, raw: body.raw },
    includeUsage,
    completionId: generateId('cmpl', 29),
  };
  if (providerOnly !== undefined) call.providerOnly = providerOnly;
  return call;
}

function envelope(call: CompletionsCall, meta: ResponseMeta, model = meta.model) {
  return { id: call.completionId, object: 'text_completion' as const, created: meta.created, model };
}

async function* encodeCompletionsStream(
  parts: AsyncIterable<ChatStreamPart>,
  call: CompletionsCall,
  meta: ResponseMeta,
): AsyncIterable<string> {
  let model = meta.model;
  let usage: Usage | undefined;
  const finished = new Map<number, FinishReason>();
  const data = (value: unknown) => `data: ${JSON.stringify(value)}\n\n`;
  const chunk = (index: number, text: string, finish: string | null) =>
    data({ ...envelope(call, meta, model), choices: [{ text, index, logprobs: null, finish_reason: finish }] });
  for await (const part of parts) {
    switch (part.type) {
      case 'response-metadata':
        if (part.model !== undefined) model = part.model;
        break;
      case 'text-delta':
        if (part.delta !== '') yield chunk(part.choiceIndex, part.delta, null);
        break;
      case 'finish':
        finished.set(part.choiceIndex, part.finishReason);
        break;
      case 'usage':
        usage = part.usage;
        break;
      case 'error':
        yield data(toOpenAIErrorBody(part.error, meta.requestId));
        yield 'data: [DONE]\n\n';
        return;
      default:
        break;
    }
  }
  if (finished.size === 0) finished.set(0, 'stop');
  for (const [index, reason] of finished) yield chunk(index, '', encodeFinishReason(reason));
  if (call.includeUsage && usage !== undefined)
    yield data({ ...envelope(call, meta, model), choices: [], usage: encodeUsage(usage) });
  yield 'data: [DONE]\n\n';
}

export const openaiCompletionsCodec: ChatCodec<CompletionsCall> = {
  format: 'openai-completions',
  streamContentType: 'text/event-stream; charset=utf-8',
  decode: (body, bytes) => decodeCompletions(body, bytes),
  encodeResult(result, call, meta) {
    const body: Record<string, unknown> = {
      ...envelope(call, meta),
      choices: result.choices.map((choice) => ({
        text: choice.message.content ?? '',
        index: choice.index,
        logprobs: null,
        finish_reason: encodeFinishReason(choice.finishReason),
      })),
      usage: encodeUsage(result.usage),
    };
    if (result.systemFingerprint !== undefined) body.system_fingerprint = result.systemFingerprint;
    return { kind: 'json', json: body };
  },
  encodeStream: encodeCompletionsStream,
  encodeError: encodeOpenAIError,
};
