import type { ChatMessage, Usage } from '../../spec/chat.js';
import { toLlamaGateError } from '../../spec/errors.js';
import { type ClientStreamPart, type Middleware, type ModelCall, withParts } from '../model-call.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Anything with pino-style methods (`logger.info(fields, message)`): pino itself, or `console`. */
export interface LogSink {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export interface LoggingOptions {
  /** The lowest level written (default `info`: one line per finished call, `warn` for failures). */
  level?: LogLevel;
  /**
   * Leave prompts and answers out of the `debug` lines (default true): only roles and lengths are logged.
   * Nothing else ever logs content.
   */
  redactContent?: boolean;
  logger?: LogSink;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

function describeMessages(messages: readonly ChatMessage[], redact: boolean): unknown {
  if (!redact) return messages;
  return messages.map((message) => ({
    role: message.role,
    length:
      typeof message.content === 'string'
        ? message.content.length
        : (message.content ?? []).reduce((sum, part) => sum + (part.type === 'text' ? part.text.length : 0), 0),
  }));
}

function requestFields(call: ModelCall, redact: boolean): Record<string, unknown> {
  if (call.kind === 'embed') {
    return { inputs: call.request.input.length, input: redact ? undefined : call.request.input };
  }
  return { messages: describeMessages(call.request.messages, redact) };
}

/**
 * Logs every call: `debug` when it starts (with the prompt unless redacted), `info` when it finishes (model,
 * provider, duration, usage, finish reason), `warn` when it fails (code, status, message).
 *
 * @example
 * const gate = new LlamaGate({ middleware: [logging({ level: 'debug', redactContent: true })] });
 */
export function logging(options: LoggingOptions = {}): Middleware {
  const minimum = RANK[options.level ?? 'info'];
  const sink: LogSink = options.logger ?? console;
  const redact = options.redactContent ?? true;
  const log = (level: LogLevel, fields: Record<string, unknown>, message: string) => {
    if (RANK[level] >= minimum) sink[level](fields, message);
  };
  return (next) => async (call) => {
    const started = performance.now();
    const base = { kind: call.kind, model: call.model };
    log('debug', { ...base, ...requestFields(call, redact) }, 'llamagate call started');
    const finished = (fields: Record<string, unknown>) =>
      log(
        'info',
        { ...base, durationMs: Math.round(performance.now() - started), ...fields },
        'llamagate call finished',
      );
    const failed = (error: unknown) => {
      const typed = toLlamaGateError(error);
      log(
        'warn',
        {
          ...base,
          durationMs: Math.round(performance.now() - started),
          code: typed.code,
          status: typed.status,
          message: typed.message,
        },
        'llamagate call failed',
      );
    };
    let outcome: Awaited<ReturnType<typeof next>>;
    try {
      outcome = await next(call);
    } catch (error) {
      failed(error);
      throw error;
    }
    if (outcome.kind === 'completion') {
      const { result } = outcome;
      const choice = result.choices[0];
      finished({
        provider: result.provider,
        upstreamModel: result.model,
        usage: result.usage,
        finishReason: choice?.finishReason,
        cacheHit: call.trace.cacheHit,
        ...(redact || RANK.debug < minimum ? {} : { text: choice?.message.content }),
      });
      return outcome;
    }
    if (outcome.kind === 'embed') {
      finished({ provider: outcome.result.provider, upstreamModel: outcome.result.model, usage: outcome.result.usage });
      return outcome;
    }
    const stream = outcome.result;
    async function* observed(): AsyncGenerator<ClientStreamPart> {
      let usage: Usage | undefined;
      let chunks = 0;
      let provider = stream.provider;
      let streamFailed = false;
      for await (const part of stream.parts) {
        if (part.type === 'error') {
          streamFailed = true;
          failed(part.error);
        }
        if (part.type === 'usage') usage = part.usage;
        if (part.type === 'text-delta') chunks++;
        if (part.type === 'fallback') {
          provider = part.provider;
          log(
            'warn',
            { ...base, from: part.from, to: part.to, mode: part.mode, code: part.error.code },
            'llamagate stream fell back',
          );
        }
        yield part;
      }
      if (!streamFailed)
        finished({ provider, upstreamModel: stream.model, usage, chunks, cacheHit: call.trace.cacheHit });
    }
    return { kind: 'stream', result: withParts(stream, observed()) };
  };
}
