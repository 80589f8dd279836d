/**
 * Zod schemas as response formats: the schema goes out as `json_schema` (each adapter maps it to its
 * provider's native mechanism, or to JSON mode plus instructions), the reply comes back validated.
 */
import { z } from 'zod';
import type { ChatMessage, JsonSchema, ResponseFormat } from '../spec/chat.js';
import { ValidationError } from '../spec/errors.js';

/** True for a zod (v4) schema, from this or another copy of zod. */
export function isZodSchema(value: unknown): value is z.ZodType {
  return typeof value === 'object' && value !== null && '_zod' in value;
}

/** A schema's JSON Schema without the `$schema` marker, which several providers reject. */
export function toJsonSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

/**
 * OpenAI's strict mode accepts only schemas whose objects list every property as required and close
 * `additionalProperties`; anything else is sent non-strict (still a schema, just best effort).
 */
export function isStrictCompatible(schema: unknown): boolean {
  if (Array.isArray(schema)) return schema.every(isStrictCompatible);
  if (typeof schema !== 'object' || schema === null) return true;
  const node = schema as Record<string, unknown>;
  if (node.type === 'object' || node.properties !== undefined) {
    const properties = (node.properties ?? {}) as Record<string, unknown>;
    const required = Array.isArray(node.required) ? node.required : [];
    if (node.additionalProperties !== false) return false;
    if (Object.keys(properties).some((key) => !required.includes(key))) return false;
  }
  return Object.entries(node).every(([key, value]) => key === 'default' || isStrictCompatible(value));
}

export function schemaResponseFormat(schema: z.ZodType, name = 'response', description?: string): ResponseFormat {
  const jsonSchema = toJsonSchema(schema);
  const format: ResponseFormat = {
    type: 'json_schema',
    json_schema: { name, schema: jsonSchema, strict: isStrictCompatible(jsonSchema) },
  };
  if (description !== undefined) format.json_schema.description = description;
  return format;
}

/** A reply that is not JSON or does not match the schema; `text` is what the model said. */
export class StructuredOutputError extends ValidationError {
  static override readonly kind: string = 'StructuredOutputError';
  readonly text: string;
  readonly issues: readonly z.core.$ZodIssue[];

  constructor(
    options: ConstructorParameters<typeof ValidationError>[0] & { text: string; issues?: readonly z.core.$ZodIssue[] },
  ) {
    super({ ...options, upstream: { ...options.upstream, body: options.text } });
    this.text = options.text;
    this.issues = options.issues ?? [];
  }
}

/** The JSON part of a reply: without Markdown fences or prose around the outermost object/array. */
export function extractJsonText(text: string): string {
  const trimmed = text.trim();
  const fenced = /^```(?:json|JSON)?\s*\n?([\s\S]*?)\n?```\s*$/.exec(trimmed);
  if (fenced?.[1] !== undefined) return fenced[1].trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) return trimmed;
  const start = trimmed.search(/[[{]/);
  const end = Math.max(trimmed.lastIndexOf('}'), trimmed.lastIndexOf(']'));
  return start !== -1 && end > start ? trimmed.slice(start, end + 1) : trimmed;
}

export interface ValidationContext {
  provider?: string;
  model?: string;
}

/** Parses and validates a reply; throws StructuredOutputError with the raw text when either fails. */
export function parseStructuredText<S extends z.ZodType>(
  text: string,
  schema: S,
  context: ValidationContext = {},
): z.output<S> {
  let value: unknown;
  try {
    value = JSON.parse(extractJsonText(text));
  } catch (error) {
    throw new StructuredOutputError({
      message: `The model's reply is not valid JSON: ${(error as Error).message}`,
      text,
      provider: context.provider,
      model: context.model,
      isRetryable: false,
      cause: error,
    });
  }
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new StructuredOutputError({
    message: `The model's reply does not match the schema: ${z.prettifyError(result.error)}`,
    text,
    issues: result.error.issues,
    provider: context.provider,
    model: context.model,
    isRetryable: false,
  });
}

/** The conversation for the one repair attempt: the bad reply, then what was wrong with it. */
export function repairMessages(messages: readonly ChatMessage[], error: StructuredOutputError): ChatMessage[] {
  return [
    ...messages,
    { role: 'assistant', content: error.text },
    {
      role: 'user',
      content: `Your reply could not be used: ${error.message}\nReply again with only the corrected JSON, nothing else.`,
    },
  ];
}
