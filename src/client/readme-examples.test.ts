/**
 * The README says every Library example is type-checked: each line of its `ts` blocks must be in one of the
 * compiled example files, and each provider factory's JSDoc example in `readme-examples-extension.ts`, so an
 * example edited in one place and not the other fails here instead of drifting (formatting aside).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

/** Code without comments, whitespace or trailing commas, so Biome's line breaks do not matter. */
function normalise(code: string): string {
  return code
    .replace(/(^|\s)\/\/[^\n]*/g, '$1')
    .replace(/\s+/g, '')
    .replace(/,([)\]}])/g, '$1');
}

/** A line of an example as it must appear in compiled code (imports are written against 'llamagate' there). */
function exampleLines(block: string): string[] {
  return block
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.trim().startsWith('//') && !line.startsWith('import '))
    .map((line) => normalise(line).replace(/[,;]$/, ''))
    .filter((line) => line !== '');
}

function missingLines(blocks: readonly string[], compiled: string): { block: number; line: string }[] {
  const code = normalise(compiled);
  return blocks.flatMap((block, index) =>
    exampleLines(block)
      .filter((line) => !code.includes(line))
      .map((line) => ({ block: index, line })),
  );
}

describe('README and JSDoc examples', () => {
  it("every line of the README's Library examples is in a compiled example file", () => {
    const readme = read('README.md');
    const library = readme.slice(readme.indexOf('\n## Library'), readme.indexOf('\n## Development'));
    const blocks = [...library.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
    expect(blocks.length).toBeGreaterThan(15);
    const compiled = [
      'src/client/readme-examples.ts',
      'src/client/readme-examples-extension.ts',
      'src/server/readme-examples.ts',
    ]
      .map(read)
      .join('\n');
    expect(missingLines(blocks, compiled)).toEqual([]);
  });

  it("every provider factory's JSDoc example is compiled in readme-examples-extension.ts", () => {
    const factories = read('src/client/provider-factories.ts');
    const examples = [...factories.matchAll(/@example\n((?:\s*\* [^\n]*\n)+)/g)].map((match) =>
      (match[1] ?? '').replace(/^\s*\* ?/gm, ''),
    );
    const exported = [...factories.matchAll(/^export function (create\w+)/gm)].map((match) => match[1]);
    expect(examples).toHaveLength(exported.length);
    expect(missingLines(examples, read('src/client/readme-examples-extension.ts'))).toEqual([]);
  });
});
