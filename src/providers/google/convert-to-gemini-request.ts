import type { ChatRequest, ReasoningEffort, Warning } from '../../spec/chat.js';
import type { ImageFetchSettings } from '../../spec/provider.js';
import { convertJsonSchemaToGemini, hasRecursiveRef, toGeminiJsonSchema } from './convert-json-schema-to-gemini.js';
import { convertToGeminiMessages } from './convert-to-gemini-messages.js';
import { parseGeminiProviderOptions } from './gemini-provider-options.js';
import { prepareGeminiTools } from './prepare-gemini-tools.js';
import { requiresThoughtSignatures, type ThoughtSignatureCache } from './thought-signature-cache.js';

export interface GeminiRequestContext {
  provider: string;
  modelId: string;
  imageFetch?: ImageFetchSettings;
  signatureCache: ThoughtSignatureCache;
  /** Vertex accepts `labels`; the Gemini API rejects them. */
  vertex: boolean;
}

/** Gemini 2.5 thinking budgets per effort; `minimal` stays above the smallest budget every 2.5 model accepts. */
const THINKING_BUDGETS: Record<ReasoningEffort, number> = { minimal: 512, low: 1024, medium: 8192, high: 24576 };

/** Gemini answers 400 to more; OpenAI's own limit is 4, so this only bites clients of looser servers. */
const MAX_STOP_SEQUENCES = 5;

/** Models without a thinking mode answer 400 to any thinkingConfig. */
function supportsThinking(modelId: string): boolean {
  return !/gemini-(?:1\.|2\.0)|gemma|learnlm|embedding/i.test(modelId);
}

function thinkingConfigFor(
  effort: ReasoningEffort,
  modelId: string,
  warnings: Warning[],
): Record<string, unknown> | undefined {
  if (!supportsThinking(modelId)) {
    warnings.push({
      type: 'unsupported-setting',
      setting: 'reasoning_effort',
      message: `${modelId} has no thinking mode; reasoning_effort was dropped`,
    });
    return undefined;
  }
  if (!requiresThoughtSignatures(modelId)) return { thinkingBudget: THINKING_BUDGETS[effort], includeThoughts: true };
  // Gemini 3 takes levels instead of budgets; Pro models know fewer levels than Flash.
  let level: string = effort;
  if (/-pro/.test(modelId) && level === 'minimal') level = 'low';
  if (/gemini-3-pro/.test(modelId) && level === 'medium') level = 'high';
  if (level !== effort) {
    warnings.push({
      type: 'other',
      message: `${modelId} has no thinking level "${effort}"; used "${level}"`,
    });
  }
  return { thinkingLevel: level, includeThoughts: true };
}

/**
 * A chat request → a generateContent body: contents and system instruction, tools, and the generation
 * config (sampling, stop, seed, penalties, candidate count, structured output, logprobs, thinking).
 */
