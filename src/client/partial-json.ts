/**
 * A tolerant JSON parser for text that is still arriving: it returns the value as far as it goes, with open
 * strings, arrays and objects closed where the text stops. A key without a value yet is left out, a partial
 * number keeps its digits, a partial `tru`/`fals`/`nul` completes to its literal.
 */

export interface PartialJson {
  value: unknown;
  /** True when the text held one whole JSON value (trailing whitespace allowed). */
  complete: boolean;
}

/** Marks "the text ended before this value began": the caller drops the key or element. */
const NOTHING = Symbol('nothing');
type Parsed = { value: unknown; complete: boolean } | typeof NOTHING;

class PartialJsonParser {
  private position = 0;

  constructor(private readonly text: string) {}

  parse(): PartialJson | undefined {
    const parsed = this.value();
    if (parsed === NOTHING) return undefined;
    this.skipWhitespace();
    return { value: parsed.value, complete: parsed.complete && this.position === this.text.length };
  }

  private get atEnd(): boolean {
    return this.position >= this.text.length;
  }

  private skipWhitespace(): void {
    while (!this.atEnd && /\s/.test(this.text.charAt(this.position))) this.position++;
  }

  private value(): Parsed {
    this.skipWhitespace();
    if (this.atEnd) return NOTHING;
    const char = this.text.charAt(this.position);
    if (char === '{') return this.object();
    if (char === '[') return this.array();
    if (char === '"') return this.string();
    if (char === '-' || (char >= '0' && char <= '9')) return this.number();
    return this.literal();
  }

  private object(): Parsed {
    this.position++;
    const result: Record<string, unknown> = {};
    for (;;) {
      this.skipWhitespace();
      if (this.atEnd) return { value: result, complete: false };
      const char = this.text.charAt(this.position);
      if (char === '}') {
        this.position++;
        return { value: result, complete: true };
      }
      if (char === ',') {
        this.position++;
        continue;
      }
      if (char !== '"') throw new SyntaxError(`Unexpected ${char} in object at ${this.position}`);
      const key = this.string();
      if (key === NOTHING || !key.complete) return { value: result, complete: false };
      this.skipWhitespace();
      if (this.atEnd) return { value: result, complete: false };
      if (this.text.charAt(this.position) !== ':') throw new SyntaxError(`Expected : at ${this.position}`);
      this.position++;
      const item = this.value();
      if (item === NOTHING) return { value: result, complete: false };
      result[key.value as string] = item.value;
      if (!item.complete) return { value: result, complete: false };
    }
  }

  private array(): Parsed {
    this.position++;
    const result: unknown[] = [];
    for (;;) {
      this.skipWhitespace();
      if (this.atEnd) return { value: result, complete: false };
      const char = this.text.charAt(this.position);
      if (char === ']') {
        this.position++;
        return { value: result, complete: true };
      }
      if (char === ',') {
        this.position++;
        continue;
      }
      const item = this.value();
      if (item === NOTHING) return { value: result, complete: false };
      result.push(item.value);
      if (!item.complete) return { value: result, complete: false };
    }
  }

  private string(): Parsed {
    this.position++;
    let result = '';
    while (!this.atEnd) {
      const char = this.text.charAt(this.position);
      if (char === '"') {
        this.position++;
        return { value: result, complete: true };
      }
      if (char !== '\\') {
        result += char;
        this.position++;
        continue;
      }
      const escaped = this.text.charAt(this.position + 1);
      if (escaped === '') break;
      if (escaped === 'u') {
        const hex = this.text.slice(this.position + 2, this.position + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
          if (this.position + 6 > this.text.length) break;
          throw new SyntaxError(`Bad unicode escape at ${this.position}`);
        }
        result += String.fromCharCode(Number.parseInt(hex, 16));
        this.position += 6;
        continue;
      }
      const map: Record<string, string> = {
        n: '\n',
        t: '\t',
        r: '\r',
        b: '\b',
        f: '\f',
        '"': '"',
        '\\': '\\',
        '/': '/',
      };
      result += map[escaped] ?? escaped;
      this.position += 2;
    }
    // An unfinished escape at the end is dropped; the rest of the string so far is kept.
    this.position = this.text.length;
    return { value: result, complete: false };
  }

  private number(): Parsed {
    const match = /^-?\d*(?:\.\d*)?(?:[eE][-+]?\d*)?/.exec(this.text.slice(this.position));
    const raw = match?.[0] ?? '';
    this.position += raw.length;
    const complete = !this.atEnd;
    // Trailing `-`, `.`, `e`, `e-` of a number still arriving are not digits yet.
    const usable = raw.replace(/[eE][-+]?$/, '').replace(/\.$/, '');
    if (usable === '' || usable === '-') return NOTHING;
    return { value: Number(usable), complete };
  }

  private literal(): Parsed {
    for (const [word, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      const rest = this.text.slice(this.position, this.position + word.length);
      if (rest === word) {
        this.position += word.length;
        return { value, complete: true };
      }
      if (rest.length < word.length && word.startsWith(rest) && this.position + rest.length === this.text.length) {
        this.position = this.text.length;
        return { value, complete: false };
      }
    }
    throw new SyntaxError(`Unexpected ${this.text.charAt(this.position)} at ${this.position}`);
  }
}

/**
 * Parses JSON that may be cut off anywhere; undefined when nothing usable has arrived yet or the text is
 * not JSON. Leading prose or a Markdown fence before the first `{` or `[` is skipped.
 *
 * @example
 * parsePartialJson('{"city": "Par'); // { value: { city: 'Par' }, complete: false }
 */
export function parsePartialJson(text: string): PartialJson | undefined {
  const start = text.search(/[[{]/);
  if (start === -1) return undefined;
  let body = text.slice(start);
  // A closing fence after a complete value is not part of it.
  body = body.replace(/\s*```\s*$/, '');
  try {
    return new PartialJsonParser(body).parse();
  } catch {
    return undefined;
  }
}
