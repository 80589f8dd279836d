/**
 * Reads a LiteLLM proxy `config.yaml` (`model_list`, `router_settings`) as LlamaGate configuration: each
 * distinct provider endpoint becomes a backend, each `model_name` a model alias over its deployments, and
 * `router_settings.fallbacks` the alias's fallback order. What has no LlamaGate equivalent is listed in the report.
 */

type Tree = Record<string, unknown>;

export interface LiteLlmImport {
  /** LlamaGate YAML settings (`backends`, `models`, `masterKey`…). */
  config: Tree;
  /** One line per setting that could not be mapped, or was mapped approximately. */
  report: string[];
}

/** LiteLLM provider prefix → LlamaGate backend type. */
const PROVIDER_TYPES: Readonly<Record<string, string>> = {
  openai: 'openai',
  azure: 'azure',
  anthropic: 'anthropic',
  gemini: 'gemini',
  vertex_ai: 'vertex',
  bedrock: 'bedrock',
  groq: 'groq',
  mistral: 'mistral',
  cohere: 'cohere',
  cohere_chat: 'cohere',
  deepseek: 'deepseek',
  together_ai: 'together',
  fireworks_ai: 'fireworks',
  ollama: 'ollama',
  ollama_chat: 'ollama',
  hosted_vllm: 'openai-compatible',
  openai_like: 'openai-compatible',
  lm_studio: 'openai-compatible',
};

const STRATEGIES: Readonly<Record<string, string>> = {
  'simple-shuffle': 'weighted',
  'least-busy': 'least-busy',
  'latency-based-routing': 'latency',
  'cost-based-routing': 'cost',
  'usage-based-routing': 'least-busy',
  'usage-based-routing-v2': 'least-busy',
};

/** True for a document shaped like a LiteLLM proxy config. */
export function isLiteLlmConfig(document: unknown): document is Tree {
  return typeof document === 'object' && document !== null && Array.isArray((document as Tree).model_list);
}

/** `os.environ/VAR` → `${VAR}` (interpolated by the loader like any LlamaGate value). */
function secret(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const match = /^os\.environ\/([A-Za-z_][A-Za-z0-9_]*)$/.exec(value);
  return match === null ? value : `\${${match[1]}}`;
}

const record = (value: unknown): Tree => (typeof value === 'object' && value !== null ? (value as Tree) : {});

