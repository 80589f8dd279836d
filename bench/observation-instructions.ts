/**
 * `npm run bench:observation`: the instructions the observability stage (metrics only) adds to one request, in
 * process. The stage runs around a stand-in handler that makes one upstream attempt through the attempt
 * listener, and the same handler runs alone; callgrind counts each over `OBSERVATION_REQUESTS` requests after
 * an uncounted warm-up, with the V8 flags `llamagate serve` uses. The count repeats to within a few
 * instructions, so it can judge a change to the observation's own code. What the stage costs the rest of the
 * server (other inlining, more garbage) only the end-to-end count shows (`npm run bench:instructions`).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INLINING_FLAGS } from '../src/cli/v8-tuning.js';
import { NODE_FLAGS, root } from './harness.js';
import { observedRequests } from './observed-requests.js';

const REQUESTS = Number(process.env.OBSERVATION_REQUESTS ?? 20_000);
const WARMUP = Number(process.env.OBSERVATION_WARMUP ?? 50_000);
const script = join(root, 'bench', 'observation-instructions.ts');

/** A callgrind command to this process; awaited without blocking, so callgrind can answer it. */
function control(argument: string): Promise<unknown> {
  return new Promise((resolve) =>
    spawn('callgrind_control', [argument, String(process.pid)], { stdio: 'ignore' }).on('exit', resolve),
  );
}

async function child(withStage: boolean): Promise<void> {
  const run = observedRequests(withStage);
  await run(WARMUP);
  await control('--instr=on');
  await control('--zero');
  await run(REQUESTS);
  await control('--dump=requests');
}

/** Instructions per request of one mode, run under callgrind. */
function count(mode: 'stage' | 'handler'): number {
  const output = mkdtempSync(join(tmpdir(), 'observation-instructions-'));
  try {
    execFileSync(
      'valgrind',
      [
        '--tool=callgrind',
        '--instr-atstart=no',
        `--callgrind-out-file=${join(output, 'callgrind.out')}`,
        process.execPath,
        ...NODE_FLAGS,
        ...INLINING_FLAGS,
        '--single-threaded',
        '--import',
        'tsx',
        script,
        mode,
      ],
      { cwd: root, stdio: 'ignore' },
    );
    const dump = readFileSync(join(output, 'callgrind.out.1'), 'utf8');
    const summary = /^summary: (\d+)/m.exec(dump)?.[1];
    if (summary === undefined) throw new Error('callgrind wrote no summary');
    return Number(summary) / REQUESTS;
  } finally {
    rmSync(output, { recursive: true, force: true });
  }
}

const mode = process.argv[2];
if (mode === 'stage' || mode === 'handler') await child(mode === 'stage');
else {
  const handler = count('handler');
  const stage = count('stage');
  process.stdout.write(
    `Instructions per request, in process (${REQUESTS} requests after ${WARMUP}; valgrind callgrind, node ${process.version}):\n- handler alone: ${handler.toFixed(0)}\n- through the observability stage (metrics only): ${stage.toFixed(0)}\n- the stage adds: ${(stage - handler).toFixed(0)}\n`,
  );
}
