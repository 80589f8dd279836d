/**
 * Validation of a Responses API `input` (a string, or a list of items) into typed items. Shorthand forms the
 * clients send (`{role, content}` without `type`, string content, `output` as content parts) are normalised
 * here so that everything after works on one shape.
 */
import { invalidField, isRecord, type WireBody } from '../wire-fields.js';
import type { InputItem, MessageContentPart, MessageItem, ReasoningItem } from './responses-types.js';

const ROLES = new Set(['user', 'system', 'developer', 'assistant']);
const DETAILS = new Set(['auto', 'low', 'high']);

/** Text files are inlined as text; anything else needs a file-capable upstream the neutral call cannot name. */
function decodeInputFile(part: WireBody, param: string): MessageContentPart {
  const data = part.file_data;
  const name = typeof part.filename === 'string' ? part.filename : 'file';
  if (typeof data === 'string') {
    const match = /^data:([^;,]+)?(;base64)?,(.*)$/s.exec(data);
    const mediaType = match?.[1] ?? '';
    if (match !== null && (mediaType.startsWith('text/') || mediaType === 'application/json')) {
      const body = match[3] ?? '';
      const text = match[2] === undefined ? decodeURIComponent(body) : Buffer.from(body, 'base64').toString('utf8');
      return { type: 'input_text', text: `<file name="${name}">\n${text}\n</file>` };
    }
    if (match !== null && mediaType.startsWith('image/'))
      return { type: 'input_image', image_url: data, detail: 'auto' };
  }
  throw invalidField(
    `'${param}' is not supported: LlamaGate accepts input_file only as a text or image data URL in file_data (file_id and file_url, PDFs and other binaries cannot be forwarded to every backend)`,
    param,
    'invalid_request',
  );
}

function decodeContentPart(part: unknown, param: string, role: MessageItem['role']): MessageContentPart {
  if (!isRecord(part)) throw invalidField(`'${param}' must be an object`, param);
  switch (part.type) {
    case 'input_text':
    case 'output_text':
    case 'text': {
      if (typeof part.text !== 'string') throw invalidField(`'${param}.text' must be a string`, `${param}.text`);
      return role === 'assistant'
        ? { type: 'output_text', text: part.text, annotations: [] }
        : { type: 'input_text', text: part.text };
    }
    case 'refusal':
      if (typeof part.refusal !== 'string')
        throw invalidField(`'${param}.refusal' must be a string`, `${param}.refusal`);
      return { type: 'refusal', refusal: part.refusal };
    case 'input_image': {
      if (typeof part.image_url !== 'string' || part.image_url === '') {
        throw invalidField(
          `'${param}.image_url' must be a URL or data URL (file_id images are not supported by LlamaGate)`,
          `${param}.image_url`,
        );
      }
      const detail = typeof part.detail === 'string' && DETAILS.has(part.detail) ? part.detail : 'auto';
      return { type: 'input_image', image_url: part.image_url, detail: detail as 'auto' | 'low' | 'high' };
    }
    case 'input_file':
      return decodeInputFile(part, param);
    default:
      throw invalidField(
        `'${param}.type' must be input_text, input_image, input_file, output_text or refusal (got ${JSON.stringify(part.type)})`,
        `${param}.type`,
      );
  }
}

function decodeMessage(item: WireBody, param: string): MessageItem {
  const role = item.role;
  if (typeof role !== 'string' || !ROLES.has(role))
    throw invalidField(`'${param}.role' must be user, system, developer or assistant`, `${param}.role`);
  const typedRole = role as MessageItem['role'];
  const content = item.content;
  let parts: MessageContentPart[];
  if (typeof content === 'string') {
    parts = [
      typedRole === 'assistant'
        ? { type: 'output_text', text: content, annotations: [] }
        : { type: 'input_text', text: content },
    ];
  } else if (Array.isArray(content)) {
    parts = content.map((part, index) => decodeContentPart(part, `${param}.content[${index}]`, typedRole));
  } else {
    throw invalidField(`'${param}.content' must be a string or an array of content parts`, `${param}.content`);
  }
  const message: MessageItem = { type: 'message', role: typedRole, content: parts };
  if (typeof item.id === 'string') message.id = item.id;
  return message;
}

/** `function_call_output.output` is a string or a list of input_text parts (images in tool output are dropped). */
function decodeToolOutput(output: unknown, param: string): string {
  if (typeof output === 'string') return output;
  if (Array.isArray(output)) {
    return output
      .map((part, index) => {
        if (isRecord(part) && part.type === 'input_text' && typeof part.text === 'string') return part.text;
        throw invalidField(`'${param}[${index}]' must be an input_text part`, `${param}[${index}]`);
      })
      .join('');
  }
  throw invalidField(`'${param}' must be a string or an array of input_text parts`, param);
}

function decodeReasoning(item: WireBody, param: string): ReasoningItem {
  const summary = Array.isArray(item.summary) ? item.summary : [];
  const reasoning: ReasoningItem = {
    type: 'reasoning',
    summary: summary.map((part, index) => {
      if (isRecord(part) && typeof part.text === 'string') return { type: 'summary_text', text: part.text };
      throw invalidField(`'${param}.summary[${index}]' must be a summary_text part`, `${param}.summary[${index}]`);
    }),
  };
  if (Array.isArray(item.content)) {
    reasoning.content = item.content
      .filter((part): part is WireBody => isRecord(part) && typeof part.text === 'string')
      .map((part) => ({ type: 'reasoning_text', text: part.text as string }));
  }
  if (typeof item.id === 'string') reasoning.id = item.id;
  if (typeof item.encrypted_content === 'string') reasoning.encrypted_content = item.encrypted_content;
  return reasoning;
}

function requireString(item: WireBody, field: string, param: string): string {
  const value = item[field];
  if (typeof value !== 'string' || value === '')
    throw invalidField(`'${param}.${field}' must be a non-empty string`, `${param}.${field}`);
  return value;
}

function decodeItem(item: unknown, param: string): InputItem {
  if (!isRecord(item)) throw invalidField(`'${param}' must be an object`, param);
  const type = item.type ?? (item.role !== undefined ? 'message' : undefined);
  switch (type) {
    case 'message':
      return decodeMessage(item, param);
    case 'function_call': {
      const args = item.arguments;
      const call = {
        type: 'function_call' as const,
        call_id: requireString(item, 'call_id', param),
        name: requireString(item, 'name', param),
        arguments: typeof args === 'string' ? args : JSON.stringify(args ?? {}),
      };
      return typeof item.id === 'string' ? { id: item.id, ...call } : call;
    }
    case 'function_call_output': {
      const output = {
        type: 'function_call_output' as const,
        call_id: requireString(item, 'call_id', param),
        output: decodeToolOutput(item.output, `${param}.output`),
      };
      return typeof item.id === 'string' ? { id: item.id, ...output } : output;
    }
    case 'reasoning':
      return decodeReasoning(item, param);
    case 'item_reference':
      return { type: 'item_reference', id: requireString(item, 'id', param) };
    default:
      throw invalidField(
        `'${param}.type' ${JSON.stringify(type)} is not supported by LlamaGate; use message, function_call, function_call_output, reasoning or item_reference items`,
        `${param}.type`,
      );
  }
}

/** `input` as a string (one user message) or a list of items. */
export function decodeResponsesInput(input: unknown): InputItem[] {
  if (input === undefined || input === null) return [];
  if (typeof input === 'string')
    return [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: input }] }];
  if (!Array.isArray(input)) throw invalidField("'input' must be a string or an array of input items", 'input');
  return input.map((item, index) => decodeItem(item, `input[${index}]`));
}
