import type { Dispatcher } from 'undici';
import { guardStream } from '../../provider-utils/guard-stream.js';
import { callJson, openUpstream, type UpstreamStream } from '../../provider-utils/http-client.js';
import { generateId, unixSeconds } from '../../provider-utils/ids.js';
import { merged } from '../../provider-utils/merged.js';
import type {
  CallOptions,
  ChatRequest,
  ChatResult,
  ChatStreamResult,
  LanguageModel,
  Warning,
} from '../../spec/chat.js';
import { ProviderAPIError } from '../../spec/errors.js';
import type { ImageFetchSettings } from '../../spec/provider.js';
import { convertGeminiChoices, promptBlockedError } from './convert-gemini-response.js';
import { convertGeminiUsage } from './convert-gemini-usage.js';
import { convertToGeminiRequest } from './convert-to-gemini-request.js';
import { geminiResponseSchema } from './gemini-api.js';
import { describeGeminiError, refineGeminiError } from './gemini-error.js';
import { geminiStreamParts } from './gemini-stream.js';
import type { ThoughtSignatureCache } from './thought-signature-cache.js';

export type GeminiAction = 'generateContent' | 'streamGenerateContent';

export interface GeminiEndpoint {
  url: string;
  headers: Record<string, string>;
}

export interface GeminiChatConfig {
  provider: string;
  /**
   * URL of a model's method (the SSE query for streams included) and the auth headers, resolved per call:
   * keys are read lazily and Vertex access tokens expire.
   */
  endpoint: (modelId: string, action: GeminiAction) => Promise<GeminiEndpoint>;
  dispatcher?: Dispatcher;
  imageFetch?: ImageFetchSettings;
  signatureCache: ThoughtSignatureCache;
  vertex: boolean;
}

/** Gemini (AI Studio) and Vertex AI chat over generateContent / streamGenerateContent. */
export class GeminiChatModel implements LanguageModel {
  readonly provider: string;

  constructor(
    readonly modelId: string,
    private readonly config: GeminiChatConfig,
  ) {
    this.provider = config.provider;
  }

  private async prepare(
    request: ChatRequest,
    options: CallOptions,
    action: GeminiAction,
  ): Promise<{ body: Record<string, unknown>; url: string; headers: Record<string, string>; warnings: Warning[] }> {
    // Credentials first: a missing key must fail before any image is fetched.
    const endpoint = await this.config.endpoint(this.modelId, action);
    const headers = merged(endpoint.headers, options.headers);
    const { body, warnings } = await convertToGeminiRequest(request, {
      provider: this.provider,
      modelId: this.modelId,
      imageFetch: this.config.imageFetch,
      signatureCache: this.config.signatureCache,
      vertex: this.config.vertex,
    });
    return { body, url: endpoint.url, headers, warnings };
  }

  async generate(request: ChatRequest, options: CallOptions = {}): Promise<ChatResult> {
    const { body, url, headers, warnings } = await this.prepare(request, options, 'generateContent');
    let response: Awaited<ReturnType<typeof callJson>>;
    try {
      response = await callJson({
        provider: this.provider,
        model: this.modelId,
        url,
        headers,
        body,
        signal: options.signal,
        timeoutMs: options.timeoutMs,
        dispatcher: this.config.dispatcher,
        describeError: describeGeminiError,
      });
    } catch (error) {
      throw refineGeminiError(error);
    }
    const parsed = geminiResponseSchema.safeParse(response.value);
    if (!parsed.success) {
      throw new ProviderAPIError({
        message: `${this.provider} returned an unexpected generateContent response: ${parsed.error.issues[0]?.message ?? 'invalid shape'}`,
        provider: this.provider,
        model: this.modelId,
        upstream: { url, status: response.status, body: response.value },
      });
    }
    const value = parsed.data;
    const blocked = promptBlockedError(value, { provider: this.provider, modelId: this.modelId });
    if (blocked !== undefined) throw blocked;
    return {
      id: value.responseId ?? generateId('chatcmpl'),
      created: unixSeconds(),
      model: value.modelVersion ?? this.modelId,
      provider: this.provider,
      choices: convertGeminiChoices(value, {
        provider: this.provider,
        modelId: this.modelId,
        signatureCache: this.config.signatureCache,
      }),
      usage: convertGeminiUsage(value.usageMetadata),
      warnings,
      raw: response.value,
      response: { status: response.status, headers: response.headers },
    };
  }

  async stream(request: ChatRequest, options: CallOptions = {}): Promise<ChatStreamResult> {
    const { body, url, headers, warnings } = await this.prepare(request, options, 'streamGenerateContent');
    let upstream: UpstreamStream;
    try {
      upstream = await openUpstream({
        provider: this.provider,
        model: this.modelId,
        url,
        headers: { accept: 'text/event-stream', ...headers },
        body,
        signal: options.signal,
        timeoutMs: options.timeoutMs,
        dispatcher: this.config.dispatcher,
        describeError: describeGeminiError,
      });
    } catch (error) {
      throw refineGeminiError(error);
    }
    return {
      provider: this.provider,
      model: this.modelId,
      warnings,
      response: { status: upstream.status, headers: upstream.headers },
      parts: guardStream(
        geminiStreamParts(upstream, {
          provider: this.provider,
          model: this.modelId,
          url,
          signatureCache: this.config.signatureCache,
        }),
        upstream,
        { provider: this.provider, model: this.modelId },
      ),
    };
  }
}
