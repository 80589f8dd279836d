import { setFlagsFromString } from 'node:v8';

/**
 * TurboFan inlining budgets for `llamagate serve`, two to nine times V8's defaults: a request passes through a
 * stack of small layers, each an await or more deep, and the default budget stops inlining partway
 * (docs/decisions/0002-v8-inlining-budgets.md).
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
