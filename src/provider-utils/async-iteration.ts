/** Small pieces shared by the hand-written stream iterators (decision 0020). */

/** The result a finished iterator answers with; frozen, so one object serves every stream. */
export const ITERATION_END: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });

/** `iterator.next()` as a promise, a synchronous throw included, so one `then` handles both ways it can fail. */
export function nextOf<T>(iterator: AsyncIterator<T>): Promise<IteratorResult<T>> {
  try {
    return iterator.next();
  } catch (error) {
    return Promise.reject(error);
  }
}
