/**
 * Stored Responses API state belongs to the virtual key that created it, with billing on and the SQLite store:
 * another key cannot continue, read, list or delete it (a 404 in OpenAI's error shape, as for an unknown id),
 * and its refused calls reach no upstream and charge nothing. Driven by the official `openai` client.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyOf, type MockUpstream, startMockUpstream } from '../../src/test-support/mock-upstream.js';
import {
  answerWith,
  type BillingGateway,
  startBillingGateway,
  waitFor,
  writeGatewayConfig,
} from './billing-harness.js';

let upstream: MockUpstream;
let gateway: BillingGateway;

beforeAll(async () => {
  upstream = await startMockUpstream(answerWith());
  gateway = await startBillingGateway({
    env: { LLAMAGATE_DATA_DIR: mkdtempSync(join(tmpdir(), 'lg-responses-owner-')), CACHE_ENABLED: 'false' },
    configFile: writeGatewayConfig(upstream.url),
  });
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

async function failure(promise: Promise<unknown>): Promise<APIError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof APIError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

/** Status and body of a refused call, as OpenAI sends an unknown response id. */
function notFound(error: APIError) {
  return { status: error.status, error: error.error };
}

describe("stored responses are their key's own (billing on, SQLite)", () => {
  it('hides key A’s responses from key B on every path, while A keeps using them', async () => {
    const a = await gateway.createKey({ name: 'owner-a', credits: 1 });
    const b = await gateway.createKey({ name: 'owner-b', credits: 1 });
    const alice = gateway.client(a.key);
    const bob = gateway.client(b.key);
    const first = await alice.responses.create({ model: 'mock-1', input: 'My name is Ada.' });
    expect(first.output_text).toBe('Hello there!');
    const itemId = (await alice.responses.inputItems.list(first.id)).data[0]?.id as string;
    expect(itemId).toMatch(/^msg_/);
    const upstreamCalls = upstream.requests.length;

    const missing = {
      status: 404,
      error: {
        message: `Response with id '${first.id}' not found.`,
        type: 'not_found_error',
        code: 'not_found',
        param: null,
        request_id: expect.any(String),
      },
    };
    expect(notFound(await failure(bob.responses.retrieve(first.id)))).toEqual(missing);
    expect(notFound(await failure(bob.responses.inputItems.list(first.id)))).toEqual(missing);
    expect(notFound(await failure(bob.responses.delete(first.id)))).toEqual(missing);
    const continued = await failure(
      bob.responses.create({ model: 'mock-1', input: 'What is my name?', previous_response_id: first.id }),
    );
    expect(notFound(continued)).toMatchObject({
      status: 404,
      error: {
        message: `Previous response with id '${first.id}' not found.`,
        type: 'not_found_error',
        param: 'previous_response_id',
      },
    });
    const referenced = await failure(
      bob.responses.create({ model: 'mock-1', input: [{ type: 'item_reference', id: itemId }] }),
    );
    expect(notFound(referenced)).toMatchObject({
      status: 404,
      error: { message: `Item with id '${itemId}' not found.`, param: 'input[0]' },
    });
    // An id that never existed answers the same: B learns nothing about A's ids.
    const unknown = await failure(bob.responses.retrieve('resp_0123456789abcdef0123456789abcdef'));
    expect(notFound(unknown)).toMatchObject({ status: 404, error: { type: 'not_found_error', param: null } });
    expect(upstream.requests.length).toBe(upstreamCalls);

    // A's response survived B's delete and still continues A's conversation.
    expect((await alice.responses.retrieve(first.id)).output_text).toBe('Hello there!');
    const second = await alice.responses.create({
      model: 'mock-1',
      input: 'What is my name?',
      previous_response_id: first.id,
    });
    expect(bodyOf(upstream.requests.at(-1)).messages).toEqual([
      { role: 'user', content: 'My name is Ada.' },
      { role: 'assistant', content: 'Hello there!' },
      { role: 'user', content: 'What is my name?' },
    ]);
    await alice.responses.delete(second.id);
    expect((await failure(alice.responses.retrieve(second.id))).status).toBe(404);

    // B's refused calls charged nothing; A paid for its two answers.
    const records = await waitFor(async () => {
      await gateway.flush();
      const list = await gateway.billing.storage.usage.list({ keyId: a.id });
      return list.length === 2 ? list : undefined;
    });
    expect(records.map((record) => [record.promptTokens, record.completionTokens, record.status])).toEqual([
      [100, 50, 200],
      [100, 50, 200],
    ]);
    const bobRecords = await gateway.billing.storage.usage.list({ keyId: b.id });
    expect(bobRecords.filter((record) => record.cost > 0)).toEqual([]);
  });
});
