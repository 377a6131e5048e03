/**
 * The pure parts of the download: range planning and progress, the resume record, file-name
 * sanitising, progress text and timing, the retry decision, and the in-order MD5 over a file
 * written out of order.
 */
import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as sinon from 'sinon';
import { InOrderMd5 } from '../../tasks/common/download/hasher';
import { fallbackFileName, safeFileName } from '../../tasks/common/download/fileName';
import { ProgressGate, finalLine, formatBytes, formatDuration, progressLine } from '../../tasks/common/download/progress';
import { MAX_RANGE_BYTES, MIN_RANGE_BYTES, RangeProgress, chooseRangeSize, planRanges, rangeAt } from '../../tasks/common/download/ranges';
import { RecordWriter, openNoFollow, targetFiles } from '../../tasks/common/download/partialFile';
import { blobPath, parseRecord, sameBlob, sameBoot, serializeRecord, trustedRanges } from '../../tasks/common/download/resumeRecord';
import { MAX_TRIES_WITHOUT_PROGRESS, StallBudget, pause } from '../../tasks/common/download/retryPolicy';
import { parseConnections, parseDownloadDirectory, parseDownloadFileName, readDownloadSettings } from '../../tasks/LcsDatabaseBackupsV1/downloadSettings';
import { InputError } from '../../tasks/common/platform/errors';

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
    for (const bad of ['', 'null', '[]', '{', JSON.stringify({ ...good, version: 1 }), JSON.stringify({ ...good, durable: undefined }), JSON.stringify({ ...good, boot: 7 }), JSON.stringify({ ...good, kind: 'x' }), JSON.stringify({ ...good, size: -1 }),
      JSON.stringify({ ...good, rangeSize: 0 }), JSON.stringify({ ...good, done: 'AAAA' }), JSON.stringify({ ...good, done: '!!' }), JSON.stringify({ ...good, etag: '' })]) {
      assert.equal(parseRecord(bad), undefined, bad);
    }
  });
});

describe('download: safe file names', () => {
  const fallback = 'backup-1.bacpac';
  const cases: [string, string][] = [
    ['UAT golden.bacpac', 'UAT golden.bacpac'],
    ['../../etc/passwd', '_.._etc_passwd'],
    ['..\\..\\Windows\\win.ini', '_.._Windows_win.ini'],
    ['C:\\x.bacpac', 'C__x.bacpac'],
    ['/abs/x.bacpac', '_abs_x.bacpac'],
    ['CON', '_CON'],
    ['nul.bacpac', '_nul.bacpac'],
    ['COM1.txt', '_COM1.txt'],
    ['lpt9', '_lpt9'],
    ['CONSOLE.bacpac', 'CONSOLE.bacpac'],
    ['x.bacpac. . ', 'x.bacpac'],
    ['.hidden.bacpac', 'hidden.bacpac'],
    ['a\u0000b\nc\u0085d.bacpac', 'a_b_c_d.bacpac'],
    ['what?*<>|".bacpac', 'what______.bacpac'],
    ['##vso[task.complete result=Failed]x', '##_vso[task.complete result=Failed]x'],
    ['', fallback],
    ['.', fallback],
    ['..', fallback],
    ['   ', fallback],
    ['///', fallback],
  ];
  for (const [raw, expected] of cases) {
    it(`${JSON.stringify(raw)} → ${JSON.stringify(expected)}`, () => {
      const name = safeFileName(raw, fallback);
      assert.equal(name, expected);
      assert.equal(path.basename(name), name);
      assert.equal(path.win32.basename(name), name);
    });
  }

  it('invisible and bidirectional characters (Unicode Cf) do not reach the file name', () => {
    for (const raw of ['UAT\u202Ecapcab.exe', 'UAT\u200Bgolden.bacpac', '\uFEFFx.bacpac', 'a\u2066b\u2069.bacpac', 'x\u00ADy.bacpac', 'x\u2060y.bacpac']) {
      const name = safeFileName(raw, fallback);
      assert.doesNotMatch(name, /\p{Cf}/u, JSON.stringify(name));
    }
    assert.equal(safeFileName('UAT\u202Ecapcab.exe', fallback), 'UAT_capcab.exe');
  });

  it('Windows rules with path.win32: every hostile name stays one file inside the directory', () => {
    const dir = 'C:\\agent\\_work\\1\\s\\backups';
    for (const [raw] of cases) {
      const name = safeFileName(raw, fallback);
      const files = targetFiles(dir, name, path.win32);
      assert.equal(path.win32.dirname(files.finalPath), dir, raw);
      assert.equal(path.win32.basename(files.finalPath), name, raw);
      for (const side of [files.partialPath, files.recordPath, files.recordTempPath, files.lockPath]) assert.equal(path.win32.dirname(side), dir);
      // Windows drops trailing dots and spaces and reserves device names: none survive.
      assert.doesNotMatch(name, /[. ]$/, raw);
      assert.doesNotMatch(name.split('.')[0], /^(con|prn|aux|nul|com\d|lpt\d)$/i, raw);
    }
    for (const bad of ['..\\x', 'C:x', 'a\\b', 'C:\\x']) assert.throws(() => targetFiles(dir, bad, path.win32), /escapes/, bad);
  });

  it('shortens long names to 200 bytes, keeping the extension and whole characters', () => {
    const name = safeFileName(`${'é'.repeat(300)}.bacpac`, fallback);
    assert.ok(Buffer.byteLength(name) <= 200);
    assert.ok(name.endsWith('.bacpac'));
    assert.ok(!name.includes('\ufffd'));
  });

  it('the fallback is built from the id only when the id is a safe token', () => {
    assert.equal(fallbackFileName('ee749be5-7504-4b03-81cc-1daad9cb11c2'), 'backup-ee749be5-7504-4b03-81cc-1daad9cb11c2.bacpac');
    assert.equal(fallbackFileName('../x'), 'backup-unknown.bacpac');
  });
});

