/**
 * A model call as a consumer makes it, and the wrapper shape that lets a feature (the MCP tool loop, a
 * guardrail) sit around it: the AI SDK's `wrapGenerate`/`wrapStream` and undici's interceptors, in one type.
 * The server's chat exchange builds the innermost call (routing, retries, fallback) and applies the configured
 * wrappers around it, outermost first, so every inbound API gets them.
 */
import type { CallOptions, ChatRequest, ChatResult, ChatStreamResult } from './chat.js';

export interface ChatCall {
  generate(request: ChatRequest, options: CallOptions): Promise<ChatResult>;
  /** Resolves once the upstream accepted the request; later failures arrive as an `error` part. */
  stream(request: ChatRequest, options: CallOptions): Promise<ChatStreamResult>;
}

/** Facts about the request a wrapper may use (who calls, for what); never the wire body. */
export interface ChatCallContext {
  /** The gateway's own request id. */
  requestId: string;
  /** The virtual key's id, when a virtual key called. */
  keyId?: string;
  /** The model name the client asked for. */
  model: string;
  stream: boolean;
  /** The virtual key's MCP restriction globs (`<server>.<tool>`); absent when the key has none. */
  mcpToolGlobs?: readonly string[];
  /** The request's choice of tool-progress parts in streams (absent: the gateway's setting). */
  toolProgress?: boolean;
  /** Charges priced tool calls to the caller; absent for unbilled callers. */
  toolCharges?: ToolCallCharges;
}

/** How a priced tool call is charged to the caller, like tokens: a hold before it runs, settled after. */
export interface ToolCallCharges {
  /**
   * Holds `amount` micro-dollars before the call named `label` runs; rejects with a typed error (402, 403) when
   * the caller cannot pay, and the call does not run.
   */
  hold(label: string, amount: number): Promise<ToolCallHold>;
}

export interface ToolCallHold {
  /** Charges `amount` micro-dollars (0 releases the hold: a failed call costs nothing). Never rejects. */
  settle(amount: number): Promise<void>;
}

export type ChatCallWrapper = (next: ChatCall, context: ChatCallContext) => ChatCall;
