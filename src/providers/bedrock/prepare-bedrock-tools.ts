import type { ChatRequest, JsonSchema, Warning } from '../../spec/chat.js';

export interface BedrockToolSpec {
  toolSpec: { name: string; description?: string; inputSchema: { json: JsonSchema } };
}

export type BedrockToolChoice =
  | { auto: Record<string, never> }
  | { any: Record<string, never> }
  | { tool: { name: string } };

export interface BedrockToolConfig {
  tools: BedrockToolSpec[];
  toolChoice?: BedrockToolChoice;
}

export interface PreparedTools {
  toolConfig?: BedrockToolConfig;
  /** Name of the tool that carries a structured (JSON) answer, when the request asked for one. */
  jsonToolName?: string;
  /** History tool calls must be written as text: no tools are declared, so Bedrock would reject them. */
  toolBlocksAsText: boolean;
}

const EMPTY_OBJECT_SCHEMA: JsonSchema = { type: 'object', properties: {} };

function jsonTool(request: ChatRequest, taken: Set<string>): BedrockToolSpec | undefined {
  const format = request.responseFormat;
  if (format === undefined || format.type === 'text') return undefined;
  let name = 'json';
  for (let suffix = 1; taken.has(name); suffix++) name = `json_${suffix}`;
  if (format.type === 'json_object') {
    return {
      toolSpec: { name, description: 'Respond with a JSON object.', inputSchema: { json: { type: 'object' } } },
    };
  }
  const spec: BedrockToolSpec = {
    toolSpec: {
      name,
      description: format.json_schema.description ?? 'Respond with a JSON object matching the schema.',
      inputSchema: { json: format.json_schema.schema ?? { type: 'object' } },
    },
  };
  return spec;
}

/**
 * Tools and tool choice → Converse `toolConfig`. Structured output rides on one more tool the model is
 * made to call (Converse has no response_format): forced outright when it is the only tool, `any` when the
 * caller's tools are offered too, so the model may still call those first.
 */
export function prepareBedrockTools(
  request: ChatRequest,
  options: { historyHasToolTraffic: boolean; thinking: boolean },
  warnings: Warning[],
): PreparedTools {
  const userTools: BedrockToolSpec[] = (request.tools ?? []).map((tool) => {
    const spec: BedrockToolSpec = {
      toolSpec: { name: tool.function.name, inputSchema: { json: tool.function.parameters ?? EMPTY_OBJECT_SCHEMA } },
    };
    if (tool.function.description) spec.toolSpec.description = tool.function.description;
    return spec;
  });
  if (request.tools?.some((tool) => tool.function.strict === true)) {
    warnings.push({
      type: 'unsupported-setting',
      setting: 'tools[].function.strict',
      message: 'Bedrock Converse has no strict schema mode; tool arguments are not guaranteed to match the schema',
    });
  }
  if (request.parallelToolCalls === false) {
    warnings.push({
      type: 'unsupported-setting',
      setting: 'parallel_tool_calls',
      message: 'Bedrock Converse cannot disable parallel tool calls; the setting was dropped',
    });
  }
  const choice = request.toolChoice;
  const result: PreparedTools = { toolBlocksAsText: false };
  const json = jsonTool(request, new Set(userTools.map((tool) => tool.toolSpec.name)));
  let tools = userTools;
  let toolChoice: BedrockToolChoice | undefined;
  if (choice === 'none' && userTools.length > 0) {
    if (options.historyHasToolTraffic) {
      warnings.push({
        type: 'unsupported-setting',
        setting: 'tool_choice',
        message:
          'Bedrock has no tool_choice "none"; the tools stay declared because the history has tool calls, so the model may still call one',
      });
    } else {
      warnings.push({
        type: 'unsupported-setting',
        setting: 'tool_choice',
        message: 'Bedrock has no tool_choice "none"; the tools were left out of the request instead',
      });
      tools = [];
    }
  } else if (choice === 'auto') {
    toolChoice = { auto: {} };
  } else if (choice === 'required') {
    toolChoice = { any: {} };
  } else if (typeof choice === 'object') {
    toolChoice = { tool: { name: choice.function.name } };
  }
  if (json !== undefined) {
    result.jsonToolName = json.toolSpec.name;
    toolChoice = tools.length === 0 ? { tool: { name: json.toolSpec.name } } : { any: {} };
    tools = [...tools, json];
  }
  if (options.thinking && toolChoice !== undefined && !('auto' in toolChoice)) {
    warnings.push({
      type: 'unsupported-setting',
      setting: 'tool_choice',
      message: 'Claude cannot be forced to call a tool while thinking is enabled; tool choice "auto" was used',
    });
    toolChoice = { auto: {} };
  }
  if (tools.length === 0) {
    if (options.historyHasToolTraffic) {
      result.toolBlocksAsText = true;
      warnings.push({
        type: 'other',
        message:
          'Bedrock needs tools declared to accept tool calls in the history; they were sent as text because the request declares none',
      });
    }
    return result;
  }
  result.toolConfig = toolChoice === undefined ? { tools } : { tools, toolChoice };
  return result;
}
