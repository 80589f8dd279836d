/** Turns an MCP tool result into the text a model reads, capped at MCP_MAX_TOOL_RESULT_SIZE with a visible marker. */
import type { CallToolResult } from '@modelcontextprotocol/client';

const encoder = new TextEncoder();

function describeBlock(block: CallToolResult['content'][number]): string {
  switch (block.type) {
    case 'text':
      return block.text;
    case 'image':
    case 'audio':
      return `[${block.type} ${block.mimeType}, ${Math.floor((block.data.length * 3) / 4)} bytes]`;
    case 'resource': {
      const resource = block.resource;
      return 'text' in resource && typeof resource.text === 'string'
        ? `[resource ${resource.uri}]\n${resource.text}`
        : `[resource ${resource.uri}${resource.mimeType ? ` ${resource.mimeType}` : ''}]`;
    }
    case 'resource_link':
      return `[resource link ${block.uri}${block.name ? ` (${block.name})` : ''}]`;
    default:
      return JSON.stringify(block);
  }
}

/** The result as text: its text blocks joined, other blocks described, structured content when there is no text. */
export function toolResultText(result: CallToolResult): string {
  const parts = (result.content ?? []).map(describeBlock);
  if (parts.length === 0 && result.structuredContent !== undefined) return JSON.stringify(result.structuredContent);
  return parts.join('\n');
}

/** Cuts `text` to at most `maxBytes` UTF-8 bytes (never inside a character) and says so at the end. */
export function capText(text: string, maxBytes: number): { text: string; truncated: boolean; bytes: number } {
  const bytes = encoder.encode(text);
  if (bytes.length <= maxBytes) return { text, truncated: false, bytes: bytes.length };
  const marker = `\n[truncated by LlamaGate: the result was ${bytes.length} bytes; the limit is ${maxBytes} (MCP_MAX_TOOL_RESULT_SIZE)]`;
  const room = Math.max(0, maxBytes - encoder.encode(marker).length);
  let cut = room;
  // Step back over UTF-8 continuation bytes so the cut never splits a character.
  while (cut > 0 && ((bytes[cut] ?? 0) & 0xc0) === 0x80) cut -= 1;
  return { text: new TextDecoder().decode(bytes.subarray(0, cut)) + marker, truncated: true, bytes: bytes.length };
}
