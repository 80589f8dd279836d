import { describe, expect, it } from 'vitest';
import { ProviderAPIError, ServiceUnavailableError } from '../spec/errors.js';
import { countsAgainstBackend, healthCheckCounts } from './backend-stats.js';

describe('what counts against a backend', () => {
  it('a full local connection queue is not the backend failing, for requests or health checks', () => {
    const queueFull = new ServiceUnavailableError({ message: 'full', code: 'upstream_queue_full', retryAfter: 1 });
    expect(countsAgainstBackend(queueFull)).toBe(false);
    expect(healthCheckCounts(queueFull)).toBe(false);
  });

  it('a health check the backend failed counts', () => {
    const failed = new ProviderAPIError({ message: 'down', status: 500, upstream: { status: 500 } });
    expect(healthCheckCounts(failed)).toBe(true);
    expect(countsAgainstBackend(failed)).toBe(false);
  });
});
