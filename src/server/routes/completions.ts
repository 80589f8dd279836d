/**
 * OpenAI's legacy `POST /v1/completions`, as one chat turn through the routed chat call.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { runCodecChat } from '../codec-chat.js';
import type { GatewayContext, RequestState } from '../gateway-context.js';
import { parseJsonBody, readBody } from '../http-io.js';
import { openaiCompletionsCodec } from '../wire/openai-completions/completions-codec.js';

export async function handleCompletions(
  context: GatewayContext,
  request: IncomingMessage,
  response: ServerResponse,
  state: RequestState,
): Promise<void> {
  const raw = await readBody(request, context.config.maxBodySize);
  const call = openaiCompletionsCodec.decode(parseJsonBody(raw), raw, request.headers);
  await runCodecChat(context, request, response, state, openaiCompletionsCodec, call);
}
