/** `POST /v1/completions`: OpenAI's legacy completions, as one chat turn through the one chat exchange. */
import { openaiCompletionsCodec } from '../wire/openai-completions/completions-codec.js';
import { chatRoute } from './chat-route.js';

export const completionsRoute = chatRoute('/v1/completions', openaiCompletionsCodec);
