import { toLlamaGateError } from '../spec/errors.js';
import { healthCheckCounts } from './backend-stats.js';
import type { BackendNode } from './routing-table.js';

export interface HealthCheckerOptions {
  /** The backends to check, asked at every round (they change when implicit backends appear). */
  targets: () => readonly BackendNode[];
  intervalMs: number;
  timeoutMs: number;
  /** Told when a check changes a backend's state (for a log line). */
  onChange?: (node: BackendNode, ok: boolean, error: string | undefined) => void;
}

/**
 * Periodic cheap reachability checks (`provider.checkHealth`: a model list or version call). A pass ends a
 * cool-down early (the next request is the half-open trial); a failure that marks the backend unwell counts
 * toward its cool-down like a failed request. Timers are unref'd so they never keep the process alive.
 */
export class HealthChecker {
  #timer: NodeJS.Timeout | undefined;
  readonly #running = new Set<string>();

  constructor(private readonly options: HealthCheckerOptions) {}

  get started(): boolean {
    return this.#timer !== undefined;
  }

  start(): void {
    if (this.#timer !== undefined || this.options.intervalMs <= 0) return;
    this.#timer = setInterval(() => void this.checkAll(), this.options.intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Checks every target now (a backend whose previous check is still running is skipped). */
  async checkAll(): Promise<void> {
    await Promise.all(this.options.targets().map((node) => this.check(node)));
  }

  async check(node: BackendNode): Promise<void> {
    if (this.#running.has(node.name)) return;
    this.#running.add(node.name);
    const started = performance.now();
    const wasOk = node.stats.lastCheck?.ok;
    try {
      await node.backend.provider.checkHealth?.({ timeoutMs: this.options.timeoutMs });
      node.stats.recordCheck({ ok: true, latencyMs: Math.round(performance.now() - started) }, false);
      if (wasOk === false) this.options.onChange?.(node, true, undefined);
    } catch (thrown) {
      const error = toLlamaGateError(thrown);
      node.stats.recordCheck(
        { ok: false, latencyMs: Math.round(performance.now() - started), error: error.message },
        healthCheckCounts(error),
      );
      if (wasOk !== false) this.options.onChange?.(node, false, error.message);
    } finally {
      this.#running.delete(node.name);
    }
  }
}
