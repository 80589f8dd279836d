import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteResponseStore } from '../storage/responses/sqlite-response-store.js';
import { ResponsesState } from './responses-state.js';

const logger = { warn: () => {}, error: () => {} };
const record = (id: string, owner: string, createdAt = Date.now()) => ({
  id,
  owner,
  createdAt,
  response: { id, object: 'response' },
  inputItems: [],
  history: [],
});

describe('ResponsesState', () => {
  it('reads a queued response at once, writes it in the background, and keeps it per owner and within retention', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'lg-state-')), 'r.db');
    const state = new ResponsesState(async () => new SqliteResponseStore({ file }), 60_000, logger);
    state.save(record('resp_a', 'key_1'));
    state.save(record('resp_old', 'key_1', Date.now() - 120_000));
    expect((await state.get('resp_a', 'key_1'))?.id).toBe('resp_a');
    expect(await state.get('resp_a', 'key_2')).toBeUndefined();
    expect(await state.get('resp_old', 'key_1')).toBeUndefined();
    await state.close();
    // Another process (a fresh store on the same file) sees what was flushed.
    const other = new SqliteResponseStore({ file });
    expect((await other.get('resp_a', 'key_1', Date.now()))?.response).toEqual({ id: 'resp_a', object: 'response' });
    expect(await other.get('resp_a', '', Date.now())).toBeUndefined();
    await other.close();
  });

  it('deletes a queued response for its owner only', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'lg-state-')), 'r.db');
    const state = new ResponsesState(async () => new SqliteResponseStore({ file }), 60_000, logger);
    state.save(record('resp_b', 'key_1'));
    expect(await state.delete('resp_b', 'key_2')).toBe(false);
    expect(await state.delete('resp_b', 'key_1')).toBe(true);
    expect(await state.get('resp_b', 'key_1')).toBeUndefined();
    await state.close();
  });
});
