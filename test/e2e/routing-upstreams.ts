/**
 * OpenAI-compatible mock upstreams for the routing tests: each answers as itself ("from <name>") and can be told
 * to fail, slow down, answer 429 with Retry-After, or fail a stream before or after its first chunk.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIError } from 'openai';
import {
  type MockUpstream,
  type RecordedRequest,
  sendJson,
  startMockUpstream,
} from '../../src/test-support/mock-upstream.js';

export interface Behaviour {
  /** Answer with this status and an OpenAI error body instead of a completion. */
  status?: number;
  headers?: Record<string, string>;
  /** Wait before answering (ms). */
  delayMs?: number;
  /** Streams: send an error event before any content (a failure before the first chunk). */
  streamErrorFirst?: boolean;
  /** Streams: send one content chunk, then an error event. */
  streamErrorAfterFirst?: boolean;
  /** Hold the answer until this promise settles (in-flight requests during a reload). */
  gate?: Promise<void>;
  /** `/v1/models` (health checks) fails with this status. */
  modelsStatus?: number;
}

export interface Upstream {
  name: string;
  url: string;
  mock: MockUpstream;
  /** A fixed behaviour, or one per call (0-based count of chat/embedding calls so far). */
  behave(behaviour: Behaviour | ((call: number) => Behaviour)): void;
  /** Chat and embedding requests received (health checks not counted). */
  calls(): RecordedRequest[];
  close(): Promise<void>;
}

const chunk = (delta: object, finish: string | null = null) =>
  `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;

async function answer(name: string, behaviour: Behaviour, request: RecordedRequest, response: ServerResponse) {
  if (behaviour.gate !== undefined) await behaviour.gate;
  if (behaviour.delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, behaviour.delayMs));
  if (request.path.endsWith('/models')) {
    if (behaviour.modelsStatus !== undefined)
      return sendJson(response, behaviour.modelsStatus, { error: { message: `${name} models down` } });
    return sendJson(response, 200, {
      object: 'list',
      data: [{ id: `${name}-model`, object: 'model', owned_by: name }],
    });
  }
  if (behaviour.status !== undefined) {
    return sendJson(
      response,
      behaviour.status,
      { error: { message: `${name} failed with ${behaviour.status}`, type: 'server_error' } },
      behaviour.headers,
    );
  }
  const body = (request.body ?? {}) as { model?: string; stream?: boolean };
  if (request.path.endsWith('/embeddings')) {
    return sendJson(response, 200, {
      object: 'list',
      model: body.model,
      data: [{ object: 'embedding', index: 0, embedding: [name.length, 0.5] }],
      usage: { prompt_tokens: 2, total_tokens: 2 },
    });
  }
  if (body.stream === true) {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.write(chunk({ role: 'assistant', content: '' }));
    if (behaviour.streamErrorFirst) {
      response.end(
        `data: ${JSON.stringify({ error: { message: `${name} broke before output`, type: 'server_error' } })}\n\n`,
      );
      return;
    }
    response.write(chunk({ content: `from ${name}` }));
    if (behaviour.streamErrorAfterFirst) {
      response.end(
        `data: ${JSON.stringify({ error: { message: `${name} broke mid-stream`, type: 'server_error' } })}\n\n`,
      );
      return;
    }
    response.write(chunk({}, 'stop'));
    response.end('data: [DONE]\n\n');
    return;
  }
  return sendJson(response, 200, {
    id: `chatcmpl-${name}`,
    object: 'chat.completion',
    created: 1,
    model: body.model ?? 'unknown',
    choices: [{ index: 0, message: { role: 'assistant', content: `from ${name}` }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
  });
}

export async function startUpstream(name: string): Promise<Upstream> {
  let behaviour: Behaviour | ((call: number) => Behaviour) = {};
  let count = 0;
  const mock = await startMockUpstream((request, response) => {
    const isCall = !request.path.endsWith('/models');
    const current = typeof behaviour === 'function' ? behaviour(isCall ? count : Math.max(0, count - 1)) : behaviour;
    if (isCall) count++;
    return answer(name, current, request, response);
  });
  return {
    name,
    url: mock.url,
    mock,
    behave(next) {
      behaviour = next;
      count = 0;
      mock.requests.length = 0;
    },
    calls: () => mock.requests.filter((request) => !request.path.endsWith('/models')),
    close: () => mock.close(),
  };
}

/** Writes a YAML config to a fresh temporary directory and returns its path. */
export function writeConfig(
  yaml: string,
  file = join(mkdtempSync(join(tmpdir(), 'lg-routing-')), 'llamagate.yaml'),
): string {
  writeFileSync(file, yaml);
  return file;
}

/** A YAML backend entry for an upstream, speaking OpenAI's API. */
export function backendYaml(upstream: Upstream, extra = ''): string {
  return `  - { name: ${upstream.name}, type: openai-compatible, config: { endpoint: "${upstream.url}/v1"${extra} } }`;
}

export function caught(promise: Promise<unknown>): Promise<APIError> {
  return promise.then(
    () => {
      throw new Error('expected the request to fail');
    },
    (error: unknown) => error as APIError,
  );
}
