/** Edit distance (insertions, deletions, substitutions), case-insensitive. */
export function levenshtein(a: string, b: string): number {
  const left = a.toLowerCase();
  const right = b.toLowerCase();
  let previous = Array.from({ length: right.length + 1 }, (_, index) => index);
  for (let i = 1; i <= left.length; i++) {
    const current = [i];
    for (let j = 1; j <= right.length; j++) {
      const cost = left[i - 1] === right[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[right.length] ?? 0;
}

/** The candidate closest to `name`, when it is close enough to be a plausible typo (or differs only in `_`/case). */
export function closestName(name: string, candidates: Iterable<string>): string | undefined {
  const squash = (value: string) => value.replace(/[_-]/g, '').toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = squash(candidate) === squash(name) ? 0 : levenshtein(name, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= Math.max(2, Math.ceil(name.length / 2)) ? best : undefined;
}

/** `unknown key "x" (did you mean "y"?)` */
export function unknownKeyMessage(key: string, candidates: Iterable<string>): string {
  const suggestion = closestName(key, candidates);
  return `unknown key "${key}"${suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`}`;
}
