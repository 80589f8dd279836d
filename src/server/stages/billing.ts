/**
 * Billing around a request: the auth stage opens the caller's session (which subscribes to the exchange's
 * events: admission, usage, the answer, stream parts); this stage settles it once the response is written.
 */
import type { ServerResponse } from 'node:http';
import type { ToolCallRecord } from '../../mcp/mcp-manager.js';
import type { RequestState } from '../gateway-context.js';
import type { Route } from '../route.js';
import type { CallerAuthenticator } from './auth.js';
import type { Stage } from './stage.js';

/** What the server needs of the billing service (`GatewayBilling`). */
export interface GatewayBillingPlugin extends CallerAuthenticator {
  /** Its own routes (key admin, usage, credits). */
  readonly routes: readonly Route[];
  /** Settles and records a request's billing; never throws. */
  finish(state: RequestState, response: ServerResponse): Promise<void>;
  /** Stores one MCP tool call in the usage ledgers. */
  recordToolCall?(record: ToolCallRecord): void;
  close(): Promise<void>;
}

export function billingSettleStage(billing: GatewayBillingPlugin): Stage {
  return async (context, request, response, state, next) => {
    try {
      await next(context, request, response, state);
    } finally {
      await billing.finish(state, response);
    }
  };
}
