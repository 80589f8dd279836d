/** `llamagate/server` on its own: startGateway() loads config, opens billing and serves, in a few lines. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '../../src/server/index.js';
import { type MockUpstream, startMockUpstream } from '../../src/test-support/mock-upstream.js';
import { answerWith } from './billing-harness.js';

let upstream: MockUpstream;
beforeAll(async () => {
  upstream = await startMockUpstream();
  upstream.handle(answerWith());
});
afterAll(() => upstream.close());

describe('startGateway', () => {
  it('serves OpenAI clients and the admin API, with billing, and closes cleanly', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'lg-start-'));
    const configFile = join(directory, 'llamagate.yaml');
    writeFileSync(
      configFile,
      `defaultBackend: local
backends:
  - name: local
    type: openai-compatible
    config: { endpoint: "${upstream.url}/v1" }
prices:
  "mock-*": { input: "10.00", output: "30.00" }
`,
    );
    const gateway = await startGateway({
      configFile,
      env: { LLAMAGATE_DATA_DIR: directory, LLAMAGATE_MASTER_KEY: 'lg-master', LOG_LEVEL: 'silent' },
      dotenvFile: false,
      port: 0,
      host: '127.0.0.1',
    });
    try {
      expect(gateway.url).toBe(`http://127.0.0.1:${gateway.port}`);
      expect(gateway.billing).toBeDefined();
      const created = await fetch(`${gateway.url}/admin/keys`, {
        method: 'POST',
        headers: { authorization: 'Bearer lg-master', 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'embedded', credits: 1 }),
      });
      expect(created.status).toBe(201);
      const { key } = (await created.json()) as { key: string };
      const client = new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
      const { data, response } = await client.chat.completions
        .create({ model: 'mock-1', messages: [{ role: 'user', content: 'Hi' }] })
        .withResponse();
      expect(data.choices[0]?.message.content).toBe('Hello there!');
      expect(response.headers.get('x-llamagate-cost')).toBe('0.002500');
    } finally {
      await gateway.close();
    }
    await expect(fetch(`${gateway.url}/health`)).rejects.toThrow();
  });
});
