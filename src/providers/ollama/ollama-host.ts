import { isIP } from 'node:net';
import { withoutTrailingSlash } from '../../provider-utils/api-key.js';

export const DEFAULT_OLLAMA_BASE_URL = 'http://localhost:11434';
const DEFAULT_PORT = '11434';

/** Listen-everywhere addresses (how OLLAMA_HOST is often set for the server) are not connectable targets. */
function connectableHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '::1';
  return host;
}

function splitHostPort(hostport: string): { host: string; port: string | undefined } {
  const bracketed = /^\[([^\]]*)\](?::(\d*))?$/.exec(hostport);
  if (bracketed !== null) return { host: bracketed[1] ?? '', port: bracketed[2] || undefined };
  // A bare IPv6 address has colons but no port.
  if (isIP(hostport) === 6) return { host: hostport, port: undefined };
  const colon = hostport.lastIndexOf(':');
  if (colon === -1) return { host: hostport, port: undefined };
  return { host: hostport.slice(0, colon), port: hostport.slice(colon + 1) || undefined };
}

/**
 * The server root for an Ollama host setting, read the way the `ollama` CLI reads OLLAMA_HOST:
 * `host`, `host:port`, `:port`, `scheme://host[:port][/path]`. Without a scheme it is http on port 11434;
 * with one, the scheme's default port. `0.0.0.0` and `::` become loopback. A trailing `/api` is dropped.
 */
export function normaliseOllamaHost(value: string): string {
  const trimmed = value.trim();
  if (trimmed === '') return DEFAULT_OLLAMA_BASE_URL;
  const schemeEnd = trimmed.indexOf('://');
  let scheme = 'http';
  let rest = trimmed;
  let defaultPort = DEFAULT_PORT;
  if (schemeEnd === -1) {
    if (trimmed === 'ollama.com') return 'https://ollama.com';
  } else {
    scheme = trimmed.slice(0, schemeEnd).toLowerCase();
    rest = trimmed.slice(schemeEnd + 3);
    if (scheme === 'http') defaultPort = '80';
    else if (scheme === 'https') defaultPort = '443';
  }
  const slash = rest.indexOf('/');
  const hostport = slash === -1 ? rest : rest.slice(0, slash);
  let path = slash === -1 ? '' : rest.slice(slash);
  const split = splitHostPort(hostport);
  const host = connectableHost(split.host === '' ? '127.0.0.1' : split.host);
  const portNumber = Number(split.port);
  const port =
    split.port !== undefined && Number.isInteger(portNumber) && portNumber >= 0 && portNumber <= 65535
      ? split.port
      : defaultPort;
  path = withoutTrailingSlash(path).replace(/\/api$/, '');
  const hostPart = isIP(host) === 6 ? `[${host}]` : host;
  const omitPort = (scheme === 'http' && port === '80') || (scheme === 'https' && port === '443');
  return `${scheme}://${hostPart}${omitPort ? '' : `:${port}`}${withoutTrailingSlash(path)}`;
}

/** `settings.baseURL`, else OLLAMA_HOST, else http://localhost:11434. */
export function resolveOllamaBaseURL(
  baseURL: string | undefined,
  env: Readonly<Record<string, string | undefined>> = process.env,
): string {
  if (baseURL !== undefined && baseURL.trim() !== '') return normaliseOllamaHost(baseURL);
  const fromEnv = env.OLLAMA_HOST;
  if (fromEnv !== undefined && fromEnv.trim() !== '') return normaliseOllamaHost(fromEnv);
  return DEFAULT_OLLAMA_BASE_URL;
}
