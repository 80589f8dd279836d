import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
const mode = process.argv[2] as 'stdio' | 'never-start';
const t0 = Date.now();
const client = new Client({ name: 'probe', version: '1' }, { versionNegotiation: { mode: process.argv[3] === 'legacy' ? 'legacy' : 'auto' } });
const transport = new StdioClientTransport({ command: process.execPath, args: ['--import', 'tsx', 'test/mcp/fault-server.ts', mode], stderr: 'pipe' });
client.onclose = () => console.log('onclose', Date.now() - t0);
try {
  await client.connect(transport, { timeout: 20000 });
  console.log('connected', Date.now() - t0, client.getNegotiatedProtocolVersion(), client.getProtocolEra(), transport.pid);
  const r = await client.callTool({ name: 'crash', arguments: {} }).catch((e) => console.log('call error', e.message));
  console.log('after crash', Date.now() - t0);
} catch (e) { console.log('connect error', Date.now() - t0, (e as Error).message); }
await new Promise(r => setTimeout(r, 1000));
process.exit(0);
