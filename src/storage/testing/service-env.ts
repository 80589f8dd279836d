/**
 * Test gating for suites that need a real service. With the variable set, the suite runs. Unset, it is
 * skipped locally, but FAILS when CI=true: CI provides the services, so a missing variable there is a broken
 * pipeline, never a silent skip.
 */
import { describe, it } from 'vitest';

export function describeWithService(envVar: 'DATABASE_URL' | 'REDIS_URL', title: string, body: (url: string) => void) {
  const url = process.env[envVar];
  if (url !== undefined && url !== '') {
    describe(title, () => body(url));
  } else if (process.env.CI === 'true') {
    describe(title, () => {
      it(`needs ${envVar}`, () => {
        throw new Error(`${envVar} must be set when CI=true (the ${title} suite cannot run without it)`);
      });
    });
  } else {
    describe.skip(`${title} (set ${envVar} to run)`, () => body(''));
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
