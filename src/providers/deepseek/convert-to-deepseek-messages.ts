type Message = Record<string, unknown>;

const hasToolCalls = (message: Message) =>
  message.role === 'assistant' && Array.isArray(message.tool_calls) && message.tool_calls.length > 0;

/**
 * Messages for DeepSeek. `developer` becomes `system`. For `reasoning_content` on assistant messages,
 * DeepSeek's thinking-mode guide distinguishes two cases per user turn (the messages from one user message
 * to the next):
 * - a turn without tool calls: earlier reasoning is not part of the context; the first reasoner API
 *   answered 400 to it, so it is removed;
 * - a turn with tool calls: the reasoning of its assistant messages must be sent back on every later
 *   request (DeepSeek answers 400 "Missing `reasoning_content`" otherwise), so it is kept.
 * Returns new message objects; the caller's are never mutated.
 */
export function convertToDeepSeekMessages(messages: readonly unknown[]): unknown[] {
  const result = messages.map((message) =>
    typeof message === 'object' && message !== null ? { ...(message as Message) } : message,
  );
  let turnStart = 0;
  for (let index = 0; index <= result.length; index++) {
    const message = result[index] as Message | undefined;
    if (message !== undefined && message.role === 'developer') message.role = 'system';
    if (index < result.length && message?.role !== 'user') continue;
    const turn = result.slice(turnStart, index) as (Message | undefined)[];
    const keepReasoning = turn.some((m) => m !== undefined && hasToolCalls(m));
    if (!keepReasoning)
      for (const m of turn)
        if (m?.role === 'assistant' && m.reasoning_content !== undefined) delete m.reasoning_content;
    turnStart = index + 1;
  }
  return result;
}
