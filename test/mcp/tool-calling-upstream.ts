/**
 * An OpenAI-compatible upstream for tool-loop tests: round n (the number of assistant tool turns already in
 * the conversation) answers with the script's text and/or tool calls, as one JSON body or as SSE chunks, and
 * reports 100 prompt + 50 completion tokens each round.
 */
import type { ServerResponse } from 'node:http';
import {
  type MockUpstream,
  type RecordedRequest,
  sendJson,
  sendStream,
  startMockUpstream,
} from '../../src/test-support/mock-upstream.js';

export interface UpstreamRound {
  text?: string;
  calls?: { name: string; arguments: unknown }[];
}

export interface ToolCallingUpstream extends MockUpstream {
  /** Replaces the script (rounds past its end repeat the last one). */
  script(rounds: UpstreamRound[]): void;
  /** The chat requests received since the last `script`, as parsed bodies. */
  chats(): ChatBody[];
}

export interface ChatBody {
  model: string;
  stream?: boolean;
  tools?: { type: string; function: { name: string } }[];
  messages: { role: string; content?: unknown; tool_calls?: unknown[]; tool_call_id?: string }[];
}

const USAGE = { prompt_tokens: 100, completion_tokens: 50, total_tokens: 150 };

function toolCalls(round: UpstreamRound, index: number) {
  return (round.calls ?? []).map((call, position) => ({
    id: `call_${index}_${position}`,
    type: 'function',
    function: { name: call.name, arguments: JSON.stringify(call.arguments) },
  }));
}

function reply(response: ServerResponse, body: ChatBody, round: UpstreamRound, index: number): Promise<void> | void {
  const calls = toolCalls(round, index);
  const finish = calls.length > 0 ? 'tool_calls' : 'stop';
  const base = { id: `chatcmpl-${index}`, created: 1_700_000_000, model: body.model };
  if (body.stream !== true) {
    return sendJson(response, 200, {
      ...base,
      object: 'chat.completion',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: round.text ?? null,
            ...(calls.length > 0 ? { tool_calls: calls } : {}),
          },
          finish_reason: finish,
        },
      ],
      usage: USAGE,
    });
  }
  const chunk = (choice: Record<string, unknown>) =>
    JSON.stringify({
      ...base,
      object: 'chat.completion.chunk',
      choices: [{ index: 0, finish_reason: null, ...choice }],
    });
  const lines: string[] = [chunk({ delta: { role: 'assistant', content: '' } })];
  for (const word of (round.text ?? '').split(/(?<= )/))
    if (word !== '') lines.push(chunk({ delta: { content: word } }));
  calls.forEach((call, position) => {
    lines.push(chunk({ delta: { tool_calls: [{ index: position, ...call }] } }));
  });
  lines.push(chunk({ delta: {}, finish_reason: finish }));
  lines.push(JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [], usage: USAGE }));
  return sendStream(response, lines, { format: 'sse', done: true });
}

export async function startToolCallingUpstream(
  initial: UpstreamRound[] = [{ text: 'Hi' }],
): Promise<ToolCallingUpstream> {
  let rounds = initial;
  let since = 0;
  const upstream = await startMockUpstream(async (request: RecordedRequest, response) => {
    if (!request.path.endsWith('/chat/completions')) return sendJson(response, 404, { error: { message: 'no route' } });
    const body = request.body as ChatBody;
    const index = body.messages.filter((message) => message.role === 'assistant' && message.tool_calls).length;
    const round = rounds[Math.min(index, rounds.length - 1)] ?? {};
    await reply(response, body, round, index);
  });
  return Object.assign(upstream, {
    script(next: UpstreamRound[]) {
      rounds = next;
      since = upstream.requests.length;
    },
    chats: () =>
      upstream.requests
        .slice(since)
        .filter((request) => request.path.endsWith('/chat/completions'))
        .map((request) => request.body as ChatBody),
  });
}
