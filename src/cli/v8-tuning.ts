import { setFlagsFromString } from 'node:v8';

/**
 * TurboFan inlining budgets for `llamagate serve`, two to nine times V8's defaults (460 bytes of
 * bytecode per inlined function, 920 per optimised function, 4600 absolute). A request passes through a
 * stack of small layers (route, router, fallback runner, provider adapter, HTTP client), each one or more
 * awaits deep; with the default budget TurboFan stops inlining partway. In `npm run bench` these budgets cut
 * the gateway's CPU time per request by 5–10% (the bare proxy does not change); optimised code is
 * larger and a little slower to compile, which the server pays once at warm-up.
 */
export const INLINING_FLAGS = [
  '--max-inlined-bytecode-size=2000',
  '--max-inlined-bytecode-size-cumulative=8000',
  '--max-inlined-bytecode-size-absolute=8000',
] as const;

export interface V8TuningOptions {
  /** Flags node was started with (`process.execArgv`). */
  execArgv?: readonly string[];
  /** `NODE_OPTIONS`. */
  nodeOptions?: string;
  set?: (flag: string) => void;
}

/** `--max_inlined_bytecode_size=5` → `--max-inlined-bytecode-size` (V8 takes either spelling). */
function flagName(argument: string): string {
  const equals = argument.indexOf('=');
  return (equals === -1 ? argument : argument.slice(0, equals)).replaceAll('_', '-');
}

/**
 * Sets {@link INLINING_FLAGS} for this process, before any request code is optimised, except those the
 * operator already gave node (on its command line or in NODE_OPTIONS). Returns the flags it set.
 */
export function applyServerV8Tuning(options: V8TuningOptions = {}): string[] {
  const given = new Set(
    [...(options.execArgv ?? process.execArgv), ...(options.nodeOptions ?? process.env.NODE_OPTIONS ?? '').split(/\s+/)]
      .filter((argument) => argument.startsWith('--'))
      .map(flagName),
  );
  const set = options.set ?? setFlagsFromString;
  const applied: string[] = [];
  for (const flag of INLINING_FLAGS) {
    if (given.has(flagName(flag))) continue;
    set(flag);
    applied.push(flag);
  }
  return applied;
}
