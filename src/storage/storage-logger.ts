/** The slice of a logger storage needs; a pino logger fits as is (`logger.warn({ err }, 'message')`). */
export interface StorageLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export const silentLogger: StorageLogger = {
  info() {},
  warn() {},
  error() {},
};

/** Logs at most once per `intervalMs` per message key, counting what it suppressed in between. */
export class ThrottledLog {
  readonly #last = new Map<string, { at: number; suppressed: number }>();
  readonly #intervalMs: number;
  readonly #now: () => number;

  constructor(intervalMs = 10_000, now: () => number = Date.now) {
    this.#intervalMs = intervalMs;
    this.#now = now;
  }

  /** Calls `emit(suppressedSinceLast)` unless the same key was emitted within the interval. */
  run(key: string, emit: (suppressed: number) => void): void {
    const now = this.#now();
    const last = this.#last.get(key);
    if (last !== undefined && now - last.at < this.#intervalMs) {
      last.suppressed++;
      return;
    }
    this.#last.set(key, { at: now, suppressed: 0 });
    emit(last?.suppressed ?? 0);
  }
}
