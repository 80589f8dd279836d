import type { GeminiPartialArg } from './gemini-api.js';

type Segment = string | number;

interface OpenContainer {
  kind: 'object' | 'array';
  count: number;
}

/** Parses the JSONPath subset Gemini uses (`$.a.b[0]`, `$['a b']`) into keys and indexes. */
export function parseGeminiJsonPath(path: string): Segment[] | undefined {
  if (!path.startsWith('$')) return undefined;
  const segments: Segment[] = [];
  let i = 1;
  while (i < path.length) {
    const char = path[i];
    if (char === '.') {
      let end = i + 1;
      while (end < path.length && path[end] !== '.' && path[end] !== '[') end++;
      if (end === i + 1) return undefined;
      segments.push(path.slice(i + 1, end));
      i = end;
    } else if (char === '[') {
      const quote = path[i + 1];
      if (quote === "'" || quote === '"') {
        const close = path.indexOf(`${quote}]`, i + 2);
        if (close === -1) return undefined;
        segments.push(path.slice(i + 2, close));
        i = close + 2;
      } else {
        const close = path.indexOf(']', i);
        const index = Number(path.slice(i + 1, close));
        if (close === -1 || !Number.isSafeInteger(index) || index < 0) return undefined;
        segments.push(index);
        i = close + 1;
      }
    } else {
      return undefined;
    }
  }
  return segments;
}

/**
 * Turns Gemini's streamed function-call arguments (`partialArgs`: a JSONPath plus a value or a string
 * fragment) back into JSON text, incrementally, so tool-call deltas carry arguments as they arrive and
 * their concatenation is the complete JSON object. Gemini emits paths in document order; a path that goes
 * back into an already closed container cannot be merged and repeats the key (last value wins on parse).
 */
export class PartialArgsJsonWriter {
  private readonly stack: OpenContainer[] = [];
  /** `path[d]` is the key or index in `stack[d]` under which `stack[d + 1]` is open. */
  private readonly path: Segment[] = [];
  private openStringPath: string | undefined;
  private started = false;

  /** Applies fragments and returns the JSON text they add. */
  push(args: readonly GeminiPartialArg[]): string {
    let out = '';
    for (const arg of args) out += this.apply(arg);
    return out;
  }

  /** Closes everything still open; the text completes the object (`{}` when no argument came). */
  finish(): string {
    let out = this.closeString();
    if (!this.started) {
      this.started = true;
      return `${out}{}`;
    }
    while (this.stack.length > 0) out += this.closeTop();
    return out;
  }

  private apply(arg: GeminiPartialArg): string {
    if (typeof arg.jsonPath !== 'string') return '';
    const hasString = typeof arg.stringValue === 'string';
    if (hasString && this.openStringPath === arg.jsonPath) {
      let out = escapeJsonString(arg.stringValue as string);
      if (arg.willContinue !== true) out += this.closeString();
      return out;
    }
    let value: string | undefined;
    if (typeof arg.numberValue === 'number') value = JSON.stringify(arg.numberValue);
    else if (typeof arg.boolValue === 'boolean') value = String(arg.boolValue);
    else if ('nullValue' in arg) value = 'null';
    if (!hasString && value === undefined) return '';
    const segments = parseGeminiJsonPath(arg.jsonPath);
    if (segments === undefined || segments.length === 0) return '';

    let out = this.closeString();
    if (!this.started) {
      this.started = true;
      this.stack.push({ kind: 'object', count: 0 });
      out += '{';
    }
    const containers = segments.slice(0, -1);
    let common = 0;
    while (common < this.path.length && common < containers.length && this.path[common] === containers[common])
      common++;
    while (this.stack.length - 1 > common) out += this.closeTop();
    for (let depth = common; depth < containers.length; depth++) {
      out += this.member(containers[depth] as Segment);
      const kind = typeof segments[depth + 1] === 'number' ? 'array' : 'object';
      this.stack.push({ kind, count: 0 });
      this.path.push(containers[depth] as Segment);
      out += kind === 'array' ? '[' : '{';
    }
    out += this.member(segments.at(-1) as Segment);
    if (hasString) {
      out += `"${escapeJsonString(arg.stringValue as string)}`;
      if (arg.willContinue === true) this.openStringPath = arg.jsonPath;
      else out += '"';
    } else {
      out += value;
    }
    return out;
  }

  /** Separator, then the key (objects) or `null` fillers up to the index (arrays). */
  private member(segment: Segment): string {
    const top = this.stack.at(-1) as OpenContainer;
    let out = '';
    if (top.kind === 'array' && typeof segment === 'number') {
      while (top.count < segment) {
        out += top.count > 0 ? ',null' : 'null';
        top.count++;
      }
      out += top.count > 0 ? ',' : '';
    } else {
      out += `${top.count > 0 ? ',' : ''}${JSON.stringify(String(segment))}:`;
    }
    top.count++;
    return out;
  }

  private closeTop(): string {
    const top = this.stack.pop();
    this.path.length = Math.max(0, this.stack.length - 1);
    return top?.kind === 'array' ? ']' : '}';
  }

  private closeString(): string {
    if (this.openStringPath === undefined) return '';
    this.openStringPath = undefined;
    return '"';
  }
}

function escapeJsonString(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}
