/**
 * Model-name globs, shared by price lookup and per-key model allow-lists: `*` matches any run of characters
 * (slashes included, so `groq/*` covers every Groq model), `?` one character. Matching is case-insensitive.
 */

const cache = new Map<string, RegExp>();

export function isGlob(pattern: string): boolean {
  return pattern.includes('*') || pattern.includes('?');
}

export function globToRegExp(pattern: string): RegExp {
  let compiled = cache.get(pattern);
  if (compiled === undefined) {
    const source = pattern
      .split('')
      .map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('');
    compiled = new RegExp(`^${source}$`, 'is');
    if (cache.size > 10_000) cache.clear();
    cache.set(pattern, compiled);
  }
  return compiled;
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
