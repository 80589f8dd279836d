import { describe, expect, it } from 'vitest';
import { convertJsonSchemaToGemini, hasRecursiveRef } from './convert-json-schema-to-gemini.js';
import { prepareGeminiTools } from './prepare-gemini-tools.js';

describe('convertJsonSchemaToGemini', () => {
  it('keeps what Gemini accepts and rewrites or drops the rest', () => {
    expect(
      convertJsonSchemaToGemini({
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        type: 'object',
        additionalProperties: false,
        properties: {
          kind: { const: 'person' },
          role: { enum: ['admin', 'user', null] },
          level: { enum: [1, 2, 3], type: 'integer' },
          tags: { type: 'array', items: { type: 'string', format: 'uri', maxLength: 64 }, uniqueItems: true },
          when: { type: 'string', format: 'date-time' },
          score: { anyOf: [{ type: 'number' }, { type: 'null' }] },
          id: { oneOf: [{ type: 'string' }, { type: 'integer' }] },
          meta: { type: 'object', properties: {}, additionalProperties: true },
          both: { allOf: [{ type: 'object', properties: { a: { type: 'string' } }, required: ['a'] }] },
        },
        required: ['kind', 'missing'],
      }),
    ).toEqual({
      type: 'object',
      properties: {
        kind: { type: 'string', enum: ['person'] },
        role: { type: 'string', enum: ['admin', 'user'], nullable: true },
        level: { type: 'integer' },
        tags: { type: 'array', items: { type: 'string', maxLength: 64 } },
        when: { type: 'string', format: 'date-time' },
        score: { type: 'number', nullable: true },
        id: { anyOf: [{ type: 'string' }, { type: 'integer' }] },
        meta: { type: 'object' },
        both: { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] },
      },
      required: ['kind'],
    });
  });

  it('inlines local $refs and returns nothing for an empty object schema', () => {
    expect(
      convertJsonSchemaToGemini({
        type: 'object',
        properties: { home: { $ref: '#/$defs/address' }, work: { $ref: '#/$defs/address', description: 'Office' } },
        $defs: { address: { type: 'object', properties: { city: { type: 'string' } } } },
      }),
    ).toEqual({
      type: 'object',
      properties: {
        home: { type: 'object', properties: { city: { type: 'string' } } },
        work: { type: 'object', description: 'Office', properties: { city: { type: 'string' } } },
      },
    });
    expect(convertJsonSchemaToGemini({ type: 'object', properties: {}, additionalProperties: false })).toBeUndefined();
  });

  it('detects recursive schemas, which tools then send as parametersJsonSchema', () => {
    const tree = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: { children: { type: 'array', items: { $ref: '#' } } },
    };
    expect(hasRecursiveRef(tree)).toBe(true);
    expect(hasRecursiveRef({ type: 'object', properties: { a: { $ref: '#/$defs/a' } }, $defs: { a: {} } })).toBe(false);
    const { tools } = prepareGeminiTools(
      { messages: [], tools: [{ type: 'function', function: { name: 'tree', parameters: tree } }] },
      { useJsonSchema: false, streamFunctionCallArguments: false },
      [],
    );
    expect(tools).toEqual([
      {
        functionDeclarations: [
          {
            name: 'tree',
            parametersJsonSchema: { type: 'object', properties: { children: { type: 'array', items: { $ref: '#' } } } },
          },
        ],
      },
    ]);
  });
});
