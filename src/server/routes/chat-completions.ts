/** `POST /v1/chat/completions`: OpenAI's chat completions API, through the one chat exchange. */
import { openaiChatCodec } from '../wire/openai-chat/openai-chat-codec.js';
import { chatRoute } from './chat-route.js';

export const chatCompletionsRoute = chatRoute('/v1/chat/completions', openaiChatCodec);
