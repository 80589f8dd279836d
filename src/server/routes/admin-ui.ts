/**
 * The admin dashboard's static files at `UI_PATH` (default `/ui`). The pages hold no secrets and reach data only
 * through the gateway's own APIs with the key the user signs in with, so the files are served without auth.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BadRequestError, NotFoundError } from '../../spec/errors.js';
import type { GatewayContext, RequestState } from '../gateway-context.js';
import { writeResponseHead } from '../http-io.js';
import type { RouteHandler } from '../route.js';
import { loadUiBundle, type UiAsset, type UiBundle } from '../ui-assets.js';

/** Scripts, styles, images and API calls from this origin only; no inline code, no framing. */
export const UI_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': UI_CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

export interface AdminUiOptions {
  /** The mount path without a trailing slash (`/ui`). */
  path: string;
  /** The built dashboard (`dist/web`). */
  directory: string;
}

/** A path's last segment with a dot names a file: a missing one is a 404, not the app's index page. */
function looksLikeFile(relativePath: string): boolean {
  const last = relativePath.slice(relativePath.lastIndexOf('/') + 1);
  return last.includes('.') || relativePath.startsWith('assets/');
}

function send(request: IncomingMessage, response: ServerResponse, asset: UiAsset): void {
  const headers: Record<string, string> = {
    ...SECURITY_HEADERS,
    'cache-control': asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    etag: asset.etag,
    vary: 'accept-encoding',
  };
  if (request.headers['if-none-match'] === asset.etag) {
    writeResponseHead(response, 304, headers, asset.contentType);
    response.end();
    return;
  }
  const acceptsGzip = /\bgzip\b/.test(request.headers['accept-encoding'] ?? '');
  const body = acceptsGzip && asset.gzipped !== undefined ? asset.gzipped : asset.body;
  if (body === asset.gzipped) headers['content-encoding'] = 'gzip';
  writeResponseHead(response, 200, headers, asset.contentType, body.length);
  response.end(body);
}

/** `GET <path>` and `GET <path>/*`: a built file, else the app's index page for client-side routes. */
export function adminUiHandler(options: AdminUiOptions): RouteHandler {
  let loading: Promise<UiBundle> | undefined;
  return async (_context: GatewayContext, request: IncomingMessage, response: ServerResponse, state: RequestState) => {
    request.resume();
    if (state.path === options.path) {
      // Relative asset URLs need the trailing slash; the query string goes along.
      const url = request.url ?? '';
      const query = url.indexOf('?');
      writeResponseHead(
        response,
        308,
        { location: `${options.path}/${query === -1 ? '' : url.slice(query)}` },
        'text/plain',
      );
      response.end();
      return;
    }
    let relativePath: string;
    try {
      relativePath = decodeURIComponent(state.path.slice(options.path.length + 1));
    } catch {
      throw new BadRequestError({ message: 'The path is not valid percent-encoding', param: 'path' });
    }
    loading ??= loadUiBundle(options.directory, options.path);
    const bundle = await loading;
    if (bundle.index === undefined) {
      throw new NotFoundError({
        message: `The dashboard is not built (no index.html in ${options.directory}); run npm run build`,
        param: null,
      });
    }
    const asset = bundle.files.get(relativePath);
    if (asset !== undefined) return send(request, response, asset);
    if (relativePath !== '' && looksLikeFile(relativePath)) {
      throw new NotFoundError({ message: `No dashboard file ${state.path}`, param: null });
    }
    send(request, response, bundle.index);
  };
}
