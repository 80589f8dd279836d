import type { FunctionTool, ToolChoice, Warning } from '../../spec/chat.js';
import { BadRequestError } from '../../spec/errors.js';

export interface CohereTool {
  type: 'function';
  function: { name: string; description?: string; parameters: Record<string, unknown> };
}

export interface PreparedCohereTools {
  tools?: CohereTool[];
  toolChoice?: 'REQUIRED' | 'NONE';
  strictTools?: boolean;
  warnings: Warning[];
}

function toCohereTool(tool: FunctionTool): CohereTool {
  const converted: CohereTool = {
    type: 'function',
    // Cohere validates `parameters` as a JSON schema; a tool without arguments still needs an object schema.
    function: { name: tool.function.name, parameters: tool.function.parameters ?? { type: 'object', properties: {} } },
  };
  if (tool.function.description !== undefined) converted.function.description = tool.function.description;
  return converted;
}

/**
 * Tools and tool choice in Cohere's terms. Cohere only knows REQUIRED and NONE (no choice = auto), so a
 * named choice becomes REQUIRED with only that tool offered. Strictness is per request (`strict_tools`),
 * so it is on only when every tool asked for it.
 */
export function prepareCohereTools(
  tools: readonly FunctionTool[] | undefined,
  toolChoice: ToolChoice | undefined,
  provider: string,
): PreparedCohereTools {
  const warnings: Warning[] = [];
  if (tools === undefined || tools.length === 0) {
    if (toolChoice === 'required' || typeof toolChoice === 'object') {
      warnings.push({
        type: 'unsupported-setting',
        setting: 'tool_choice',
        message: 'tool_choice was dropped because the request has no tools',
      });
    }
    return { warnings };
  }
  let offered = [...tools];
  let choice: PreparedCohereTools['toolChoice'];
  if (toolChoice === 'required') choice = 'REQUIRED';
  else if (toolChoice === 'none') choice = 'NONE';
  else if (typeof toolChoice === 'object') {
    const name = toolChoice.function.name;
    const named = tools.find((tool) => tool.function.name === name);
    if (named === undefined) {
      throw new BadRequestError({
        message: `tool_choice names the function ${name}, which is not in tools`,
        param: 'tool_choice',
        provider,
        isRetryable: false,
      });
    }
    offered = [named];
    choice = 'REQUIRED';
    warnings.push({
      type: 'unsupported-setting',
      setting: 'tool_choice',
      message: `Cohere cannot force a named tool; only ${name} was offered, with tool_choice REQUIRED`,
    });
  }
  const prepared: PreparedCohereTools = { tools: offered.map(toCohereTool), warnings };
  if (choice !== undefined) prepared.toolChoice = choice;
  const strict = offered.filter((tool) => tool.function.strict === true).length;
  if (strict > 0 && strict === offered.length) prepared.strictTools = true;
  else if (strict > 0) {
    warnings.push({
      type: 'unsupported-setting',
      setting: 'strict',
      message:
        'Cohere applies strict tool schemas to all tools or none; strict was ignored because not all tools set it',
    });
  }
  return prepared;
}
