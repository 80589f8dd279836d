/**
 * Small field readers shared by the wire codecs of this folder: each failure is a `BadRequestError` naming the
 * offending field in `param`, so every inbound API reports bad input the same way.
 */
import { BadRequestError } from '../../spec/errors.js';

export type WireBody = Record<string, unknown>;

export function isRecord(value: unknown): value is WireBody {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function invalidField(
  message: string,
  param: string,
  code: 'invalid_type' | 'missing_field' | 'invalid_request' = 'invalid_type',
): BadRequestError {
  return new BadRequestError({ message, param, code, isRetryable: false });
}

export function requireObject(body: unknown): WireBody {
  if (!isRecord(body)) throw invalidField('The request body must be a JSON object', 'body', 'invalid_request');
  return body;
}

export function requireModel(body: WireBody): string {
  const model = body.model;
  if (model === undefined || model === null)
    throw invalidField("you must provide a 'model' parameter", 'model', 'missing_field');
  if (typeof model !== 'string' || model.trim() === '')
    throw invalidField("'model' must be a non-empty string", 'model');
  return model;
}

export function readNumber(
  body: WireBody,
  field: string,
  min: number,
  max: number,
  integer = false,
  param = field,
): number | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalidField(`'${param}' must be a number`, param);
  if (integer && !Number.isInteger(value)) throw invalidField(`'${param}' must be an integer`, param);
  if (value < min || value > max)
    throw invalidField(`'${param}' must be between ${min} and ${max} (got ${value})`, param);
  return value;
}

export function readBoolean(body: WireBody, field: string, param = field): boolean | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw invalidField(`'${param}' must be a boolean`, param);
  return value;
}

export function readString(body: WireBody, field: string, param = field): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalidField(`'${param}' must be a string`, param);
  return value;
}

/** `stop` as a string or a list of strings. */
export function readStop(value: unknown, param: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value as string[];
  throw invalidField(`'${param}' must be a string or an array of strings`, param);
}

/** Rejects a field the gateway cannot honour, with the reason, instead of silently ignoring it. */
export function rejectField(body: WireBody, field: string, reason: string): void {
  const value = body[field];
  if (value === undefined || value === null || value === false) return;
  throw invalidField(`'${field}' is not supported by LlamaGate: ${reason}`, field, 'invalid_request');
}
