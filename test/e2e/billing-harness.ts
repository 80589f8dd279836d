/**
 * End-to-end helpers for the credit-billed gateway: a real gateway with billing over SQLite (or Postgres +
 * Redis), a mock OpenAI-compatible upstream whose usage the test controls, and small admin-API helpers.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config/load-config.js';
import type { GatewayBilling } from '../../src/server/billing/gateway-billing.js';
import { openGatewayBilling } from '../../src/server/billing/open-billing.js';
import type { GatewayServerOptions } from '../../src/server/gateway-server.js';
import { createLogger } from '../../src/server/logger.js';
import type { GatewayObservability } from '../../src/server/observability/gateway-observability.js';
import { openGatewayObservability } from '../../src/server/observability/open-observability.js';
import { sendJson, sendStream } from '../../src/test-support/mock-upstream.js';
import { type Harness, startGateway } from './gateway-harness.js';

export const MASTER_KEY = 'lg-master-test-secret';

/** $10 per 1M input tokens, $30 per 1M output tokens: 100 prompt + 50 completion tokens cost $0.0025. */
export const PRICES_YAML = `prices:
  "mock-*": { input: "10.00", output: "30.00" }
  "cheap-*": { input: "0.10", output: "0.20", cachedInput: "0.05" }
  "embed-*": { input: "0.02" }
`;

export function writeGatewayConfig(upstreamUrl: string, extra = ''): string {
  const dir = mkdtempSync(join(tmpdir(), 'lg-billing-'));
  const file = join(dir, 'llamagate.yaml');
  writeFileSync(
    file,
    `defaultBackend: local
backends:
  - name: local
    type: openai-compatible
    config: { endpoint: "${upstreamUrl}/v1", apiKey: "sk-upstream" }
${PRICES_YAML}${extra}`,
  );
  return file;
}

export interface BillingGateway extends Harness {
  billing: GatewayBilling;
  /** What the billing service logged (warnings about settling, storage…), parsed. */
  billingLogs: Record<string, unknown>[];
  /** Metrics, request log and tracing, when started with `observe`. */
  observability: GatewayObservability | undefined;
  admin<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }>;
  /** A fresh key through the admin API; returns the secret and the listed view. */
  createKey(body: Record<string, unknown>): Promise<{ key: string; id: string }>;
  /**
   * Waits for requests still being billed, then flushes the usage, tool-call and request-log writers so ledger and
   * log queries see every finished request.
   */
  flush(): Promise<void>;
  /**
   * The request log's rows (newest first, at most 200) once `ready` accepts them: a row is queued when its
   * response closes, which can come after the client read the last byte, then written in batches.
   */
  requestLogRows<Row = Record<string, unknown>>(ready: (rows: Row[]) => boolean): Promise<Row[]>;
  /** Resolves once `/v1/mcp/servers` lists the configured MCP servers, every one connected (at most 45 s). */
  mcpServersConnected(): Promise<void>;
}

