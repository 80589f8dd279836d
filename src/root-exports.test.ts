/**
 * Keeps the root entry deliberate (like the MCP SDK's barrel-clean test): its export names are a snapshot, it
 * re-exports nothing wholesale, and its static import closure holds no adapter code and no AWS SDK package.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as root from './index.js';

const sourceRoot = dirname(fileURLToPath(import.meta.url));

/** Static (non-type) imports and re-exports of a module; dynamic `import()` is what loads adapters lazily. */
function staticImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  const pattern = /^(?:import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gms;
  for (const match of text.matchAll(pattern)) if (match[1] !== undefined) found.push(match[1]);
  return found;
}

function importClosure(entry: string): { files: string[]; packages: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const pending = [entry];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (files.has(file)) continue;
    files.add(file);
    for (const specifier of staticImports(file)) {
      if (specifier.startsWith('.')) pending.push(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
      else packages.add(specifier);
    }
  }
  return { files: [...files].map((file) => relative(sourceRoot, file)).sort(), packages: [...packages].sort() };
}

describe('the root entry (llamagate)', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(root).sort()).toMatchInlineSnapshot(`
      [
        "AbortedError",
        "AllProvidersFailedError",
        "AuthError",
        "AuthenticationError",
        "BadRequestError",
        "CompletionStream",
        "ContentPolicyViolationError",
        "ContextWindowExceededError",
        "DEFAULT_FALLBACK_ON",
        "EmbeddingsNotSupported",
        "EmbeddingsNotSupportedError",
        "InsufficientQuotaError",
        "LlamaGate",
        "LlamaGateError",
        "MemoryCacheStore",
        "ModelNotFoundError",
        "NotFoundError",
        "PayloadTooLargeError",
        "PermissionDeniedError",
        "ProviderAPIError",
        "RateLimitError",
        "ServiceUnavailableError",
        "StructuredOutputError",
        "TimeoutError",
        "ValidationError",
        "VisionNotSupported",
        "VisionNotSupportedError",
        "assistant",
        "batch",
        "cache",
        "cacheKey",
        "chatTemplate",
        "completion",
        "composeMiddleware",
        "countTokens",
        "createAnthropic",
        "createAzure",
        "createBedrock",
        "createCohere",
        "createDeepSeek",
        "createFireworks",
        "createGatewayz",
        "createGemini",
        "createGroq",
        "createLlamaGate",
        "createMeta",
        "createMistral",
        "createOllama",
        "createOpenAI",
        "createOpenAICompatible",
        "createTogether",
        "createVertex",
        "embed",
        "estimateCost",
        "fallback",
        "imageBytes",
        "imageUrl",
        "lazyProvider",
        "loadDotenv",
        "logging",
        "parse",
        "parsePartialJson",
        "prompt",
        "rateLimit",
        "retry",
        "stream",
        "system",
        "text",
        "toLlamaGateError",
        "tokenizerFor",
        "tool",
        "toolResult",
        "user",
      ]
    `);
  });

  it('re-exports nothing wholesale', () => {
    expect(readFileSync(join(sourceRoot, 'index.ts'), 'utf8')).not.toMatch(/export \*/);
  });

  it('loads no adapter, no AWS SDK package and no undici on import (they load on first use)', () => {
    const { files, packages } = importClosure(join(sourceRoot, 'index.ts'));
    const adapters = files.filter((file) => /^providers\/[^/]+\//.test(file));
    expect(adapters).toEqual([]);
    expect(packages.filter((name) => name.startsWith('@smithy/') || name.startsWith('@aws'))).toEqual([]);
    expect(packages).not.toContain('undici');
    expect(files.length).toBeLessThan(80);
  });

  it('starts `llamagate serve` without the MCP SDK or the YAML parser (they load when MCP or a file needs them)', () => {
    const { packages } = importClosure(join(sourceRoot, 'cli/main.ts'));
    expect(packages.filter((name) => name.startsWith('@modelcontextprotocol/') || name === 'yaml')).toEqual([]);
  });
});
