/**
 * Where the key, credits and usage commands act: on the configured storage directly (DATABASE_URL, else the
 * SQLite file under LLAMAGATE_DATA_DIR; key changes announced through REDIS_URL when set), or, with `--url`
 * (or LLAMAGATE_URL), on a running gateway's admin API with the master key. Both print the same JSON shapes.
 */
import { type LoadConfigOptions, loadConfig } from '../config/load-config.js';
import { type CreatedKeyView, KeyAdmin, type ListQuery, type UsageQuery } from '../server/billing/key-admin.js';
import type { CreditEntryView, KeyView, UsageRecordView, UsageSummaryView } from '../server/billing/key-views.js';
import { openConfiguredStorage } from '../server/billing/open-billing.js';
import type { Storage } from '../storage/index.js';
import type { UsageGroupBy } from '../storage/usage-ledger.js';

export interface AdminTarget {
  readonly description: string;
  createKey(body: Record<string, unknown>): Promise<CreatedKeyView>;
  listKeys(query: ListQuery): Promise<KeyView[]>;
  getKey(id: string): Promise<KeyView>;
  updateKey(id: string, body: Record<string, unknown>): Promise<KeyView>;
  rotateKey(id: string): Promise<CreatedKeyView>;
  revokeKey(id: string): Promise<KeyView>;
  addCredits(id: string, body: { amount: string; reason: string }): Promise<CreditEntryView>;
  setCredits(id: string, body: { amount: string; reason: string }): Promise<CreditEntryView>;
  creditHistory(id: string, limit?: number): Promise<CreditEntryView[]>;
  usageSummary(query: UsageQuery, groupBy: UsageGroupBy[]): Promise<UsageSummaryView[]>;
  usageRecords(query: UsageQuery & { limit?: number }): Promise<UsageRecordView[]>;
  close(): Promise<void>;
}

export interface TargetOptions {
  configFile?: string | undefined;
  url?: string | undefined;
  key?: string | undefined;
  env?: Readonly<Record<string, string | undefined>> | undefined;
  cwd?: string | undefined;
}

export class CliError extends Error {
  override readonly name = 'CliError';
}

export async function openAdminTarget(options: TargetOptions): Promise<AdminTarget> {
  const loadOptions: LoadConfigOptions = {
    ...(options.configFile === undefined ? {} : { configFile: options.configFile }),
    ...(options.env === undefined ? {} : { env: options.env }),
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  };
  const loaded = loadConfig(loadOptions);
  const url = options.url ?? loaded.env.LLAMAGATE_URL;
  if (url !== undefined && url !== '') {
    const key = options.key ?? (loaded.config.masterKey || loaded.config.apiKey);
    return new HttpAdminTarget(url.replace(/\/+$/, ''), key || undefined);
  }
  const storage = await openConfiguredStorage(loaded.config);
  return new StorageAdminTarget(storage);
}

/**
 * Opens the admin target, runs a command on it and closes it; a failure is printed as one line and exit code 1.
 * Resolves with the command's exit code.
 */
export async function runOnAdminTarget(
  options: TargetOptions,
  output: { error(message: string): void },
  run: (target: AdminTarget) => Promise<number>,
): Promise<number> {
  let target: AdminTarget | undefined;
  try {
    target = await openAdminTarget(options);
    return await run(target);
  } catch (error) {
    output.error((error as Error).message);
    return 1;
  } finally {
    await target?.close();
  }
}

class StorageAdminTarget implements AdminTarget {
  readonly description: string;
  readonly #admin: KeyAdmin;

  constructor(private readonly storage: Storage) {
    this.#admin = new KeyAdmin(storage);
    this.description = `${storage.backends.database} storage`;
  }

