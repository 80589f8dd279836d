import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/load-config.js';
import { Router } from '../../router/router.js';
import { admissionPrice, aliasPriceKey } from './price-lookup.js';

function contextFor(yaml: string) {
  const dir = mkdtempSync(join(tmpdir(), 'lg-price-'));
  const file = join(dir, 'llamagate.yaml');
  writeFileSync(file, yaml);
  const { config, env } = loadConfig({
    configFile: file,
    env: { OPENAI_API_KEY: 'sk-o' },
    dotenvFile: false,
    cwd: dir,
  });
  return { config, router: new Router({ env, config: { ...config } }) };
}

const YAML = `defaultBackend: local
backends:
  - { name: local, type: openai-compatible, config: { endpoint: "http://127.0.0.1:9/v1" } }
  - { name: mine, type: openai-compatible, config: { endpoint: "http://127.0.0.1:9/v1" } }
  - { name: hosted, type: openai, config: { apiKey: "sk-o" } }
  - { name: gpu, type: ollama, config: { endpoint: "http://127.0.0.1:9" } }
prices:
  "mock-*": { input: "10.00", output: "30.00" }
  "cheap-*": { input: "0.10", output: "0.20" }
  "mine/*": { input: "1.00", output: "1.00" }
  "flat": { input: "5.00", output: "5.00" }
  "llama-*": { input: "2.00", output: "2.00" }
models:
  mixed: { deployments: [local/cheap-1, local/mock-1] }
  flat: { deployments: [local/cheap-1, local/mock-1] }
  llama-fast: local/unpriced-model
  risky: { deployments: [local/mock-1, hosted/made-up-model] }
`;

const tokens = { promptTokens: 100, maxOutputTokens: 100 };

describe('admissionPrice', () => {
  const context = contextFor(YAML);

  it('holds the costliest member an alias may pick', () => {
    expect(admissionPrice(context, 'mixed', undefined, tokens)).toMatchObject({
      groupKey: undefined,
      key: 'local/mock-1',
      maximum: { cost: 4000, priced: true },
      unpriced: [],
    });
  });

  it('keeps an alias’s own exact price whichever member serves', () => {
    expect(admissionPrice(context, 'flat', undefined, tokens)).toMatchObject({
      groupKey: 'flat',
      maximum: { cost: 1000 },
    });
  });

  it('never prices a group name by a glob it happens to match', () => {
    expect(admissionPrice(context, 'llama-fast', undefined, tokens)).toMatchObject({
      maximum: { cost: 0, priced: false },
      unpriced: ['openai-compatible'],
    });
    expect(aliasPriceKey(context, 'llama-fast')).toBeUndefined();
    expect(aliasPriceKey(context, 'mixed')).toBe('local/mock-1');
  });

  it('prices a deployment by its backend name when the table does', () => {
    expect(admissionPrice(context, 'mine/any-model', undefined, tokens)).toMatchObject({
      key: 'mine/any-model',
      maximum: { cost: 200 },
    });
  });

  it('never prices a local Ollama model by the hosted model its name matches', () => {
    // The implicit Ollama backend's `mistral-large` is not Mistral's hosted one.
    expect(admissionPrice(context, 'ollama/mistral-large', undefined, tokens)).toMatchObject({
      key: 'ollama/mistral-large',
      maximum: { cost: 0, priced: false },
      unpriced: ['ollama'],
    });
    // Nor a named Ollama backend's (`gpu/…` is priced as `ollama/…` unless `prices:` names `gpu/…` itself).
    expect(admissionPrice(context, 'gpu/mistral-large', undefined, tokens)).toMatchObject({
      key: 'ollama/mistral-large',
      maximum: { priced: false },
    });
    // The hosted backend's model keeps its price.
    expect(admissionPrice(context, 'hosted/gpt-4o-mini', undefined, tokens)).toMatchObject({
      key: 'openai/gpt-4o-mini',
      maximum: { priced: true },
    });
  });

  it('reports the unpriced members of a group with their backend type', () => {
    expect(admissionPrice(context, 'risky', undefined, tokens)).toMatchObject({
      key: 'local/mock-1',
      unpriced: ['openai'],
    });
  });
});
