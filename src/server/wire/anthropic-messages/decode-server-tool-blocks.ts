/**
 * Anthropic's server tool blocks in an earlier assistant turn (web search, web fetch, code execution, tool
 * search: the call and its result, as the API issued them) → a neutral provider part. Anthropic backends get
 * the block back unchanged; every other backend reads a plain-text rendering of what the tool did and found
 * (encrypted content, which only Anthropic can read, is left out).
 */
import type { ProviderContentPart } from '../../../spec/chat.js';
import { BadRequestError } from '../../../spec/errors.js';

type Json = Record<string, unknown>;

/** Server tool result block types, by the tool whose result they carry. */
const RESULT_TYPES: ReadonlySet<string> = new Set([
  'web_search_tool_result',
  'web_fetch_tool_result',
  'code_execution_tool_result',
  'bash_code_execution_tool_result',
  'text_editor_code_execution_tool_result',
  'tool_search_tool_result',
]);

export function isServerToolBlock(type: unknown): boolean {
  return type === 'server_tool_use' || (typeof type === 'string' && RESULT_TYPES.has(type));
}

function invalid(message: string, param: string): BadRequestError {
  return new BadRequestError({ code: 'invalid_request', message: `${param}: ${message}`, param, isRetryable: false });
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function requireString(block: Json, key: string, param: string): string {
  const value = block[key];
  if (value === undefined) throw invalid('Field required', `${param}.${key}`);
  if (typeof value !== 'string') throw invalid('Input should be a valid string', `${param}.${key}`);
  return value;
}

function allowOnly(block: Json, allowed: readonly string[], param: string): void {
  for (const key of Object.keys(block)) {
    if (!allowed.includes(key)) throw invalid('Extra inputs are not permitted', `${param}.${key}`);
  }
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/** stdout, stderr and the exit code of a code execution, as a reader would want them. */
function executionText(result: Json): string {
  const lines = [`exit code ${String(result.return_code ?? '?')}`];
  if (text(result.stdout) !== '') lines.push(`stdout:\n${text(result.stdout)}`);
  if (text(result.stderr) !== '') lines.push(`stderr:\n${text(result.stderr)}`);
  return lines.join('\n');
}

/** What a result says, in words; empty for a content shape this gateway does not know (yet). */
function resultText(content: unknown): string {
  if (Array.isArray(content)) {
    // Web search results: titles and addresses (their content is encrypted for Anthropic).
    return content
      .filter(isObject)
      .map((item) => `- ${text(item.title)} (${text(item.url)})${item.page_age ? `, ${text(item.page_age)}` : ''}`)
      .join('\n');
  }
  if (!isObject(content)) return '';
  const type = text(content.type);
  if (type.endsWith('_error')) {
    const message = text(content.error_message);
    return `error: ${text(content.error_code)}${message === '' ? '' : ` (${message})`}`;
  }
  switch (type) {
    case 'web_fetch_result': {
      const document = isObject(content.content) ? content.content : {};
      const source = isObject(document.source) ? document.source : {};
      const title = text(document.title);
      const body = source.type === 'text' ? text(source.data) : '(a PDF document)';
      return `${text(content.url)}${title === '' ? '' : ` — ${title}`}\n${body}`;
    }
    case 'code_execution_result':
    case 'bash_code_execution_result':
    case 'encrypted_code_execution_result':
      return executionText(content);
    case 'text_editor_code_execution_view_result':
      return text(content.content);
    case 'text_editor_code_execution_create_result':
      return content.is_file_update === true ? 'file updated' : 'file created';
    case 'text_editor_code_execution_str_replace_result':
      return Array.isArray(content.lines) ? content.lines.map(text).join('\n') : 'file edited';
    case 'tool_search_tool_search_result': {
      const references = Array.isArray(content.tool_references) ? content.tool_references : [];
      return `tools found: ${references.map((reference) => (isObject(reference) ? text(reference.tool_name) : '')).join(', ')}`;
    }
    default:
      return '';
  }
}

/**
 * A user turn's file for Anthropic's code execution container: only Anthropic has the container, so other
 * providers get nothing of it (the part has no text and is dropped with a warning).
 */
export function containerUploadPart(block: Json, param: string): ProviderContentPart {
  allowOnly(block, ['type', 'file_id', 'cache_control'], param);
  requireString(block, 'file_id', param);
  return { type: 'provider', provider: 'anthropic', block, text: '' };
}

/** One server tool block of an assistant turn, checked for the fields every reader needs. */
export function serverToolPart(block: Json, param: string): ProviderContentPart {
  const type = block.type as string;
  if (type === 'server_tool_use') {
    allowOnly(block, ['type', 'id', 'name', 'input', 'cache_control', 'caller'], param);
    requireString(block, 'id', param);
    const name = requireString(block, 'name', param);
    if (!isObject(block.input)) throw invalid('Input should be an object', `${param}.input`);
    return { type: 'provider', provider: 'anthropic', block, text: `[${name} ${JSON.stringify(block.input)}]` };
  }
  allowOnly(block, ['type', 'tool_use_id', 'content', 'cache_control', 'caller'], param);
  requireString(block, 'tool_use_id', param);
  if (block.content === undefined) throw invalid('Field required', `${param}.content`);
  const said = resultText(block.content);
  const tool = type.slice(0, -'_tool_result'.length);
  return { type: 'provider', provider: 'anthropic', block, text: `[${tool} result]${said === '' ? '' : `\n${said}`}` };
}
