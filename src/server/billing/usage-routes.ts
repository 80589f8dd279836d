/**
 * What a caller may see of its own billing:
 *   GET /v1/usage    totals (`requests`, tokens, `cost`), `by_model` and `by_day` (`?from=&to=`); a virtual key
 *                    sees its own, the master key the whole gateway's.
 *   GET /v1/credits  a virtual key's `balance`, holds, what is `available`, and its budget left.
 */
import type { IncomingMessage } from 'node:http';
import { PermissionDeniedError } from '../../spec/errors.js';
import type { CreditAccounts } from '../../storage/credit-accounts.js';
import type { KeyStore } from '../../storage/key-store.js';
import type { RequestState } from '../gateway-context.js';
import { sendJson } from '../http-io.js';
import type { Route, RouteHandler } from '../route.js';
import { usageQuery } from './admin-key-routes.js';
import type { KeyAdmin } from './key-admin.js';
import { dollars, keyView } from './key-views.js';

/** The virtual key calling (or null for the master key, which sees the whole gateway). */
function callerKey(state: RequestState, what: string): string | null {
  if (state.role === 'master') return null;
  if (state.role !== 'key' || state.keyId === undefined) {
    throw new PermissionDeniedError({ message: `${what} needs a virtual API key (sk-lg-…)`, isRetryable: false });
  }
  return state.keyId;
}

function range(request: IncomingMessage) {
  const { from, to } = usageQuery(new URL(request.url ?? '/', 'http://localhost').searchParams);
  return { ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) };
}

export function usageRoutes(services: { admin: KeyAdmin; keys: KeyStore; credits: CreditAccounts }): Route[] {
  const usage: RouteHandler = async (_context, request, response, state) => {
    sendJson(response, 200, await services.admin.keyUsage(callerKey(state, '/v1/usage'), range(request)));
  };
  const credits: RouteHandler = async (_context, _request, response, state) => {
    const keyId = callerKey(state, '/v1/credits');
    // Read through: the balance shown must include every process's charges, not this process's cached copy.
    const stored = keyId === null ? undefined : await services.keys.getById(keyId);
    // …and this process's holds and charges not written yet.
    const key = stored === undefined ? undefined : await services.credits.current(stored);
    if (key === undefined) {
      throw new PermissionDeniedError({ message: '/v1/credits needs a virtual API key (sk-lg-…)', isRetryable: false });
    }
    const view = keyView(key);
    sendJson(response, 200, {
      object: 'credits',
      key_id: key.id,
      balance: view.balance,
      reserved: view.reserved,
      available: key.unlimitedCredits ? null : dollars(Math.max(0, key.balance - key.reserved)),
      unlimited: key.unlimitedCredits,
      total_spent: view.total_spent,
      budget: view.budget,
    });
  };
  return [
    { method: 'GET', path: '/v1/usage', auth: 'key', handler: usage },
    { method: 'GET', path: '/v1/credits', auth: 'key', handler: credits },
  ];
}
