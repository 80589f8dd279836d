/**
 * Anthropic's Messages API: `POST /v1/messages` is the generic chat route with the anthropic-messages codec;
 * `POST /v1/messages/count_tokens` asks the routed backend to count when it can (Anthropic), else estimates.
 */
import { chatPromptShape, countPromptTokens } from '../billing/token-estimate.js';
import { requestTiming, routedCallOptions } from '../exchange/route-call.js';
import { parseJsonBody, readBody, sendJson } from '../http-io.js';
import type { Route, RouteHandler } from '../route.js';
import { anthropicHeaders, anthropicMessagesCodec } from '../wire/anthropic-messages/anthropic-messages-codec.js';
import { decodeAnthropicRequest } from '../wire/anthropic-messages/decode-anthropic-request.js';
import type { WirePassthrough } from '../wire/chat-codec.js';
import { chatRoute } from './chat-route.js';

export const messagesRoute: Route = chatRoute('/v1/messages', anthropicMessagesCodec);

const handleCountTokens: RouteHandler = async (context, request, response, state) => {
  const bytes = await readBody(request, context.config.maxBodySize);
  const body = parseJsonBody(bytes);
  const decoded = decodeAnthropicRequest(body, 'count');
  state.model = decoded.model;
  const passthrough: WirePassthrough = {
    format: 'anthropic-messages',
    body: body as Readonly<Record<string, unknown>>,
    bytes,
  };
  const forwarded = anthropicHeaders(request.headers);
  if (forwarded !== undefined) passthrough.headers = forwarded;
  const plan = context.router.plan({ model: decoded.model, path: state.path, method: request.method });
  const timing = requestTiming(context, request, undefined);
  const outcome = await context.router.execute(
    plan,
    async (target, options) => {
      const provider = target.backend.provider;
      const counted = await provider.countTokens?.(target.modelId, decoded.request, { ...options, passthrough });
      // The gateway's own estimate for backends that cannot count: the same tokenizer that fills in usage.
      return counted ?? countPromptTokens(chatPromptShape(decoded.request));
    },
    routedCallOptions(state, timing, { attempts: 0, fallbacks: 0 }),
  );
  state.backend = outcome.target.backend.name;
  sendJson(response, 200, { input_tokens: outcome.value });
};

export const countTokensRoute: Route = {
  method: 'POST',
  path: '/v1/messages/count_tokens',
  auth: 'key',
  handler: handleCountTokens,
  encodeError: (error, requestId) => anthropicMessagesCodec.encodeError(error, requestId),
};
