/**
 * Which of the request's stop sequences ended an answer, for Anthropic's `stop_sequence` (decision 0014):
 * the upstream's word when it says (Anthropic, vLLM's `stop_reason`); else the stop sequence the output ends
 * with (backends that keep it in the output); else, when the upstream said "a stop sequence" without saying
 * which, the request's only one; else none, reported as null.
 */
import type { FinishReason } from '../../../spec/chat.js';

/** Raw finish reasons meaning "stopped on a stop sequence" without naming it (Bedrock's Converse, Cohere). */
const STOPPED_ON_A_SEQUENCE: ReadonlySet<string> = new Set(['stop_sequence', 'STOP_SEQUENCE']);

export interface FinishFacts {
  finishReason: FinishReason;
  rawFinishReason?: string | undefined;
  stopSequence?: string | undefined;
}

export function stopSequenceOf(
  stops: readonly string[] | undefined,
  finish: FinishFacts,
  output: string,
): string | undefined {
  if (finish.stopSequence !== undefined) return finish.stopSequence;
  if (stops === undefined || stops.length === 0 || finish.finishReason !== 'stop') return undefined;
  let matched: string | undefined;
  for (const stop of stops) {
    if (stop !== '' && output.endsWith(stop) && stop.length > (matched?.length ?? 0)) matched = stop;
  }
  if (matched !== undefined) return matched;
  if (finish.rawFinishReason !== undefined && STOPPED_ON_A_SEQUENCE.has(finish.rawFinishReason) && stops.length === 1)
    return stops[0];
  return undefined;
}

/** How much of a streamed output's end must be kept to match the longest stop sequence. */
export function tailLength(stops: readonly string[] | undefined): number {
  let longest = 0;
  for (const stop of stops ?? []) longest = Math.max(longest, stop.length);
  return longest;
}
