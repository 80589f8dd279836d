import type { Warning } from '../../spec/chat.js';

/**
 * Fireworks takes `reasoning_effort` low/medium/high only; OpenAI's `minimal` maps to the nearest level with
 * a warning instead of a 400.
 */
export function prepareFireworksBody(body: Record<string, unknown>): Warning[] {
  if (body.reasoning_effort !== 'minimal') return [];
  body.reasoning_effort = 'low';
  return [
    {
      type: 'unsupported-setting',
      setting: 'reasoning_effort',
      message: 'fireworks does not support reasoning_effort "minimal"; "low" was sent instead',
    },
  ];
}

/** Fireworks names models `accounts/<account>/models/<name>`; a bare name means Fireworks' own catalogue. */
export function fireworksModelId(modelId: string): string {
  return modelId.includes('/') ? modelId : `accounts/fireworks/models/${modelId}`;
}