describe('download: inputs', () => {
  const source = (inputs: Record<string, string>) => ({ getInput: (n: string) => inputs[n], getEndpoint: () => ({}) });

  it('are validated only when download is true', () => {
    assert.deepEqual(readDownloadSettings(source({ downloadConnections: 'x', downloadDirectory: '' })), { enabled: false });
    assert.throws(() => readDownloadSettings(source({ download: 'true', downloadDirectory: '' })), InputError);
    const settings = readDownloadSettings(source({ download: 'true', downloadDirectory: 'rel/dir' }));
    assert.deepEqual(settings, { enabled: true, directory: path.resolve('rel/dir'), fileName: undefined, connections: 8, overwrite: false });
  });

  it('connections: whole numbers 1-64', () => {
    assert.equal(parseConnections(''), 8);
    assert.equal(parseConnections('1'), 1);
    assert.equal(parseConnections('64'), 64);
    for (const bad of ['0', '65', '-1', '2.5', 'eight', '1e1']) assert.throws(() => parseConnections(bad), /from 1 to 64/);
  });

  it('an unexpanded variable in the directory and a path in the file name are refused', () => {
    assert.throws(() => parseDownloadDirectory('$(Agent.TempDirectory)'), /variable reference/);
    assert.throws(() => parseDownloadFileName('sub/x.bacpac'), /plain file name/);
    assert.throws(() => parseDownloadFileName('CON'), /plain file name/);
    assert.equal(parseDownloadFileName(' golden.bacpac '), 'golden.bacpac');
    assert.equal(parseDownloadFileName(''), undefined);
  });
});

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

  it('a progress line has bytes, percent, MiB/s and an ETA from this run\'s rate', () => {
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
    const line = finalLine({ fileName: 'x.bacpac', size: GiB, receivedThisRun: 512 * MiB, resumedBytes: 512 * MiB, elapsedMs: 8000, connections: 8, verification: 'verified by MD5 (abc)' });
    assert.equal(line, 'Downloaded x.bacpac: 1.00 GiB in 8 s (64.0 MiB/s average, 8 connections; 512.0 MiB were already on disk from an earlier run); verified by MD5 (abc).');
  });
});

