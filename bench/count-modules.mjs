// Counts the ES modules a process loads (a loader hook sees every module once), for bench/startup.ts: the
// count is read from globalThis.loadedModuleCount once the hook's messages have arrived.
import { register } from 'node:module';

const { port1, port2 } = new MessageChannel();
globalThis.loadedModuleCount = 0;
port1.on('message', () => {
  globalThis.loadedModuleCount++;
});
port1.unref();
register(
  `data:text/javascript,${encodeURIComponent(`
    let port;
    export function initialize(data) { port = data.port; }
    export async function load(url, context, next) { port.postMessage(1); return next(url, context); }
  `)}`,
  { data: { port: port2 }, transferList: [port2] },
);
