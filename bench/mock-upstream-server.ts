/**
 * Benchmark upstream answering instantly in two dialects: OpenAI's (`/v1/chat/completions`, SSE streams) and
 * Ollama's (`/api/chat`, NDJSON streams, `/api/tags`, `/api/version`). A stream sends STREAM_CHUNKS chunks, the
 * first at once, then one every STREAM_INTERVAL_MS (a slow drip for the open-streams harness).
 */
import { createServer, type ServerResponse } from 'node:http';

const interval = Number(process.env.STREAM_INTERVAL_MS ?? 2);
const chunkCount = Number(process.env.STREAM_CHUNKS ?? 20);
const text = 'The quick brown fox jumps over the lazy dog.';

const openaiCompletion = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1700000000,
  model: 'bench-model',
  choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 12, completion_tokens: 10, total_tokens: 22 },
});
const openaiChunk = (delta: Record<string, unknown>, finish: string | null) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1700000000, model: 'bench-model', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
const openaiUsage = `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1700000000, model: 'bench-model', choices: [], usage: { prompt_tokens: 12, completion_tokens: chunkCount, total_tokens: 12 + chunkCount } })}\n\n`;

const ollamaDone = {
  done: true,
  done_reason: 'stop',
  total_duration: 1_200_000,
  load_duration: 100_000,
  prompt_eval_count: 12,
  prompt_eval_duration: 300_000,
  eval_count: 10,
  eval_duration: 800_000,
};
const ollamaCompletion = JSON.stringify({
  model: 'bench-model',
  created_at: '2026-01-01T00:00:00Z',
  message: { role: 'assistant', content: text },
  ...ollamaDone,
});
const ollamaLine = (content: string) =>
  `${JSON.stringify({ model: 'bench-model', created_at: '2026-01-01T00:00:00Z', message: { role: 'assistant', content }, done: false })}\n`;
const ollamaFinal = `${JSON.stringify({ model: 'bench-model', created_at: '2026-01-01T00:00:00Z', message: { role: 'assistant', content: '' }, ...ollamaDone, eval_count: chunkCount })}\n`;
const tags = JSON.stringify({
  models: [
    {
      name: 'bench-model:latest',
      model: 'bench-model:latest',
      modified_at: '2026-01-01T00:00:00Z',
      size: 1,
      digest: 'bench',
      details: { format: 'gguf', family: 'llama', parameter_size: '1B', quantization_level: 'Q4_0' },
    },
  ],
});

function drip(response: ServerResponse, line: (index: number) => string, last: string): void {
  let sent = 0;
  const next = () => {
    if (response.destroyed) return;
    if (sent === chunkCount) {
      response.end(last);
      return;
    }
    response.write(line(sent));
    sent++;
    setTimeout(next, interval);
  };
  next();
}

function sendJson(response: ServerResponse, body: string): void {
  response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (data: Buffer) => chunks.push(data));
  request.on('end', () => {
    const path = request.url ?? '/';
    if (request.method !== 'POST') {
      // Health checks and model listings from the gateways.
      if (path.startsWith('/api/tags')) return sendJson(response, tags);
      if (path.startsWith('/api/version')) return sendJson(response, '{"version":"0.12.0"}');
      return sendJson(response, '{"object":"list","data":[{"id":"bench-model","object":"model"}]}');
    }
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { stream?: boolean };
    if (path.startsWith('/api/chat')) {
      if (body.stream === false) return sendJson(response, ollamaCompletion);
      response.writeHead(200, { 'content-type': 'application/x-ndjson' });
      return drip(response, (index) => ollamaLine(`tok${index} `), ollamaFinal);
    }
    if (!body.stream) return sendJson(response, openaiCompletion);
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    drip(
      response,
      (index) => openaiChunk({ content: `tok${index} ` }, null),
      `${openaiChunk({}, 'stop')}${openaiUsage}data: [DONE]\n\n`,
    );
  });
});
server.keepAliveTimeout = 60_000;
server.maxConnections = 100_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`);
});
