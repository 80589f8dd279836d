/**
 * Hardware detection and local-model recommendations for `GET /v1/hardware/recommendations`.
 * GPU detection runs `nvidia-smi` once, asynchronously, with a timeout; the result is cached.
 */
import { execFile } from 'node:child_process';
import { arch, cpus, freemem, platform, totalmem } from 'node:os';

export interface GpuInfo {
  name: string;
  vramGb: number;
}

export interface HardwareInfo {
  cpuCores: number;
  cpuModel: string;
  totalRamGb: number;
  availableRamGb: number;
  gpus: GpuInfo[];
  platform: string;
  arch: string;
  /** Apple Silicon shares RAM with the GPU. */
  unifiedMemory: boolean;
}

interface CatalogueModel {
  name: string;
  ollamaModel: string;
  parameters: string;
  /** Memory a 4-bit quantised build needs to run comfortably, in GB. */
  minMemoryGb: number;
  useCases: string[];
  /** Lower is preferred among models that fit. */
  rank: number;
}

/** Ollama library models with their quantised memory needs (Q4_K_M weights plus context headroom). */
export const MODEL_CATALOGUE: readonly CatalogueModel[] = [
  {
    name: 'Llama 3.3 70B',
    ollamaModel: 'llama3.3:70b',
    parameters: '70B',
    minMemoryGb: 48,
    useCases: ['general', 'code', 'reasoning'],
    rank: 1,
  },
  {
    name: 'Qwen 2.5 72B',
    ollamaModel: 'qwen2.5:72b',
    parameters: '72B',
    minMemoryGb: 50,
    useCases: ['multilingual', 'structured output'],
    rank: 2,
  },
  {
    name: 'Gemma 3 27B',
    ollamaModel: 'gemma3:27b',
    parameters: '27B',
    minMemoryGb: 20,
    useCases: ['general', 'translation', 'vision'],
    rank: 3,
  },
  {
    name: 'Qwen 3 14B',
    ollamaModel: 'qwen3:14b',
    parameters: '14B',
    minMemoryGb: 12,
    useCases: ['reasoning', 'code', 'multilingual'],
    rank: 4,
  },
  {
    name: 'Gemma 3 12B',
    ollamaModel: 'gemma3:12b',
    parameters: '12B',
    minMemoryGb: 11,
    useCases: ['general', 'summarisation', 'vision'],
    rank: 5,
  },
  {
    name: 'Llama 3.2 Vision 11B',
    ollamaModel: 'llama3.2-vision:11b',
    parameters: '11B',
    minMemoryGb: 10,
    useCases: ['vision', 'general'],
    rank: 6,
  },
  {
    name: 'Mistral 7B',
    ollamaModel: 'mistral',
    parameters: '7B',
    minMemoryGb: 6,
    useCases: ['general', 'fast responses'],
    rank: 7,
  },
  {
    name: 'Qwen 2.5 7B',
    ollamaModel: 'qwen2.5:7b',
    parameters: '7B',
    minMemoryGb: 6,
    useCases: ['multilingual', 'structured output', 'code'],
    rank: 8,
  },
  {
    name: 'Llama 3.1 8B',
    ollamaModel: 'llama3.1:8b',
    parameters: '8B',
    minMemoryGb: 6.5,
    useCases: ['general', 'tools'],
    rank: 9,
  },
  {
    name: 'Qwen 2.5 Coder 7B',
    ollamaModel: 'qwen2.5-coder:7b',
    parameters: '7B',
    minMemoryGb: 6,
    useCases: ['code'],
    rank: 10,
  },
  {
    name: 'DeepSeek R1 7B',
    ollamaModel: 'deepseek-r1:7b',
    parameters: '7B',
    minMemoryGb: 6,
    useCases: ['reasoning'],
    rank: 11,
  },
  {
    name: 'Llama 3.2 3B',
    ollamaModel: 'llama3.2:3b',
    parameters: '3B',
    minMemoryGb: 3.5,
    useCases: ['edge', 'fast responses'],
    rank: 12,
  },
  {
    name: 'Qwen 3 4B',
    ollamaModel: 'qwen3:4b',
    parameters: '4B',
    minMemoryGb: 4,
    useCases: ['reasoning', 'small footprint'],
    rank: 13,
  },
  {
    name: 'Llama 3.2 1B',
    ollamaModel: 'llama3.2:1b',
    parameters: '1B',
    minMemoryGb: 1.5,
    useCases: ['edge', 'very limited resources'],
    rank: 14,
  },
  {
    name: 'Nomic Embed Text',
    ollamaModel: 'nomic-embed-text',
    parameters: '137M',
    minMemoryGb: 0.5,
    useCases: ['embeddings'],
    rank: 15,
  },
];

