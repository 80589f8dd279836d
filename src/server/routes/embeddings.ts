/** `POST /v1/embeddings`: OpenAI's embeddings API over the routed embedding models. */
import type { FallbackTrace } from '../../router/fallback-runner.js';
import type { CallOptions } from '../../spec/chat.js';
import type { EmbeddingModel, EmbeddingRequest, EmbeddingResult } from '../../spec/embedding.js';
import { emitAdmit, emitAnswer, emitUsage } from '../exchange/emit.js';
import {
  addTriedHeaders,
  recordServed,
  requestTiming,
  routedCallOptions,
  routingHeaders,
  warningsHeader,
} from '../exchange/route-call.js';
import { parseJsonBody, readBody, sendJson } from '../http-io.js';
import type { RouteHandler } from '../route.js';
import { decodeOpenAIEmbeddingRequest } from '../wire/openai-embeddings/decode-request.js';
import { encodeEmbeddingList } from '../wire/openai-embeddings/encode-response.js';

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
    const batch = input.length === request.input.length ? request : { ...request, input };
    results.push(await model.embed(batch, options));
  }
  return results;
}

export const handleEmbeddings: RouteHandler = async (context, request, response, state) => {
  state.modelRoute = true;
  const raw = await readBody(request, context.config.maxBodySize);
  const decoded = decodeOpenAIEmbeddingRequest(parseJsonBody(raw));
  state.model = decoded.model;
  if (state.observers !== undefined)
    await emitAdmit(state, { kind: 'embeddings', model: decoded.model, input: decoded.request.input });
  const plan = context.router.plan({ model: decoded.model, path: state.path, method: request.method });
  const timing = requestTiming(context, request, undefined);
  const trace: FallbackTrace = { attempts: 0, fallbacks: 0 };
  const options = routedCallOptions(state, timing, trace);
  options.passthrough = decoded.passthrough;
  const outcome = await context.router
    .execute(
      plan,
      (target, call) => embedInBatches(target.backend.provider.embeddingModel(target.modelId), decoded.request, call),
      options,
    )
    .catch((error: unknown) => {
      addTriedHeaders(response, trace);
      throw error;
    });
  recordServed(state, outcome);
  const results = outcome.value;
  const promptTokens = results.every((result) => result.usage.promptTokens !== undefined)
    ? results.reduce((sum, result) => sum + (result.usage.promptTokens ?? 0), 0)
    : undefined;
  emitUsage(state, promptTokens === undefined ? {} : { promptTokens, totalTokens: promptTokens });
  const headers = routingHeaders(outcome, outcome.target.backend.name);
  const warnings = warningsHeader(results.flatMap((result) => result.warnings));
  if (warnings !== undefined) headers['x-llamagate-warnings'] = warnings;
  const model = results[0]?.model ?? outcome.target.modelId;
  if (state.observers !== undefined) await emitAnswer(state, { kind: 'embeddings', model, results });
  sendJson(response, 200, encodeEmbeddingList(results, model, promptTokens, decoded.encodingFormat), headers);
};
