import type { z } from 'zod';
import { unknownKeyMessage } from './closest-name.js';

interface SchemaDefinition {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
}

function definitionOf(schema: z.ZodType): SchemaDefinition {
  return (schema as unknown as { _zod: { def: SchemaDefinition } })._zod.def;
}

/** The object schema behind defaults, optionals and pipes, if the value is validated as a strict-ish object. */
function objectShape(schema: z.ZodType): Record<string, z.ZodType> | undefined {
  let current: z.ZodType | undefined = schema;
  for (let step = 0; current !== undefined && step < 10; step++) {
    const definition = definitionOf(current);
    // Loose objects too: in the config they are loose only so that parsing keeps going, not to accept typos.
    if (definition.type === 'object') return definition.shape;
    current = definition.innerType ?? definition.in;
  }
  return undefined;
}

function arrayElement(schema: z.ZodType): z.ZodType | undefined {
  let current: z.ZodType | undefined = schema;
  for (let step = 0; current !== undefined && step < 10; step++) {
    const definition = definitionOf(current);
    if (definition.type === 'array') return definition.element;
    current = definition.innerType ?? definition.in;
  }
  return undefined;
}

/**
 * Keys of `value` that `schema` does not know (zod would drop them silently), each with the closest valid
 * key, walking nested objects and arrays of objects. `extraKeys` are accepted at the top level as well.
 */
export function findUnknownKeys(
  value: unknown,
  schema: z.ZodType,
  path: string[] = [],
  extraKeys: readonly string[] = [],
): string[] {
  if (typeof value !== 'object' || value === null) return [];
  if (Array.isArray(value)) {
    const element = arrayElement(schema);
    if (element === undefined) return [];
    return value.flatMap((item, index) => findUnknownKeys(item, element, [...path, String(index)]));
  }
  const shape = objectShape(schema);
  if (shape === undefined) return [];
  const known = [...Object.keys(shape), ...extraKeys];
  const problems: string[] = [];
  for (const [key, item] of Object.entries(value)) {
    const child = shape[key];
    if (child === undefined) {
      if (!extraKeys.includes(key)) problems.push(`${[...path, key].join('.')}: ${unknownKeyMessage(key, known)}`);
      continue;
    }
    problems.push(...findUnknownKeys(item, child, [...path, key]));
  }
  return problems;
}
