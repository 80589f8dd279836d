/** `npm start` builds only when dist/ is older than the sources (issue 18, item 22). */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const packageJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
};

function project(): { dir: string; check: () => string } {
  const dir = mkdtempSync(join(tmpdir(), 'lg-build-'));
  mkdirSync(join(dir, 'scripts'));
  mkdirSync(join(dir, 'src'));
  copyFileSync(join(root, 'scripts/build-if-stale.mjs'), join(dir, 'scripts/build-if-stale.mjs'));
  writeFileSync(join(dir, 'src/index.ts'), 'export const x = 1;\n');
  writeFileSync(join(dir, 'package.json'), '{}\n');
  const check = () =>
    execFileSync(process.execPath, [join(dir, 'scripts/build-if-stale.mjs'), '--check'], { encoding: 'utf8' }).trim();
  return { dir, check };
}

describe('npm start skips tsc when dist/ is current', () => {
  it('prestart uses the freshness check, and build leaves the stamp it reads', () => {
    expect(packageJson.scripts.prestart).toBe('node scripts/build-if-stale.mjs');
    expect(packageJson.scripts.build).toMatch(
      /^tsc -p tsconfig\.build\.json && vite build --config web\/vite\.config\.ts && node scripts\/build-if-stale\.mjs --stamp$/,
    );
  });

  it('a fresh clone (no dist/) is stale; after a build it is current; editing a source makes it stale again', () => {
    const { dir, check } = project();
    expect(check()).toBe('stale');
    mkdirSync(join(dir, 'dist'));
    execFileSync(process.execPath, [join(dir, 'scripts/build-if-stale.mjs'), '--stamp']);
    expect(check()).toBe('current');
    const later = new Date(Date.now() + 5_000);
    utimesSync(join(dir, 'src/index.ts'), later, later);
    expect(check()).toBe('stale');
  });
});