export function importLiteLlmConfig(document: Tree): LiteLlmImport {
  const report: string[] = [];
  const backends: Tree[] = [];
  const backendKeys = new Map<string, string>();
  const models: Record<string, { strategy?: string; fallback?: boolean; deployments: Tree[] }> = {};
  const mapped = new Set(['model_list', 'router_settings', 'general_settings']);

  for (const [index, entry] of (document.model_list as unknown[]).entries()) {
    const item = record(entry);
    const name = typeof item.model_name === 'string' ? item.model_name : undefined;
    const params = record(item.litellm_params);
    const model = typeof params.model === 'string' ? params.model : undefined;
    if (name === undefined || model === undefined) {
      report.push(`model_list[${index}]: needs model_name and litellm_params.model; skipped`);
      continue;
    }
    const slash = model.indexOf('/');
    const prefix = slash === -1 ? 'openai' : model.slice(0, slash);
    const modelId = slash === -1 ? model : model.slice(slash + 1);
    const apiBase = typeof params.api_base === 'string' ? params.api_base : undefined;
    let type = PROVIDER_TYPES[prefix];
    if (prefix === 'openai' && apiBase !== undefined) type = 'openai-compatible';
    if (type === undefined) {
      report.push(`model_list[${index}] (${name}): provider "${prefix}" has no LlamaGate adapter; skipped`);
      continue;
    }
    const config: Tree = {};
    const apiKey = secret(params.api_key);
    if (apiKey !== undefined) config.apiKey = apiKey;
    if (apiBase !== undefined) config.endpoint = apiBase;
    if (type === 'azure') {
      config.deploymentName = modelId;
      if (typeof params.api_version === 'string') config.apiVersion = params.api_version;
    }
    if (type === 'bedrock' && typeof params.aws_region_name === 'string') config.region = params.aws_region_name;
    if (type === 'vertex') {
      if (typeof params.vertex_project === 'string') config.projectId = params.vertex_project;
      if (typeof params.vertex_location === 'string') config.location = params.vertex_location;
    }
    if (params.timeout !== undefined) config.timeout = params.timeout;
    if (params.max_retries !== undefined) config.maxRetries = params.max_retries;
    const key = JSON.stringify([type, config]);
    let backend = backendKeys.get(key);
    if (backend === undefined) {
      const taken = new Set(backends.map((candidate) => candidate.name));
      backend = type;
      for (let suffix = 2; taken.has(backend); suffix++) backend = `${type}-${suffix}`;
      backendKeys.set(key, backend);
      backends.push({ name: backend, type, config });
    }
    const deployment: Tree = { backend, model: modelId };
    if (typeof params.weight === 'number') deployment.weight = params.weight;
    models[name] ??= { deployments: [] };
    models[name].deployments.push(deployment);
    for (const limit of ['rpm', 'tpm'] as const) {
      const value = params[limit] ?? item[limit];
      if (value !== undefined)
        report.push(
          `model_list[${index}] (${name}): ${limit}: ${String(value)} per deployment is not mapped; set rpm/tpm on virtual keys instead`,
        );
    }
    for (const extra of Object.keys(params)) {
      if (
        ![
          'model',
          'api_key',
          'api_base',
          'api_version',
          'aws_region_name',
          'vertex_project',
          'vertex_location',
          'timeout',
          'max_retries',
          'weight',
          'rpm',
          'tpm',
        ].includes(extra)
      )
        report.push(`model_list[${index}] (${name}): litellm_params.${extra} is not mapped`);
    }
  }

  const router = record(document.router_settings);
  const strategy = typeof router.routing_strategy === 'string' ? STRATEGIES[router.routing_strategy] : undefined;
  if (router.routing_strategy !== undefined && strategy === undefined)
    report.push(`router_settings.routing_strategy: "${String(router.routing_strategy)}" is not mapped (weighted used)`);
  for (const alias of Object.values(models)) {
    if (alias.deployments.length > 1) {
      alias.strategy = strategy ?? 'weighted';
      alias.fallback = true;
    }
  }
  for (const rule of Array.isArray(router.fallbacks) ? router.fallbacks : []) {
    for (const [from, to] of Object.entries(record(rule))) {
      const alias = models[from];
      if (alias === undefined || !Array.isArray(to)) {
        report.push(`router_settings.fallbacks: "${from}" is not a model_name; skipped`);
        continue;
      }
      // LlamaGate falls back within an alias: the fallback models' deployments follow the alias's own, in order.
      for (const target of to) {
        const fallback = typeof target === 'string' ? models[target] : undefined;
        if (fallback === undefined) {
          report.push(`router_settings.fallbacks: "${String(target)}" (for "${from}") is not a model_name; skipped`);
          continue;
        }
        alias.deployments.push(...fallback.deployments.map((deployment) => ({ ...deployment })));
      }
      alias.strategy = 'priority';
      alias.fallback = true;
    }
  }
  for (const key of Object.keys(router)) {
    if (!['routing_strategy', 'fallbacks', 'num_retries'].includes(key))
      report.push(`router_settings.${key} is not mapped`);
  }
  const config: Tree = { backends, models };
  if (router.num_retries !== undefined) config.routing = { maxRetries: router.num_retries };
  const general = record(document.general_settings);
  const masterKey = secret(general.master_key);
  if (masterKey !== undefined) config.masterKey = masterKey;
  for (const key of Object.keys(general))
    if (key !== 'master_key') report.push(`general_settings.${key} is not mapped`);
  for (const key of Object.keys(document)) if (!mapped.has(key)) report.push(`${key} is not mapped`);
  return { config, report };
}
