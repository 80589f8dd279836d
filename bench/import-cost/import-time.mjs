const started = performance.now();
await import(process.argv[2]);
console.log(JSON.stringify({ ms: Math.round(performance.now() - started) }));
