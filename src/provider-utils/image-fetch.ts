import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import type { Agent, Dispatcher } from 'undici';
import { BadRequestError, LlamaGateError } from '../spec/errors.js';
import type { ImageFetchSettings } from '../spec/provider.js';
import { createDeadline } from './deadline.js';
import { discardBody } from './http-client.js';
import { decodeUriComponentSafely } from './json-limits.js';
import { undici } from './undici.js';

export interface ImageData {
  mediaType: string;
  /** Base64 without the data-URL prefix. */
  data: string;
}

export const DEFAULT_IMAGE_MAX_BYTES = 20 * 1024 * 1024;
export const DEFAULT_IMAGE_TIMEOUT_MS = 15_000;

const privateRanges = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  privateRanges.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
  ['2001:db8::', 32],
  // Addresses that embed an IPv4 one (IPv4-compatible, IPv4-translated, 6to4, Teredo) and discard-only.
  ['::', 96],
  ['::ffff:0:0:0', 96],
  ['2002::', 16],
  ['2001::', 32],
  ['100::', 64],
] as const)
  privateRanges.addSubnet(net, prefix, 'ipv6');

/** True for loopback, private, link-local, carrier-grade NAT, multicast and reserved addresses. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return privateRanges.check(address, 'ipv4');
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped?.[1] !== undefined) return privateRanges.check(mapped[1], 'ipv4');
    return privateRanges.check(address, 'ipv6');
  }
  return true;
}

function unsafe(message: string): BadRequestError {
  return new BadRequestError({ code: 'unsafe_url', message, param: 'messages', isRetryable: false });
}

/** DNS lookup that refuses private answers, so the connection goes only to the address that was checked. */
const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, '', 4);
    const list = addresses as unknown as LookupAddress[];
    const blocked = list.find((a) => isPrivateAddress(a.address));
    if (blocked !== undefined || list.length === 0) {
      return callback(
        unsafe(`Image URL host ${hostname} resolves to a private address`) as unknown as NodeJS.ErrnoException,
        '',
        4,
      );
    }
    if ((options as { all?: boolean }).all)
      return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
    const first = list[0] as LookupAddress;
    return callback(null, first.address, first.family);
  });
};

let publicOnlyAgent: Agent | undefined;
let anyAddressAgent: Agent | undefined;

function dispatcherFor(allowPrivate: boolean): Dispatcher {
  if (allowPrivate) {
    anyAddressAgent ??= new (undici().Agent)({ connections: 16 });
    return anyAddressAgent;
  }
  publicOnlyAgent ??= new (undici().Agent)({ connections: 16, connect: { lookup: publicOnlyLookup } });
  return publicOnlyAgent;
}

export function parseDataUrl(url: string): ImageData | undefined {
  const match = /^data:([^;,]+)?((?:;[^;,]+)*?)(;base64)?,(.*)$/s.exec(url);
  if (match === null) return undefined;
  const mediaType = match[1] ?? 'application/octet-stream';
  const payload = match[4] ?? '';
  const data =
    match[3] !== undefined
      ? payload
      : Buffer.from(decodeUriComponentSafely(payload, 'image_url'), 'utf8').toString('base64');
  return { mediaType, data };
}

function sniffMediaType(bytes: Buffer, declared: string | undefined): string {
  if (bytes[0] === 0x89 && bytes[1] === 0x50) return 'image/png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return 'image/jpeg';
  if (bytes.subarray(0, 4).toString('latin1') === 'GIF8') return 'image/gif';
  if (bytes.subarray(0, 4).toString('latin1') === 'RIFF' && bytes.subarray(8, 12).toString('latin1') === 'WEBP')
    return 'image/webp';
  return declared?.split(';')[0]?.trim() || 'application/octet-stream';
}

/**
 * Resolves an image reference to bytes: data URLs are decoded, http(s) URLs are fetched with a size limit,
 * a timeout, at most 3 redirects, and no access to private or loopback addresses unless allowed.
 */
export async function resolveImage(
  url: string,
  settings: ImageFetchSettings = {},
  dispatcher?: Dispatcher,
): Promise<ImageData> {
  const inline = url.startsWith('data:') ? parseDataUrl(url) : undefined;
  if (inline !== undefined) return inline;
  const maxBytes = settings.maxBytes ?? DEFAULT_IMAGE_MAX_BYTES;
  const allowPrivate = settings.allowPrivateAddresses ?? false;
  const deadline = createDeadline(undefined, settings.timeoutMs ?? DEFAULT_IMAGE_TIMEOUT_MS);
  try {
    let current = url;
    for (let redirects = 0; redirects <= 3; redirects++) {
      let parsed: URL;
      try {
        parsed = new URL(current);
      } catch {
        throw unsafe(`Image URL is not a valid URL: ${current.slice(0, 100)}`);
      }
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
        throw unsafe(`Image URL scheme ${parsed.protocol} is not allowed`);
      const host = parsed.hostname.replace(/^\[|\]$/g, '');
      if (
        !allowPrivate &&
        (isIP(host) !== 0 ? isPrivateAddress(host) : host === 'localhost' || host.endsWith('.localhost'))
      ) {
        throw unsafe(`Image URL points at a private address (${host})`);
      }
      const response = await undici().request(parsed, {
        method: 'GET',
        signal: deadline.signal,
        dispatcher: dispatcher ?? dispatcherFor(allowPrivate),
        headers: { accept: 'image/*' },
      });
      const location = response.headers.location;
      if (response.statusCode >= 300 && response.statusCode < 400 && typeof location === 'string') {
        discardBody(response.body);
        current = new URL(location, parsed).toString();
        continue;
      }
      if (response.statusCode !== 200) {
        discardBody(response.body);
        throw new BadRequestError({
          message: `Could not fetch image ${parsed.origin}${parsed.pathname}: HTTP ${response.statusCode}`,
          param: 'messages',
        });
      }
      const declaredLength = Number(response.headers['content-length']);
      if (Number.isFinite(declaredLength) && declaredLength > maxBytes) {
        discardBody(response.body);
        throw new BadRequestError({
          code: 'payload_too_large',
          message: `Image is larger than ${maxBytes} bytes`,
          param: 'messages',
        });
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of response.body) {
        size += (chunk as Buffer).byteLength;
        if (size > maxBytes) {
          discardBody(response.body);
          throw new BadRequestError({
            code: 'payload_too_large',
            message: `Image is larger than ${maxBytes} bytes`,
            param: 'messages',
          });
        }
        chunks.push(chunk as Buffer);
      }
      const bytes = Buffer.concat(chunks);
      const contentType = response.headers['content-type'];
      return {
        mediaType: sniffMediaType(bytes, typeof contentType === 'string' ? contentType : undefined),
        data: bytes.toString('base64'),
      };
    }
    throw unsafe('Image URL redirected more than 3 times');
  } catch (error) {
    if (LlamaGateError.isInstance(error)) throw error;
    const cause = (error as { cause?: unknown }).cause;
    if (LlamaGateError.isInstance(cause)) throw cause;
    if (deadline.timedOut)
      throw new BadRequestError({ message: 'Fetching the image timed out', param: 'messages', cause: error });
    throw new BadRequestError({
      message: `Could not fetch image: ${(error as Error).message}`,
      param: 'messages',
      cause: error,
    });
  } finally {
    deadline.dispose();
  }
}
