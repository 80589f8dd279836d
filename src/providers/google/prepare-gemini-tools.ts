import type { ChatRequest, Warning } from '../../spec/chat.js';
import { convertJsonSchemaToGemini, hasRecursiveRef, toGeminiJsonSchema } from './convert-json-schema-to-gemini.js';

export interface GeminiTools {
  tools?: Record<string, unknown>[];
  toolConfig?: { functionCallingConfig: Record<string, unknown> };
}

/**
 * OpenAI tools → one Gemini `functionDeclarations` tool; `tool_choice` → `functionCallingConfig` mode
 * (auto → AUTO, none → NONE, required → ANY, a named function → ANY restricted to that name).
 */
export function prepareGeminiTools(
  request: ChatRequest,
  options: { useJsonSchema: boolean; streamFunctionCallArguments: boolean },
  warnings: Warning[],
): GeminiTools {
  const tools = request.tools ?? [];
  if (tools.length === 0) return {};
  const declarations = tools.map((tool) => {
    const declaration: Record<string, unknown> = { name: tool.function.name };
    if (tool.function.description !== undefined) declaration.description = tool.function.description;
    const parameters = tool.function.parameters;
    if (parameters !== undefined) {
      if (options.useJsonSchema || hasRecursiveRef(parameters)) {
        declaration.parametersJsonSchema = toGeminiJsonSchema(parameters);
      } else {
        const converted = convertJsonSchemaToGemini(parameters);
        if (converted !== undefined) declaration.parameters = converted;
      }
    }
    return declaration;
  });
  if (tools.some((tool) => tool.function.strict === true)) {
    warnings.push({
      type: 'unsupported-setting',
      setting: 'tools[].function.strict',
      message: 'Gemini does not enforce strict function schemas; arguments follow the schema on a best-effort basis',
    });
  }
  if (request.parallelToolCalls === false) {
    warnings.push({
      type: 'unsupported-setting',
      setting: 'parallel_tool_calls',
      message: 'Gemini cannot be limited to one tool call per turn; parallel_tool_calls=false was dropped',
    });
  }

  const config: Record<string, unknown> = {};
  const choice = request.toolChoice;
  if (choice === 'auto') config.mode = 'AUTO';
  else if (choice === 'none') config.mode = 'NONE';
  else if (choice === 'required') config.mode = 'ANY';
  else if (choice !== undefined) {
    config.mode = 'ANY';
    config.allowedFunctionNames = [choice.function.name];
  }
  if (options.streamFunctionCallArguments) config.streamFunctionCallArguments = true;
  const result: GeminiTools = { tools: [{ functionDeclarations: declarations }] };
  if (Object.keys(config).length > 0) result.toolConfig = { functionCallingConfig: config };
  return result;
}
