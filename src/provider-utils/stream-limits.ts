import { ProviderAPIError } from '../spec/errors.js';

/** 16 MiB: far above any real stream line (a whole embedded image), far below what exhausts memory. */
export const DEFAULT_MAX_STREAM_LINE_LENGTH = 16 * 1024 * 1024;

let configuredMaximum = DEFAULT_MAX_STREAM_LINE_LENGTH;

/** Sets the process-wide cap on one SSE/NDJSON line from an upstream (characters); the server sets it from config. */
export function setMaxStreamLineLength(characters: number): void {
  if (!Number.isInteger(characters) || characters < 1024) throw new RangeError('stream line cap must be ≥ 1024');
  configuredMaximum = characters;
}

export function maxStreamLineLength(): number {
  return configuredMaximum;
}

/** The typed failure of a stream whose upstream sent one line longer than the cap. */
export function lineTooLong(provider: string | undefined, limit: number): ProviderAPIError {
  return new ProviderAPIError({
    code: 'upstream_line_too_long',
    message: `${provider ?? 'upstream'} sent a stream line longer than ${limit} characters; the stream was stopped`,
    provider,
    isRetryable: false,
  });
}
