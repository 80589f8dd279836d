import { describe, expect, it } from 'vitest';
import { stopSequenceOf, tailLength } from './stop-sequence.js';

const stops = ['\n\nUser:', 'END', 'THE END'];

describe('stopSequenceOf', () => {
  it("takes the upstream's word first", () => {
    expect(stopSequenceOf(stops, { finishReason: 'stop', stopSequence: 'END' }, 'no match')).toBe('END');
  });

  it('finds the longest stop sequence the output ends with, only for a plain stop', () => {
    expect(stopSequenceOf(stops, { finishReason: 'stop' }, 'and that was THE END')).toBe('THE END');
    expect(stopSequenceOf(stops, { finishReason: 'length' }, 'and that was THE END')).toBeUndefined();
    expect(stopSequenceOf(stops, { finishReason: 'stop' }, 'END of story')).toBeUndefined();
  });

  it('names the only stop sequence when the upstream said it stopped on one without saying which', () => {
    expect(stopSequenceOf(['END'], { finishReason: 'stop', rawFinishReason: 'stop_sequence' }, 'x')).toBe('END');
    expect(stopSequenceOf(['END'], { finishReason: 'stop', rawFinishReason: 'STOP_SEQUENCE' }, 'x')).toBe('END');
    expect(stopSequenceOf(stops, { finishReason: 'stop', rawFinishReason: 'stop_sequence' }, 'x')).toBeUndefined();
    expect(stopSequenceOf(['END'], { finishReason: 'stop', rawFinishReason: 'stop' }, 'x')).toBeUndefined();
  });

  it('finds nothing without stop sequences in the request', () => {
    expect(stopSequenceOf(undefined, { finishReason: 'stop' }, 'END')).toBeUndefined();
    expect(stopSequenceOf([''], { finishReason: 'stop' }, 'END')).toBeUndefined();
    expect(tailLength(stops)).toBe(7);
    expect(tailLength(undefined)).toBe(0);
  });
});
