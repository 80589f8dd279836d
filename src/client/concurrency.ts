/**
 * Runs `task(0…total-1)` with at most `limit` in flight; workers stop taking new indexes once `shouldStop`
 * says so. Tasks are expected to handle their own failures.
 */
export async function runPool(
  total: number,
  limit: number,
  task: (index: number) => Promise<void>,
  shouldStop: () => boolean = () => false,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (!shouldStop() && next < total) {
      const index = next++;
      await task(index);
    }
  };
  const workers = Math.max(1, Math.min(Math.floor(limit) || 1, total));
  await Promise.all(Array.from({ length: workers }, worker));
}

/** Maps with bounded concurrency, results in input order; the first failure stops new work and is thrown. */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  map: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let failure: { error: unknown } | undefined;
  await runPool(
    items.length,
    limit,
    async (index) => {
      try {
        results[index] = await map(items[index] as T, index);
      } catch (error) {
        failure ??= { error };
      }
    },
    () => failure !== undefined,
  );
  if (failure !== undefined) throw failure.error;
  return results;
}
