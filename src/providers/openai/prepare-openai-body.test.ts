import { describe, expect, it } from 'vitest';
import { isOpenAIReasoningModel, needsOpenAIBodyChanges, prepareOpenAIBody } from './prepare-openai-body.js';

const prepare = (modelId: string, body: Record<string, unknown>) => {
  const warnings = prepareOpenAIBody(body, { provider: 'openai', modelId, developerRole: true });
  return { body, warnings };
};

describe('prepareOpenAIBody', () => {
  it('knows which models reason', () => {
    expect(
      ['o1', 'o3-mini', 'o4-mini-2025-04-16', 'gpt-5', 'gpt-5-nano', 'gpt-5.1', 'ft:o4-mini:acme::x1'].map(
        isOpenAIReasoningModel,
      ),
    ).toEqual([true, true, true, true, true, true, true]);
    expect(
      ['gpt-4o', 'gpt-4.1-nano', 'gpt-5-chat-latest', 'chatgpt-4o-latest', 'ft:gpt-4o-mini:acme::x1'].map(
        isOpenAIReasoningModel,
      ),
    ).toEqual([false, false, false, false, false]);
    expect(needsOpenAIBodyChanges('gpt-4o-mini-search-preview')).toBe(true);
    expect(needsOpenAIBodyChanges('gpt-4o')).toBe(false);
  });

  it('leaves classic models alone', () => {
    const body = { model: 'gpt-4o', max_tokens: 5, temperature: 0.1, messages: [{ role: 'system', content: 's' }] };
    const before = structuredClone(body);
    expect(prepare('gpt-4o', body)).toEqual({ body: before, warnings: [] });
  });

  it('drops temperature for search-preview models', () => {
    const { body, warnings } = prepare('gpt-4o-search-preview', { temperature: 0.2, max_tokens: 5 });
    expect(body).toEqual({ max_tokens: 5 });
    expect(warnings).toMatchObject([{ setting: 'temperature' }]);
  });

  it('keeps an explicit max_completion_tokens and warns about the dropped max_tokens', () => {
    const { body, warnings } = prepare('o3', { max_tokens: 10, max_completion_tokens: 20 });
    expect(body).toEqual({ max_completion_tokens: 20 });
    expect(warnings).toMatchObject([{ setting: 'max_tokens' }]);
  });

  it('removes a null max_tokens silently and drops logit_bias even without sampling limits', () => {
    const { body, warnings } = prepare('gpt-5.2', {
      max_tokens: null,
      reasoning_effort: 'none',
      logit_bias: { 1: 2 },
      top_p: 0.5,
    });
    expect(body).toEqual({ reasoning_effort: 'none', top_p: 0.5 });
    expect(warnings.map((w) => w.setting)).toEqual(['logit_bias']);
  });
});
