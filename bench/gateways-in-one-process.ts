/**
 * Several built gateways in one process, each opened by `serve`'s own `openServedGateway` after its V8 tuning
 * (configuration reloader, billing storage, observability, logger), for `bench/metrics-instructions.ts`:
 * requests to each run the same JIT-compiled code, so an A/B between them is not spread by which functions each
 * process happened to optimise. `GATEWAYS` holds a JSON array of environments, one per gateway; their ports go
 * to the parent over IPC in that order, and any later message from the parent is answered with
 * `process.cpuUsage()`.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The built module at `dist/<path>.js`, typed as its source (the build must be current: `npm run build`). */
const built = async <T>(path: string): Promise<T> =>
  (await import(pathToFileURL(join(import.meta.dirname, '..', 'dist', `${path}.js`)).href)) as T;

const { applyServerV8Tuning } = await built<typeof import('../src/cli/v8-tuning.js')>('cli/v8-tuning');
const { loadConfig } = await built<typeof import('../src/config/load-config.js')>('config/load-config');
const { createGatewayLogger } = await built<typeof import('../src/server/create-gateway.js')>('server/create-gateway');
const { openServedGateway } = await built<typeof import('../src/cli/serve-command.js')>('cli/serve-command');

applyServerV8Tuning();
const environments = JSON.parse(process.env.GATEWAYS ?? '[]') as Record<string, string>[];
const ports: number[] = [];
for (const env of environments) {
  const options = { env, dotenvFile: false as const, flags: { port: 0, host: '127.0.0.1' } };
  const loaded = loadConfig(options);
  const { gateway } = await openServedGateway(loaded, options, createGatewayLogger(loaded));
  ports.push((await gateway.listen()).port);
}
process.send?.({ ports });
// The process's CPU time so far (µs, every thread), for a parent that times windows of requests.
process.on('message', () => process.send?.({ cpu: process.cpuUsage() }));
