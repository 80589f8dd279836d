/**
 * The built admin dashboard (`vite build` output, `dist/web/`) held in memory: read once, on the first request
 * for it, so serving a page never touches the disk again and a path can only ever name a file that was built.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);

/** Where `npm run build` puts the dashboard: `<package>/dist/web`, from `src/server` and `dist/server` alike. */
export const DEFAULT_UI_DIRECTORY = fileURLToPath(new URL('../../dist/web/', import.meta.url));

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.map', '.svg', '.txt']);

export interface UiAsset {
  body: Buffer;
  /** The gzip-encoded body, for text assets worth compressing. */
  gzipped: Buffer | undefined;
  contentType: string;
  etag: string;
  /** Vite's content-hashed output (`assets/…`): never changes under its name, so it is cached for a year. */
  immutable: boolean;
}

export interface UiBundle {
  /** Relative POSIX path (`index.html`, `assets/index-3f2a.js`) → asset. */
  files: ReadonlyMap<string, UiAsset>;
  /** `index.html` with `<base href>` set to the mount path, for every page route (the SPA fallback). */
  index: UiAsset | undefined;
}

async function listFiles(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

async function toAsset(body: Buffer, extension: string, immutable: boolean): Promise<UiAsset> {
  const gzipped = COMPRESSIBLE.has(extension) && body.length > 1024 ? await gzipAsync(body) : undefined;
  return {
    body,
    gzipped,
    contentType: CONTENT_TYPES[extension] ?? 'application/octet-stream',
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
    immutable,
  };
}

/**
 * Reads every built file under `directory`. Relative asset URLs in `index.html` resolve against the injected
 * `<base href="<mount>/">`, so deep links such as `/ui/keys/key_1` load the same scripts as `/ui/`.
 * A missing directory gives an empty bundle (the dashboard was not built).
 */
export async function loadUiBundle(directory: string, mountPath: string): Promise<UiBundle> {
  let paths: string[];
  try {
    paths = await listFiles(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { files: new Map(), index: undefined };
    throw error;
  }
  const files = new Map<string, UiAsset>();
  let index: UiAsset | undefined;
  for (const path of paths) {
    const name = relative(directory, path).split(sep).join('/');
    const extension = extname(name).toLowerCase();
    const body = await readFile(path);
    if (name === 'index.html') {
      const html = body.toString('utf8').replace('<head>', `<head>\n    <base href="${mountPath}/">`);
      index = await toAsset(Buffer.from(html, 'utf8'), extension, false);
      files.set(name, index);
    } else {
      files.set(name, await toAsset(body, extension, name.startsWith('assets/')));
    }
  }
  return { files, index };
}
