import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FallbackTrace } from '../../router/fallback-runner.js';
import type { CallOptions } from '../../spec/chat.js';
import type { EmbeddingModel, EmbeddingRequest, EmbeddingResult } from '../../spec/embedding.js';
import { type GatewayContext, type RequestState, warningsHeader } from '../gateway-context.js';
import { parseJsonBody, readBody, sendJson } from '../http-io.js';
import { parseEmbeddingBody } from '../openai-request.js';
import { addTriedHeaders, recordServed, requestTiming, routingHeaders } from './chat-completions.js';

function toBase64(vector: readonly number[]): string {
  return Buffer.from(new Float32Array(vector).buffer).toString('base64');
}

/** Inputs beyond the provider's per-call limit are split and sent in order; vectors are joined back. */
async function embedInBatches(
  model: EmbeddingModel,
  request: EmbeddingRequest,
  options: CallOptions,
): Promise<EmbeddingResult[]> {
  const batchSize = model.maxEmbeddingsPerCall ?? request.input.length;
  const results: EmbeddingResult[] = [];
  for (let start = 0; start < request.input.length; start += batchSize) {
    const input = request.input.slice(start, start + batchSize);
    const batch = input.length === request.input.length ? request : { ...request, input, openaiBody: undefined };
    results.push(await model.embed(batch, options));
  }
  return results;
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
  await state.billing?.admitEmbedding(response, parsed.model, parsed.request.input);
  const plan = context.router.plan({ model: parsed.model, path: state.path, method: request.method });
  const timing = requestTiming(context, request, undefined);
  const trace: FallbackTrace = { attempts: 0, fallbacks: 0 };
  const outcome = await context.router
    .execute(
      plan,
      (target, call) => embedInBatches(target.backend.provider.embeddingModel(target.modelId), parsed.request, call),
      {
        signal: state.signal,
        deadlineMs: timing.deadlineMs,
        requestTimeoutMs: timing.requestTimeoutMs,
        headers: { 'x-request-id': state.id },
        requestId: state.id,
        trace,
        onAttempt: state.observation?.onAttempt,
      },
    )
    .catch((error: unknown) => {
      addTriedHeaders(response, trace);
      throw error;
    });
  recordServed(state, outcome);
  const results = outcome.value;
  const embeddings = results.flatMap((result) => result.embeddings);
  const promptTokens = results.every((result) => result.usage.promptTokens !== undefined)
    ? results.reduce((sum, result) => sum + (result.usage.promptTokens ?? 0), 0)
    : undefined;
  state.usage = promptTokens === undefined ? {} : { promptTokens, totalTokens: promptTokens };
  const headers = routingHeaders(outcome, outcome.target.backend.name);
  const warnings = warningsHeader(results.flatMap((result) => result.warnings));
  if (warnings !== undefined) headers['x-llamagate-warnings'] = warnings;
  await state.billing?.charge(response);
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
      model: results[0]?.model ?? outcome.target.modelId,
      usage: { prompt_tokens: promptTokens ?? 0, total_tokens: promptTokens ?? 0 },
    },
    headers,
  );
}
