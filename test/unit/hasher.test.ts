import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { InOrderMd5 } from '../../tasks/common/download/hasher';
import { RangeProgress, planRanges, rangeAt } from '../../tasks/common/download/ranges';

const MiB = 1024 * 1024;

describe('download: in-order MD5 of a file written out of order', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'lcs-md5-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('equals the MD5 of the whole content, whatever the order of the writes', async () => {
    const content = randomBytes(3 * MiB + 333);
    const plan = planRanges(content.length, 256 * 1024);
    const progress = new RangeProgress(plan);
    const handle = await open(path.join(dir, 'f'), 'w+');
    try {
      const hasher = new InOrderMd5(path.join(dir, 'f'), () => progress.contiguousPrefix());
      const order = Array.from({ length: plan.count }, (_, i) => i).sort(() => Math.random() - 0.5);
      for (const index of order) {
        const r = rangeAt(plan, index);
        // Two pieces per range, like two batches of one response.
        for (const [a, b] of [
          [r.start, r.start + 1000],
          [r.start + 1000, r.end],
        ]) {
          const piece = content.subarray(a, b);
          await handle.write(piece, 0, piece.length, a);
          progress.addWritten(index, piece.length);
          hasher.written();
        }
        progress.complete(index);
        hasher.poke();
      }
      assert.equal(await hasher.digest(content.length), createHash('md5').update(content).digest('base64'));
    } finally {
      await handle.close();
    }
  });

  it('fails instead of hashing a gap', async () => {
    const handle = await open(path.join(dir, 'g'), 'w+');
    try {
      const hasher = new InOrderMd5(path.join(dir, 'g'), () => 0);
      await assert.rejects(hasher.digest(10), /gap at byte 0/);
    } finally {
      await handle.close();
    }
  });
});
