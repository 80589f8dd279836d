import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmbeddingResult } from '../../spec/embedding.js';
import { type GatewayContext, type RequestState, warningsHeader } from '../gateway-context.js';
import { parseJsonBody, readBody, sendJson } from '../http-io.js';
import { parseEmbeddingBody } from '../openai-request.js';
import { requestTimeout } from './chat-completions.js';

function toBase64(vector: readonly number[]): string {
  return Buffer.from(new Float32Array(vector).buffer).toString('base64');
}

export async function handleEmbeddings(
  context: GatewayContext,
  request: IncomingMessage,
  response: ServerResponse,
  state: RequestState,
): Promise<void> {
  const raw = await readBody(request, context.config.maxBodySize);
  const parsed = parseEmbeddingBody(parseJsonBody(raw));
  state.model = parsed.model;
  const target = context.resolver.resolve(parsed.model);
  state.backend = target.backend.name;
  response.setHeader('x-llamagate-backend', target.backend.name);
  const model = target.backend.provider.embeddingModel(target.modelId);
  const options = {
    signal: state.abort.signal,
    timeoutMs: requestTimeout(context, request, undefined, target.backend.timeoutMs),
    headers: { 'x-request-id': state.id },
    requestId: state.id,
  };
  // Inputs beyond the provider's per-call limit are split and sent in order; vectors are joined back.
  const batchSize = model.maxEmbeddingsPerCall ?? parsed.request.input.length;
  const results: EmbeddingResult[] = [];
  for (let start = 0; start < parsed.request.input.length; start += batchSize) {
    const input = parsed.request.input.slice(start, start + batchSize);
    const batch =
      input.length === parsed.request.input.length
        ? parsed.request
        : { ...parsed.request, input, openaiBody: undefined };
    results.push(await model.embed(batch, options));
  }
  const embeddings = results.flatMap((result) => result.embeddings);
  const promptTokens = results.every((result) => result.usage.promptTokens !== undefined)
    ? results.reduce((sum, result) => sum + (result.usage.promptTokens ?? 0), 0)
    : undefined;
  state.usage = promptTokens === undefined ? {} : { promptTokens, totalTokens: promptTokens };
  const headers: Record<string, string> = {};
  const warnings = warningsHeader(results.flatMap((result) => result.warnings));
  if (warnings !== undefined) headers['x-llamagate-warnings'] = warnings;
  sendJson(
    response,
    200,
    {
      object: 'list',
      data: embeddings.map((vector, index) => ({
        object: 'embedding',
        index,
        embedding: parsed.encodingFormat === 'base64' ? toBase64(vector) : vector,
      })),
      model: results[0]?.model ?? target.modelId,
      usage: { prompt_tokens: promptTokens ?? 0, total_tokens: promptTokens ?? 0 },
    },
    headers,
  );
}