  createKey(body: Record<string, unknown>) {
    return this.#admin.create(body);
  }
  listKeys(query: ListQuery) {
    return this.#admin.list(query);
  }
  getKey(id: string) {
    return this.#admin.get(id);
  }
  updateKey(id: string, body: Record<string, unknown>) {
    return this.#admin.update(id, body);
  }
  rotateKey(id: string) {
    return this.#admin.rotate(id);
  }
  revokeKey(id: string) {
    return this.#admin.revoke(id);
  }
  addCredits(id: string, body: { amount: string; reason: string }) {
    return this.#admin.addCredits(id, body);
  }
  setCredits(id: string, body: { amount: string; reason: string }) {
    return this.#admin.setCredits(id, body);
  }
  creditHistory(id: string, limit?: number) {
    return this.#admin.creditHistory(id, limit === undefined ? {} : { limit });
  }
  usageSummary(query: UsageQuery, groupBy: UsageGroupBy[]) {
    return this.#admin.usageSummary(query, groupBy);
  }
  usageRecords(query: UsageQuery & { limit?: number }) {
    return this.#admin.usageRecords(query);
  }
  close() {
    return this.storage.close();
  }
}

class HttpAdminTarget implements AdminTarget {
  readonly description: string;

  constructor(
    private readonly url: string,
    private readonly key: string | undefined,
  ) {
    this.description = url;
  }

  async #call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.key !== undefined) headers.authorization = `Bearer ${this.key}`;
    let response: Response;
    try {
      response = await fetch(`${this.url}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      throw new CliError(`cannot reach the gateway at ${this.url}: ${(error as Error).message}`);
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new CliError(`the gateway answered ${response.status} with a non-JSON body`);
    }
    if (!response.ok) {
      const message = (parsed as { error?: { message?: string } }).error?.message ?? text;
      throw new CliError(`the gateway refused (${response.status}): ${message}`);
    }
    return parsed as T;
  }

  createKey(body: Record<string, unknown>) {
    return this.#call<CreatedKeyView>('POST', '/admin/keys', body);
  }
  async listKeys(query: ListQuery) {
    const params = new URLSearchParams();
    if (query.includeRevoked) params.set('include_revoked', 'true');
    if (query.limit !== undefined) params.set('limit', String(query.limit));
    return (await this.#call<{ data: KeyView[] }>('GET', `/admin/keys?${params}`)).data;
  }
  getKey(id: string) {
    return this.#call<KeyView>('GET', `/admin/keys/${encodeURIComponent(id)}`);
  }
  updateKey(id: string, body: Record<string, unknown>) {
    return this.#call<KeyView>('PATCH', `/admin/keys/${encodeURIComponent(id)}`, body);
  }
  rotateKey(id: string) {
    return this.#call<CreatedKeyView>('POST', `/admin/keys/${encodeURIComponent(id)}/rotate`);
  }
  revokeKey(id: string) {
    return this.#call<KeyView>('POST', `/admin/keys/${encodeURIComponent(id)}/revoke`);
  }
  addCredits(id: string, body: { amount: string; reason: string }) {
    return this.#call<CreditEntryView>('POST', `/admin/keys/${encodeURIComponent(id)}/credits`, body);
  }
  setCredits(id: string, body: { amount: string; reason: string }) {
    return this.#call<CreditEntryView>('PUT', `/admin/keys/${encodeURIComponent(id)}/credits`, body);
  }
  async creditHistory(id: string, limit?: number) {
    const query = limit === undefined ? '' : `?limit=${limit}`;
    return (
      await this.#call<{ data: CreditEntryView[] }>('GET', `/admin/keys/${encodeURIComponent(id)}/credits${query}`)
    ).data;
  }
  async usageSummary(query: UsageQuery, groupBy: UsageGroupBy[]) {
    const params = usageParams(query);
    if (groupBy.length > 0) params.set('group_by', groupBy.join(','));
    return (await this.#call<{ data: UsageSummaryView[] }>('GET', `/admin/usage?${params}`)).data;
  }
  async usageRecords(query: UsageQuery & { limit?: number }) {
    const params = usageParams(query);
    if (query.limit !== undefined) params.set('limit', String(query.limit));
    return (await this.#call<{ data: UsageRecordView[] }>('GET', `/admin/usage/records?${params}`)).data;
  }
  async close() {}
}

function usageParams(query: UsageQuery): URLSearchParams {
  const params = new URLSearchParams();
  if (query.keyId !== undefined) params.set('key_id', query.keyId);
  if (query.model !== undefined) params.set('model', query.model);
  if (query.from !== undefined) params.set('from', String(query.from));
  if (query.to !== undefined) params.set('to', String(query.to));
  return params;
}
