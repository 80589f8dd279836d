import { z } from 'zod';
import { extractErrorMessage } from '../../provider-utils/upstream-error.js';

const azureErrorSchema = z.looseObject({
  error: z.looseObject({
    code: z.string().nullish(),
    innererror: z.looseObject({ code: z.string().nullish() }).nullish(),
  }),
});

/**
 * Azure's content filter answers 400 with `innererror.code: ResponsibleAIPolicyViolation`; its outer `code`
 * is usually `content_filter` but not on every API version, so the inner code decides.
 */
export function describeAzureError(body: unknown): { message?: string; code?: string } {
  const described = extractErrorMessage(body);
  const parsed = azureErrorSchema.safeParse(body);
  if (parsed.success && parsed.data.error.innererror?.code === 'ResponsibleAIPolicyViolation') {
    return { ...described, code: 'content_filter' };
  }
  return described;
}
