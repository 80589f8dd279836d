/**
 * The dashboard's static files as the gateway serves them: content types, caching, the SPA fallback, security
 * headers, UI_PATH / UI_ENABLED, and no way out of the built directory. A small fixture build stands in for
 * `dist/web` so this runs without Vite; the browser suite (dashboard.e2e.test.ts) uses the real build.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startGateway } from './gateway-harness.js';

const SECRET = 'outside-the-build-directory-secret';
const root = mkdtempSync(join(tmpdir(), 'lg-ui-'));
const build = join(root, 'web');
const script = `console.log(${JSON.stringify('x'.repeat(4000))});`;
mkdirSync(join(build, 'assets'), { recursive: true });
writeFileSync(
  join(build, 'index.html'),
  '<!doctype html><html><head><script type="module" src="./assets/app-3f2a.js"></script></head><body></body></html>',
);
writeFileSync(join(build, 'assets', 'app-3f2a.js'), script);
writeFileSync(join(build, 'assets', 'app-3f2a.css'), 'body{margin:0}');
writeFileSync(join(root, 'secret.txt'), SECRET);
writeFileSync(join(root, 'package.json'), SECRET);

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A request with the path exactly as written (fetch would normalise `..` and `%2e%2e` away). */
function raw(url: string, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest({ host: hostname, port, path, method, headers }, (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () =>
        resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, body: Buffer.concat(chunks) }),
      );
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

let gateway: Harness;

beforeAll(async () => {
  gateway = await startGateway({ env: { API_KEY: 'gateway-secret' }, server: { uiDirectory: build } });
});
afterAll(async () => {
  await gateway.close();
});

describe('dashboard static files', () => {
  it('redirects the bare mount path to its trailing-slash form, keeping the query', async () => {
    const answer = await raw(gateway.url, '/ui?x=1');
    expect(answer.status).toBe(308);
    expect(answer.headers.location).toBe('/ui/?x=1');
  });

  it('serves index.html without auth, with <base href>, a strict CSP and no caching', async () => {
    const answer = await raw(gateway.url, '/ui/');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(answer.body.toString()).toContain('<head>\n    <base href="/ui/"><script type="module"');
    expect({
      csp: answer.headers['content-security-policy'],
      nosniff: answer.headers['x-content-type-options'],
      frame: answer.headers['x-frame-options'],
      cache: answer.headers['cache-control'],
    }).toMatchInlineSnapshot(`
      {
        "cache": "no-cache",
        "csp": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
        "frame": "DENY",
        "nosniff": "nosniff",
      }
    `);
    expect(answer.headers['x-request-id']).toBeTypeOf('string');
  });

  it('answers client-side routes with the index page (SPA fallback)', async () => {
    for (const path of ['/ui/keys', '/ui/keys/key_123', '/ui/requests/01J0?status=5xx', '/ui/index.html']) {
      const answer = await raw(gateway.url, path);
      expect(answer.status, path).toBe(200);
      expect(answer.body.toString(), path).toContain('<base href="/ui/">');
    }
  });

  it('serves hashed assets with their content type, a year of immutable caching, gzip and ETags', async () => {
    const plain = await raw(gateway.url, '/ui/assets/app-3f2a.js');
    expect(plain.status).toBe(200);
    expect(plain.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(plain.headers['x-content-type-options']).toBe('nosniff');
    expect(plain.body.toString()).toBe(script);

    const zipped = await raw(gateway.url, '/ui/assets/app-3f2a.js', { 'accept-encoding': 'gzip, br' });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(zipped.body).toString()).toBe(script);
    expect(Number(zipped.headers['content-length'])).toBeLessThan(script.length / 10);

    const again = await raw(gateway.url, '/ui/assets/app-3f2a.js', { 'if-none-match': String(plain.headers.etag) });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);

    const css = await raw(gateway.url, '/ui/assets/app-3f2a.css');
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');

    const head = await raw(gateway.url, '/ui/assets/app-3f2a.js', {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
  });

  it('answers 404 for a missing file instead of the index page', async () => {
    const answer = await raw(gateway.url, '/ui/assets/nope-1234.js');
    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.body.toString()).error.message).toBe('No dashboard file /ui/assets/nope-1234.js');
  });

  it('never serves a file outside the build directory', async () => {
    const attempts = [
      '/ui/../secret.txt',
      '/ui/../package.json',
      '/ui/%2e%2e/secret.txt',
      '/ui/..%2fsecret.txt',
      '/ui/assets/..%2f..%2fsecret.txt',
      '/ui/assets/%2e%2e%2f%2e%2e%2fpackage.json',
      '/ui/..%5c..%5csecret.txt',
      '/ui//etc/passwd',
      '/ui/%2fetc%2fpasswd',
      '/ui/secret.txt%00.js',
      '/ui/%E0%A4%A',
    ];
    for (const path of attempts) {
      const answer = await raw(gateway.url, path);
      expect([200, 400, 404], path).toContain(answer.status);
      expect(answer.body.toString(), path).not.toContain(SECRET);
      expect(answer.body.toString(), path).not.toContain('root:');
    }
    expect((await raw(gateway.url, '/ui/%E0%A4%A')).status).toBe(400);
  });

  it('leaves the APIs their own auth', async () => {
    const answer = await raw(gateway.url, '/v1/models');
    expect(answer.status).toBe(401);
  });
});

describe('dashboard settings', () => {
  it('mounts at UI_PATH and is off with UI_ENABLED=false', async () => {
    const moved = await startGateway({ env: { UI_PATH: '/admin-ui' }, server: { uiDirectory: build } });
    const off = await startGateway({ env: { UI_ENABLED: 'false' }, server: { uiDirectory: build } });
    try {
      const mounted = await raw(moved.url, '/admin-ui/keys');
      expect(mounted.status).toBe(200);
      expect(mounted.body.toString()).toContain('<base href="/admin-ui/">');
      expect((await raw(moved.url, '/ui/')).status).toBe(404);
      expect((await raw(off.url, '/ui/')).status).toBe(404);
      expect((await raw(off.url, '/ui/assets/app-3f2a.js')).status).toBe(404);
    } finally {
      await moved.close();
      await off.close();
    }
  });

  it('says how to build the dashboard when it is missing', async () => {
    const unbuilt = await startGateway({ server: { uiDirectory: join(root, 'not-built') } });
    try {
      const answer = await raw(unbuilt.url, '/ui/');
      expect(answer.status).toBe(404);
      expect(JSON.parse(answer.body.toString()).error.message).toContain('run npm run build');
    } finally {
      await unbuilt.close();
    }
  });

  it('rejects a UI_PATH that is not a clean path', async () => {
    await expect(startGateway({ env: { UI_PATH: 'ui/' } })).rejects.toThrow(/UI_PATH must be a path such as \/ui/);
  });
});
