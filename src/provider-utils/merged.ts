/**
 * `{ ...base, ...extra }` for objects built on every request. On Node 20 (V8 11.3) an object spread followed by
 * a property the spread object lacked gives each result a map of its own, which makes the object and every
 * access to it slow; `Object.assign` onto a fresh object shares one map (docs/decisions/0019).
 */
export function merged<Base extends object, Extra extends object>(
  base: Base,
  extra: Extra,
): Omit<Base, keyof Extra> & Extra {
  return Object.assign({}, base, extra);
}
