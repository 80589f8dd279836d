import { describe, expect, it } from 'vitest';
import type { ChatStreamPart } from '../spec/chat.js';
import { AbortedError, LlamaGateError } from '../spec/errors.js';
import { guardStream } from './guard-stream.js';

const text = (delta: string): ChatStreamPart => ({ type: 'text-delta', choiceIndex: 0, delta });
const context = { provider: 'mock', model: 'm' };

/** Parts from `parts`, then `failure` thrown if given; records when the upstream is closed. */
function upstreamOf(parts: ChatStreamPart[], failure?: unknown) {
  const events: string[] = [];
  async function* source(): AsyncGenerator<ChatStreamPart> {
    try {
      yield* parts;
      if (failure !== undefined) throw failure;
    } finally {
      events.push('source finished');
    }
  }
  return { source: source(), upstream: { close: () => events.push('closed') }, events };
}

async function collect(parts: AsyncIterable<ChatStreamPart>): Promise<ChatStreamPart[]> {
  const seen: ChatStreamPart[] = [];
  for await (const part of parts) seen.push(part);
  return seen;
}

describe('guardStream', () => {
  it('passes the parts through and closes the upstream once they end', async () => {
    const { source, upstream, events } = upstreamOf([text('a'), text('b')]);
    expect(await collect(guardStream(source, upstream, context))).toEqual([text('a'), text('b')]);
    expect(events).toEqual(['source finished', 'closed']);
  });

  it('turns a failure after the start into one final error part', async () => {
    const { source, upstream, events } = upstreamOf([text('a')], new Error('socket hang up'));
    const seen = await collect(guardStream(source, upstream, context));
    expect(seen).toHaveLength(2);
    const last = seen[1] as Extract<ChatStreamPart, { type: 'error' }>;
    expect(last.type).toBe('error');
    expect(LlamaGateError.isInstance(last.error)).toBe(true);
    expect({ code: last.error.code, message: last.error.message, provider: last.error.provider }).toEqual({
      code: 'upstream_error',
      message: 'Error: socket hang up',
      provider: 'mock',
    });
    expect(events).toEqual(['source finished', 'closed']);
  });

  it('rethrows a caller abort instead of turning it into a part', async () => {
    const { source, upstream, events } = upstreamOf([], new AbortedError({ message: 'client went away' }));
    await expect(collect(guardStream(source, upstream, context))).rejects.toMatchObject({
      code: 'client_closed_request',
    });
    expect(events).toEqual(['source finished', 'closed']);
  });

  it('closes the upstream when the consumer stops, even before its first read', async () => {
    const { source, upstream, events } = upstreamOf([text('a')]);
    const guarded = guardStream(source, upstream, context);
    await guarded.return?.();
    await guarded.return?.();
    expect(events).toEqual(['closed']);
    expect(await guarded.next()).toEqual({ value: undefined, done: true });
  });

  it('closes the upstream and the source when the consumer breaks off mid-stream', async () => {
    const { source, upstream, events } = upstreamOf([text('a'), text('b'), text('c')]);
    for await (const part of guardStream(source, upstream, context)) if (part.type === 'text-delta') break;
    expect([...events].sort()).toEqual(['closed', 'source finished']);
  });
});
