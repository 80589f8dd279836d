/**
 * Which Ollama endpoint a call goes to, with which body: the client's own `/api/chat` or `/api/generate` body
 * (a same-format passthrough), a legacy completion as `/api/generate`, else the converted `/api/chat` body.
 */
import type { CallOptions, ChatRequest, Warning } from '../../spec/chat.js';
import type { ImageFetchSettings } from '../../spec/provider.js';
import { convertToOllamaRequest } from './convert-to-ollama-request.js';

/** The wire formats this adapter forwards as they are (the gateway's inbound `/api/chat` and `/api/generate`). */
export const OLLAMA_CHAT_FORMAT = 'ollama-chat';
export const OLLAMA_GENERATE_FORMAT = 'ollama-generate';
/** OpenAI's legacy completions: Ollama answers them natively through `/api/generate` (prompt, suffix). */
export const OPENAI_COMPLETIONS_FORMAT = 'openai-completions';

export type OllamaEndpoint = 'chat' | 'generate';

export interface OllamaCallPlan {
  endpoint: OllamaEndpoint;
  body: Uint8Array | Record<string, unknown>;
  warnings: Warning[];
  /** Set when the answer is in the client's own format: it may go back byte for byte. */
  passthroughFormat?: string;
}

/** The prompt of a legacy completions body, as the gateway's codec accepted it (a string or a list of one). */
function completionPrompt(body: Readonly<Record<string, unknown>>): string {
  const prompt = body.prompt;
  if (typeof prompt === 'string') return prompt;
  return Array.isArray(prompt) && typeof prompt[0] === 'string' ? prompt[0] : '';
}

export async function planOllamaCall(
  request: ChatRequest,
  modelId: string,
  options: CallOptions,
  stream: boolean,
  imageFetch: ImageFetchSettings | undefined,
): Promise<OllamaCallPlan> {
  const passthrough = options.passthrough;
  const format = passthrough?.format;
  if (passthrough !== undefined && (format === OLLAMA_CHAT_FORMAT || format === OLLAMA_GENERATE_FORMAT)) {
    const original = passthrough.body;
    const endpoint = format === OLLAMA_CHAT_FORMAT ? 'chat' : 'generate';
    // The client's bytes when they already name this model and stream setting; else only those two change.
    const unchanged = original.model === modelId && (original.stream !== false) === stream;
    const body =
      unchanged && passthrough.bytes !== undefined ? passthrough.bytes : { ...original, model: modelId, stream };
    return { endpoint, body, warnings: [], passthroughFormat: format };
  }
  const converted = await convertToOllamaRequest(request, modelId, { stream, imageFetch });
  if (passthrough === undefined || format !== OPENAI_COMPLETIONS_FORMAT) return { endpoint: 'chat', ...converted };
  // A legacy completion keeps Ollama's own meaning: the prompt through the model's template (which is what
  // takes a `suffix`), or as it is with the client's `raw: true`; the settings are the chat call's.
  const { messages: _messages, tools: _tools, model, ...settings } = converted.body;
  const body: Record<string, unknown> = { model, prompt: completionPrompt(passthrough.body) };
  if (typeof passthrough.body.suffix === 'string' && passthrough.body.suffix !== '')
    body.suffix = passthrough.body.suffix;
  if (passthrough.body.raw === true) body.raw = true;
  return { endpoint: 'generate', body: { ...body, ...settings }, warnings: converted.warnings };
}