const gib = (bytes: number) => Math.round((bytes / 1024 ** 3) * 10) / 10;

let gpuDetection: Promise<GpuInfo[]> | undefined;

/** Asks `nvidia-smi` once (2 s timeout); no NVIDIA driver simply means no GPU listed. */
export function detectGpus(): Promise<GpuInfo[]> {
  gpuDetection ??= new Promise((resolve) => {
    execFile(
      'nvidia-smi',
      ['--query-gpu=name,memory.total', '--format=csv,noheader,nounits'],
      { timeout: 2_000 },
      (error, stdout) => {
        if (error) return resolve([]);
        const gpus = stdout
          .split('\n')
          .map((line) => line.split(',').map((field) => field.trim()))
          .filter((fields): fields is [string, string] => fields.length >= 2 && fields[0] !== '')
          .map(([name, memory]) => ({ name, vramGb: Math.round((Number(memory) / 1024) * 10) / 10 }));
        resolve(gpus);
      },
    );
  });
  return gpuDetection;
}

export async function detectHardware(): Promise<HardwareInfo> {
  const cpuList = cpus();
  const appleSilicon = platform() === 'darwin' && arch() === 'arm64';
  return {
    cpuCores: cpuList.length,
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
    totalRamGb: gib(totalmem()),
    availableRamGb: gib(freemem()),
    gpus: await detectGpus(),
    platform: platform(),
    arch: arch(),
    unifiedMemory: appleSilicon,
  };
}

/** Memory models can use: the largest GPU's VRAM, Apple unified memory (~70%), else ~60% of RAM on CPU. */
export function usableMemoryGb(hardware: HardwareInfo): { memoryGb: number; runsOn: 'gpu' | 'unified' | 'cpu' } {
  const largestGpu = Math.max(0, ...hardware.gpus.map((gpu) => gpu.vramGb));
  if (largestGpu > 0) return { memoryGb: largestGpu, runsOn: 'gpu' };
  if (hardware.unifiedMemory) return { memoryGb: hardware.totalRamGb * 0.7, runsOn: 'unified' };
  return { memoryGb: hardware.totalRamGb * 0.6, runsOn: 'cpu' };
}

export function hardwareGroup(memoryGb: number, runsOn: string): string {
  const size = memoryGb >= 48 ? 'high-end' : memoryGb >= 16 ? 'mid-range' : memoryGb >= 6 ? 'typical' : 'limited';
  return `${runsOn}-${size}`;
}

export function recommendModels(hardware: HardwareInfo, limit = 4) {
  const { memoryGb, runsOn } = usableMemoryGb(hardware);
  // On CPU, very large models fit in RAM but run too slowly to be useful: cap at 16 GB there.
  const budget = runsOn === 'cpu' ? Math.min(memoryGb, 16) : memoryGb;
  const fitting = MODEL_CATALOGUE.filter(
    (model) => model.minMemoryGb <= budget && !model.useCases.includes('embeddings'),
  ).sort((a, b) => a.rank - b.rank);
  const embedding = MODEL_CATALOGUE.find((model) => model.useCases.includes('embeddings'));
  const picks = fitting.slice(0, limit);
  return {
    hardware_group: hardwareGroup(memoryGb, runsOn),
    usable_memory_gb: Math.round(memoryGb * 10) / 10,
    runs_on: runsOn,
    recommendations: [...picks, ...(embedding !== undefined && embedding.minMemoryGb <= budget ? [embedding] : [])].map(
      (model, index) => ({
        priority: index + 1,
        name: model.name,
        model: model.ollamaModel,
        parameters: model.parameters,
        min_memory_gb: model.minMemoryGb,
        use_cases: model.useCases,
        ollama_command: `ollama pull ${model.ollamaModel}`,
      }),
    ),
  };
}
