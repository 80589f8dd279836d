/**
 * Relays an upstream's event stream byte for byte beside its parsing: the body is cut at event boundaries
 * (a blank line) before the parser reads it, and what was read is handed out on request, so a relayed piece
 * always holds whole events and never a half event that a later gateway error event would corrupt. What
 * follows the body's last blank line is kept apart as its tail: it may be half an event, so a translator
 * relays it only once the stream is known to have ended well.
 */

const LF = 10;
const CR = 13;
const BLANK_LINE = new Uint8Array([LF, LF]);

export class SseRelay {
  #pending: Uint8Array[] = [];
  #tail: Uint8Array | undefined;

  /**
   * The body, cut after its last complete event in each read; each piece is kept until {@link take}n, except
   * the tail, kept until {@link takeTail}n.
   */
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
      this.#tail = held;
      yield held;
    }
  }

  /**
   * The tail closed with the line ends its last event lacked, so a client's parser reads the event the
   * gateway read; undefined when there is none.
   */
  takeTail(): Uint8Array | undefined {
    const tail = this.#tail;
    if (tail === undefined) return undefined;
    this.#tail = undefined;
    const last = tail[tail.length - 1];
    return concat([tail, last === LF || last === CR ? BLANK_LINE.subarray(1) : BLANK_LINE]);
  }

  /** The whole-event pieces read since the last call, or undefined when there are none. */
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
