/**
 * A scripted model for tool-loop tests: a legitimate test double of the model side (the inner ChatCall). Each
 * round answers with text and/or tool calls; every request it received is kept for assertions.
 */

import type { ChatRequest, ChatResult, ChatStreamPart, ToolCall, Usage } from '../../src/spec/chat.js';
import type { ChatCall } from '../../src/spec/chat-call.js';

export interface ScriptedRound {
  text?: string;
  calls?: { name: string; arguments: unknown }[];
  usage?: Usage;
}

export interface ScriptedModel extends ChatCall {
  requests: ChatRequest[];
}

function toolCalls(round: ScriptedRound, index: number): ToolCall[] {
  return (round.calls ?? []).map((call, position) => ({
    id: `call_${index}_${position}`,
    type: 'function',
    function: {
      name: call.name,
      arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments),
    },
  }));
}

/** Answers round n with `rounds[n]`, or the last entry once the script ran out. */
export function scriptedModel(rounds: ScriptedRound[]): ScriptedModel {
  const requests: ChatRequest[] = [];
  const next = (request: ChatRequest) => {
    requests.push(structuredClone(request));
    const index = requests.length - 1;
    const round = rounds[Math.min(index, rounds.length - 1)] ?? {};
    return { round, index, calls: toolCalls(round, index) };
  };
  return {
    requests,
    async generate(request): Promise<ChatResult> {
      const { round, index, calls } = next(request);
      return {
        id: `chatcmpl-${index}`,
        created: 1,
        model: 'scripted',
        provider: 'test',
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: round.text ?? null,
              ...(calls.length > 0 ? { toolCalls: calls } : {}),
            },
            finishReason: calls.length > 0 ? 'tool_calls' : 'stop',
          },
        ],
        usage: round.usage ?? { promptTokens: 10, completionTokens: 5, totalTokens: 15 },
        warnings: [],
      };
    },
    async stream(request) {
      const { round, index, calls } = next(request);
      async function* parts(): AsyncGenerator<ChatStreamPart> {
        yield { type: 'response-metadata', id: `chatcmpl-${index}`, model: 'scripted' };
        for (const word of (round.text ?? '').split(/(?<= )/)) {
          if (word !== '') yield { type: 'text-delta', choiceIndex: 0, delta: word };
        }
        for (const [position, call] of calls.entries()) {
          yield {
            type: 'tool-call-delta',
            choiceIndex: 0,
            toolCallIndex: position,
            id: call.id,
            name: call.function.name,
            argumentsDelta: '',
          };
          yield {
            type: 'tool-call-delta',
            choiceIndex: 0,
            toolCallIndex: position,
            argumentsDelta: call.function.arguments,
          };
        }
        yield { type: 'finish', choiceIndex: 0, finishReason: calls.length > 0 ? 'tool_calls' : 'stop' };
        yield { type: 'usage', usage: round.usage ?? { promptTokens: 10, completionTokens: 5, totalTokens: 15 } };
      }
      return { provider: 'test', model: 'scripted', warnings: [], parts: parts() };
    },
  };
}
