import type { ChatRequest, Warning } from '../../spec/chat.js';
import { convertToMistralMessages } from './convert-to-mistral-messages.js';
import { parseMistralProviderOptions } from './mistral-api.js';
import { MistralToolCallIdMap } from './mistral-tool-call-ids.js';

/** Chat-completion fields Mistral accepts as OpenAI spells them. Mistral answers 422 to any other field. */
const PASSED_THROUGH = [
  'model',
  'messages',
  'temperature',
  'top_p',
  'max_tokens',
  'stream',
  'stop',
  'random_seed',
  'response_format',
  'tools',
  'tool_choice',
  'presence_penalty',
  'frequency_penalty',
  'n',
  'prediction',
  'parallel_tool_calls',
  'prompt_mode',
  'safe_prompt',
] as const;

/** OpenAI names Mistral spells differently. */
const RENAMED: Readonly<Record<string, string>> = { seed: 'random_seed', max_completion_tokens: 'max_tokens' };

/**
 * Not warned about: Mistral always sends usage in the last stream chunk, which is what `stream_options`
 * asks for, and `stream: false` is its default.
 */
const DROPPED_QUIETLY = new Set(['stream_options']);

/**
 * Replaces the OpenAI body with a clean Mistral one built from known fields only: renames (`seed` →
 * `random_seed`, `max_completion_tokens` → `max_tokens`, tool_choice `required` → `any`), Mistral's own
 * provider options, and a warning for every other field dropped. Returns the tool-call id map of the request.
 */
export function prepareMistralBody(
  body: Record<string, unknown>,
  request: ChatRequest,
  warnings: Warning[],
): MistralToolCallIdMap {
  const options = parseMistralProviderOptions(request.providerOptions?.mistral);
  const ids = new MistralToolCallIdMap();
  const source = { ...body };
  for (const key of Object.keys(body)) delete body[key];
  for (const key of PASSED_THROUGH) if (source[key] !== undefined) body[key] = source[key];
  for (const [from, to] of Object.entries(RENAMED)) {
    if (source[from] === undefined) continue;
    if (body[to] === undefined) body[to] = source[from];
    else
      warnings.push({
        type: 'unsupported-setting',
        setting: from,
        message: `mistral takes only ${to}; ${from} was dropped because ${to} is set`,
      });
  }
  if (body.tool_choice === 'required') body.tool_choice = 'any';
  if (Array.isArray(body.messages)) body.messages = convertToMistralMessages(body.messages, ids, warnings);
  if (options.safePrompt !== undefined) body.safe_prompt = options.safePrompt;
  if (options.promptMode !== undefined) body.prompt_mode = options.promptMode;
  const handled = new Set<string>([...PASSED_THROUGH, ...Object.keys(RENAMED), ...DROPPED_QUIETLY]);
  if (options.reasoningEffort !== undefined) {
    body.reasoning_effort = options.reasoningEffort;
    handled.add('reasoning_effort');
  }
  for (const [key, value] of Object.entries(source)) {
    if (handled.has(key) || value === undefined) continue;
    warnings.push({
      type: 'unsupported-setting',
      setting: key,
      message:
        key === 'reasoning_effort'
          ? 'mistral takes no OpenAI-style reasoning_effort (Magistral models always reason; set providerOptions.mistral.reasoningEffort for models that take one); it was dropped'
          : `mistral does not support ${key}; it was dropped`,
    });
  }
  return ids;
}
