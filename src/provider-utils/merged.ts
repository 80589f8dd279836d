/**
 * `{ ...base, ...extra }` for objects built on every request. On Node 20 (V8 11.3) an object literal that starts
 * with a spread and then gains a property the spread object lacked gives each result a map of its own, which
 * makes the object and every access to it slow; `Object.assign` onto a fresh object shares one map
 * (docs/decisions/0019). An undefined part adds nothing, as in a spread.
 */
export function merged<Base extends object, Extra extends object>(
  base: Base,
  extra: Extra | undefined,
): Omit<Base, keyof Extra> & Extra;
export function merged<Base extends object, Middle extends object, Extra extends object>(
  base: Base,
  middle: Middle | undefined,
  extra: Extra | undefined,
): Omit<Omit<Base, keyof Middle> & Middle, keyof Extra> & Extra;
export function merged(...parts: (object | undefined)[]): object {
  // Object.assign would set the prototype from an own `__proto__` key (JSON.parse makes one); a spread defines it.
  for (const part of parts)
    if (part !== undefined && Object.hasOwn(part, '__proto__')) return { ...parts[0], ...parts[1], ...parts[2] };
  return Object.assign({}, ...parts);
}
