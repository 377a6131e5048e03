import { strict as assert } from 'node:assert';
import { blobPath, parseRecord, sameBlob, sameBoot, serializeRecord, trustedRanges } from '../../tasks/common/download/resumeRecord';

const MiB = 1024 * 1024;

const GiB = 1024 * MiB;

describe('download: resume record', () => {
  const identity = { blob: 'https://acct.blob.core.windows.net/c/x.bacpac', etag: '"0x8D1"', size: 50 * GiB + 3 };

  it('round-trips, and stays small for a 50 GB file', () => {
    const done = [0, 1, 2, 7, 6399, 6400];
    const record = { ...identity, rangeSize: 8 * MiB, done, durable: [0, 1], boot: '0f5e2a1c-1111-4222-8333-944455556666' };
    const text = serializeRecord(record);
    assert.ok(text.length < 2500, `${text.length} characters`);
    assert.deepEqual(parseRecord(text), record);
  });

  it('never holds the SAS; the same blob matches whatever its SAS', () => {
    assert.equal(blobPath('https://acct.blob.core.windows.net/c/x.bacpac?sv=1&sig=SECRET'), identity.blob);
    assert.equal(blobPath('not a url'), '');
    assert.ok(!serializeRecord({ ...identity, rangeSize: MiB, done: [], durable: [], boot: 'b' }).includes('sig'));
    assert.ok(sameBlob(identity, { ...identity }));
    assert.ok(!sameBlob(identity, { ...identity, etag: '"0x8D2"' }));
    assert.ok(!sameBlob(identity, { ...identity, size: identity.size - 1 }));
    assert.ok(!sameBlob(identity, { ...identity, blob: 'https://acct.blob.core.windows.net/c/y.bacpac' }));
  });

  it('after a restart of the machine only flushed ranges are trusted; after a kill every complete one', () => {
    const record = { ...identity, rangeSize: 8 * MiB, done: [0, 1, 2, 5], durable: [0, 1], boot: 'aaaaaaaa-1111-4222-8333-944455556666' };
    assert.deepEqual(trustedRanges(record, record.boot), { done: [0, 1, 2, 5], restarted: false });
    assert.deepEqual(trustedRanges(record, 'bbbbbbbb-1111-4222-8333-944455556666'), { done: [0, 1], restarted: true });
    assert.ok(sameBoot('t1000', 't1020'), 'boot times measured a few seconds apart are one boot');
    assert.ok(!sameBoot('t1000', 't1100'));
    assert.ok(!sameBoot('', ''));
  });

  it('rejects anything it did not write: garbage, other versions, a bitmap of the wrong length', () => {
    const good = JSON.parse(serializeRecord({ ...identity, rangeSize: 8 * MiB, done: [1], durable: [], boot: 'b' })) as Record<string, unknown>;
    for (const bad of [
      '',
      'null',
      '[]',
      '{',
      JSON.stringify({ ...good, version: 1 }),
      JSON.stringify({ ...good, durable: undefined }),
      JSON.stringify({ ...good, boot: 7 }),
      JSON.stringify({ ...good, kind: 'x' }),
      JSON.stringify({ ...good, size: -1 }),
      JSON.stringify({ ...good, rangeSize: 0 }),
      JSON.stringify({ ...good, done: 'AAAA' }),
      JSON.stringify({ ...good, done: '!!' }),
      JSON.stringify({ ...good, etag: '' }),
    ]) {
      assert.equal(parseRecord(bad), undefined, bad);
    }
  });
});
