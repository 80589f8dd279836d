/** Zod building blocks shared by the config schemas: durations, sizes, booleans and numbers written as text. */
import { z } from 'zod';
import { parseByteSize, parseDuration } from './durations.js';

export const duration = (name: string, maxMs?: number) =>
  z.union([z.string(), z.number()]).transform((value, context) => {
    const ms = parseDuration(value);
    if (ms === undefined) {
      context.addIssue({
        code: 'custom',
        message: `${name} must be a duration like 30s, 5m or 1h (got ${JSON.stringify(value)})`,
      });
      return z.NEVER;
    }
    if (maxMs !== undefined && ms > maxMs) {
      context.addIssue({
        code: 'custom',
        message: `${name} must be at most ${maxMs / 60_000}m (got ${JSON.stringify(value)})`,
      });
      return z.NEVER;
    }
    return ms;
  });

export const byteSize = (name: string) =>
  z.union([z.string(), z.number()]).transform((value, context) => {
    const bytes = parseByteSize(value);
    if (bytes === undefined || bytes <= 0) {
      context.addIssue({
        code: 'custom',
        message: `${name} must be a size like 10mb or 512kb (got ${JSON.stringify(value)})`,
      });
      return z.NEVER;
    }
    return bytes;
  });

export const booleanLike = (name: string) =>
  z.union([z.boolean(), z.string()]).transform((value, context) => {
    if (typeof value === 'boolean') return value;
    const normalised = value.trim().toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(normalised)) return true;
    if (['false', '0', 'no', 'off', ''].includes(normalised)) return false;
    context.addIssue({ code: 'custom', message: `${name} must be true or false (got ${JSON.stringify(value)})` });
    return z.NEVER;
  });

export const numberLike = (name: string) =>
  z.union([z.number(), z.string()]).transform((value, context) => {
    const parsed = typeof value === 'number' ? value : Number(value.trim());
    if (!Number.isFinite(parsed) || (typeof value === 'string' && value.trim() === '')) {
      context.addIssue({ code: 'custom', message: `${name} must be a number (got ${JSON.stringify(value)})` });
      return z.NEVER;
    }
    return parsed;
  });

/**
 * A base URL, or a bare `host[:port]` as OLLAMA_HOST allows (`localhost:11434`, `0.0.0.0`): refused at start-up
 * when it cannot be a URL, instead of failing every request later.
 */
export const hostUrl = (name: string) =>
  z.string().superRefine((value, context) => {
    const trimmed = value.trim();
    const candidate = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `http://${trimmed}`;
    let valid = trimmed !== '' && !/\s/.test(trimmed);
    if (valid) {
      try {
        const url = new URL(candidate);
        valid = (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
      } catch {
        valid = false;
      }
    }
    if (!valid)
      context.addIssue({
        code: 'custom',
        message: `${name} must be a URL like http://localhost:11434 or a host[:port] (got ${JSON.stringify(value)})`,
      });
  });
