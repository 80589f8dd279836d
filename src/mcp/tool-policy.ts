/**
 * Allow/deny globs for MCP tools, applied everywhere (what the loop offers and runs, `/v1/mcp/execute`, the
 * `/mcp` hub). A pattern with a dot matches `<server>.<tool>`; one without matches the tool name on any
 * server. `*` matches any run of characters, `?` one. Deny wins; an empty allow list allows everything.
 */
import { matchesGlob } from '../pricing/glob.js';

export interface ToolPolicy {
  allow: readonly string[];
  deny: readonly string[];
}

function matches(pattern: string, server: string, tool: string): boolean {
  if (pattern.includes('.')) {
    const cut = pattern.startsWith('mcp.') ? pattern.slice(4) : pattern;
    return matchesGlob(cut, `${server}.${tool}`);
  }
  return matchesGlob(pattern, tool);
}

/** Why a tool is refused, or undefined when it is allowed. */
export function toolRefusal(policy: ToolPolicy, server: string, tool: string): string | undefined {
  for (const pattern of policy.deny) {
    if (matches(pattern, server, tool))
      return `the tool mcp.${server}.${tool} is denied by MCP_DENY_TOOLS (${pattern})`;
  }
  if (policy.allow.length > 0 && !policy.allow.some((pattern) => matches(pattern, server, tool))) {
    return `the tool mcp.${server}.${tool} is not in MCP_ALLOW_TOOLS`;
  }
  return undefined;
}

export function isToolAllowed(policy: ToolPolicy, server: string, tool: string): boolean {
  return toolRefusal(policy, server, tool) === undefined;
}

/**
 * A virtual key's MCP restriction list (globs over `<server>.<tool>` or `<server>.*`): `undefined` admits
 * everything, a list admits only what it matches (deny by default).
 */
export function isToolAllowedForKey(keyGlobs: readonly string[] | undefined, server: string, tool: string): boolean {
  if (keyGlobs === undefined) return true;
  return keyGlobs.some((pattern) => matches(pattern, server, tool));
}

/**
 * Whether a key's restriction list reaches a server at all (its resources and prompts follow its tools): some
 * glob names the server (`fs.*`, `fs.read_*`) or is a bare tool-name glob (any server).
 */
export function isServerAllowedForKey(keyGlobs: readonly string[] | undefined, server: string): boolean {
  if (keyGlobs === undefined) return true;
  return keyGlobs.some((pattern) => {
    const cut = pattern.startsWith('mcp.') ? pattern.slice(4) : pattern;
    const dot = cut.indexOf('.');
    return dot < 0 || matchesGlob(cut.slice(0, dot), server);
  });
}
