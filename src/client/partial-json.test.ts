import { describe, expect, it } from 'vitest';
import { parsePartialJson } from './partial-json.js';

describe('parsePartialJson', () => {
  it('closes open strings, arrays and objects where the text stops', () => {
    expect(parsePartialJson('{"city": "Par')).toEqual({ value: { city: 'Par' }, complete: false });
    expect(parsePartialJson('{"tags": ["a", "b')).toEqual({ value: { tags: ['a', 'b'] }, complete: false });
    expect(parsePartialJson('{"a": {"b": [1, {"c": tr')).toEqual({
      value: { a: { b: [1, { c: true }] } },
      complete: false,
    });
  });

  it('leaves out a key whose value has not started, and half-written keys', () => {
    expect(parsePartialJson('{"a": 1, "b":')?.value).toEqual({ a: 1 });
    expect(parsePartialJson('{"a": 1, "lon')?.value).toEqual({ a: 1 });
    expect(parsePartialJson('{"a": 1,')?.value).toEqual({ a: 1 });
  });

  it('keeps the digits of a number still arriving', () => {
    expect(parsePartialJson('{"n": -12.')?.value).toEqual({ n: -12 });
    expect(parsePartialJson('{"n": 3e')?.value).toEqual({ n: 3 });
    expect(parsePartialJson('{"n": -')?.value).toEqual({});
    expect(parsePartialJson('[1, 2')?.value).toEqual([1, 2]);
  });

  it('decodes escapes and drops an unfinished one', () => {
    expect(parsePartialJson('{"s": "a\\nb\\u00e9')?.value).toEqual({ s: 'a\nbé' });
    expect(parsePartialJson('{"s": "a\\u00')?.value).toEqual({ s: 'a' });
    expect(parsePartialJson('{"s": "a\\')?.value).toEqual({ s: 'a' });
  });

  it('says when the value is complete, skipping prose and fences around it', () => {
    expect(parsePartialJson('{"a": [true, false, null]}')).toEqual({
      value: { a: [true, false, null] },
      complete: true,
    });
    expect(parsePartialJson('```json\n{"a": 1}\n```')).toEqual({ value: { a: 1 }, complete: true });
    expect(parsePartialJson('Here it is: {"a": "x"')?.value).toEqual({ a: 'x' });
  });

  it('returns undefined before anything usable or for text that is not JSON', () => {
    expect(parsePartialJson('')).toBeUndefined();
    expect(parsePartialJson('Sure, ')).toBeUndefined();
    expect(parsePartialJson('{"a": nope}')).toBeUndefined();
  });
});
