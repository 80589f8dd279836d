/**
 * Counting a server's instructions a request under valgrind's callgrind, shared by `bench/metrics-instructions.ts`
 * and `bench/request-instructions.ts`: the server runs with instrumentation off until the first window, and each
 * window is zeroed, run and dumped to a file whose count leaves out {@link LEFT_OUT}.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Left out of a window's count: compilation (tier-ups) and a full garbage collection (its incremental marking,
 * atomic pause and sweeping: natively mostly on V8's helper threads, which `--single-threaded` moves onto the
 * counted one; its cost follows the live heap and lands in whichever window it falls, 10,000 to 50,000
 * instructions a request in that window). Scavenges stay in. Timer callbacks stay in too: they run per tick,
 * not per request; subtracting them as well subtracted twice the compilations and sweeps that ran inside them
 * (one window came out 15,000 instructions a request low).
 */
export const LEFT_OUT = [
  'v8::internal::Runtime_CompileOptimized(',
  'v8::internal::Runtime_CompileLazy(',
  'v8::internal::Runtime_CompileBaseline(',
  'v8::internal::IncrementalMarking::AdvanceAndFinalizeIfComplete(',
  'v8::internal::IncrementalMarking::Observer::Step(int',
  'v8::internal::Heap::MarkCompact(',
  'v8::internal::Sweeper::RawSweep(',
];

/** The V8 flags a counted server runs with, after its own: every instruction on one thread, small regular scavenges. */
export const COUNTED_NODE_FLAGS = ['--single-threaded', '--predictable-gc-schedule'];

/**
 * The command a counted process runs under; dump `n` of thread `t` goes to `<output>/callgrind.<pid>.<n>-<tt>`
 * (thread 01 is the main thread), valgrind's messages beside them.
 */
export function callgrindPrefix(output: string): string[] {
  return [
    'valgrind',
    '--tool=callgrind',
    '--instr-atstart=no',
    '--dump-instr=no',
    '--separate-threads=yes',
    `--callgrind-out-file=${join(output, 'callgrind.%p')}`,
    `--log-file=${join(output, 'valgrind.%p.log')}`,
  ];
}

/** Sends `callgrind_control` arguments (`--instr=on`, `--zero`, `--dump=…`) to the process. */
export function callgrindControl(pid: number | undefined, ...args: string[]): void {
  execFileSync('callgrind_control', [...args, String(pid)], { stdio: 'ignore' });
}

/** Instructions of a dump file, less those inside {@link LEFT_OUT}. */
export function countedInstructions(file: string): number {
  const annotated = execFileSync('callgrind_annotate', ['--inclusive=yes', '--threshold=100', file], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  let total = 0;
  let inside = 0;
  for (const line of annotated.split('\n')) {
    const count = Number(line.trim().split(/\s+/)[0]?.replaceAll(',', ''));
    if (!Number.isFinite(count)) continue;
    if (line.includes('PROGRAM TOTALS')) total = count;
    else if (LEFT_OUT.some((name) => line.includes(name))) inside += count;
  }
  return total - inside;
}

/** A window's counted instructions: every thread's, and the main thread's alone. */
export interface WindowCount {
  all: number;
  main: number;
}

/**
 * Counts windows of a running server: instrumentation goes on before the first, each window is zeroed, run and
 * dumped; returns the counted instructions of each window divided by `perWindow`, every thread's (worker
 * threads such as the SQLite append worker, and any V8 or libuv helper thread) and the main thread's.
 */
export function windowCounter(
  pid: number | undefined,
  output: string,
): (window: () => Promise<void>, perWindow: number) => Promise<WindowCount> {
  let dumps = 0;
  return async (window, perWindow) => {
    if (dumps === 0) callgrindControl(pid, '--instr=on');
    callgrindControl(pid, '--zero');
    await window();
    callgrindControl(pid, `--dump=window${dumps}`);
    dumps++;
    const prefix = `callgrind.${pid}.${dumps}-`;
    const files = readdirSync(output).filter((name) => name.startsWith(prefix));
    let all = 0;
    let main = 0;
    for (const name of files) {
      const count = countedInstructions(join(output, name));
      all += count;
      if (name === `${prefix}01`) main = count;
    }
    return { all: all / perWindow, main: main / perWindow };
  };
}
