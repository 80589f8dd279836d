/**
 * The parts of OpenAI's Responses API wire format the gateway reads and writes (field names as on the wire).
 */
import type { DecodedChatCall } from '../chat-codec.js';

export interface InputTextPart {
  type: 'input_text';
  text: string;
}
export interface InputImagePart {
  type: 'input_image';
  image_url: string;
  detail: 'auto' | 'low' | 'high';
}
export interface OutputTextPart {
  type: 'output_text';
  text: string;
  annotations: unknown[];
  logprobs?: unknown[];
}
export interface RefusalPart {
  type: 'refusal';
  refusal: string;
}

export type MessageContentPart = InputTextPart | InputImagePart | OutputTextPart | RefusalPart;

export interface MessageItem {
  id?: string;
  type: 'message';
  role: 'user' | 'system' | 'developer' | 'assistant';
  content: MessageContentPart[];
  status?: 'in_progress' | 'completed' | 'incomplete';
}

export interface FunctionCallItem {
  id?: string;
  type: 'function_call';
  call_id: string;
  name: string;
  arguments: string;
  status?: 'in_progress' | 'completed' | 'incomplete';
}

export interface FunctionCallOutputItem {
  id?: string;
  type: 'function_call_output';
  call_id: string;
  output: string;
  status?: 'in_progress' | 'completed' | 'incomplete';
}

export interface SummaryText {
  type: 'summary_text';
  text: string;
}

export interface ReasoningItem {
  id?: string;
  type: 'reasoning';
  summary: SummaryText[];
  /** Full reasoning text (`reasoning_text` parts), when the client replays it. */
  content?: { type: 'reasoning_text'; text: string }[];
  encrypted_content?: string | null;
}

/** An item of an earlier stored response, named by id; resolved from storage before the call. */
export interface ItemReference {
  type: 'item_reference';
  id: string;
}

export type ConversationItem = MessageItem | FunctionCallItem | FunctionCallOutputItem | ReasoningItem;
export type InputItem = ConversationItem | ItemReference;

/** A function tool as the Responses API spells it (flat, not nested under `function`). */
export interface ResponsesFunctionTool {
  type: 'function';
  name: string;
  description: string | null;
  parameters: Record<string, unknown> | null;
  strict: boolean | null;
}

export type ResponsesToolChoice = 'auto' | 'none' | 'required' | { type: 'function'; name: string };

export type TextFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | {
      type: 'json_schema';
      name: string;
      schema: Record<string, unknown>;
      description?: string;
      strict?: boolean | null;
    };

/** The request settings a response object echoes back. */
export interface ResponsesSettings {
  instructions: string | null;
  maxOutputTokens: number | null;
  metadata: Record<string, string>;
  parallelToolCalls: boolean;
  previousResponseId: string | null;
  reasoningEffort: string | null;
  store: boolean;
  temperature: number | null;
  textFormat: TextFormat;
  toolChoice: ResponsesToolChoice;
  tools: ResponsesFunctionTool[];
  topP: number | null;
  truncation: 'auto' | 'disabled';
  user: string | null;
}

/** A decoded `POST /v1/responses`: the neutral call plus what the response echoes and what storage keeps. */
export interface ResponsesCall extends DecodedChatCall {
  settings: ResponsesSettings;
  /** This turn's input items, as sent (item references still unresolved). */
  input: InputItem[];
  /** The id the response will have (items derive theirs from it). */
  responseId: string;
  /** Called once with the finished response object (the route stores it when `store` is on). */
  onResponse?: (response: ResponseObject) => void;
}

export type OutputItem = MessageItem | FunctionCallItem | ReasoningItem;

export interface ResponsesUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

export type ResponseStatus = 'completed' | 'incomplete' | 'failed' | 'in_progress';

/** The `response` object, field for field as OpenAI returns it. */
export interface ResponseObject {
  id: string;
  object: 'response';
  created_at: number;
  status: ResponseStatus;
  background: boolean;
  completed_at: number | null;
  error: { code: string; message: string } | null;
  incomplete_details: { reason: 'max_output_tokens' | 'content_filter' } | null;
  instructions: string | null;
  max_output_tokens: number | null;
  max_tool_calls: null;
  model: string;
  output: OutputItem[];
  parallel_tool_calls: boolean;
  previous_response_id: string | null;
  reasoning: { effort: string | null; summary: null };
  service_tier: 'default';
  store: boolean;
  temperature: number | null;
  text: { format: TextFormat };
  tool_choice: ResponsesToolChoice;
  tools: ResponsesFunctionTool[];
  top_logprobs: number;
  top_p: number | null;
  truncation: 'auto' | 'disabled';
  usage: ResponsesUsage | null;
  user: string | null;
  metadata: Record<string, string>;
}
