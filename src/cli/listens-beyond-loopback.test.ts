import { describe, expect, it } from 'vitest';
import { listensBeyondLoopback } from './serve-command.js';

describe('listensBeyondLoopback (the keyless start-up warning)', () => {
  it('is false on loopback and true on wildcards and routable addresses', () => {
    expect(['127.0.0.1', '127.0.1.1', '::1', '::ffff:127.0.0.1'].map(listensBeyondLoopback)).toEqual([
      false,
      false,
      false,
      false,
    ]);
    expect(['0.0.0.0', '::', '192.168.1.4'].map(listensBeyondLoopback)).toEqual([true, true, true]);
  });
});
