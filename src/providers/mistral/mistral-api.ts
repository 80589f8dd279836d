/**
 * Mistral's departures from the OpenAI wire format: content as an array of chunks (text, thinking), its
 * error bodies, and the options it takes under `providerOptions.mistral`.
 */
import { z } from 'zod';
import { extractErrorMessage } from '../../provider-utils/upstream-error.js';
import { BadRequestError } from '../../spec/errors.js';

const textChunkSchema = z.looseObject({ type: z.string(), text: z.string().nullish() });

/** `content` of a message or delta: a string, or chunks such as `text` and `thinking` (Magistral). */
export const mistralContentSchema = z.union([
  z.string(),
  z.array(
    z.looseObject({
      type: z.string(),
      text: z.string().nullish(),
      thinking: z.union([z.string(), z.array(textChunkSchema)]).nullish(),
    }),
  ),
]);

export type MistralContent = z.infer<typeof mistralContentSchema>;

export const mistralProviderOptionsSchema = z.strictObject({
  safePrompt: z.boolean().optional(),
  /** `reasoning` selects Magistral's reasoning system prompt. */
  promptMode: z.string().optional(),
  /** Sent as `reasoning_effort` unchanged, for the models that take it (e.g. `none` or `high`). */
  reasoningEffort: z.string().optional(),
  /** Embeddings: `float`, `int8`, `uint8`, `binary`, `ubinary` (codestral-embed). */
  outputDtype: z.string().optional(),
});

export type MistralProviderOptions = z.infer<typeof mistralProviderOptionsSchema>;

export function parseMistralProviderOptions(value: unknown): MistralProviderOptions {
  if (value === undefined) return {};
  const parsed = mistralProviderOptionsSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new BadRequestError({
    message: `Invalid providerOptions.mistral: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ')}`,
    param: 'providerOptions.mistral',
    provider: 'mistral',
    isRetryable: false,
  });
}

const validationDetailSchema = z.array(
  z.looseObject({ loc: z.array(z.union([z.string(), z.number()])).optional(), msg: z.string().optional() }),
);

function describeDetail(detail: unknown): string | undefined {
  if (typeof detail === 'string') return detail;
  const parsed = validationDetailSchema.safeParse(detail);
  if (!parsed.success || parsed.data.length === 0) return undefined;
  return parsed.data.map((item) => `${(item.loc ?? []).join('.')}: ${item.msg ?? 'invalid'}`).join('; ');
}

/**
 * Mistral errors come as `{"object":"error","message":"…","type":…}`, and validation failures (422) as
 * `{"message":{"detail":[{loc,msg}]}}`, `{"message":[{loc,msg}]}` or `{"detail":[…]}`: the detail names the field that failed.
 */
export function describeMistralError(body: unknown): { message?: string; code?: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return extractErrorMessage(body);
  const record = body as Record<string, unknown>;
  const code =
    typeof record.type === 'string' ? record.type : typeof record.code === 'string' ? record.code : undefined;
  const message = record.message;
  if (typeof message === 'string') return { message, code };
  const nested = Array.isArray(message)
    ? describeDetail(message)
    : typeof message === 'object' && message !== null
      ? describeDetail((message as { detail?: unknown }).detail)
      : undefined;
  const detail = nested ?? describeDetail(record.detail);
  if (detail !== undefined) return { message: detail, code };
  return extractErrorMessage(body);
}
