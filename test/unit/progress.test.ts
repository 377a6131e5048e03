import { strict as assert } from 'node:assert';
import { ProgressGate, finalLine, formatBytes, formatDuration, progressLine } from '../../tasks/common/download/progress';

const MiB = 1024 * 1024;

const GiB = 1024 * MiB;

describe('download: progress', () => {
  it('formats sizes and durations', () => {
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatBytes(1536), '1.50 KiB');
    assert.equal(formatBytes(5 * GiB), '5.00 GiB');
    assert.equal(formatBytes(123.4 * MiB), '123.4 MiB');
    assert.equal(formatDuration(45_000), '45 s');
    assert.equal(formatDuration(192_000), '3 min 12 s');
    assert.equal(formatDuration(3_900_000), '1 h 05 min');
  });

  it("a progress line has bytes, percent, MiB/s and an ETA from this run's rate", () => {
    const line = progressLine({ done: 2 * GiB, total: 4 * GiB, receivedThisRun: GiB, elapsedMs: 10_000 });
    assert.equal(line, 'Downloaded 2.00 GiB of 4.00 GiB (50%), 102.4 MiB/s, about 20 s left.');
    assert.ok(!progressLine({ done: 4, total: 4, receivedThisRun: 4, elapsedMs: 1 }).includes('left'));
  });

  it('reports at most every 10 % or every 30 s', () => {
    const gate = new ProgressGate(0, 0);
    assert.equal(gate.due(5, 1000), false);
    assert.equal(gate.due(10, 2000), true);
    assert.equal(gate.due(15, 3000), false);
    assert.equal(gate.due(16, 33_000), true, '30 s passed');
    assert.equal(gate.due(17, 34_000), false);
    assert.equal(gate.due(35, 35_000), true);
    assert.equal(gate.due(39, 36_000), false, 'next at 40 %');
    const resumed = new ProgressGate(47, 0);
    assert.equal(resumed.due(48, 1), false);
    assert.equal(resumed.due(50, 2), true);
  });

  it('the final line says size, time, throughput, connections, resumed bytes and verification', () => {
    const line = finalLine({
      fileName: 'x.bacpac',
      size: GiB,
      receivedThisRun: 512 * MiB,
      resumedBytes: 512 * MiB,
      elapsedMs: 8000,
      connections: 8,
      verification: 'verified by MD5 (abc)',
    });
    assert.equal(
      line,
      'Downloaded x.bacpac: 1.00 GiB in 8 s (64.0 MiB/s average, 8 connections; 512.0 MiB were already on disk from an earlier run); verified by MD5 (abc).',
    );
  });
});
