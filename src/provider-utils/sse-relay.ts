/**
 * Relays an upstream's event stream byte for byte beside its parsing: the body is cut at event boundaries
 * (a blank line) before the parser reads it, and what was read is handed out on request, so a relayed piece
 * always holds whole events and never a half event that a later gateway error event would corrupt.
 */

const LF = 10;
const CR = 13;

export class SseRelay {
  #pending: Uint8Array[] = [];

  /** The body, cut after its last complete event in each read; each piece is kept until {@link take}n. */
  async *read(body: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    let held: Uint8Array | undefined;
    // Line state carried across reads: at the start of a line, and whether the last byte was a CR.
    let lineStart = true;
    let afterCr = false;
    for await (const chunk of body) {
      const buffer = held === undefined ? chunk : concat([held, chunk]);
      const scanFrom = held === undefined ? 0 : held.length;
      let boundary = -1;
      for (let index = scanFrom; index < buffer.length; index++) {
        const byte = buffer[index] as number;
        if (byte === LF && afterCr) {
          // The LF of a CRLF whose CR already ended the line.
          afterCr = false;
          if (boundary === index) boundary = index + 1;
          continue;
        }
        afterCr = byte === CR;
        if (byte === LF || byte === CR) {
          if (lineStart) boundary = index + 1;
          lineStart = true;
        } else lineStart = false;
      }
      if (boundary === -1) {
        held = buffer;
        continue;
      }
      held = boundary === buffer.length ? undefined : buffer.subarray(boundary);
      const piece = buffer.subarray(0, boundary);
      this.#pending.push(piece);
      yield piece;
    }
    if (held !== undefined) {
      this.#pending.push(held);
      yield held;
    }
  }

  /** The bytes read since the last call, or undefined when there are none. */
  take(): Uint8Array | undefined {
    const pending = this.#pending;
    if (pending.length === 0) return undefined;
    this.#pending = [];
    return pending.length === 1 ? pending[0] : concat(pending);
  }
}

function concat(pieces: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const piece of pieces) length += piece.length;
  const joined = new Uint8Array(length);
  let offset = 0;
  for (const piece of pieces) {
    joined.set(piece, offset);
    offset += piece.length;
  }
  return joined;
}
