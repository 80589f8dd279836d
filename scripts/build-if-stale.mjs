#!/usr/bin/env node
// `npm start` runs this instead of a full `tsc`: it builds only when a source or build setting is newer than
// the last build, so a second start is immediate and a fresh clone (no dist/) still builds first.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const stamp = join(root, 'dist', '.build-stamp');

function newestMtime(path) {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  let newest = stats.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

const inputs = ['src', 'web', 'tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json']
  .map((name) => join(root, name))
  .filter((path) => existsSync(path));
const sources = Math.max(...inputs.map(newestMtime));
const built = existsSync(stamp) ? statSync(stamp).mtimeMs : 0;

if (process.argv.includes('--stamp')) {
  writeFileSync(stamp, `${new Date().toISOString()}\n`);
  process.exit(0);
}
if (process.argv.includes('--check')) {
  process.stdout.write(built >= sources ? 'current\n' : 'stale\n');
  process.exit(0);
}
if (built >= sources) process.exit(0);
// The full build (server and dashboard), which writes the stamp when it succeeds.
const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
process.exit(build.status ?? 1);
