import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Router } from '../router/router.js';
import { loadConfig } from './load-config.js';

/** A realistic LiteLLM proxy config.yaml, as in LiteLLM's docs. */
const LITELLM = `model_list:
  - model_name: gpt-4o
    litellm_params:
      model: openai/gpt-4o
      api_key: os.environ/OPENAI_API_KEY
      rpm: 480
  - model_name: gpt-4o
    litellm_params:
      model: azure/gpt-4o-eu
      api_base: https://my-eu.openai.azure.com
      api_key: os.environ/AZURE_API_KEY
      api_version: "2024-10-21"
      tpm: 100000
  - model_name: claude
    litellm_params:
      model: anthropic/claude-3-5-sonnet-20241022
      api_key: os.environ/ANTHROPIC_API_KEY
  - model_name: local-llama
    litellm_params:
      model: ollama/llama3.2
      api_base: http://localhost:11434
  - model_name: vllm-model
    litellm_params:
      model: hosted_vllm/meta-llama/Llama-3.1-8B-Instruct
      api_base: http://vllm:8000/v1
router_settings:
  routing_strategy: latency-based-routing
  num_retries: 2
  fallbacks: [{ "gpt-4o": ["claude"] }]
  redis_host: redis
litellm_settings:
  drop_params: true
general_settings:
  master_key: os.environ/LITELLM_MASTER_KEY
`;

function file(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lg-litellm-'));
  const path = join(dir, 'config.yaml');
  writeFileSync(path, LITELLM);
  return path;
}

const env = { OPENAI_API_KEY: 'sk-o', AZURE_API_KEY: 'az', ANTHROPIC_API_KEY: 'sk-a', LITELLM_MASTER_KEY: 'sk-master' };

describe('LiteLLM proxy config (issue 18, item 21)', () => {
  it('loads directly: backends per endpoint, aliases per model_name, fallbacks, os.environ keys', () => {
    const loaded = loadConfig({ configFile: file(), env, dotenvFile: false });
    expect(loaded.config.masterKey).toBe('sk-master');
    expect(loaded.config.routing.maxRetries).toBe(2);
    expect(loaded.config.backends.map((backend) => [backend.name, backend.type, backend.config])).toEqual([
      ['openai', 'openai', { apiKey: 'sk-o' }],
      [
        'azure',
        'azure',
        {
          apiKey: 'az',
          endpoint: 'https://my-eu.openai.azure.com',
          deploymentName: 'gpt-4o-eu',
          apiVersion: '2024-10-21',
        },
      ],
      ['anthropic', 'anthropic', { apiKey: 'sk-a' }],
      ['ollama', 'ollama', { endpoint: 'http://localhost:11434' }],
      ['openai-compatible', 'openai-compatible', { endpoint: 'http://vllm:8000/v1' }],
    ]);
    expect(loaded.importReport).toEqual([
      'model_list[0] (gpt-4o): rpm: 480 per deployment is not mapped; set rpm/tpm on virtual keys instead',
      'model_list[1] (gpt-4o): tpm: 100000 per deployment is not mapped; set rpm/tpm on virtual keys instead',
      'router_settings.redis_host is not mapped',
      'litellm_settings is not mapped',
    ]);
    const router = new Router({ env: loaded.env, config: { ...loaded.config } });
    const plan = (model: string) =>
      router.plan({ model }).candidates.map((target) => `${target.backend.name}:${target.modelId}`);
    expect(plan('gpt-4o')).toEqual(['openai:gpt-4o', 'azure:gpt-4o-eu', 'anthropic:claude-3-5-sonnet-20241022']);
    expect(plan('vllm-model')).toEqual(['openai-compatible:meta-llama/Llama-3.1-8B-Instruct']);
  });

  it('llamagate config import prints LlamaGate YAML that loads, and reports what it could not map', () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const result = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'config', 'import', file()],
      {
        cwd: root,
        encoding: 'utf8',
      },
    );
    expect(result.status).toBe(0);
    expect(result.stderr).toContain('  - litellm_settings is not mapped');
    expect(result.stdout).toContain('apiKey: ${OPENAI_API_KEY}');
    const dir = mkdtempSync(join(tmpdir(), 'lg-imported-'));
    writeFileSync(join(dir, 'llamagate.yaml'), result.stdout);
    const loaded = loadConfig({ configFile: join(dir, 'llamagate.yaml'), env, dotenvFile: false });
    expect(loaded.config.models['gpt-4o']?.deployments).toHaveLength(3);
  }, 90_000);
});
