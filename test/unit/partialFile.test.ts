import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RecordWriter, openNoFollow, targetFiles } from '../../tasks/common/download/partialFile';
import { parseRecord } from '../../tasks/common/download/resumeRecord';

describe('download: files on disk without following links (POSIX and the Windows branch)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'lcs-nofollow-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  for (const platform of ['linux', 'win32'] as const) {
    it(`${platform}: opens a regular file, refuses a link to one (O_NOFOLLOW, or lstat + handle compare)`, async () => {
      const file = path.join(dir, 'x.partial');
      writeFileSync(file, 'abc');
      const handle = await openNoFollow(file, 'r+', platform);
      await handle.close();
      symlinkSync(file, path.join(dir, 'link'));
      await assert.rejects(openNoFollow(path.join(dir, 'link'), 'r', platform), { code: 'ELOOP' });
      mkdirSync(path.join(dir, 'd'));
      await assert.rejects(openNoFollow(path.join(dir, 'd'), 'r', platform), { code: 'EISDIR' });
    });
  }

  it('the record: written at once with every complete range; durable only once a flush (at most every 30 s) is done', async () => {
    const files = targetFiles(dir, 'x.bacpac');
    const order: string[] = [];
    let now = 100_000;
    let done = [0];
    let flushed: () => void = () => undefined;
    const state = () => ({ blob: 'https://a/b', etag: '"1"', size: 20, rangeSize: 5, done });
    const onDisk = () => parseRecord(readFileSync(files.recordPath, 'utf8'));
    const writer = new RecordWriter(
      files,
      () => (order.push('snapshot'), state()),
      () => {
        order.push(existsSync(files.recordPath) ? 'flush after a record' : 'flush');
        return new Promise<void>((resolve) => {
          flushed = resolve;
        });
      },
      () => now,
    );
    writer.save();
    // The state is taken, then the flush starts, and the record is on disk before save() returns.
    assert.deepEqual(order, ['snapshot', 'flush']);
    assert.deepEqual([onDisk()?.done, onDisk()?.durable], [[0], []]);
    // A range completed while the flush runs is in the record at once, not durable yet.
    done = [0, 1];
    writer.save();
    assert.deepEqual([onDisk()?.done, onDisk()?.durable], [[0, 1], []]);
    flushed();
    await writer.flush();
    assert.deepEqual([onDisk()?.done, onDisk()?.durable], [[0, 1], [0]], 'the flushed state is durable, the later range is not');
    // Within 30 s of the flush: the record is written, nothing flushed.
    done = [0, 1, 2];
    now += 29_999;
    writer.save();
    assert.deepEqual(order, ['snapshot', 'flush', 'snapshot', 'snapshot']);
    assert.deepEqual([onDisk()?.done, onDisk()?.durable], [[0, 1, 2], [0]]);
    now += 1;
    writer.save();
    assert.deepEqual(order.at(-1), 'flush after a record');
    // This flush takes 3 s (a slow disk): the next one waits 20 x 3 s = 60 s, not 30 s.
    now += 3000;
    flushed();
    await writer.flush();
    assert.deepEqual(onDisk()?.durable, [0, 1, 2]);
    assert.ok(!existsSync(files.recordTempPath));
    done = [0, 1, 2, 3];
    now += 59_999;
    writer.save();
    assert.deepEqual(order.filter((o) => o !== 'snapshot').length, 2, 'no flush within 60 s of one that took 3 s');
    now += 1;
    writer.save();
    assert.deepEqual(order.at(-1), 'flush after a record');
    flushed();
    await writer.flush();
    assert.deepEqual(onDisk()?.durable, [0, 1, 2, 3]);
  });

  it("the record's temp name: a link there is removed, not followed; a directory there fails the write", async () => {
    const files = targetFiles(dir, 'y.bacpac');
    const victim = path.join(dir, 'victim');
    writeFileSync(victim, 'keep me');
    symlinkSync(victim, files.recordTempPath);
    const state = () => ({ blob: 'https://a/b', etag: '"1"', size: 20, rangeSize: 5, done: [0] });
    const writer = new RecordWriter(files, state, async () => undefined);
    writer.save();
    await writer.flush();
    assert.equal(readFileSync(victim, 'utf8'), 'keep me');
    assert.deepEqual(parseRecord(readFileSync(files.recordPath, 'utf8'))?.done, [0]);
    mkdirSync(files.recordTempPath);
    writer.save();
    assert.throws(() => writer.check(), { code: 'EISDIR' });
  });
});
