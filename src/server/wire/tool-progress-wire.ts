/**
 * The tool-progress extension on the wire (snake_case, the same object in every streaming format): OpenAI chat
 * chunks carry it as `llamagate_tool_progress`, Anthropic streams as a `llamagate_tool_progress` event, the
 * Responses API as a `llamagate.tool_progress` event. Standard clients ignore all three.
 */
import type { ToolProgress } from '../../spec/chat.js';

export function toolProgressWire(progress: ToolProgress): Record<string, unknown> {
  return {
    name: progress.name,
    call_id: progress.callId,
    status: progress.status,
    ...(progress.progress === undefined ? {} : { progress: progress.progress }),
    ...(progress.total === undefined ? {} : { total: progress.total }),
    ...(progress.message === undefined ? {} : { message: progress.message }),
    ...(progress.durationMs === undefined ? {} : { duration_ms: progress.durationMs }),
  };
}
