import type { Warning } from '../../spec/chat.js';

/**
 * For vendors (or models) that only have JSON mode: a `json_schema` response format becomes `json_object`
 * and the schema moves into a system message. JSON mode alone does not tell the model the shape, and most
 * JSON modes also require the word "JSON" in the prompt, which the instruction provides.
 * Does nothing unless the body asks for `json_schema`.
 */
export function downgradeJsonSchemaToJsonMode(
  body: Record<string, unknown>,
  provider: string,
  warnings: Warning[],
  reason?: string,
): void {
  const format = body.response_format as { type?: unknown; json_schema?: unknown } | undefined;
  if (typeof format !== 'object' || format === null || format.type !== 'json_schema') return;
  const jsonSchema = (
    typeof format.json_schema === 'object' && format.json_schema !== null ? format.json_schema : {}
  ) as { name?: unknown; description?: unknown; schema?: unknown };
  body.response_format = { type: 'json_object' };
  const lines = [
    'Respond only with a JSON object that matches this JSON schema:',
    JSON.stringify(jsonSchema.schema ?? {}),
  ];
  if (typeof jsonSchema.description === 'string' && jsonSchema.description !== '')
    lines.splice(1, 0, `(${jsonSchema.description})`);
  const messages = Array.isArray(body.messages) ? [...(body.messages as unknown[])] : [];
  // After the leading system messages, so the caller's own instructions stay first.
  let position = 0;
  while (position < messages.length && (messages[position] as { role?: unknown } | undefined)?.role === 'system')
    position++;
  messages.splice(position, 0, { role: 'system', content: lines.join('\n') });
  body.messages = messages;
  warnings.push({
    type: 'unsupported-setting',
    setting: 'response_format',
    message:
      reason ??
      `${provider} does not support json_schema response formats; JSON mode was used with the schema in a system message`,
  });
}