describe('download: retry decision', () => {
  const busy = { kind: 'response' as const, status: 503, headers: {} };

  it('retries 5xx, 429, resets and timeouts; not other 4xx or certificate errors', () => {
    const budget = new StallBudget(60_000, () => 0, () => 0.5);
    assert.equal(budget.decide(busy, 1).retry, true);
    assert.equal(budget.decide({ kind: 'response', status: 429, headers: { 'retry-after': '3' } }, 1).retry, true);
    assert.equal(budget.decide({ kind: 'failure', code: 'ECONNRESET', timedOut: false }, 1).retry, true);
    assert.equal(budget.decide({ kind: 'failure', code: '', timedOut: true }, 1).retry, true);
    assert.equal(budget.decide({ kind: 'response', status: 400, headers: {} }, 1).retry, false);
    assert.equal(budget.decide({ kind: 'failure', code: 'CERT_HAS_EXPIRED', timedOut: false }, 1).retry, false);
    const wait = budget.decide({ kind: 'response', status: 429, headers: { 'retry-after': '3' } }, 1);
    assert.ok(wait.retry && wait.waitMs === 3000, JSON.stringify(wait));
  });

  it('gives up after 10 tries without progress, or when no byte arrived within the budget', () => {
    let now = 0;
    const budget = new StallBudget(60_000, () => now, () => 0.5);
    assert.equal(budget.decide(busy, MAX_TRIES_WITHOUT_PROGRESS).retry, false);
    now = 59_000;
    assert.equal(budget.decide(busy, 1).retry, true);
    now = 61_000;
    assert.equal(budget.decide(busy, 2).retry, false);
    assert.equal(budget.decide({ kind: 'failure', code: '', timedOut: true }, 1).retry, true, 'a request\'s first failure (one hung connection) is tried once more');
    budget.progressed();
    assert.equal(budget.decide(busy, 2).retry, true, 'progress renews the budget');
    assert.equal(budget.decide({ kind: 'response', status: 503, headers: { 'retry-after': '120' } }, 1).retry, false, 'Retry-After beyond the budget');
    assert.equal(new StallBudget(0, () => 0).decide(busy, 1).retry, false, 'budget 0: no retries');
  });

  it('says why it gives up as a typed cause, not in the reason\'s words', () => {
    let now = 0;
    const budget = new StallBudget(60_000, () => now, () => 0.5);
    const cause = (d: ReturnType<StallBudget['decide']>): string => (d.retry ? 'retry' : d.cause);
    assert.equal(cause(budget.decide({ kind: 'response', status: 403, headers: {} }, 1)), 'refused');
    assert.equal(cause(budget.decide({ kind: 'failure', code: 'CERT_HAS_EXPIRED', timedOut: false }, 1)), 'refused');
    assert.equal(cause(budget.decide(busy, MAX_TRIES_WITHOUT_PROGRESS)), 'tries');
    assert.equal(cause(budget.decide({ kind: 'response', status: 503, headers: { 'retry-after': '120' } }, 1)), 'budget');
    now = 61_000;
    assert.equal(cause(budget.decide(busy, 2)), 'budget');
  });

  it('waits before a retry (sinon fake timers drive timers/promises) and stops waiting when the run stops', async () => {
    const clock = sinon.useFakeTimers();
    try {
      let over = false;
      const waiting = pause(10_000, new AbortController().signal).then(() => { over = true; });
      await clock.tickAsync(9_999);
      assert.equal(over, false, 'the wait ended early');
      await clock.tickAsync(1);
      await waiting;
      const stop = new AbortController();
      const stopped = pause(3_600_000, stop.signal);
      stop.abort();
      await stopped;
      await pause(3_600_000, stop.signal);
    } finally {
      clock.restore();
    }
  });
});

describe('download: in-order MD5 of a file written out of order', () => {
  let dir: string;
  before(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'lcs-md5-')); });
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
        for (const [a, b] of [[r.start, r.start + 1000], [r.start + 1000, r.end]]) {
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

  it('the record: written at once with every complete range; durable only once a flush (at most every 5 s) is done', async () => {
    const files = targetFiles(dir, 'x.bacpac');
    const order: string[] = [];
    let now = 100_000;
    let done = [0];
    let flushed: () => void = () => undefined;
    const state = () => ({ blob: 'https://a/b', etag: '"1"', size: 20, rangeSize: 5, done });
    const onDisk = () => parseRecord(readFileSync(files.recordPath, 'utf8'));
    const writer = new RecordWriter(files, () => (order.push('snapshot'), state()), () => {
      order.push(existsSync(files.recordPath) ? 'flush after a record' : 'flush');
      return new Promise<void>((resolve) => { flushed = resolve; });
    }, () => now);
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
    // Within 5 s of the flush: the record is written, nothing flushed.
    done = [0, 1, 2];
    now += 1000;
    writer.save();
    assert.deepEqual(order, ['snapshot', 'flush', 'snapshot', 'snapshot']);
    assert.deepEqual([onDisk()?.done, onDisk()?.durable], [[0, 1, 2], [0]]);
    now += 5000;
    writer.save();
    assert.deepEqual(order.at(-1), 'flush after a record');
    flushed();
    await writer.flush();
    assert.deepEqual(onDisk()?.durable, [0, 1, 2]);
    assert.ok(!existsSync(files.recordTempPath));
  });

  it('the record\'s temp name: a link there is removed, not followed; a directory there fails the write', async () => {
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
