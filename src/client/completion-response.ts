/** Builds the library's response objects from adapter results and from streamed parts. */
import type { ChatChoice, ChatResult, ChatStreamPart, FinishReason, ToolCall, Usage, Warning } from '../spec/chat.js';
import type { CompletionResponse, CompletionStep } from './client-types.js';
import type { CallTrace, StreamFallbackPart } from './model-call.js';
import type { ToolResult } from './tool-loop.js';

/** One model call's answer, before the tool loop and schema validation assemble the final response. */
export interface StepResult {
  id: string;
  model: string;
  provider: string;
  choices: ChatChoice[];
  usage: Usage;
  warnings: Warning[];
  raw: unknown;
}

export function stepFromChatResult(result: ChatResult): StepResult {
  return {
    id: result.id,
    model: result.model,
    provider: result.provider,
    choices: result.choices,
    usage: result.usage,
    warnings: result.warnings,
    raw: result.raw,
  };
}

export function firstChoiceText(step: StepResult): string {
  return step.choices[0]?.message.content ?? '';
}

export function firstChoiceToolCalls(step: StepResult): ToolCall[] {
  return step.choices[0]?.message.toolCalls ?? [];
}

function addCount(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a + b;
}

/** Sums token counts; a count stays undefined only when no step reported it. */
export function sumUsage(usages: readonly Usage[]): Usage {
  const total: Usage = {};
  for (const usage of usages) {
    total.promptTokens = addCount(total.promptTokens, usage.promptTokens);
    total.completionTokens = addCount(total.completionTokens, usage.completionTokens);
    total.totalTokens = addCount(total.totalTokens, usage.totalTokens);
    total.cachedTokens = addCount(total.cachedTokens, usage.cachedTokens);
    total.reasoningTokens = addCount(total.reasoningTokens, usage.reasoningTokens);
    if (usage.estimated) total.estimated = true;
  }
  for (const key of Object.keys(total) as (keyof Usage)[]) if (total[key] === undefined) delete total[key];
  return total;
}

export function toStep(index: number, step: StepResult, toolResults: ToolResult[]): CompletionStep {
  const choice = step.choices[0];
  return {
    index,
    model: step.model,
    provider: step.provider,
    text: firstChoiceText(step),
    toolCalls: firstChoiceToolCalls(step),
    toolResults,
    usage: step.usage,
    finishReason: choice?.finishReason ?? 'other',
    warnings: step.warnings,
    raw: step.raw,
  };
}

/** The final response: the last step's answer, every step's usage and warnings. */
export function assembleResponse<T>(
  last: StepResult,
  steps: CompletionStep[],
  trace: CallTrace,
  parsed: T,
): CompletionResponse<T> {
  const choice = last.choices[0];
  return {
    id: last.id,
    model: last.model,
    provider: last.provider,
    text: firstChoiceText(last),
    reasoning: choice?.message.reasoningContent,
    choices: last.choices,
    toolCalls: firstChoiceToolCalls(last),
    usage: steps.length > 1 ? sumUsage(steps.map((step) => step.usage)) : last.usage,
    finishReason: choice?.finishReason ?? 'other',
    rawFinishReason: choice?.rawFinishReason,
    raw: last.raw,
    warnings: steps.length > 1 ? steps.flatMap((step) => step.warnings) : last.warnings,
    fallbackAttempts: trace.fallbackAttempts.map((attempt) => attempt.model),
    fallbackErrors: [...trace.fallbackAttempts],
    cacheHit: trace.cacheHit,
    parsed,
    steps,
  };
}

interface ChoiceState {
  text: string;
  reasoning: string;
  refusal: string;
  toolCalls: ToolCall[];
  finishReason?: FinishReason;
  rawFinishReason?: string;
}

/** Folds stream parts into the answer a non-streaming call would have returned. */
export class StreamAggregator {
  private choices = new Map<number, ChoiceState>();
  private usage: Usage = {};
  private id = '';
  private warnings: Warning[];

  constructor(
    private provider: string,
    private model: string,
    warnings: Warning[],
  ) {
    this.warnings = [...warnings];
  }

  get currentModel(): string {
    return this.model;
  }

  get currentProvider(): string {
    return this.provider;
  }

  text(choiceIndex = 0): string {
    return this.choices.get(choiceIndex)?.text ?? '';
  }

  finishReason(choiceIndex = 0): FinishReason | undefined {
    return this.choices.get(choiceIndex)?.finishReason;
  }

  get currentUsage(): Usage {
    return this.usage;
  }

  private choice(index: number): ChoiceState {
    let state = this.choices.get(index);
    if (state === undefined) {
      state = { text: '', reasoning: '', refusal: '', toolCalls: [] };
      this.choices.set(index, state);
    }
    return state;
  }

  /** A fallback to another model: `restart` forgets what the failed model streamed. */
  switchModel(part: StreamFallbackPart): void {
    this.provider = part.provider;
    this.model = part.to;
    if (part.mode === 'restart') {
      this.choices.clear();
      this.usage = {};
    }
  }

  add(part: ChatStreamPart): void {
    switch (part.type) {
      case 'response-metadata':
        if (part.id !== undefined) this.id = part.id;
        if (part.model !== undefined) this.model = part.model;
        return;
      case 'text-delta':
        this.choice(part.choiceIndex).text += part.delta;
        return;
      case 'reasoning-delta':
        this.choice(part.choiceIndex).reasoning += part.delta;
        return;
      case 'refusal-delta':
        this.choice(part.choiceIndex).refusal += part.delta;
        return;
      case 'tool-call-delta': {
        const calls = this.choice(part.choiceIndex).toolCalls;
        let call = calls[part.toolCallIndex];
        if (call === undefined) {
          call = { id: part.id ?? '', type: 'function', function: { name: part.name ?? '', arguments: '' } };
          calls[part.toolCallIndex] = call;
        }
        if (part.id !== undefined && call.id === '') call.id = part.id;
        if (part.name !== undefined && call.function.name === '') call.function.name = part.name;
        call.function.arguments += part.argumentsDelta;
        return;
      }
      case 'finish': {
        const state = this.choice(part.choiceIndex);
        state.finishReason = part.finishReason;
        state.rawFinishReason = part.rawFinishReason;
        return;
      }
      case 'usage':
        // Adapters may report usage more than once (start and end of a stream); later counts win.
        for (const [key, value] of Object.entries(part.usage) as [keyof Usage, Usage[keyof Usage]][]) {
          if (value !== undefined) Object.assign(this.usage, { [key]: value });
        }
        return;
      case 'error':
        return;
    }
  }

  result(): StepResult {
    const indexes = [...this.choices.keys()].sort((a, b) => a - b);
    if (indexes.length === 0) indexes.push(0);
    const choices = indexes.map((index): ChatChoice => {
      const state = this.choice(index);
      const toolCalls = state.toolCalls.filter((call) => call !== undefined);
      const choice: ChatChoice = {
        index,
        message: { role: 'assistant', content: state.text === '' && toolCalls.length > 0 ? null : state.text },
        finishReason: state.finishReason ?? 'other',
      };
      if (state.rawFinishReason !== undefined) choice.rawFinishReason = state.rawFinishReason;
      if (state.reasoning !== '') choice.message.reasoningContent = state.reasoning;
      if (state.refusal !== '') choice.message.refusal = state.refusal;
      if (toolCalls.length > 0) choice.message.toolCalls = toolCalls;
      return choice;
    });
    return {
      id: this.id,
      model: this.model,
      provider: this.provider,
      choices,
      usage: this.usage,
      warnings: this.warnings,
      raw: undefined,
    };
  }
}
