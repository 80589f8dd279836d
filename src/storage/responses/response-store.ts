/**
 * Stored Responses API responses (`store: true`): the response object, this turn's input items and the
 * conversation before them, so `previous_response_id` continues a conversation with one indexed read.
 * Each record belongs to the caller that created it (`owner`) and expires after the retention period.
 */

export interface StoredResponse {
  id: string;
  /** The virtual key's id, or '' for unbilled callers (master key, shared API_KEY, open gateway). */
  owner: string;
  /** Epoch ms. */
  createdAt: number;
  /** Epoch ms after which the record is gone. */
  expiresAt: number;
  /** The response object as sent to the client. */
  response: Record<string, unknown>;
  /** This turn's input items, each with its id. */
  inputItems: Record<string, unknown>[];
  /** The conversation items before this turn's input (earlier inputs and outputs, resolved). */
  history: Record<string, unknown>[];
}

export interface ResponseStore {
  /** Inserts or replaces records (one transaction). */
  putMany(records: readonly StoredResponse[]): Promise<void>;
  /** The record when it exists, belongs to `owner` and has not expired at `now`. */
  get(id: string, owner: string, now: number): Promise<StoredResponse | undefined>;
  /** True when a record of `owner` was deleted. */
  delete(id: string, owner: string): Promise<boolean>;
  /** Removes records expired at `now`; returns how many. */
  deleteExpired(now: number): Promise<number>;
  close(): Promise<void>;
}

/** Row ↔ record for the SQL stores (JSON kept as text, so field order survives the round trip). */
export interface ResponseRow {
  id: string;
  owner: string;
  created_at: number | string;
  expires_at: number | string;
  response: string;
  input_items: string;
  history: string;
}

export function toRow(record: StoredResponse): unknown[] {
  return [
    record.id,
    record.owner,
    record.createdAt,
    record.expiresAt,
    JSON.stringify(record.response),
    JSON.stringify(record.inputItems),
    JSON.stringify(record.history),
  ];
}

export function fromRow(row: ResponseRow): StoredResponse {
  return {
    id: row.id,
    owner: row.owner,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    response: JSON.parse(row.response) as Record<string, unknown>,
    inputItems: JSON.parse(row.input_items) as Record<string, unknown>[],
    history: JSON.parse(row.history) as Record<string, unknown>[],
  };
}
