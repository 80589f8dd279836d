import type { GatewayConfig } from '../config/config-schema.js';
import type { ModelResolver } from '../router/model-resolver.js';
import type { ChatResult, Usage, Warning } from '../spec/chat.js';
import type { Logger } from './logger.js';
import type { TokenBucketLimiter } from './rate-limiter.js';
import type { LruCache } from './response-cache.js';

/** Everything a request handler needs, built once at start-up (and swapped whole on reload). */
export interface GatewayContext {
  readonly config: Readonly<GatewayConfig>;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly logger: Logger;
  readonly resolver: ModelResolver;
  readonly cache: LruCache<ChatResult> | undefined;
  readonly limiter: TokenBucketLimiter;
  readonly version: string;
}

/** Per-request facts gathered by the stages and written in the one log line at the end. */
export interface RequestState {
  readonly id: string;
  readonly startedAt: number;
  readonly clientIp: string;
  /** Fires when the client goes away before the response is finished. */
  readonly abort: AbortController;
  credential?: string;
  model?: string;
  backend?: string;
  usage?: Usage;
  cache?: 'HIT' | 'MISS' | 'BYPASS';
  stream?: boolean;
  timeToFirstChunkMs?: number;
  errorCode?: string;
}

/** Header-safe text for `x-llamagate-warnings`: printable ASCII only, warnings separated by "; ". */
export function warningsHeader(warnings: readonly Warning[]): string | undefined {
  if (warnings.length === 0) return undefined;
  return warnings
    .map((warning) => (warning.setting !== undefined ? `${warning.setting}: ${warning.message}` : warning.message))
    .join('; ')
    .replace(/[^\x20-\x7e]/g, '?')
    .slice(0, 2000);
}
