import { describe, expect, it } from 'vitest';
import { isSafeFunctionName, parseQualifiedToolName, safeToolName, ToolNameMap } from './tool-names.js';
import { isServerAllowedForKey, isToolAllowedForKey, toolRefusal } from './tool-policy.js';

describe('tool names', () => {
  it('splits mcp.<server>.<tool> with dots in the tool name', () => {
    expect(parseQualifiedToolName('mcp.fs.read_file')).toEqual({ server: 'fs', tool: 'read_file' });
    expect(parseQualifiedToolName('mcp.docs.search.v2')).toEqual({ server: 'docs', tool: 'search.v2' });
    expect(parseQualifiedToolName('fs.read_file')).toBeUndefined();
    expect(parseQualifiedToolName('mcp.fs.')).toBeUndefined();
  });

  it('gives provider-safe names that map back, even for dots, long names and collisions', () => {
    const long = `tool_${'x'.repeat(80)}`;
    const map = new ToolNameMap([
      { server: 'docs', tool: 'search.v2' },
      { server: 'docs', tool: 'search_v2' },
      { server: 'fs', tool: long },
    ]);
    const dotted = map.safeName('docs', 'search.v2') as string;
    const underscored = map.safeName('docs', 'search_v2') as string;
    const shortened = map.safeName('fs', long) as string;
    expect(dotted).toBe('mcp__docs__search_v2');
    expect(underscored).not.toBe(dotted);
    for (const name of [dotted, underscored, shortened]) expect(isSafeFunctionName(name)).toBe(true);
    expect(map.resolve(dotted)).toEqual({ server: 'docs', tool: 'search.v2' });
    expect(map.resolve(underscored)).toEqual({ server: 'docs', tool: 'search_v2' });
    expect(map.resolve(shortened)).toEqual({ server: 'fs', tool: long });
    expect(map.resolve('mcp.docs.search.v2')).toEqual({ server: 'docs', tool: 'search.v2' });
    expect(map.resolve('mcp__docs__other')).toBeUndefined();
    expect(safeToolName('fs', 'read', '')).toBe('fs__read');
  });
});

describe('allow/deny globs', () => {
  const policy = { allow: ['fs.*', 'search'], deny: ['fs.write_*', '*.delete_*'] };

  it('lets deny win over allow and reads patterns with and without a server', () => {
    expect(toolRefusal(policy, 'fs', 'read_file')).toBeUndefined();
    expect(toolRefusal(policy, 'web', 'search')).toBeUndefined();
    expect(toolRefusal(policy, 'fs', 'write_file')).toBe(
      'the tool mcp.fs.write_file is denied by MCP_DENY_TOOLS (fs.write_*)',
    );
    expect(toolRefusal(policy, 'fs', 'delete_all')).toBe(
      'the tool mcp.fs.delete_all is denied by MCP_DENY_TOOLS (*.delete_*)',
    );
    expect(toolRefusal(policy, 'web', 'fetch')).toBe('the tool mcp.web.fetch is not in MCP_ALLOW_TOOLS');
    expect(toolRefusal({ allow: [], deny: [] }, 'any', 'thing')).toBeUndefined();
  });

  it('denies by default for a key with a restriction list', () => {
    expect(isToolAllowedForKey(undefined, 'fs', 'read')).toBe(true);
    expect(isToolAllowedForKey([], 'fs', 'read')).toBe(false);
    expect(isToolAllowedForKey(['fs.*'], 'fs', 'read')).toBe(true);
    expect(isToolAllowedForKey(['fs.*'], 'web', 'read')).toBe(false);
    expect(isToolAllowedForKey(['mcp.fs.read_*'], 'fs', 'read_file')).toBe(true);
  });

  it('lets a key reach a server (its resources and prompts) only when some glob names it', () => {
    expect(isServerAllowedForKey(undefined, 'fs')).toBe(true);
    expect(isServerAllowedForKey([], 'fs')).toBe(false);
    expect(isServerAllowedForKey(['fs.read_*'], 'fs')).toBe(true);
    expect(isServerAllowedForKey(['mcp.fs.*'], 'fs')).toBe(true);
    expect(isServerAllowedForKey(['fs.*'], 'memory')).toBe(false);
    expect(isServerAllowedForKey(['echo'], 'memory')).toBe(true);
  });
});
