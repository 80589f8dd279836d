import type { JsonSchema } from '../../spec/chat.js';

/**
 * Gemini's `Schema` is an OpenAPI 3.0 subset: no `additionalProperties`, `$schema`, `const`, `oneOf`, type
 * arrays or most formats; nullability is a flag. Anything it does not know is a 400 for the whole request, so
 * the conversion keeps only what Gemini accepts and rewrites the rest (type arrays → `nullable`/`anyOf`,
 * `const` → `enum`, `oneOf` → `anyOf`, single `allOf` merged). Local `$ref`s are inlined; schemas with
 * recursive references cannot be expressed and are sent as plain JSON Schema instead (see {@link hasRecursiveRef}).
 */
export function convertJsonSchemaToGemini(schema: JsonSchema): JsonSchema | undefined {
  const converted = convertNode(schema, schema, new Set());
  if (converted === undefined) return undefined;
  if (isEmptyObjectSchema(converted)) return undefined;
  return converted;
}

const STRING_FORMATS = new Set(['date-time', 'enum']);
const NUMBER_FORMATS = new Set(['float', 'double', 'int32', 'int64']);

const KEPT_KEYWORDS = [
  'description',
  'title',
  'minItems',
  'maxItems',
  'minLength',
  'maxLength',
  'minProperties',
  'maxProperties',
  'minimum',
  'maximum',
  'pattern',
  'default',
  'example',
  'propertyOrdering',
] as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isEmptyObjectSchema(schema: JsonSchema): boolean {
  const keys = Object.keys(schema).filter((key) => key !== 'type');
  return schema.type === 'object' && keys.length === 0;
}

function resolveRef(ref: string, root: JsonSchema): JsonSchema | undefined {
  if (ref === '#') return root;
  if (!ref.startsWith('#/')) return undefined;
  let current: unknown = root;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (!isRecord(current)) return undefined;
    current = current[key];
  }
  return isRecord(current) ? current : undefined;
}

/** True when following `$ref`s from the root loops; such schemas cannot be inlined. */
export function hasRecursiveRef(schema: JsonSchema): boolean {
  const visit = (node: unknown, stack: Set<string>): boolean => {
    if (Array.isArray(node)) return node.some((item) => visit(item, stack));
    if (!isRecord(node)) return false;
    const ref = node.$ref;
    if (typeof ref === 'string') {
      if (stack.has(ref)) return true;
      const target = resolveRef(ref, schema);
      if (target !== undefined && visit(target, new Set([...stack, ref]))) return true;
    }
    return Object.entries(node).some(
      ([key, value]) => key !== '$defs' && key !== 'definitions' && key !== '$ref' && visit(value, stack),
    );
  };
  return visit(schema, new Set());
}

