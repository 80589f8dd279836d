import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../../../spec/errors.js';
import { decodeOpenAIEmbeddingRequest } from './decode-request.js';

function failure(run: () => unknown): BadRequestError {
  try {
    run();
  } catch (error) {
    if (BadRequestError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a BadRequestError');
}

describe('embeddings body validation', () => {
  it('accepts a string or an array of strings and the encoding format', () => {
    expect(decodeOpenAIEmbeddingRequest({ model: 'e', input: 'a' }).request.input).toEqual(['a']);
    expect(
      decodeOpenAIEmbeddingRequest({ model: 'e', input: ['a', 'b'], encoding_format: 'base64', dimensions: 8 }),
    ).toMatchObject({ encodingFormat: 'base64', request: { input: ['a', 'b'], dimensions: 8 } });
  });

  it('rejects other inputs naming the field', () => {
    expect(failure(() => decodeOpenAIEmbeddingRequest({ model: 'e' })).param).toBe('input');
    expect(failure(() => decodeOpenAIEmbeddingRequest({ model: 'e', input: [1, 2] })).param).toBe('input');
    expect(failure(() => decodeOpenAIEmbeddingRequest({ model: 'e', input: 'a', encoding_format: 'int8' })).param).toBe(
      'encoding_format',
    );
  });
});
