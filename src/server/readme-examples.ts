/** The README's `llamagate/server` example, type-checked by `tsc` (in the README it imports from 'llamagate/server'). */
import { startGateway } from './index.js';

export async function embeddedGateway(): Promise<void> {
  const gateway = await startGateway({ configFile: 'llamagate.yaml', port: 0 });
  console.log(`OpenAI clients: ${gateway.url}/v1`);
  await gateway.close();
}
