import { type LlamaGateError, ModelNotFoundError, NotFoundError } from '../../spec/errors.js';

/** Ollama's error body is `{"error":"<message>"}` (docs/openapi.yaml `ErrorResponse`). */
export function describeOllamaError(body: unknown): { message?: string; code?: string } {
  if (typeof body === 'string') return body.trim() === '' ? {} : { message: body.slice(0, 2000) };
  if (typeof body !== 'object' || body === null) return {};
  const error = (body as { error?: unknown }).error;
  if (typeof error === 'string') return { message: error };
  if (typeof error === 'object' && error !== null) {
    const message = (error as { message?: unknown }).message;
    if (typeof message === 'string') return { message };
  }
  return {};
}

/**
 * On `/api/chat` and `/api/embed` a 404 means one thing: the model is not pulled
 * (`{"error":"model 'x' not found"}`), so it becomes the model-not-found class callers test for.
 */
export function refineOllamaError(error: unknown): unknown {
  if (!NotFoundError.isInstance(error) || ModelNotFoundError.isInstance(error)) return error;
  const source = error as LlamaGateError;
  return new ModelNotFoundError({
    message: source.message,
    status: source.status,
    provider: source.provider,
    model: source.model,
    isRetryable: false,
    upstream: source.upstream,
    cause: source.cause,
  });
}
