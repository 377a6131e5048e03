import { strict as assert } from 'node:assert';
import { MAX_RANGE_BYTES, MIN_RANGE_BYTES, RangeProgress, chooseRangeSize, planRanges, rangeAt } from '../../tasks/common/download/ranges';

const MiB = 1024 * 1024;

const GiB = 1024 * MiB;

describe('download: range planning', () => {
  it('uses 8 MiB ranges for large blobs and smaller ones so small blobs still use every connection', () => {
    assert.equal(chooseRangeSize(50 * GiB, 8), MAX_RANGE_BYTES);
    assert.equal(chooseRangeSize(GiB, 8), MAX_RANGE_BYTES);
    assert.equal(chooseRangeSize(4 * MiB, 4), MIN_RANGE_BYTES);
    assert.equal(chooseRangeSize(64 * MiB, 4), 4 * MiB);
    assert.equal(chooseRangeSize(0, 8), MIN_RANGE_BYTES);
    for (const size of [1, 1000, 3 * MiB + 1, 100 * MiB + 17]) assert.equal(chooseRangeSize(size, 3) % (64 * 1024), 0);
  });

  it('cuts a blob into ranges that cover every byte exactly once', () => {
    const plan = planRanges(10 * MiB + 5, 4 * MiB);
    assert.equal(plan.count, 3);
    assert.deepEqual(rangeAt(plan, 2), { index: 2, start: 8 * MiB, end: 10 * MiB + 5 });
    assert.equal(planRanges(0, MiB).count, 0);
    assert.throws(() => planRanges(-1, MiB), RangeError);
    assert.throws(() => planRanges(10, 0), RangeError);
  });

  it('hands out each missing range once, skips complete ones, and tracks the contiguous prefix', () => {
    const progress = new RangeProgress(planRanges(10, 3), [1]);
    assert.equal(progress.completeBytes, 3);
    assert.equal(progress.contiguousPrefix(), 0);
    const a = progress.take()!;
    const b = progress.take()!;
    assert.deepEqual([a.index, b.index], [0, 2]);
    progress.addWritten(0, 2);
    assert.equal(progress.contiguousPrefix(), 2);
    progress.complete(0);
    assert.equal(progress.contiguousPrefix(), 6, 'range 1 was complete already');
    progress.addWritten(2, 1);
    assert.equal(progress.bytesOnDisk(), 7);
    assert.equal(progress.contiguousPrefix(), 7);
    const c = progress.take()!;
    assert.equal(c.index, 3);
    progress.complete(2);
    progress.complete(3);
    assert.equal(progress.take(), undefined);
    assert.equal(progress.allDone, true);
    assert.equal(progress.contiguousPrefix(), 10);
    assert.deepEqual(progress.completeIndices(), [0, 1, 2, 3]);
  });
});
