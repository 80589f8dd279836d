import { describe, expect, it } from 'vitest';
import { applyServerV8Tuning, INLINING_FLAGS } from './v8-tuning.js';

describe('applyServerV8Tuning', () => {
  it('sets every inlining budget when node was given none', () => {
    const set: string[] = [];
    const applied = applyServerV8Tuning({
      execArgv: ['--max-semi-space-size=32'],
      nodeOptions: '',
      set: (flag) => set.push(flag),
    });
    expect(set).toEqual([...INLINING_FLAGS]);
    expect(applied).toEqual(set);
  });

  it("keeps the operator's own value, given on the command line or in NODE_OPTIONS, in either spelling", () => {
    const set: string[] = [];
    applyServerV8Tuning({
      execArgv: ['--max-inlined-bytecode-size=100'],
      nodeOptions: '--enable-source-maps  --max_inlined_bytecode_size_absolute=9000',
      set: (flag) => set.push(flag),
    });
    expect(set).toEqual(['--max-inlined-bytecode-size-cumulative=8000']);
  });

  it('reads process.execArgv and NODE_OPTIONS by default and sets the flags in V8', () => {
    // Under vitest no inlining flag is given, so all three are set (V8 accepts them: no exception).
    expect(applyServerV8Tuning()).toEqual([...INLINING_FLAGS]);
  });
});
