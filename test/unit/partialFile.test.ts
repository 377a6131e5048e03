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

  it('the record: state taken, then the data flushed, then the record written; flushes at most every 5 s', async () => {
    const files = targetFiles(dir, 'x.bacpac');
    const order: string[] = [];
    let now = 100_000;
    let done = [0];
    const state = () => ({ blob: 'https://a/b', etag: '"1"', size: 20, rangeSize: 5, done });
    const writer = new RecordWriter(files, () => (order.push('snapshot'), state()), async () => {
      order.push(existsSync(files.recordPath) ? 'flush after a record' : 'flush');
    }, () => now);
    writer.save();
    await writer.flush();
    assert.deepEqual(order, ['snapshot', 'flush']);
    const first = parseRecord(readFileSync(files.recordPath, 'utf8'));
    assert.deepEqual([first?.done, first?.durable], [[0], [0]]);
    // Within 5 s: the record is written, nothing flushed, the durable ranges stay as they were.
    done = [0, 1];
    now += 1000;
    writer.save();
    await writer.flush();
    assert.deepEqual(order, ['snapshot', 'flush', 'snapshot']);
    const second = parseRecord(readFileSync(files.recordPath, 'utf8'));
    assert.deepEqual([second?.done, second?.durable], [[0, 1], [0]]);
    done = [0, 1, 2];
    now += 5000;
    writer.save();
    await writer.flush();
    assert.deepEqual(parseRecord(readFileSync(files.recordPath, 'utf8'))?.durable, [0, 1, 2]);
    assert.ok(!existsSync(files.recordTempPath));
  });
});