export async function startBillingGateway(options: {
  env: Record<string, string>;
  configFile: string;
  /** More server options (the dashboard's build directory…); billing and observability are added. */
  server?: Omit<GatewayServerOptions, 'billing' | 'observability'>;
  /** Also run the observability stage (metrics, request log, tracing as configured). */
  observe?: boolean;
}): Promise<BillingGateway> {
  const env = { RATE_LIMIT_RPS: '1000', LLAMAGATE_MASTER_KEY: MASTER_KEY, ...options.env };
  const loaded = loadConfig({ env, dotenvFile: false, configFile: options.configFile });
  const billingLogs: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line.trim() !== '') billingLogs.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  const billing = await openGatewayBilling(loaded.config, createLogger({ debug: false, destination }));
  if (billing === undefined) throw new Error('billing is disabled in this configuration');
  const observability = options.observe ? await openGatewayObservability(loaded.config, env, billing) : undefined;
  const harness = await startGateway({
    env,
    configFile: options.configFile,
    server: { ...options.server, billing, ...(observability === undefined ? {} : { observability }) },
  });
  const flush = async () => {
    // A request's hold is settled and its usage record queued after its answer is written.
    await billing.whenIdle();
    await Promise.all([
      billing.usageWriter.flush(),
      billing.storage.requestLogWriter.flush(),
      billing.storage.toolCallWriter.flush(),
    ]);
  };
  const admin = async <T>(method: string, path: string, body?: unknown) => {
    const response = await fetch(`${harness.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as T };
  };
  return {
    ...harness,
    billing,
    billingLogs,
    observability,
    admin,
    async createKey(body) {
      const created = await admin<{ key: string; id: string }>('POST', '/admin/keys', body);
      if (created.status !== 201) throw new Error(`create key failed: ${JSON.stringify(created.body)}`);
      return { key: created.body.key, id: created.body.id };
    },
    flush,
    async mcpServersConnected() {
      await waitFor(async () => {
        const listed = await admin<{ servers: { status: string }[] }>('GET', '/v1/mcp/servers');
        const servers = listed.body.servers;
        return servers.length > 0 && servers.every((server) => server.status === 'connected') ? true : undefined;
      }, 45_000);
    },
    async requestLogRows<Row>(ready: (rows: Row[]) => boolean): Promise<Row[]> {
      const deadline = Date.now() + 20_000;
      for (;;) {
        await flush();
        const listed = await admin<{ data: Row[] }>('GET', '/admin/requests?limit=200');
        if (ready(listed.body.data)) return listed.body.data;
        if (Date.now() > deadline) throw new Error(`the request log never got there: ${JSON.stringify(listed.body)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
  };
}

export interface MockUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens?: number;
  prompt_tokens_details?: { cached_tokens: number };
}

export const USAGE: MockUsage = { prompt_tokens: 100, completion_tokens: 50, total_tokens: 150 };

export function chatCompletion(model: string, content: string, usage: MockUsage | null = USAGE) {
  return {
    id: 'chatcmpl-mock',
    object: 'chat.completion',
    created: 1_700_000_000,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    ...(usage === null ? {} : { usage }),
  };
}

/** SSE lines of a streamed answer, one chunk per word, then finish, then (optionally) a usage chunk. */
export function chatChunks(model: string, words: string[], usage: MockUsage | null = USAGE): string[] {
  const base = { id: 'chatcmpl-mock', object: 'chat.completion.chunk', created: 1_700_000_000, model };
  const lines = words.map((word, index) =>
    JSON.stringify({
      ...base,
      choices: [
        {
          index: 0,
          delta: index === 0 ? { role: 'assistant', content: word } : { content: word },
          finish_reason: null,
        },
      ],
    }),
  );
  lines.push(JSON.stringify({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }));
  if (usage !== null) lines.push(JSON.stringify({ ...base, choices: [], usage }));
  return lines;
}

/** A mock handler answering chat (JSON or SSE, as asked) and embeddings with the given usage. */
/** `usage: null` answers without any usage. */
export function answerWith(options: { usage?: MockUsage | null; words?: string[]; delayMs?: number } = {}) {
  const usage = options.usage === undefined ? USAGE : options.usage;
  return async (request: { path: string; body: unknown }, response: ServerResponse) => {
    const body = (request.body ?? {}) as { model?: string; stream?: boolean; input?: unknown };
    const model = body.model ?? 'mock-1';
    if (request.path.endsWith('/embeddings')) {
      const inputs = Array.isArray(body.input) ? body.input : [body.input];
      sendJson(response, 200, {
        object: 'list',
        model,
        data: inputs.map((_, index) => ({ object: 'embedding', index, embedding: [0.1, 0.2] })),
        usage: { prompt_tokens: 40, total_tokens: 40 },
      });
      return;
    }
    if (body.stream === true) {
      await sendStream(response, chatChunks(model, options.words ?? ['Hello', ' there', '!'], usage), {
        format: 'sse',
        done: true,
        ...(options.delayMs === undefined ? {} : { delayMs: options.delayMs }),
      });
      return;
    }
    if (options.delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
    sendJson(response, 200, chatCompletion(model, (options.words ?? ['Hello', ' there', '!']).join(''), usage));
  };
}

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs`. */
export async function waitFor<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
