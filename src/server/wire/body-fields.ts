/**
 * Field readers shared by the request decoders of every wire format. Hand-written rather than a schema library
 * because they run on every request; each failure names the offending field in `param`.
 */
import { BadRequestError } from '../../spec/errors.js';

export type Body = Record<string, unknown>;

export function invalid(
  message: string,
  param: string,
  code: 'invalid_type' | 'missing_field' | 'invalid_request' = 'invalid_type',
): BadRequestError {
  return new BadRequestError({ message, param, code, isRetryable: false });
}

export function isRecord(value: unknown): value is Body {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function optionalNumber(
  body: Body,
  field: string,
  min: number,
  max: number,
  integer = false,
): number | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(`'${field}' must be a number`, field);
  if (integer && !Number.isInteger(value)) throw invalid(`'${field}' must be an integer`, field);
  if (value < min || value > max) throw invalid(`'${field}' must be between ${min} and ${max} (got ${value})`, field);
  return value;
}

export function optionalBoolean(body: Body, field: string): boolean | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw invalid(`'${field}' must be a boolean`, field);
  return value;
}

export function optionalString(body: Body, field: string): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid(`'${field}' must be a string`, field);
  return value;
}

export function requireObject(body: unknown): Body {
  if (!isRecord(body)) throw invalid('The request body must be a JSON object', 'body', 'invalid_request');
  return body;
}

export function requireModel(body: Body): string {
  const model = body.model;
  if (model === undefined || model === null)
    throw invalid("you must provide a 'model' parameter", 'model', 'missing_field');
  if (typeof model !== 'string' || model.trim() === '') throw invalid("'model' must be a non-empty string", 'model');
  return model;
}
