/**
 * undici, loaded on the first upstream call rather than when the library is imported: it is one large module,
 * and importing `llamagate` should not pay for HTTP machinery before anything is sent (decision
 * lazy-provider-adapters.md).
 */
import { createRequire } from 'node:module';

type Undici = typeof import('undici');

const require = createRequire(import.meta.url);
let loaded: Undici | undefined;

export function undici(): Undici {
  loaded ??= require('undici') as Undici;
  return loaded;
}
