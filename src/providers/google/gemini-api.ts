/**
 * Minimal shapes of Google's generateContent wire format, shared by the Gemini API (AI Studio) and Vertex AI.
 * Lenient on extra fields: Google adds fields (trafficType, createTime, grounding…) without notice, and
 * proto3 JSON omits zero values, so every count is optional.
 */
import { z } from 'zod';

/** One fragment of streamed function-call arguments (Vertex `streamFunctionCallArguments`, Gemini 3). */
export const geminiPartialArgSchema = z.looseObject({
  jsonPath: z.string().nullish(),
  stringValue: z.string().nullish(),
  numberValue: z.number().nullish(),
  boolValue: z.boolean().nullish(),
  nullValue: z.unknown().optional(),
  willContinue: z.boolean().nullish(),
});

export type GeminiPartialArg = z.infer<typeof geminiPartialArgSchema>;

export const geminiFunctionCallSchema = z.looseObject({
  id: z.string().nullish(),
  name: z.string().nullish(),
  args: z.record(z.string(), z.unknown()).nullish(),
  partialArgs: z.array(geminiPartialArgSchema).nullish(),
  willContinue: z.boolean().nullish(),
});

export type GeminiFunctionCall = z.infer<typeof geminiFunctionCallSchema>;

const geminiPartSchema = z.looseObject({
  text: z.string().nullish(),
  thought: z.boolean().nullish(),
  thoughtSignature: z.string().nullish(),
  functionCall: geminiFunctionCallSchema.nullish(),
});

export type GeminiResponsePart = z.infer<typeof geminiPartSchema>;

export const geminiUsageSchema = z
  .looseObject({
    promptTokenCount: z.number().nullish(),
    candidatesTokenCount: z.number().nullish(),
    totalTokenCount: z.number().nullish(),
    cachedContentTokenCount: z.number().nullish(),
    thoughtsTokenCount: z.number().nullish(),
    toolUsePromptTokenCount: z.number().nullish(),
  })
  .nullish();

export type GeminiUsage = z.infer<typeof geminiUsageSchema>;

const logprobCandidateSchema = z.looseObject({ token: z.string().nullish(), logProbability: z.number().nullish() });

export const geminiLogprobsResultSchema = z.looseObject({
  chosenCandidates: z.array(logprobCandidateSchema).nullish(),
  topCandidates: z.array(z.looseObject({ candidates: z.array(logprobCandidateSchema).nullish() })).nullish(),
});

const geminiCandidateSchema = z.looseObject({
  index: z.number().nullish(),
  content: z.looseObject({ role: z.string().nullish(), parts: z.array(geminiPartSchema).nullish() }).nullish(),
  finishReason: z.string().nullish(),
  finishMessage: z.string().nullish(),
  logprobsResult: geminiLogprobsResultSchema.nullish(),
});

export type GeminiCandidate = z.infer<typeof geminiCandidateSchema>;

const promptFeedbackSchema = z.looseObject({
  blockReason: z.string().nullish(),
  blockReasonMessage: z.string().nullish(),
});

/** A generateContent response, and equally one `streamGenerateContent?alt=sse` event. */
export const geminiResponseSchema = z.looseObject({
  candidates: z.array(geminiCandidateSchema).nullish(),
  promptFeedback: promptFeedbackSchema.nullish(),
  usageMetadata: geminiUsageSchema,
  modelVersion: z.string().nullish(),
  responseId: z.string().nullish(),
});

export type GeminiResponse = z.infer<typeof geminiResponseSchema>;

/** Google's error envelope (`google.rpc.Status`), also sent as a stream event after HTTP 200. */
export const geminiErrorSchema = z.looseObject({
  error: z.looseObject({
    code: z.number().nullish(),
    message: z.string().nullish(),
    status: z.string().nullish(),
    details: z.array(z.looseObject({ '@type': z.string().nullish() })).nullish(),
  }),
});

export const geminiBatchEmbedResponseSchema = z.looseObject({
  embeddings: z.array(z.looseObject({ values: z.array(z.number()) })),
});

export const vertexPredictEmbeddingResponseSchema = z.looseObject({
  predictions: z.array(
    z.looseObject({
      embeddings: z.looseObject({
        values: z.array(z.number()),
        statistics: z.looseObject({ token_count: z.number().nullish() }).nullish(),
      }),
    }),
  ),
});

export const geminiModelListSchema = z.looseObject({
  models: z
    .array(
      z.looseObject({
        name: z.string(),
        displayName: z.string().nullish(),
        description: z.string().nullish(),
        inputTokenLimit: z.number().nullish(),
        outputTokenLimit: z.number().nullish(),
        supportedGenerationMethods: z.array(z.string()).nullish(),
      }),
    )
    .nullish(),
  nextPageToken: z.string().nullish(),
});
