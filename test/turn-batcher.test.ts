import { describe, expect, it } from 'vitest';
import { createTurnBatcher } from '../src/lib/turn-batcher.js';

describe('turn batcher', () => {
  it('hands over what was pushed during one turn together, in order, on the next', async () => {
    const sent: number[] = [];
    const batcher = createTurnBatcher<number>((n) => sent.push(n));
    batcher.push(1);
    await Promise.resolve(); // microtasks of this turn: still pending
    batcher.push(2);
    expect(sent).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toEqual([1, 2]);
  });

  it('drains on demand, and sends nothing twice', async () => {
    const sent: string[] = [];
    const batcher = createTurnBatcher<string>((s) => sent.push(s));
    batcher.push('a');
    batcher.drain();
    expect(sent).toEqual(['a']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toEqual(['a']);
  });
});
