import type { UpstreamStream } from '../../provider-utils/http-client.js';
import { generateToolCallId } from '../../provider-utils/ids.js';
import { parseEventJson, parseSse } from '../../provider-utils/sse-parser.js';
import { hasErrorField, unexpectedStreamItem } from '../../provider-utils/upstream-error.js';
import type { ChatStreamPart, Usage } from '../../spec/chat.js';
import { ProviderAPIError } from '../../spec/errors.js';
import { promptBlockedError } from './convert-gemini-response.js';
import { convertGeminiUsage, hasGeminiTokenCounts } from './convert-gemini-usage.js';
import type { GeminiFunctionCall } from './gemini-api.js';
import { geminiErrorSchema, geminiResponseSchema } from './gemini-api.js';
import { errorFromStreamEvent } from './gemini-error.js';
import { PartialArgsJsonWriter } from './gemini-partial-args.js';
import { mapGeminiFinishReason } from './map-gemini-finish-reason.js';
import type { ThoughtSignatureCache } from './thought-signature-cache.js';

export interface GeminiStreamContext {
  provider: string;
  model: string;
  url: string;
  signatureCache: ThoughtSignatureCache;
}

/** Per-candidate state: tool-call numbering and the function call whose arguments are still streaming. */
interface CandidateState {
  toolCalls: number;
  open?: { id: string; toolCallIndex: number; writer: PartialArgsJsonWriter };
}

type ToolCallDelta = Extract<ChatStreamPart, { type: 'tool-call-delta' }>;

function closeOpenCall(state: CandidateState, choiceIndex: number): ToolCallDelta | undefined {
  const open = state.open;
  if (open === undefined) return undefined;
  state.open = undefined;
  return {
    type: 'tool-call-delta',
    choiceIndex,
    toolCallIndex: open.toolCallIndex,
    argumentsDelta: open.writer.finish(),
  };
}

/**
 * One function-call part → tool-call deltas. A named part starts a call: complete (`args`) or streamed
 * (`willContinue` / `partialArgs`, Vertex's streamFunctionCallArguments). Unnamed parts continue the open
 * call; the first part without `willContinue` ends it.
 */
function* functionCallDeltas(
  call: GeminiFunctionCall,
  signature: string | null | undefined,
  state: CandidateState,
  choiceIndex: number,
  cache: ThoughtSignatureCache,
): Generator<ToolCallDelta> {
  const partialArgs = call.partialArgs ?? [];
  if (call.name) {
    const closed = closeOpenCall(state, choiceIndex);
    if (closed !== undefined) yield closed;
    const id = call.id ?? generateToolCallId();
    const toolCallIndex = state.toolCalls++;
    if (signature) cache.set(id, signature);
    if (call.willContinue !== true && partialArgs.length === 0) {
      const argumentsDelta = JSON.stringify(call.args ?? {});
      yield { type: 'tool-call-delta', choiceIndex, toolCallIndex, id, name: call.name, argumentsDelta };
      return;
    }
    const writer = new PartialArgsJsonWriter();
    state.open = { id, toolCallIndex, writer };
    let argumentsDelta = writer.push(partialArgs);
    if (call.willContinue !== true) {
      argumentsDelta += writer.finish();
      state.open = undefined;
    }
    yield { type: 'tool-call-delta', choiceIndex, toolCallIndex, id, name: call.name, argumentsDelta };
    return;
  }
  const open = state.open;
  if (open === undefined) return;
  if (signature) cache.set(open.id, signature);
  let argumentsDelta = open.writer.push(partialArgs);
  if (call.willContinue !== true) {
    argumentsDelta += open.writer.finish();
    state.open = undefined;
  }
  if (argumentsDelta !== '')
    yield { type: 'tool-call-delta', choiceIndex, toolCallIndex: open.toolCallIndex, argumentsDelta };
}

/**
 * `streamGenerateContent?alt=sse` events → typed parts. The stream has no terminator event, so one that
 * ends before any finish reason is reported as an error part (a cut connection, not a short answer).
 * Usage comes from the last event that carries token counts. Failures are turned into the final error part by
 * `guardStream`, which also closes the upstream.
 */
export async function* geminiStreamParts(
  upstream: UpstreamStream,
  context: GeminiStreamContext,
): AsyncGenerator<ChatStreamPart> {
  const { provider, model, url } = context;
  const states = new Map<number, CandidateState>();
  const hasToolCalls = new Set<number>();
  let usage: Usage | undefined;
  let sentMetadata = false;
  let finished = false;
  for await (const event of parseSse(upstream.body, { provider: provider })) {
    if (event.data.length === 0) continue;
    const json = parseEventJson(event.data, { provider, model, url });
    if (hasErrorField(json) && geminiErrorSchema.safeParse(json).success) {
      yield { type: 'error', error: errorFromStreamEvent(json, { provider, model, url }) };
      return;
    }
    const parsed = geminiResponseSchema.safeParse(json);
    if (!parsed.success) {
      throw unexpectedStreamItem({ provider, model, url }, 'stream event', json);
    }
    const chunk = parsed.data;
    if (!sentMetadata) {
      sentMetadata = true;
      const metadata: ChatStreamPart = { type: 'response-metadata' };
      if (chunk.responseId) metadata.id = chunk.responseId;
      if (chunk.modelVersion) metadata.model = chunk.modelVersion;
      yield metadata;
    }
    if (hasGeminiTokenCounts(chunk.usageMetadata)) usage = convertGeminiUsage(chunk.usageMetadata);
    const blocked = promptBlockedError(chunk, { provider, modelId: model });
    if (blocked !== undefined) {
      yield { type: 'error', error: blocked };
      return;
    }
    for (const [position, candidate] of (chunk.candidates ?? []).entries()) {
      const choiceIndex = candidate.index ?? position;
      let state = states.get(choiceIndex);
      if (state === undefined) {
        state = { toolCalls: 0 };
        states.set(choiceIndex, state);
      }
      for (const part of candidate.content?.parts ?? []) {
        if (part.functionCall !== null && part.functionCall !== undefined) {
          hasToolCalls.add(choiceIndex);
          yield* functionCallDeltas(
            part.functionCall,
            part.thoughtSignature,
            state,
            choiceIndex,
            context.signatureCache,
          );
        } else if (typeof part.text === 'string' && part.text !== '') {
          const closed = closeOpenCall(state, choiceIndex);
          if (closed !== undefined) yield closed;
          yield { type: part.thought === true ? 'reasoning-delta' : 'text-delta', choiceIndex, delta: part.text };
        }
      }
      if (candidate.finishReason) {
        const closed = closeOpenCall(state, choiceIndex);
        if (closed !== undefined) yield closed;
        finished = true;
        yield {
          type: 'finish',
          choiceIndex,
          finishReason: mapGeminiFinishReason(candidate.finishReason, hasToolCalls.has(choiceIndex)),
          rawFinishReason: candidate.finishReason,
        };
      }
    }
  }
  if (!finished) {
    throw new ProviderAPIError({
      message: `${provider} stream ended before a finish reason`,
      provider,
      model,
      upstream: { url },
    });
  }
  if (usage !== undefined) yield { type: 'usage', usage };
}
