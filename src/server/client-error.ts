/**
 * Requests Node's HTTP parser refuses (a bad request line, smuggling shapes such as both Content-Length and
 * Transfer-Encoding, oversized headers, a body whose chunked framing is broken, a request not received in time)
 * are answered in the gateway's error shape, and the connection is closed.
 */
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { uuidV7 } from '../provider-utils/ids.js';
import { BadRequestError } from '../spec/errors.js';
import type { Logger } from './logger.js';
import { encodeOpenAIError } from './wire/openai-chat/openai-chat-codec.js';

function describe(code: string | undefined): { status: number; message: string } {
  if (code === 'HPE_HEADER_OVERFLOW') return { status: 431, message: 'Request headers are too large' };
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT')
    return { status: 408, message: 'The request was not received in time; the connection is closed' };
  return { status: 400, message: 'Malformed HTTP request' };
}

/** The response a connection is answering, as Node keeps it on the socket. */
interface PendingAnswer {
  headersSent?: boolean;
  req?: { complete?: boolean };
}

export function handleClientError(logger: Logger, error: Error & { code?: string }, socket: Duplex): void {
  // A connection that reset or was already answered has nobody to tell.
  const answering = (socket as { _httpMessage?: PendingAnswer | null })._httpMessage;
  // A request whose body timed out or broke its framing still has its handler waiting: it gets the 408 or 400,
  // unless its answer had begun. A request already read in full is being answered, so an error in the bytes
  // after it (a pipelined request) must not put another status line before that answer.
  const started =
    answering !== undefined &&
    answering !== null &&
    (answering.headersSent === true || answering.req?.complete !== false);
  if (error.code === 'ECONNRESET' || !socket.writable || started) {
    socket.destroy();
    return;
  }
  const requestId = uuidV7();
  const { status, message } = describe(error.code);
  const encoded = encodeOpenAIError(new BadRequestError({ message, status }), requestId);
  const body = JSON.stringify(encoded.body);
  logger.warn({ requestId, status, code: error.code }, 'request refused by the HTTP parser');
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\ncontent-type: application/json\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nx-request-id: ${requestId}\r\nconnection: close\r\n\r\n${body}`,
  );
  // The client has the answer once it reads to EOF; one that keeps the socket open is cut loose.
  setTimeout(() => socket.destroy(), 1000).unref();
}
