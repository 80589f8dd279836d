/**
 * Prompt templates: `{{name}}` placeholders whose names TypeScript reads from the literal template, so a
 * missing or misspelt variable fails to compile; a template built from a plain `string` is checked at run time.
 */
import type { ChatMessage } from '../spec/chat.js';
import { BadRequestError } from '../spec/errors.js';

type Trim<S extends string> = S extends ` ${infer R}` ? Trim<R> : S extends `${infer L} ` ? Trim<L> : S;

/** The `{{name}}` variable names of a literal template (`never` for a template typed only as `string`). */
export type TemplateVariables<T extends string> = T extends `${string}{{${infer Name}}}${infer Rest}`
  ? Trim<Name> | TemplateVariables<Rest>
  : never;

export type TemplateValue = string | number | boolean;
export type TemplateValues<V extends string> = { readonly [K in V]: TemplateValue };

const PLACEHOLDER = /\{\{\s*([A-Za-z_][\w.-]*)\s*\}\}/g;

function variablesOf(template: string): string[] {
  return [...new Set([...template.matchAll(PLACEHOLDER)].map((match) => match[1] as string))];
}

function fill(template: string, names: readonly string[], values: Readonly<Record<string, unknown>>): string {
  const missing = names.filter((name) => !Object.hasOwn(values, name) || values[name] === undefined);
  const unknown = Object.keys(values).filter((name) => !names.includes(name));
  if (missing.length > 0 || unknown.length > 0) {
    const problems = [
      missing.length > 0 ? `missing ${missing.map((name) => `"${name}"`).join(', ')}` : '',
      unknown.length > 0 ? `unknown ${unknown.map((name) => `"${name}"`).join(', ')}` : '',
    ].filter((part) => part !== '');
    throw new BadRequestError({
      code: 'missing_field',
      message: `Prompt template variables: ${problems.join('; ')} (the template uses ${names.map((name) => `"${name}"`).join(', ') || 'none'})`,
      param: missing[0] ?? unknown[0] ?? null,
    });
  }
  return template.replace(PLACEHOLDER, (_, name: string) => String(values[name]));
}

export interface PromptTemplate<V extends string> {
  readonly template: string;
  /** The variable names, in order of first use. */
  readonly variables: readonly string[];
  /** The text with every `{{name}}` replaced; throws BadRequestError naming missing or unknown variables. */
  format(values: TemplateValues<V>): string;
}

/**
 * A reusable text template.
 *
 * @example
 * const greet = prompt('Greet {{name}} in {{language}}.');
 * greet.format({ name: 'Ada', language: 'French' }); // 'Greet Ada in French.'
 */
export function prompt<const T extends string>(template: T): PromptTemplate<TemplateVariables<T>> {
  const variables = variablesOf(template);
  return {
    template,
    variables,
    format: (values) => fill(template, variables, values as Readonly<Record<string, unknown>>),
  };
}

export type TemplateRole = 'system' | 'user' | 'assistant';

export interface ChatTemplate<V extends string> {
  readonly variables: readonly string[];
  /** The messages with every `{{name}}` replaced, ready for `completion({ messages })` or `parse`. */
  messages(values: TemplateValues<V>): ChatMessage[];
}

/**
 * A reusable conversation: `[role, template]` pairs sharing one set of variables.
 *
 * @example
 * const summarise = chatTemplate([
 *   ['system', 'You summarise {{kind}} documents in {{words}} words.'],
 *   ['user', '{{document}}'],
 * ]);
 * await completion({ model: 'gpt-4o-mini', messages: summarise.messages({ kind: 'legal', words: 50, document }) });
 */
export function chatTemplate<const M extends readonly (readonly [TemplateRole, string])[]>(
  turns: M,
): ChatTemplate<TemplateVariables<M[number][1]>> {
  const variables = [...new Set(turns.flatMap(([, template]) => variablesOf(template)))];
  return {
    variables,
    messages(values) {
      const given = values as Readonly<Record<string, unknown>>;
      // Checked once over the whole conversation, so a variable used only in one turn is not "unknown" to another.
      fill('', variables, given);
      return turns.map(([role, template]): ChatMessage => {
        const content = template.replace(PLACEHOLDER, (_, name: string) => String(given[name]));
        return role === 'assistant' ? { role, content } : { role, content };
      });
    },
  };
}