function convertNode(node: unknown, root: JsonSchema, refs: Set<string>): JsonSchema | undefined {
  if (node === true) return {};
  if (!isRecord(node)) return undefined;
  if (typeof node.$ref === 'string') {
    if (refs.has(node.$ref)) return { type: 'object' };
    const target = resolveRef(node.$ref, root);
    if (target === undefined) return { type: 'object' };
    const { $ref: _ignored, ...siblings } = node;
    return convertNode({ ...target, ...siblings }, root, new Set([...refs, node.$ref]));
  }
  const allOf = Array.isArray(node.allOf) ? node.allOf : undefined;
  if (allOf !== undefined) {
    const { allOf: _ignored, ...rest } = node;
    if (allOf.length === 1) return convertNode({ ...(isRecord(allOf[0]) ? allOf[0] : {}), ...rest }, root, refs);
    return convertNode(mergeAllOf(allOf, rest), root, refs);
  }

  const result: JsonSchema = {};
  for (const key of KEPT_KEYWORDS) if (node[key] !== undefined) result[key] = node[key];
  if (result.description === undefined && typeof node.$comment === 'string') result.description = node.$comment;
  if (result.example === undefined && Array.isArray(node.examples) && node.examples.length > 0)
    result.example = node.examples[0];

  let nullable = node.nullable === true;
  let type: string | undefined;
  const alternatives: JsonSchema[] = [];
  if (Array.isArray(node.type)) {
    const types = node.type.filter((t): t is string => typeof t === 'string');
    nullable ||= types.includes('null');
    const concrete = types.filter((t) => t !== 'null');
    if (concrete.length === 1) type = concrete[0];
    else for (const t of concrete) alternatives.push(convertNode({ ...node, type: t }, root, refs) ?? { type: t });
  } else if (typeof node.type === 'string') {
    if (node.type === 'null') nullable = true;
    else type = node.type;
  }

  const union = Array.isArray(node.anyOf) ? node.anyOf : Array.isArray(node.oneOf) ? node.oneOf : undefined;
  if (union !== undefined) {
    for (const option of union) {
      if (isRecord(option) && option.type === 'null') {
        nullable = true;
        continue;
      }
      const converted = convertNode(option, root, refs);
      if (converted !== undefined) alternatives.push(converted);
    }
  }
  if (alternatives.length === 1 && type === undefined) Object.assign(result, alternatives[0]);
  else if (alternatives.length > 0) result.anyOf = alternatives;

  if (type !== undefined) result.type = type;
  if (nullable) result.nullable = true;

  const values = node.const !== undefined ? [node.const] : Array.isArray(node.enum) ? node.enum : undefined;
  if (values !== undefined) {
    const strings = values.filter((value) => value !== null);
    // Gemini enums are string-only; numeric or boolean enums are left unconstrained rather than rejected.
    if (strings.every((value) => typeof value === 'string') && strings.length > 0) {
      result.enum = strings;
      result.type ??= 'string';
      if (strings.length < values.length) result.nullable = true;
    }
  }

  if (typeof node.format === 'string') {
    const allowed = result.type === 'string' ? STRING_FORMATS : NUMBER_FORMATS;
    if (allowed.has(node.format)) result.format = node.format;
  }

  if (isRecord(node.properties)) {
    const properties: Record<string, JsonSchema> = {};
    for (const [name, value] of Object.entries(node.properties)) {
      const converted = convertNode(value, root, refs);
      if (converted !== undefined) properties[name] = converted;
    }
    if (Object.keys(properties).length > 0) {
      result.properties = properties;
      result.type ??= 'object';
      if (Array.isArray(node.required)) {
        const required = node.required.filter((name): name is string => typeof name === 'string' && name in properties);
        if (required.length > 0) result.required = required;
      }
    }
  }

  if (node.items !== undefined) {
    const items = Array.isArray(node.items) ? node.items[0] : node.items;
    const converted = convertNode(items, root, refs);
    if (converted !== undefined) result.items = converted;
  } else if (Array.isArray(node.prefixItems) && node.prefixItems.length > 0) {
    const converted = convertNode(node.prefixItems[0], root, refs);
    if (converted !== undefined) result.items = converted;
  }
  if (result.type === 'array' && result.items === undefined) result.items = { type: 'string' };
  return result;
}

function mergeAllOf(parts: unknown[], rest: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...rest };
  const properties: Record<string, unknown> = {};
  const required: unknown[] = [];
  for (const part of parts) {
    if (!isRecord(part)) continue;
    for (const [key, value] of Object.entries(part)) {
      if (key === 'properties' && isRecord(value)) Object.assign(properties, value);
      else if (key === 'required' && Array.isArray(value)) required.push(...value);
      else merged[key] ??= value;
    }
  }
  if (Object.keys(properties).length > 0) merged.properties = { ...properties, ...(merged.properties as object) };
  if (required.length > 0) merged.required = [...new Set([...required, ...((merged.required as unknown[]) ?? [])])];
  return merged;
}

/** The schema as plain JSON Schema for `parametersJsonSchema` / `responseJsonSchema` (no meta keywords). */
export function toGeminiJsonSchema(schema: JsonSchema): JsonSchema {
  const { $schema: _schema, $id: _id, ...rest } = schema;
  return rest;
}
