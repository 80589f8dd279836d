import { register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';

const { port1, port2 } = new MessageChannel();
const urls = new Set();
port1.on('message', (url) => urls.add(url));
port1.unref();
register('./hooks.mjs', import.meta.url, { data: { port: port2 }, transferList: [port2] });
const target = process.argv[2];
const started = performance.now();
await import(target);
const ms = performance.now() - started;
await new Promise((resolve) => setTimeout(resolve, 50));
const list = [...urls];
const smithy = list.filter((url) => url.includes('@smithy') || url.includes('@aws')).length;
const own = list.filter((url) => url.startsWith('file://') && !url.includes('node_modules')).length;
console.log(JSON.stringify({ target, ms: Math.round(ms), modules: list.length, ownModules: own, awsSmithy: smithy }));