export async function convertToGeminiRequest(
  request: ChatRequest,
  context: GeminiRequestContext,
): Promise<{ body: Record<string, unknown>; warnings: Warning[] }> {
  const warnings: Warning[] = [];
  const options = parseGeminiProviderOptions(request, context.provider, warnings);
  const explicitSignatures = options.thoughtSignatures ?? {};
  const messages = await convertToGeminiMessages(request.messages, {
    modelId: context.modelId,
    imageFetch: context.imageFetch,
    thoughtSignature: (id) => explicitSignatures[id] ?? context.signatureCache.get(id),
  });
  warnings.push(...messages.warnings);
  const useJsonSchema = options.useJsonSchema === true;
  const streamArguments = options.streamFunctionCallArguments === true;
  if (streamArguments && !context.vertex) {
    warnings.push({
      type: 'unsupported-setting',
      setting: `providerOptions.${context.provider}.streamFunctionCallArguments`,
      message: 'Streaming function-call arguments exists only on Vertex AI; the option was dropped',
    });
  }
  const { tools, toolConfig } = prepareGeminiTools(
    request,
    { useJsonSchema, streamFunctionCallArguments: streamArguments && context.vertex },
    warnings,
  );

  const generationConfig: Record<string, unknown> = {};
  if (request.maxTokens !== undefined) generationConfig.maxOutputTokens = request.maxTokens;
  if (request.temperature !== undefined) generationConfig.temperature = request.temperature;
  if (request.topP !== undefined) generationConfig.topP = request.topP;
  if (options.topK !== undefined) generationConfig.topK = options.topK;
  if (request.stop !== undefined && request.stop.length > 0) {
    generationConfig.stopSequences = request.stop.slice(0, MAX_STOP_SEQUENCES);
    if (request.stop.length > MAX_STOP_SEQUENCES) {
      warnings.push({
        type: 'unsupported-setting',
        setting: 'stop',
        message: `Gemini takes at most ${MAX_STOP_SEQUENCES} stop sequences; the rest were dropped`,
      });
    }
  }
  if (request.seed !== undefined) generationConfig.seed = request.seed;
  if (request.presencePenalty !== undefined) generationConfig.presencePenalty = request.presencePenalty;
  if (request.frequencyPenalty !== undefined) generationConfig.frequencyPenalty = request.frequencyPenalty;
  if (request.n !== undefined) generationConfig.candidateCount = request.n;

  const format = request.responseFormat;
  if (format?.type === 'json_object') generationConfig.responseMimeType = 'application/json';
  if (format?.type === 'json_schema') {
    generationConfig.responseMimeType = 'application/json';
    const schema = format.json_schema.schema;
    if (schema !== undefined) {
      if (useJsonSchema || hasRecursiveRef(schema)) generationConfig.responseJsonSchema = toGeminiJsonSchema(schema);
      else {
        const converted = convertJsonSchemaToGemini(schema);
        if (converted !== undefined) generationConfig.responseSchema = converted;
      }
    }
  }

  if (request.logprobs === true) {
    generationConfig.responseLogprobs = true;
    if (request.topLogprobs !== undefined) generationConfig.logprobs = request.topLogprobs;
  }

  let thinkingConfig =
    request.reasoningEffort === undefined
      ? undefined
      : thinkingConfigFor(request.reasoningEffort, context.modelId, warnings);
  if (options.thinkingConfig !== undefined) {
    thinkingConfig = { ...thinkingConfig, ...options.thinkingConfig };
    // Gemini answers 400 when both are present; the explicit provider option wins.
    if (options.thinkingConfig.thinkingLevel !== undefined && options.thinkingConfig.thinkingBudget === undefined)
      delete thinkingConfig.thinkingBudget;
    if (options.thinkingConfig.thinkingBudget !== undefined && options.thinkingConfig.thinkingLevel === undefined)
      delete thinkingConfig.thinkingLevel;
  }
  if (thinkingConfig !== undefined) generationConfig.thinkingConfig = thinkingConfig;
  if (options.responseModalities !== undefined) generationConfig.responseModalities = options.responseModalities;
  if (options.mediaResolution !== undefined) generationConfig.mediaResolution = options.mediaResolution;

  if (request.user !== undefined) {
    warnings.push({
      type: 'unsupported-setting',
      setting: 'user',
      message: 'Gemini has no end-user field; user was dropped',
    });
  }

  const body: Record<string, unknown> = { contents: messages.contents };
  if (messages.systemInstruction !== undefined) body.systemInstruction = messages.systemInstruction;
  if (tools !== undefined) body.tools = tools;
  if (toolConfig !== undefined) body.toolConfig = toolConfig;
  if (Object.keys(generationConfig).length > 0) body.generationConfig = generationConfig;
  if (options.safetySettings !== undefined) body.safetySettings = options.safetySettings;
  if (options.cachedContent !== undefined) body.cachedContent = options.cachedContent;
  if (options.labels !== undefined) {
    if (context.vertex) body.labels = options.labels;
    else
      warnings.push({
        type: 'unsupported-setting',
        setting: `providerOptions.${context.provider}.labels`,
        message: 'Request labels exist only on Vertex AI; they were dropped',
      });
  }
  return { body, warnings };
}
