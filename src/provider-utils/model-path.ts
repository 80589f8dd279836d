import { BadRequestError } from '../spec/errors.js';

/**
 * Model ids are chosen by clients and some adapters put them in the upstream URL path, so an id that could
 * change which URL is called (`..`, `?`, `#`, `\`, control characters) is refused before any network call.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused.
const FORBIDDEN_CHARACTERS = /[\u0000-\u001f\u007f?#\\]/;

function refuse(modelId: string, provider: string, why: string): never {
  throw new BadRequestError({
    message: `Invalid model id for ${provider}: ${JSON.stringify(modelId.slice(0, 200))} ${why}`,
    provider,
    param: 'model',
    isRetryable: false,
  });
}

function checkSegment(segment: string, modelId: string, provider: string): void {
  if (segment === '' || segment === '.' || segment === '..')
    refuse(modelId, provider, 'has an empty, . or .. path segment');
  if (segment.includes('..')) refuse(modelId, provider, 'contains ..');
}

/** Throws a 400 `BadRequestError` unless `modelId` is safe in a URL path (`/` allowed only when `allowSlash`). */
export function assertSafeModelId(modelId: string, provider: string, options: { allowSlash?: boolean } = {}): void {
  if (modelId === '') refuse(modelId, provider, 'is empty');
  if (FORBIDDEN_CHARACTERS.test(modelId)) refuse(modelId, provider, 'contains ?, #, \\ or a control character');
  if (!options.allowSlash && modelId.includes('/'))
    refuse(modelId, provider, 'contains / where one path segment is expected');
  for (const segment of modelId.split('/')) checkSegment(segment, modelId, provider);
}

/** One URL path segment from a model id: validated (no `/`), then percent-encoded. */
export function modelPathSegment(modelId: string, provider: string): string {
  assertSafeModelId(modelId, provider);
  return encodeURIComponent(modelId);
}

/**
 * A model id that is sent whole as one encoded segment although it may contain `/` (Bedrock ARNs and
 * inference-profile ids): validated, then percent-encoded including its slashes.
 */
export function encodedModelId(modelId: string, provider: string): string {
  assertSafeModelId(modelId, provider, { allowSlash: true });
  return encodeURIComponent(modelId);
}

/** A resource path such as `tunedModels/my-model`: each `/`-separated segment validated and encoded. */
export function modelResourcePath(modelId: string, provider: string): string {
  assertSafeModelId(modelId, provider, { allowSlash: true });
  return modelId.split('/').map(encodeURIComponent).join('/');
}
