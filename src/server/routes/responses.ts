/**
 * OpenAI's Responses API: `POST /v1/responses` (one more codec over the routed chat call, with stored
 * conversation state), `GET`/`DELETE /v1/responses/{id}` and `GET /v1/responses/{id}/input_items`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { NotFoundError, ServiceUnavailableError } from '../../spec/errors.js';
import type { StoredResponse } from '../../storage/responses/response-store.js';
import type { GatewayContext, RequestState } from '../gateway-context.js';
import { sendJson } from '../http-io.js';
import type { ResponsesState } from '../responses-state.js';
import { buildChatRequest } from '../wire/openai-responses/decode-responses-request.js';
import { itemId, responseIdOfItem } from '../wire/openai-responses/encode-responses-result.js';
import { openaiResponsesCodec } from '../wire/openai-responses/responses-codec.js';
import { itemsToMessages } from '../wire/openai-responses/responses-messages.js';
import type { ConversationItem, InputItem, ResponsesCall } from '../wire/openai-responses/responses-types.js';
import { chatRoute } from './chat-route.js';

/** Stored responses belong to the virtual key that created them; unbilled callers share one space. */
function ownerOf(state: RequestState): string {
  return state.keyId ?? '';
}

function stateOf(context: GatewayContext): ResponsesState {
  if (context.responses === undefined)
    throw new ServiceUnavailableError({ message: 'Response storage is not configured on this gateway' });
  return context.responses;
}

function notFound(id: string, param: string | null = null): NotFoundError {
  return new NotFoundError({ message: `Response with id '${id}' not found.`, param });
}

/** Everything a stored response contributes to the next turn: its history, its input, its output. */
function conversationOf(stored: StoredResponse): Record<string, unknown>[] {
  const output = Array.isArray(stored.response.output) ? (stored.response.output as Record<string, unknown>[]) : [];
  return [...stored.history, ...stored.inputItems, ...output];
}

const ITEM_PREFIX: Record<ConversationItem['type'], 'msg' | 'fc' | 'fco' | 'rs'> = {
  message: 'msg',
  function_call: 'fc',
  function_call_output: 'fco',
  reasoning: 'rs',
};

/** Prepends the stored conversation, resolves item references and gives every input item an id. */
async function withState(
  call: ResponsesCall,
  responses: ResponsesState,
  owner: string,
): Promise<{ inputItems: ConversationItem[]; history: Record<string, unknown>[] }> {
  let history: Record<string, unknown>[] = [];
  const previousId = call.settings.previousResponseId;
  if (previousId !== null) {
    const previous = await responses.get(previousId, owner);
    if (previous === undefined)
      throw new NotFoundError({
        message: `Previous response with id '${previousId}' not found.`,
        param: 'previous_response_id',
      });
    history = conversationOf(previous);
  }
  const resolved: ConversationItem[] = [];
  for (const [index, item] of call.input.entries()) {
    resolved.push(await resolveItem(item, history, responses, owner, index));
  }
  const inputItems = resolved.map((item, index) =>
    item.id === undefined ? { ...item, id: itemId(call.responseId, ITEM_PREFIX[item.type], index, true) } : item,
  );
  const conversation = [...(history as unknown as ConversationItem[]), ...inputItems];
  call.request = buildChatRequest(call.settings, itemsToMessages(call.settings.instructions, conversation));
  call.cacheMaterial = call.request;
  return { inputItems, history };
}

async function resolveItem(
  item: InputItem,
  history: Record<string, unknown>[],
  responses: ResponsesState,
  owner: string,
  index: number,
): Promise<ConversationItem> {
  if (item.type !== 'item_reference') return item;
  const inHistory = history.find((entry) => entry.id === item.id);
  if (inHistory !== undefined) return inHistory as unknown as ConversationItem;
  const responseId = responseIdOfItem(item.id);
  const stored = responseId === undefined ? undefined : await responses.get(responseId, owner);
  const found = stored === undefined ? undefined : conversationOf(stored).find((entry) => entry.id === item.id);
  if (found === undefined)
    throw new NotFoundError({ message: `Item with id '${item.id}' not found.`, param: `input[${index}]` });
  return found as unknown as ConversationItem;
}

/** Stored state in, storage of the answer out: the Responses API's step before the exchange. */
async function prepareResponse(
  call: ResponsesCall,
  context: GatewayContext,
  _response: ServerResponse,
  state: RequestState,
): Promise<undefined> {
  const needsState =
    call.settings.store ||
    call.settings.previousResponseId !== null ||
    call.input.some((item) => item.type === 'item_reference');
  if (!needsState) return undefined;
  const responses = stateOf(context);
  const owner = ownerOf(state);
  const { inputItems, history } = await withState(call, responses, owner);
  if (call.settings.store) {
    call.onResponse = (body) => {
      if (body.status === 'failed') return;
      responses.save({
        id: call.responseId,
        owner,
        createdAt: Date.now(),
        response: body as unknown as Record<string, unknown>,
        inputItems: inputItems as unknown as Record<string, unknown>[],
        history,
      });
    };
  }
  return undefined;
}

export const createResponseRoute = chatRoute('/v1/responses', openaiResponsesCodec, prepareResponse);

/** `/v1/responses/{id}` or `/v1/responses/{id}/input_items` → the id and which of the two. */
function parsePath(path: string): { id: string; inputItems: boolean } {
  const rest = path.slice('/v1/responses/'.length).replace(/\/$/, '');
  const [id = '', tail] = rest.split('/');
  if (tail !== undefined && tail !== 'input_items') throw new NotFoundError({ message: `Unknown path ${path}` });
  return { id: decodeURIComponent(id), inputItems: tail === 'input_items' };
}

export async function handleGetResponse(
  context: GatewayContext,
  request: IncomingMessage,
  response: ServerResponse,
  state: RequestState,
): Promise<void> {
  const { id, inputItems } = parsePath(state.path);
  const stored = await stateOf(context).get(id, ownerOf(state));
  if (stored === undefined) throw notFound(id);
  if (!inputItems) {
    sendJson(response, 200, stored.response);
    return;
  }
  const query = new URL(request.url ?? '/', 'http://localhost').searchParams;
  const order = query.get('order') === 'asc' ? 'asc' : 'desc';
  const limit = Math.min(100, Math.max(1, Number(query.get('limit') ?? 20) || 20));
  let items = order === 'asc' ? [...stored.inputItems] : [...stored.inputItems].reverse();
  const after = query.get('after');
  if (after !== null) items = items.slice(items.findIndex((item) => item.id === after) + 1);
  const page = items.slice(0, limit);
  sendJson(response, 200, {
    object: 'list',
    data: page,
    first_id: page[0]?.id ?? null,
    last_id: page.at(-1)?.id ?? null,
    has_more: items.length > page.length,
  });
}

export async function handleDeleteResponse(
  context: GatewayContext,
  _request: IncomingMessage,
  response: ServerResponse,
  state: RequestState,
): Promise<void> {
  const { id, inputItems } = parsePath(state.path);
  if (inputItems) throw new NotFoundError({ message: `Unknown path ${state.path}` });
  if (!(await stateOf(context).delete(id, ownerOf(state)))) throw notFound(id);
  sendJson(response, 200, { id, object: 'response', deleted: true });
}
