/**
 * Limits on client connections (issue 18, item 1): bounded time to receive a request, idle sockets closed, and a
 * cap on connections per client address, so silent or stalled clients cannot exhaust file descriptors.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from './logger.js';

export interface ConnectionLimits {
  requestTimeoutMs: number;
  headersTimeoutMs: number;
  keepAliveTimeoutMs: number;
  idleTimeoutMs: number;
  /** Open connections per client address (0: no cap). */
  maxPerIp: number;
}

/** How often Node checks requestTimeout and headersTimeout: often enough for short test timeouts, at most every 30 s. */
export function checkingIntervalMs(limits: ConnectionLimits): number {
  const shortest = Math.min(limits.requestTimeoutMs || 30_000, limits.headersTimeoutMs || 30_000);
  return Math.max(100, Math.min(30_000, Math.floor(shortest / 4)));
}

export function guardConnections(server: Server, limits: ConnectionLimits, logger: () => Logger): void {
  // requestTimeout covers receiving the request only (headers and body); a long streamed response is not cut.
  server.requestTimeout = limits.requestTimeoutMs;
  server.headersTimeout =
    limits.requestTimeoutMs > 0 ? Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) : limits.headersTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  if (limits.idleTimeoutMs > 0) {
    server.timeout = limits.idleTimeoutMs;
    server.on('timeout', (socket: Socket) => {
      // A request being answered may be silent for as long as the upstream takes; only sockets with none are idle.
      if ((socket as Socket & { _httpMessage?: unknown })._httpMessage) return;
      logger().info({ clientIp: socket.remoteAddress, idleMs: limits.idleTimeoutMs }, 'closing an idle connection');
      socket.destroy();
    });
  }
  if (limits.maxPerIp <= 0) return;
  const open = new Map<string, number>();
  let lastWarning = 0;
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? 'unknown';
    const count = (open.get(address) ?? 0) + 1;
    if (count > limits.maxPerIp) {
      const now = Date.now();
      // One line a second at most: a flood must not also flood the log.
      if (now - lastWarning > 1000) {
        lastWarning = now;
        logger().warn(
          { clientIp: address, limit: limits.maxPerIp },
          'connection refused: too many connections from this address',
        );
      }
      socket.destroy();
      return;
    }
    open.set(address, count);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left <= 0) open.delete(address);
      else open.set(address, left);
    });
  });
}
