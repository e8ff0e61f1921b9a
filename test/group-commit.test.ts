import { describe, expect, it } from 'vitest';
import { createGroupCommit } from '../src/lib/group-commit.js';

type Item = { key: string; value: number };
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** A writer whose batches stay in flight until the test releases them. */
function recordingWriter(fail?: (items: Item[]) => boolean) {
  const batches: Item[][] = [];
  const inFlight: (() => void)[] = [];
  const write = (items: Item[]) => {
    batches.push(items);
    return new Promise<number[]>((resolve, reject) => {
      inFlight.push(() =>
        fail?.(items) ? reject(new Error(`bad batch ${items.map((i) => i.key)}`)) : resolve(items.map((i) => i.value * 10)),
      );
    });
  };
  // Releases batches as they come until none follows (each next batch starts a turn later).
  const releaseAll = async () => {
    for (;;) {
      await nextTurn();
      await nextTurn();
      if (inFlight.length === 0) return;
      while (inFlight.length > 0) inFlight.shift()!();
    }
  };
  return { batches, write, releaseAll, inFlight };
}

const item = (key: string, value: number): Item => ({ key, value });

describe('group commit', () => {
  it('writes the items of one turn in one batch and gives each caller its own result', async () => {
    const w = recordingWriter();
    const store = createGroupCommit({ write: w.write, key: (i: Item) => i.key, maxBatch: 10 });
    const results = Promise.all([store(item('a', 1)), store(item('b', 2)), store(item('c', 3))]);
    await nextTurn();
    expect(w.batches).toEqual([[item('a', 1), item('b', 2), item('c', 3)]]);
    await w.releaseAll();
    expect(await results).toEqual([10, 20, 30]);
  });

  it('keeps one batch in flight: what arrives meanwhile leaves together when it returns', async () => {
    const w = recordingWriter();
    const store = createGroupCommit({ write: w.write, key: (i: Item) => i.key, maxBatch: 10 });
    const first = store(item('a', 1));
    await nextTurn();
    const later = [store(item('b', 2)), store(item('c', 3))];
    await nextTurn();
    await nextTurn();
    expect(w.batches).toHaveLength(1); // b and c wait for a's batch
    await w.releaseAll();
    expect(w.batches).toEqual([[item('a', 1)], [item('b', 2), item('c', 3)]]);
    expect(await Promise.all([first, ...later])).toEqual([10, 20, 30]);
  });

  it('never puts two items with one key in a batch, and respects maxBatch', async () => {
    const w = recordingWriter();
    const store = createGroupCommit({ write: w.write, key: (i: Item) => i.key, maxBatch: 2 });
    const results = Promise.all([store(item('a', 1)), store(item('a', 2)), store(item('b', 3)), store(item('c', 4))]);
    await nextTurn();
    await w.releaseAll();
    expect(w.batches).toEqual([
      [item('a', 1), item('b', 3)],
      [item('a', 2), item('c', 4)],
    ]);
    expect(await results).toEqual([10, 20, 30, 40]);
  });

  it('when a batch fails, tries each item alone: only the bad one fails', async () => {
    const w = recordingWriter((items) => items.some((i) => i.key === 'bad'));
    const store = createGroupCommit({ write: w.write, key: (i: Item) => i.key, maxBatch: 10 });
    const results = Promise.allSettled([store(item('a', 1)), store(item('bad', 2)), store(item('c', 3))]);
    await nextTurn();
    await w.releaseAll();
    expect(w.batches).toEqual([[item('a', 1), item('bad', 2), item('c', 3)], [item('a', 1)], [item('bad', 2)], [item('c', 3)]]);
    const settled = await results;
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((settled[1] as PromiseRejectedResult).reason.message).toBe('bad batch bad');
  });

  it('rejects every item of a batch whose writer returned the wrong number of results', async () => {
    const store = createGroupCommit({ write: async () => [1], key: (i: Item) => i.key, maxBatch: 10 });
    const settled = await Promise.allSettled([store(item('a', 1)), store(item('b', 2))]);
    // The batch of two fails the count check; each alone then gets its one result.
    expect(settled).toEqual([
      { status: 'fulfilled', value: 1 },
      { status: 'fulfilled', value: 1 },
    ]);
    const none = createGroupCommit({ write: async () => [], key: (i: Item) => i.key, maxBatch: 10 });
    await expect(none(item('a', 1))).rejects.toThrow('group commit: 0 results for 1 items');
  });

  it('with maxInFlight, starts further batches at once: same-key items run side by side', async () => {
    const w = recordingWriter();
    const store = createGroupCommit({ write: w.write, key: (i: Item) => i.key, maxBatch: 10, maxInFlight: 2 });
    const results = Promise.all([store(item('a', 1)), store(item('a', 2)), store(item('a', 3))]);
    await nextTurn();
    expect(w.batches).toEqual([[item('a', 1)], [item('a', 2)]]); // two in flight, the third waits
    await w.releaseAll();
    expect(w.batches).toHaveLength(3);
    expect(await results).toEqual([10, 20, 30]);
  });
});
