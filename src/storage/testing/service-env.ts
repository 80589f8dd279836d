/**
 * Test gating for suites that need a real service. With the variable set, the suite runs. Unset, it is
 * skipped locally, but FAILS when CI=true: CI provides the services, so a missing variable there is a broken
 * pipeline, never a silent skip.
 */
import { describe, it } from 'vitest';

export type ServiceVariable = 'DATABASE_URL' | 'REDIS_URL';

export function describeWithService(envVar: ServiceVariable, title: string, body: (url: string) => void) {
  describeWithServices([envVar], title, (urls) => body(urls[envVar]));
}

/** The same rule for a suite that needs several services: runs with all set, fails under CI, skips locally. */
export function describeWithServices<V extends ServiceVariable>(
  envVars: readonly V[],
  title: string,
  body: (urls: Record<V, string>) => void,
) {
  const urls = {} as Record<V, string>;
  const missing: V[] = [];
  for (const envVar of envVars) {
    const url = process.env[envVar];
    if (url !== undefined && url !== '') urls[envVar] = url;
    else missing.push(envVar);
  }
  const names = envVars.join(' and ');
  if (missing.length === 0) {
    describe(title, () => body(urls));
  } else if (process.env.CI === 'true') {
    describe(title, () => {
      it(`needs ${names}`, () => {
        throw new Error(`${missing.join(' and ')} must be set when CI=true (the ${title} suite cannot run without it)`);
      });
    });
  } else {
    // The body is still registered (with empty URLs) so the skipped tests are listed by name.
    const placeholders = Object.fromEntries(envVars.map((envVar) => [envVar, ''])) as Record<V, string>;
    describe.skip(`${title} (set ${names} to run)`, () => body(placeholders));
  }
}

/** A clock tests move by hand. */
export class TestClock {
  now: number;

  constructor(start = Date.UTC(2025, 5, 11, 12, 0, 0)) {
    this.now = start;
  }

  readonly read = (): number => this.now;

  advance(ms: number): void {
    this.now += ms;
  }
}
