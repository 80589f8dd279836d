/**
 * The library reads `.env` from the working directory once per process, like llmgate ("put it in a .env
 * file"): variables already in the environment always win. `LLAMAGATE_NO_DOTENV=1` or `dotenv: false` turns it off.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'dotenv';

const loaded = new Set<string>();

/**
 * Loads `file` (default `.env` in `process.cwd()`) into `process.env` without overriding anything set;
 * returns the names it added. Each file is read at most once per process.
 */
export function loadDotenv(file = '.env'): string[] {
  if (process.env.LLAMAGATE_NO_DOTENV === '1' || process.env.LLAMAGATE_NO_DOTENV === 'true') return [];
  const path = resolve(process.cwd(), file);
  if (loaded.has(path)) return [];
  loaded.add(path);
  if (!existsSync(path)) return [];
  const added: string[] = [];
  for (const [name, value] of Object.entries(parse(readFileSync(path)))) {
    if (process.env[name] !== undefined) continue;
    process.env[name] = value;
    added.push(name);
  }
  return added;
}
