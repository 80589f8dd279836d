/** The options DeepSeek takes under `providerOptions.deepseek`. */
import { z } from 'zod';
import { BadRequestError } from '../../spec/errors.js';

export const deepseekProviderOptionsSchema = z.strictObject({
  /** Thinking mode on or off (`thinking: {type: enabled|disabled}`); deepseek-reasoner always thinks. */
  thinking: z.boolean().optional(),
});

export type DeepSeekProviderOptions = z.infer<typeof deepseekProviderOptionsSchema>;

export function parseDeepSeekProviderOptions(value: unknown): DeepSeekProviderOptions {
  if (value === undefined) return {};
  const parsed = deepseekProviderOptionsSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new BadRequestError({
    message: `Invalid providerOptions.deepseek: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ')}`,
    param: 'providerOptions.deepseek',
    provider: 'deepseek',
    isRetryable: false,
  });
}
