/**
 * The floor for a translating gateway: a bare `node:http` server that does the work the gateway must do on
 * the Ollama path and nothing else — parse the OpenAI request, send Ollama's `/api/chat` body through an
 * undici Pool, parse the answer (one JSON object, or NDJSON lines) and write OpenAI's `chat.completion` or SSE
 * chunks. No validation, auth, limits, routing, billing or logging.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import { Pool } from 'undici';

const upstream = new Pool(process.env.UPSTREAM_URL as string, {
  connections: Number(process.env.BARE_CONNECTIONS ?? 128),
  pipelining: 1,
});

interface OpenAIRequest {
  model: string;
  messages: { role: string; content: string }[];
  stream?: boolean;
  temperature?: number;
  max_tokens?: number;
}

interface OllamaAnswer {
  model: string;
  message?: { content?: string };
  done?: boolean;
  done_reason?: string;
  prompt_eval_count?: number;
  eval_count?: number;
}

function toOllama(request: OpenAIRequest): string {
  const options: Record<string, number> = {};
  if (request.temperature !== undefined) options.temperature = request.temperature;
  if (request.max_tokens !== undefined) options.num_predict = request.max_tokens;
  return JSON.stringify({
    model: request.model,
    messages: request.messages.map((message) => ({ role: message.role, content: message.content })),
    stream: request.stream === true,
    options,
  });
}

function usage(answer: OllamaAnswer) {
  const prompt = answer.prompt_eval_count ?? 0;
  const completion = answer.eval_count ?? 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

function sendCompletion(response: ServerResponse, answer: OllamaAnswer): void {
  const body = JSON.stringify({
    id: `chatcmpl-${randomUUID()}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: answer.model,
    choices: [
      { index: 0, message: { role: 'assistant', content: answer.message?.content ?? '' }, finish_reason: 'stop' },
    ],
    usage: usage(answer),
  });
  response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

async function stream(response: ServerResponse, body: AsyncIterable<Buffer>): Promise<void> {
  const id = `chatcmpl-${randomUUID()}`;
  const created = Math.floor(Date.now() / 1000);
  const chunk = (model: string, delta: Record<string, unknown>, finish: string | null, extra = {}) =>
    `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: finish === 'usage' ? [] : [{ index: 0, delta, finish_reason: finish }], ...extra })}\n\n`;
  response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  let pending = '';
  for await (const data of body) {
    pending += data.toString('utf8');
    let newline = pending.indexOf('\n');
    while (newline !== -1) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      newline = pending.indexOf('\n');
      if (line === '') continue;
      const answer = JSON.parse(line) as OllamaAnswer;
      if (answer.done === true) {
        response.write(chunk(answer.model, {}, 'stop'));
        response.write(chunk(answer.model, {}, 'usage', { usage: usage(answer) }));
        response.end('data: [DONE]\n\n');
        return;
      }
      response.write(chunk(answer.model, { content: answer.message?.content ?? '' }, null));
    }
  }
  response.end('data: [DONE]\n\n');
}

const server = createServer((request, response) => {
  if (request.url === '/health/live') {
    response.end('{"status":"ok"}');
    return;
  }
  const chunks: Buffer[] = [];
  request.on('data', (data: Buffer) => chunks.push(data));
  request.on('end', () => {
    const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OpenAIRequest;
    upstream
      .request({
        path: '/api/chat',
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: toOllama(parsed),
      })
      .then(async ({ body }) => {
        if (parsed.stream === true) await stream(response, body);
        else sendCompletion(response, (await body.json()) as OllamaAnswer);
      })
      .catch((error: Error) => {
        if (!response.headersSent) response.writeHead(502);
        response.end(error.message);
      });
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`);
});
