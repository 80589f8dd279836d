/** The LlamaGate-hosted model catalogue: every model `llamagate/<id>` serves, its category and capabilities. */

export type HostedModelCategory = 'general' | 'small' | 'vision' | 'code' | 'reasoning' | 'embedding';

export interface ModelCapabilities {
  vision: boolean;
  reasoning: boolean;
  embeddings: boolean;
  tools: boolean;
}

export interface HostedModel {
  id: string;
  category: HostedModelCategory;
  /** Parameter count in billions (what the price band depends on). */
  sizeB: number;
  capabilities: ModelCapabilities;
}

const chat = (tools: boolean): ModelCapabilities => ({ vision: false, reasoning: false, embeddings: false, tools });
const vision = (tools: boolean): ModelCapabilities => ({ vision: true, reasoning: false, embeddings: false, tools });
const reasoning = (tools: boolean): ModelCapabilities => ({ vision: false, reasoning: true, embeddings: false, tools });
const embedding: ModelCapabilities = { vision: false, reasoning: false, embeddings: true, tools: false };

export const LLAMAGATE_CATALOGUE: readonly HostedModel[] = [
  { id: 'llama-3.1-8b', category: 'general', sizeB: 8, capabilities: chat(true) },
  { id: 'llama-3.2-3b', category: 'small', sizeB: 3, capabilities: chat(true) },
  { id: 'mistral-7b-v0.3', category: 'general', sizeB: 7, capabilities: chat(true) },
  { id: 'qwen3-8b', category: 'general', sizeB: 8, capabilities: { ...chat(true), reasoning: true } },
  { id: 'dolphin3-8b', category: 'general', sizeB: 8, capabilities: chat(false) },
  { id: 'deepseek-r1-8b', category: 'reasoning', sizeB: 8, capabilities: reasoning(true) },
  { id: 'deepseek-r1-7b-qwen', category: 'reasoning', sizeB: 7, capabilities: reasoning(false) },
  { id: 'openthinker-7b', category: 'reasoning', sizeB: 7, capabilities: reasoning(false) },
  { id: 'qwen2.5-coder-7b', category: 'code', sizeB: 7, capabilities: chat(true) },
  { id: 'deepseek-coder-6.7b', category: 'code', sizeB: 6.7, capabilities: chat(false) },
  { id: 'codellama-7b', category: 'code', sizeB: 7, capabilities: chat(false) },
  { id: 'codegemma-7b', category: 'code', sizeB: 7, capabilities: chat(false) },
  { id: 'starcoder2-7b', category: 'code', sizeB: 7, capabilities: chat(false) },
  { id: 'qwen3-vl-8b', category: 'vision', sizeB: 8, capabilities: vision(true) },
  { id: 'llava-7b', category: 'vision', sizeB: 7, capabilities: vision(false) },
  { id: 'gemma3-4b', category: 'vision', sizeB: 4, capabilities: vision(false) },
  { id: 'olmocr-7b', category: 'vision', sizeB: 7, capabilities: vision(false) },
  { id: 'ui-tars-7b', category: 'vision', sizeB: 7, capabilities: vision(false) },
  { id: 'nomic-embed-text', category: 'embedding', sizeB: 0.137, capabilities: embedding },
  { id: 'qwen3-embedding-8b', category: 'embedding', sizeB: 8, capabilities: embedding },
  { id: 'embeddinggemma-300m', category: 'embedding', sizeB: 0.3, capabilities: embedding },
];

const byId = new Map(LLAMAGATE_CATALOGUE.map((model) => [model.id, model]));

/** The catalogue entry of a hosted model id (`llama-3.1-8b`), if it is one. */
export function hostedModel(id: string): HostedModel | undefined {
  return byId.get(id.toLowerCase());
}
