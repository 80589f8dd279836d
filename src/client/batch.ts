import { AbortedError, toLlamaGateError } from '../spec/errors.js';
import type { BatchError, BatchOptions, BatchResult, CompletionOptions, CompletionResponse } from './client-types.js';
import { runPool } from './concurrency.js';

function tokensOf(response: CompletionResponse): number {
  const { usage } = response;
  return usage.totalTokens ?? (usage.promptTokens ?? 0) + (usage.completionTokens ?? 0);
}

/**
 * Runs completions with at most `maxConcurrency` in flight. Results keep input order; failures are
 * collected with their index (or, with `failFast`, abort the rest and reject with the first one).
 */
export async function runBatch<R extends CompletionOptions>(
  requests: readonly R[],
  options: BatchOptions,
  complete: (request: R) => Promise<CompletionResponse>,
): Promise<BatchResult> {
  const total = requests.length;
  const results = new Array<CompletionResponse | undefined>(total).fill(undefined);
  const errors: BatchError[] = [];
  const controller = new AbortController();
  const signal =
    options.signal === undefined ? controller.signal : AbortSignal.any([options.signal, controller.signal]);
  let successful = 0;
  let firstFailure: { error: unknown } | undefined;

  await runPool(
    total,
    options.maxConcurrency ?? 5,
    async (index) => {
      const request = requests[index] as R;
      const signals = request.signal === undefined ? [signal] : [signal, request.signal];
      try {
        results[index] = await complete({
          ...request,
          signal: signals.length === 1 ? signal : AbortSignal.any(signals),
          timeout: request.timeout ?? options.timeout,
        });
        successful++;
        options.onProgress?.({
          index,
          completed: successful + errors.length,
          total,
          successful,
          failed: errors.length,
        });
      } catch (thrown) {
        const error = toLlamaGateError(thrown);
        errors.push({ index, type: error.name, code: error.code, error });
        options.onProgress?.({
          index,
          completed: successful + errors.length,
          total,
          successful,
          failed: errors.length,
          error,
        });
        if (options.failFast && firstFailure === undefined) {
          firstFailure = { error: thrown };
          controller.abort();
        }
      }
    },
    () => firstFailure !== undefined || signal.aborted,
  );
  if (firstFailure !== undefined) throw firstFailure.error;
  // Requests never started because the caller aborted the batch.
  for (let index = 0; index < total; index++) {
    if (results[index] === undefined && !errors.some((error) => error.index === index)) {
      const error = new AbortedError({
        message: 'The batch was aborted before this request started',
        isRetryable: false,
      });
      errors.push({ index, type: error.name, code: error.code, error });
    }
  }
  errors.sort((a, b) => a.index - b.index);
  return {
    results,
    errors,
    successful,
    failed: errors.length,
    totalTokens: results.reduce((sum, response) => sum + (response === undefined ? 0 : tokensOf(response)), 0),
    successRate: total === 0 ? 0 : successful / total,
  };
}
