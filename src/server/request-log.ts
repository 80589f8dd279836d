import pino, { type Logger } from 'pino';
import { RecentResults } from '../provider-utils/recent-results.js';
import type { RequestState } from './gateway-context.js';
import { DIRECT_LINES } from './logger.js';

/** What the request line says about the HTTP exchange itself. */
export interface RequestLineFields {
  method: string;
  status: number;
}

/** pino's number for `info`, which the request line is logged at. */
const INFO = 30;

function finite(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

/**
 * `Math.round(value * 100) / 100` printed as JSON prints that number (`12.5`, `0.07`, `3`; `null` when not
 * finite), from integers: no floating-point formatting on every request line.
 */
export function hundredths(value: number): string {
  const scaled = Math.round(value * 100);
  if (!Number.isFinite(scaled)) return 'null';
  if (scaled < 0 || scaled > Number.MAX_SAFE_INTEGER) return String(scaled / 100);
  const whole = Math.floor(scaled / 100);
  const fraction = scaled - whole * 100;
  if (fraction === 0) return `${whole}`;
  if (fraction % 10 === 0) return `${whole}.${fraction / 10}`;
  return `${whole}.${fraction < 10 ? '0' : ''}${fraction}`;
}

/** JSON literals of the texts that recur in request lines (paths, models, backends, key ids, error codes). */
const jsonLiterals = new RecentResults<string>(1024);

function jsonString(text: string): string {
  return jsonLiterals.get(text, JSON.stringify);
}

/**
 * The request line's fields as JSON members (`"requestId":…,"method":…`), in the order the log documents, with
 * LlamaGate's `request_id`, `latency` (ms) and `ip` beside their own names.
 * Text that came from outside (path, model, backend and key names, error codes) goes through
 * `JSON.stringify` (remembered for recurring texts); the request id is a UUID or matched `[\w.:@-]`, the
 * method is an HTTP token and the client address an IP address (or `unknown`).
 */
export function formatRequestFields(state: RequestState, request: RequestLineFields, now: number): string {
  const latency = hundredths(now - state.startedAt);
  let fields = `"requestId":"${state.id}","method":"${request.method}","path":${jsonString(state.path)},"status":${request.status},"latencyMs":${latency},"clientIp":"${state.clientIp}"`;
  // LlamaGate's own names for the same facts, which its users' log queries expect.
  fields += `,"request_id":"${state.id}","latency":${latency},"ip":"${state.clientIp}"`;
  // The client's id matched `[\w.:@-]`, so it needs no escaping either.
  if (state.clientRequestId !== undefined) fields += `,"clientRequestId":"${state.clientRequestId}"`;
  if (state.model !== undefined) fields += `,"model":${jsonString(state.model)}`;
  const keyId = state.keyId;
  if (keyId !== undefined) fields += `,"keyId":${jsonString(keyId)}`;
  if (state.backend !== undefined) fields += `,"backend":${jsonString(state.backend)}`;
  const usage = state.usage;
  if (usage?.promptTokens !== undefined) fields += `,"promptTokens":${finite(usage.promptTokens)}`;
  if (usage?.completionTokens !== undefined) fields += `,"completionTokens":${finite(usage.completionTokens)}`;
  if (state.cache !== undefined) fields += `,"cache":"${state.cache}"`;
  if (state.stream) fields += ',"stream":true';
  if (state.timeToFirstChunkMs !== undefined) fields += `,"ttftMs":${hundredths(state.timeToFirstChunkMs)}`;
  if (state.errorCode !== undefined) fields += `,"errorCode":${jsonString(state.errorCode)}`;
  return fields;
}

interface LineDestination {
  write(line: string): unknown;
}

/**
 * The one line logged per request. For a logger from `createLogger` it is written to the logger's
 * destination as one template, byte for byte what `logger.info(fields, 'request')` prints there (level, time,
 * the logger's bound fields, the fields, msg), without pino's generic serialiser on every request. Any other
 * logger gets the same fields through `logger.info`.
 */
export function requestLineWriter(logger: Logger): (state: RequestState, request: RequestLineFields) => void {
  const internals = logger as unknown as Record<symbol, unknown>;
  const destination = internals[pino.symbols.streamSym] as LineDestination | undefined;
  const bindings = internals[pino.symbols.chindingsSym];
  const direct = internals[DIRECT_LINES] === true && destination !== undefined && typeof bindings === 'string';
  return (state, request) => {
    if (!logger.isLevelEnabled('info')) return;
    const fields = formatRequestFields(state, request, performance.now());
    if (direct) destination.write(`{"level":${INFO},"time":${Date.now()}${bindings},${fields},"msg":"request"}\n`);
    else logger.info(JSON.parse(`{${fields}}`) as object, 'request');
  };
}
