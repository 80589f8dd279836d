/**
 * The dashboard's only way to the gateway: its public HTTP API, same origin, with the signed-in key as
 * `Authorization: Bearer`. Errors keep the gateway's status and OpenAI-shaped message.
 */

export type Role = 'master' | 'key';

export interface Session {
  key: string;
  role: Role;
  /** The virtual key's id (role `key`). */
  keyId: string | null;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | null,
  ) {
    super(message);
  }
}

const STORAGE_NAME = 'llamagate.dashboard.key';

/** The key lives in this tab's session storage only: never in a URL, gone when the tab closes. */
export function storedKey(): string | null {
  try {
    return sessionStorage.getItem(STORAGE_NAME);
  } catch {
    return null;
  }
}

export function storeKey(key: string | null): void {
  try {
    if (key === null) sessionStorage.removeItem(STORAGE_NAME);
    else sessionStorage.setItem(STORAGE_NAME, key);
  } catch {
    // Storage disabled: the key stays in memory for this page only.
  }
}

/** The gateway's origin root: the dashboard is mounted at `<base>` (such as `/ui/`), the APIs at `/`. */
export function apiUrl(path: string): string {
  return new URL(path, window.location.origin).toString();
}

async function errorOf(response: Response): Promise<ApiError> {
  let message = `${response.status} ${response.statusText}`;
  let code: string | null = null;
  try {
    const body = (await response.json()) as { error?: { message?: string; code?: string | null } };
    if (body.error?.message) message = body.error.message;
    code = body.error?.code ?? null;
  } catch {
    // Not JSON: keep the status line.
  }
  return new ApiError(response.status, message, code);
}

export async function fetchRaw(
  session: Pick<Session, 'key'>,
  method: string,
  path: string,
  body?: unknown,
  signal?: AbortSignal,
): Promise<Response> {
  const headers: Record<string, string> = { authorization: `Bearer ${session.key}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(apiUrl(path), {
    method,
    headers,
    credentials: 'omit',
    cache: 'no-store',
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    ...(signal === undefined ? {} : { signal }),
  });
  if (!response.ok) throw await errorOf(response);
  return response;
}

export async function api<T>(session: Pick<Session, 'key'>, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetchRaw(session, method, path, body);
  return (await response.json()) as T;
}

export function query(params: Record<string, string | number | boolean | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(name, String(value));
  }
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

/**
 * Which kind of key this is: a virtual key can read its own credits; the master key can read the routing state.
 * Anything else is refused with the gateway's message.
 */
export async function signIn(key: string): Promise<Session> {
  try {
    const credits = await api<{ key_id: string }>({ key }, 'GET', '/v1/credits');
    return { key, role: 'key', keyId: credits.key_id };
  } catch (error) {
    // 403: a key that is not virtual; 404: a gateway without billing. Either may be the master key.
    if (!(error instanceof ApiError) || ![401, 403, 404].includes(error.status)) throw error;
    try {
      await api({ key }, 'GET', '/admin/backends');
      return { key, role: 'master', keyId: null };
    } catch (adminError) {
      throw error.status === 401 ? error : adminError;
    }
  }
}
