/**
 * The behaviour every {@link ResponseStore} must show, run against each implementation.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ResponseStore, StoredResponse } from '../responses/response-store.js';

export function storedResponse(overrides: Partial<StoredResponse> = {}): StoredResponse {
  return {
    id: 'resp_1',
    owner: 'key_a',
    createdAt: 1_000,
    expiresAt: 10_000,
    response: { id: 'resp_1', object: 'response', output: [{ type: 'message', id: 'msg_1_0' }], z: 1, a: 2 },
    inputItems: [{ id: 'msg_1_in0', type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] }],
    history: [],
    ...overrides,
  };
}

export function describeResponseStoreContract(name: string, open: () => Promise<ResponseStore>): void {
  describe(`${name} response store`, () => {
    let store: ResponseStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    it('keeps a response with its items, field order included, for its owner only', async () => {
      await store.putMany([storedResponse(), storedResponse({ id: 'resp_2', owner: '' })]);
      const found = await store.get('resp_1', 'key_a', 5_000);
      expect(found).toEqual(storedResponse());
      expect(Object.keys(found?.response ?? {})).toEqual(['id', 'object', 'output', 'z', 'a']);
      expect(await store.get('resp_1', 'key_b', 5_000)).toBeUndefined();
      expect(await store.get('resp_1', '', 5_000)).toBeUndefined();
      expect((await store.get('resp_2', '', 5_000))?.owner).toBe('');
    });

    it('replaces a record written again and hides it once expired', async () => {
      await store.putMany([storedResponse()]);
      await store.putMany([storedResponse({ response: { id: 'resp_1', status: 'completed' } })]);
      expect((await store.get('resp_1', 'key_a', 5_000))?.response).toEqual({ id: 'resp_1', status: 'completed' });
      expect(await store.get('resp_1', 'key_a', 10_000)).toBeUndefined();
    });

    it('deletes for the owner only and prunes expired records', async () => {
      await store.putMany([storedResponse(), storedResponse({ id: 'resp_old', expiresAt: 2_000 })]);
      expect(await store.delete('resp_1', 'key_b')).toBe(false);
      expect(await store.delete('resp_1', 'key_a')).toBe(true);
      expect(await store.delete('resp_1', 'key_a')).toBe(false);
      expect(await store.deleteExpired(3_000)).toBe(1);
      expect(await store.get('resp_old', 'key_a', 1_500)).toBeUndefined();
    });
  });
}
