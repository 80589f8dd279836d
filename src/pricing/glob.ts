/**
 * Model-name globs, shared by price lookup and per-key model allow-lists. Matching is case-insensitive.
 * - `*` matches a run of characters within one `/`-separated segment (`gemini-2.0-flash*` does not reach
 *   `gemini-2.0-flash/../x`);
 * - a `*` that is a whole final segment (`groq/*`, or the pattern `*`) and `**` anywhere match across `/`,
 *   so `groq/*` still covers `groq/meta-llama/llama-4`;
 * - `?` matches one character other than `/`;
 * - no glob matches a name with a `.`/`..` segment, an empty segment, `?`, `#`, `\` or a control character:
 *   such a name is a path trick, never a model.
 */

const UNSAFE_NAME = '(?!.*(?:^|/)\\.{1,2}(?:/|$))(?!.*//)(?!.*[?#\\\\\\u0000-\\u001f\\u007f])';

const cache = new Map<string, RegExp>();

export function isGlob(pattern: string): boolean {
  return pattern.includes('*') || pattern.includes('?');
}

export function globToRegExp(pattern: string): RegExp {
  let compiled = cache.get(pattern);
  if (compiled === undefined) {
    compiled = new RegExp(`^${UNSAFE_NAME}${globSource(pattern)}$`, 'is');
    if (cache.size > 10_000) cache.clear();
    cache.set(pattern, compiled);
  }
  return compiled;
}

function globSource(pattern: string): string {
  let source = '';
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern.charAt(index);
    if (char === '*') {
      const double = pattern.charAt(index + 1) === '*';
      if (double) index++;
      const wholeFinalSegment = (index === 0 || pattern.charAt(index - 1) === '/') && index === pattern.length - 1;
      source += double || wholeFinalSegment ? '.*' : '[^/]*';
    } else if (char === '?') source += '[^/]';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return source;
}

export function matchesGlob(pattern: string, value: string): boolean {
  return isGlob(pattern) ? globToRegExp(pattern).test(value) : pattern.toLowerCase() === value.toLowerCase();
}

/** How specific a glob is: its count of literal characters (more wins). */
export function globSpecificity(pattern: string): number {
  return pattern.replace(/[*?]/g, '').length;
}

/**
 * Whether a key's allow-list admits `model`. `null`/`undefined` admits everything; an empty list admits nothing.
 * Each entry is matched against the full model name and, for `provider/model` names, the bare model too.
 *
 * @example
 * isModelAllowed(['llamagate/*', 'gpt-4o-mini'], 'openai/gpt-4o-mini'); // true
 */
export function isModelAllowed(globs: readonly string[] | null | undefined, model: string): boolean {
  if (globs === null || globs === undefined) return true;
  const candidates = modelNameCandidates(model);
  return globs.some((glob) => candidates.some((candidate) => matchesGlob(glob, candidate)));
}

/** `a/b/c` → [`a/b/c`, `b/c`, `c`]: the full name first, then with provider prefixes stripped one by one. */
export function modelNameCandidates(model: string): string[] {
  const candidates = [model];
  let rest = model;
  for (let slash = rest.indexOf('/'); slash !== -1; slash = rest.indexOf('/')) {
    rest = rest.slice(slash + 1);
    if (rest !== '') candidates.push(rest);
  }
  return candidates;
}
