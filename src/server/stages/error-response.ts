/** Any failure of the stages inside it becomes one error response in the route's format (OpenAI's by default). */
import { type LlamaGateError, toLlamaGateError } from '../../spec/errors.js';
import { sendError } from '../http-io.js';
import type { EncodedError } from '../wire/chat-codec.js';
import type { Stage } from './stage.js';

export function errorResponseStage(encode: (error: LlamaGateError, requestId: string) => EncodedError): Stage {
  return async (context, request, response, state, next) => {
    try {
      await next(context, request, response, state);
    } catch (error) {
      const failure = toLlamaGateError(error);
      state.errorCode = failure.code;
      if (failure.status >= 500 && failure.code === 'internal_error') {
        context.logger.error({ requestId: state.id, err: error }, 'unexpected error');
      }
      // A refused body still arriving (a 413 on a chunked upload) is not read to its end: the connection closes.
      if (failure.status === 413 && !request.complete && !response.headersSent) response.shouldKeepAlive = false;
      if (!response.headersSent) sendError(response, failure, state.id, encode);
      else if (!response.writableEnded) response.end();
    }
  };
}
