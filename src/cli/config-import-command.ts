import { readFileSync } from 'node:fs';
import { importLiteLlmConfig, isLiteLlmConfig } from '../config/litellm-import.js';
import { loadYaml } from '../config/yaml.js';

/** `llamagate config import litellm.yaml`: the LlamaGate YAML on stdout, a report of what was not mapped on stderr. */
export function configImportCommand(file: string): number {
  const { parse, stringify } = loadYaml();
  let document: unknown;
  try {
    document = parse(readFileSync(file, 'utf8'));
  } catch (error) {
    process.stderr.write(`llamagate: cannot read ${file}: ${(error as Error).message}\n`);
    return 1;
  }
  if (!isLiteLlmConfig(document)) {
    process.stderr.write(`llamagate: ${file} is not a LiteLLM proxy config (no model_list)\n`);
    return 1;
  }
  const { config, report } = importLiteLlmConfig(document);
  process.stdout.write(`# Imported from ${file} (LiteLLM proxy config)\n${stringify(config)}`);
  if (report.length > 0) process.stderr.write(`Not mapped:\n${report.map((line) => `  - ${line}`).join('\n')}\n`);
  return 0;
}
