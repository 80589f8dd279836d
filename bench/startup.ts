/**
 * `npm run bench:startup`: how long `llamagate serve` (default configuration) takes from process start to the
 * first 200 on `/health/live`, its RSS right after, and how long importing the library (`llamagate`) takes
 * and how many modules it loads. Each measured RUNS times in fresh processes; medians reported.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { median, root, rssMb } from './harness.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);

async function serveOnce(): Promise<{ ms: number; rss: number }> {
  const scratch = mkdtempSync(join(tmpdir(), 'llamagate-startup-'));
  const started = performance.now();
  const child = spawn(process.execPath, ['dist/cli/main.js', 'serve', '--port', '0', '--host', '127.0.0.1'], {
    cwd: root,
    env: {
      ...process.env,
      LLAMAGATE_DATA_DIR: scratch,
      OLLAMA_HOST: 'http://127.0.0.1:9',
      DATABASE_URL: '',
      REDIS_URL: '',
    },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  try {
    let port: number | undefined;
    for await (const line of createInterface({ input: child.stdout as NodeJS.ReadableStream })) {
      const entry = JSON.parse(line) as { msg?: string; port?: number };
      if (entry.msg === 'LlamaGate listening') {
        port = entry.port;
        break;
      }
    }
    if (port === undefined) throw new Error('the gateway exited before listening');
    child.stdout?.resume();
    for (;;) {
      const response = await fetch(`http://127.0.0.1:${port}/health/live`).catch(() => undefined);
      if (response?.status === 200) break;
    }
    const ms = performance.now() - started;
    return { ms, rss: rssMb(child) };
  } finally {
    child.kill('SIGTERM');
    if (child.exitCode === null) await once(child, 'exit');
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * Imports the built library in a fresh process: the import's own time (after node's start), measured without
 * the module-counting hook (its messages to the loader thread slow every module down), or the modules loaded,
 * counted with it.
 */
async function importOnce(countModules: boolean): Promise<{ ms: number; modules: number }> {
  const script = `
    const started = performance.now();
    await import(${JSON.stringify(join(root, 'dist', 'index.js'))});
    const ms = performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 200));
    process.stdout.write(JSON.stringify({ ms, modules: globalThis.loadedModuleCount ?? 0 }));
  `;
  const hook = countModules ? ['--import', join(root, 'bench', 'count-modules.mjs')] : [];
  const child = spawn(process.execPath, [...hook, '--input-type=module', '-e', script], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout?.on('data', (data: Buffer) => {
    output += data.toString('utf8');
  });
  await once(child, 'exit');
  return JSON.parse(output) as { ms: number; modules: number };
}

const serve: { ms: number; rss: number }[] = [];
const imports: { ms: number; modules: number }[] = [];
for (let run = 0; run < RUNS; run++) {
  serve.push(await serveOnce());
  imports.push(await importOnce(false));
}
const { modules } = await importOnce(true);
const lines = [
  '| measurement | median | runs |',
  '|---|---|---|',
  `| \`llamagate serve\` → first 200 on /health/live (ms) | ${median(serve.map((run) => run.ms)).toFixed(0)} | ${serve.map((run) => run.ms.toFixed(0)).join(', ')} |`,
  `| RSS right after start (MB) | ${median(serve.map((run) => run.rss)).toFixed(1)} | ${serve.map((run) => run.rss.toFixed(0)).join(', ')} |`,
  `| \`import 'llamagate'\` (ms) | ${median(imports.map((run) => run.ms)).toFixed(0)} | ${imports.map((run) => run.ms.toFixed(0)).join(', ')} |`,
  `| modules loaded by \`import 'llamagate'\` | ${modules} | |`,
];
process.stdout.write(`\n${lines.join('\n')}\n(node ${process.version})\n`);
