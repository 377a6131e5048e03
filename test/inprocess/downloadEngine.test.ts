/**
 * The download engine (tasks/common/download) in this process against the emulator's blob storage,
 * with the hostile answers and the hostile folder of issue 17: over-long and endless bodies, planted
 * links, a file appearing mid-download, two runs in one folder, a record that cannot be written,
 * a Content-MD5 that is not base64, a 206 with another ETag; and the storage version of issue 18.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import fs, { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { blobMd5, type BlobSpec, type Emulator, type EmulatedBlob } from '../emulator/emulator';
import { DownloadOptions, DownloadResult, downloadBlob } from '../../tasks/common/download/engine';
import { STORAGE_VERSION } from '../../tasks/common/download/blobHttp';
import { TaskFailure, ThrottledError, TransportError } from '../../tasks/common/platform/errors';
import { targetFiles } from '../../tasks/common/download/partialFile';
import { connectorFor } from '../../tasks/common/http/tunnel';
import { md5Base64 } from '../e2e/downloadSupport';
import { chooseRangeSize } from '../../tasks/common/download/ranges';
import * as sinon from 'sinon';
import { useEmulator } from '../support/useEmulator';

const MiB = 1024 * 1024;
const FILE = 'golden.bacpac';
const dirs: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lcs-engine-'));
  dirs.push(dir);
  return dir;
}

interface Engine {
  blob: EmulatedBlob;
  dir: string;
  lines: string[];
  run(extra?: Partial<DownloadOptions>): Promise<DownloadResult>;
  fail(extra?: Partial<DownloadOptions>): Promise<TaskFailure>;
}

/** A blob in the emulator and a downloadBlob() wired to it (the test CA trusted, short limits). */
function engine(emu: Emulator, spec: BlobSpec, dir = tempDir(), fileName = FILE): Engine {
  return engineOn(emu, emu.addBlob(`b${emu.blobStore.blobs.size}.bacpac`, spec), dir, fileName);
}

/** A downloadBlob() of a blob already in the emulator into `dir`. */
function engineOn(emu: Emulator, blob: EmulatedBlob, dir: string, fileName = FILE): Engine {
  const agent = new https.Agent({ ca: readFileSync(emu.caFile), keepAlive: true });
  const lines: string[] = [];
  const options = (extra: Partial<DownloadOptions>): DownloadOptions => ({
    url: emu.blobUrl(blob.name),
    freshUrl: async () => emu.blobUrl(blob.name),
    files: targetFiles(dir, fileName),
    connections: 4,
    overwrite: false,
    agentFor: () => agent,
    connector: connectorFor({ proxyFor: () => undefined, cert: { caFile: emu.caFile } }),
    requestTimeoutMs: 5000,
    retryBudgetMs: 5000,
    lockPollMs: 50,
    info: (l) => lines.push(l),
    debug: (l) => lines.push(`debug: ${l}`),
    setProgress: () => undefined,
    onCancel: () => () => undefined,
    ...extra,
  });
  const run = (extra: Partial<DownloadOptions> = {}): Promise<DownloadResult> => downloadBlob(options(extra));
  const fail = async (extra: Partial<DownloadOptions> = {}): Promise<TaskFailure> => {
    const error = await run(extra).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof TaskFailure, `expected a TaskFailure, got ${String(error)}\n${lines.join('\n')}`);
    return error;
  };
  return { blob, dir, lines, run, fail };
}

/** The download is exactly the blob and nothing else is in the folder. */
function assertExact(e: Engine, result: DownloadResult, fileName = FILE): void {
  assert.equal(result.path, path.join(e.dir, fileName));
  assert.ok(lstatSync(result.path).isFile());
  assert.equal(statSync(result.path).size, e.blob.size);
  assert.equal(md5Base64(result.path), blobMd5(e.blob.seed, e.blob.size));
  assert.deepEqual(readdirSync(e.dir), [fileName]);
}

function text(e: Engine, error?: TaskFailure): string {
  return [...e.lines, error ? `${error.message} ${error.advice ?? ''}` : ''].join('\n');
}

describe('download engine: the file is exactly the blob, or nothing is published', function () {
  this.timeout(30_000);
  const ctx = useEmulator();
  after(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  describe('over-long answers (issue 17, 1)', () => {
    for (const mode of ['length', 'chunked'] as const) {
      it(`a 206 ${mode === 'length' ? 'with a longer Content-Length' : 'chunked body that runs on'} is a failed attempt; the file is exactly the blob (no MD5)`, async () => {
        const e = engine(ctx.emu, { size: MiB, withMd5: false, faults: { overlong: { mode, first: 2 } } });
        const result = await e.run();
        assertExact(e, result);
        assert.match(text(e), /longer than the \d+ bytes asked for \(a bad storage or proxy answer\); trying again/);
      });
    }

    it('an endless body never grows the file past its range; the run fails saying storage or a proxy answers badly', async () => {
      const e = engine(ctx.emu, { size: MiB, withMd5: false, faults: { overlong: { mode: 'endless', first: 1000 } } });
      const error = await e.fail({ connections: 1 });
      assert.match(error.message, /longer than the \d+ bytes asked for/);
      assert.match(error.advice ?? '', /proxy/);
      const partial = path.join(e.dir, `${FILE}.partial`);
      assert.ok(statSync(partial).size <= e.blob.size, `the partial file grew to ${statSync(partial).size}`);
      assert.ok(!existsSync(path.join(e.dir, FILE)));
    });

    it('with an MD5, over-long answers are not blamed on the backup in LCS', async () => {
      const e = engine(ctx.emu, { size: MiB, faults: { overlong: { mode: 'length', first: 1000 } } });
      const error = await e.fail({ connections: 1 });
      assert.doesNotMatch(text(e, error), /damaged|export a new one/);
      assert.match(error.advice ?? '', /proxy/);
      assert.ok(statSync(path.join(e.dir, `${FILE}.partial`)).size <= e.blob.size);
    });
  });

  describe('links (issue 17, 2)', () => {
    it('a dangling link at the .partial name is removed, never followed; nothing lands outside the folder', async () => {
      const outside = tempDir();
      const e = engine(ctx.emu, { size: MiB });
      symlinkSync(path.join(outside, 'evil'), path.join(e.dir, `${FILE}.partial`));
      assertExact(e, await e.run());
      assert.deepEqual(readdirSync(outside), []);
    });

    it("a link at the record's temporary name does not overwrite the file it points to", async () => {
      const outside = tempDir();
      const victim = path.join(outside, 'victim.txt');
      writeFileSync(victim, 'keep me');
      const e = engine(ctx.emu, { size: MiB });
      symlinkSync(victim, path.join(e.dir, `${FILE}.partial.json.tmp`));
      assertExact(e, await e.run());
      assert.equal(readFileSync(victim, 'utf8'), 'keep me');
    });

    it('a link at the final name (dangling or a loop) is a clear message, not followed, not a bug', async () => {
      const e = engine(ctx.emu, { size: MiB });
      symlinkSync(path.join(e.dir, FILE), path.join(e.dir, FILE));
      const error = await e.fail();
      assert.match(error.message, /is a symbolic link/);
      assert.doesNotMatch(text(e, error), /bug/i);
    });
  });

  describe('overwriteExisting=false holds to the end (issue 17, 3)', () => {
    it('a file that appears at the final name mid-download is kept; the verified download stays in .partial', async () => {
      const e = engine(ctx.emu, { size: 2 * MiB, faults: { bytesPerSecondPerConnection: 4 * MiB } });
      ctx.emu.blobStore.onServed = (b) => {
        if (b === e.blob && b.servedBytes >= MiB && !existsSync(path.join(e.dir, FILE))) writeFileSync(path.join(e.dir, FILE), 'theirs');
      };
      const error = await e.fail();
      ctx.emu.blobStore.onServed = undefined;
      assert.match(error.message, /appeared .* left as it is/);
      assert.equal(readFileSync(path.join(e.dir, FILE), 'utf8'), 'theirs');
      assert.deepEqual(readdirSync(e.dir).sort(), [FILE, `${FILE}.partial`, `${FILE}.partial.json`]);
      // The next run with overwriteExisting publishes the kept bytes without fetching them again.
      const served = e.blob.servedBytes;
      assertExact(e, await e.run({ overwrite: true }));
      assert.equal(e.blob.servedBytes, served);
    });
  });

  describe('failures worded as for every service (http/failures.ts)', () => {
    it('storage busy past the budget: throttling, the host, the attempts and what to raise', async () => {
      const e = engine(ctx.emu, { size: MiB, faults: { serverBusyFirst: 1000 } });
      const error = await e.fail({ retryBudgetMs: 300 });
      assert.ok(error instanceof ThrottledError, `a ThrottledError: ${error.message}`);
      assert.match(
        error.message,
        /^Could not download bytes \d+-\d+: Azure Storage \(127\.0\.0\.1:\d+\) is throttling requests \(HTTP 503 ServerBusy\) after \d+ attempts\.$/,
      );
      assert.match(error.advice ?? '', /raise retryBudgetSeconds/);
      assert.doesNotMatch(text(e, error), /sig=/);
    });

    it('no answer past the budget: the timeout, the host and what to check', async () => {
      const e = engine(ctx.emu, { size: MiB, faults: { hangAfterBytes: 0 } });
      const error = await e.fail({ requestTimeoutMs: 300, retryBudgetMs: 500 });
      assert.ok(error instanceof TransportError, `a TransportError: ${error.message}`);
      assert.match(
        error.message,
        /^Could not download .*: Could not reach Azure Storage at 127\.0\.0\.1:\d+ after \d+ attempts: no complete answer within 0\.3 s\.$/,
      );
      assert.match(error.advice ?? '', /requestTimeoutSeconds/);
    });
  });

  describe('two runs, one folder (issue 17, 4)', () => {
    it("the second run waits for the first one's lock, then finds the finished file; nothing stray is left", async () => {
      const e = engine(ctx.emu, { size: 2 * MiB, faults: { bytesPerSecondPerConnection: 2 * MiB } });
      const [first, second] = await Promise.all([e.run(), new Promise((r) => setTimeout(r, 100)).then(() => e.run())]);
      assertExact(e, first);
      assertExact(e, second);
      assert.equal(second.reused, true);
      assert.match(text(e), /Another run is downloading the same file into this folder/);
    });

    it("a second run that cannot wait long enough fails with a clear message and leaves the first run's files alone", async () => {
      const e = engine(ctx.emu, { size: 2 * MiB, faults: { bytesPerSecondPerConnection: MiB } });
      const first = e.run();
      await new Promise((r) => setTimeout(r, 100));
      const error = await e.fail({ retryBudgetMs: 200 });
      assert.match(error.message, /Another run is downloading the same file/);
      assertExact(e, await first);
    });

    it('a lock whose process is gone is stale and taken over', async () => {
      const e = engine(ctx.emu, { size: MiB });
      writeFileSync(path.join(e.dir, `${FILE}.lock`), JSON.stringify({ pid: 2 ** 22 + 1, host: os.hostname(), since: new Date().toISOString() }));
      assertExact(e, await e.run());
      assert.match(text(e), /stale lock/);
    });
  });

  describe('the record (issue 17, 5 and 6)', () => {
    it('a record that cannot be written fails before the first byte, naming the path, not as a bug', async () => {
      const e = engine(ctx.emu, { size: MiB });
      mkdirSync(path.join(e.dir, `${FILE}.partial.json`));
      const error = await e.fail();
      assert.match(error.message, /Could not write the resume record .*partial\.json: a directory is in the way \(EISDIR\)/);
      assert.equal(e.blob.gets, 0, 'bytes were fetched before the record was known to work');
    });

    it("a resumed blob without MD5: the log says the earlier run's bytes could not be verified", async () => {
      const e = engine(ctx.emu, { size: 2 * MiB, withMd5: false, faults: { bytesPerSecondPerConnection: 2 * MiB } });
      const stop = new AbortController();
      ctx.emu.blobStore.onServed = (b) => b.servedBytes >= MiB && stop.abort();
      await e.fail({ onCancel: (handler) => (stop.signal.addEventListener('abort', handler), () => undefined) });
      ctx.emu.blobStore.onServed = undefined;
      e.blob.faults.bytesPerSecondPerConnection = undefined;
      e.lines.length = 0;
      assertExact(e, await e.run());
      assert.match(text(e), /Resuming:[^]*could not be verified/);
    });
  });

  describe('a kill costs only the ranges in flight (issue 20)', () => {
    /**
     * Occupies every thread of libuv's pool (opens of a FIFO block until a writer comes): what a
     * busy pool or a slow disk does to anything the download would do through it meanwhile.
     */
    function occupyThreadPool(dir: string): () => void {
      const fifo = path.join(dir, 'fifo');
      execFileSync('mkfifo', [fifo]);
      const opens = Array.from({ length: Number(process.env.UV_THREADPOOL_SIZE) || 4 }, () => fsp.open(fifo, 'r'));
      return () => {
        // Opened read-write, a FIFO counts as a writer without waiting for a reader.
        const writer = fs.openSync(fifo, 'r+');
        void Promise.all(opens)
          .then((handles) => Promise.all(handles.map((h) => h.close())))
          .finally(() => fs.closeSync(writer));
      };
    }

    it('the disk as a SIGKILL leaves it at half-way, then resumed: fetched twice within connections x range size', async function () {
      if (process.platform === 'win32') this.skip();
      const connections = 4;
      const e = engine(ctx.emu, { size: 8 * MiB });
      const killed = tempDir();
      const files = targetFiles(e.dir, FILE);
      let received = 0;
      let atKill: number | undefined;
      let release: (() => void) | undefined;
      const writevSync = fs.writevSync;
      // Every batch of the download is written with fs.writevSync at its offset (fileWriter.ts): the
      // moment one returns is a moment a kill can come, and the page cache keeps what was written.
      const stub = sinon.stub(fs, 'writevSync').callsFake(function (this: unknown, ...args: unknown[]) {
        const n = (writevSync as (...a: unknown[]) => number).apply(fs, args);
        if (typeof args[2] === 'number' && atKill === undefined) {
          release ??= occupyThreadPool(killed);
          received += n;
          if (received >= e.blob.size / 2) {
            atKill = received;
            fs.copyFileSync(files.partialPath, path.join(killed, `${FILE}.partial`));
            if (fs.existsSync(files.recordPath)) fs.copyFileSync(files.recordPath, path.join(killed, `${FILE}.partial.json`));
            release();
          }
        }
        return n;
      });
      try {
        assertExact(e, await e.run({ connections }));
      } finally {
        stub.restore();
        release?.();
      }
      assert.ok(atKill !== undefined, 'the download never reached half-way');
      fs.rmSync(path.join(killed, 'fifo'));
      const resumed = engineOn(ctx.emu, e.blob, killed);
      const served = e.blob.servedBytes;
      assertExact(resumed, await resumed.run({ connections }));
      assert.match(text(resumed), /Resuming:/);
      const fetchedTwice = atKill + e.blob.servedBytes - served - e.blob.size;
      const bound = connections * chooseRangeSize(e.blob.size, connections);
      assert.ok(fetchedTwice <= bound, `fetched twice: ${fetchedTwice} bytes, more than ${connections} connections x range size (${bound})`);
    });
  });

  describe('after a restart of the machine (issue 17, 5)', () => {
    it('a record from another boot: only the ranges flushed before it are trusted, the rest fetched again', async () => {
      const e = engine(ctx.emu, { size: 2 * MiB, withMd5: false, faults: { bytesPerSecondPerConnection: 2 * MiB } });
      const stop = new AbortController();
      ctx.emu.blobStore.onServed = (b) => b.servedBytes >= 1.5 * MiB && stop.abort();
      await e.fail({ onCancel: (handler) => (stop.signal.addEventListener('abort', handler), () => undefined) });
      ctx.emu.blobStore.onServed = undefined;
      e.blob.faults.bytesPerSecondPerConnection = undefined;
      const recordPath = path.join(e.dir, `${FILE}.partial.json`);
      const record = JSON.parse(readFileSync(recordPath, 'utf8')) as Record<string, unknown>;
      assert.notEqual(record.done, record.durable, 'the kill came before a second flush, so some ranges are complete but not durable');
      writeFileSync(recordPath, JSON.stringify({ ...record, boot: '00000000-0000-4000-8000-000000000000' }));
      const served = e.blob.servedBytes;
      e.lines.length = 0;
      assertExact(e, await e.run());
      assert.match(text(e), /The machine has restarted since that run: only the ranges it had flushed to disk are trusted/);
      assert.ok(e.blob.servedBytes - served >= e.blob.size - 256 * 1024, 'ranges that were never flushed were trusted');
    });
  });

  describe('what storage says (issue 17, 7; issue 18, 6 and 8)', () => {
    it('a Content-MD5 that is not base64 is said, and the download verified by length and ETag', async () => {
      const e = engine(ctx.emu, { size: MiB, faults: { rawContentMd5: '0123456789abcdef0123456789abcdef' } });
      const result = await e.run();
      assertExact(e, result);
      assert.equal(result.verification, 'length-and-etag');
      assert.match(text(e), /Content-MD5 is not a base64 MD5/);
    });

    it('a 206 with another ETag (If-Match ignored on the way) fails as a changed blob; nothing is published', async () => {
      const e = engine(ctx.emu, { size: 2 * MiB, withMd5: false, faults: { changeAfterBytes: MiB, ignoreIfMatch: true } });
      const error = await e.fail();
      assert.match(error.message, /changed in storage .*another ETag/);
      assert.deepEqual(readdirSync(e.dir), []);
    });

    it('sends x-ms-version on every blob request', async () => {
      const e = engine(ctx.emu, { size: MiB });
      await e.run();
      const blobRequests = ctx.emu.requests.filter((r) => r.path.startsWith('/blobstore/'));
      assert.ok(blobRequests.length > 1);
      assert.equal(STORAGE_VERSION, '2025-11-05');
      for (const r of blobRequests) assert.equal(r.headers['x-ms-version'], '2025-11-05');
    });

    it("a 403 without an error code on the HEAD (an answer at the SAS's old version) gets a fresh SAS like a refused one", async () => {
      const e = engine(ctx.emu, { size: MiB, faults: { dropVersion: true } });
      const refused = ctx.emu.blobUrl(e.blob.name).replace(/sig=[^&]+/, 'sig=bm90LWEtc2ln');
      const result = await e.run({ url: refused });
      assertExact(e, result);
      assert.match(text(e), /HTTP 403 without an error code/);
    });

    it('AuthorizationFailure: one fresh SAS, then a message that it is a network rule, not an expired SAS', async () => {
      const e = engine(ctx.emu, { size: MiB, faults: { firewall: true } });
      let fresh = 0;
      const error = await e.fail({ freshUrl: async () => (fresh++, ctx.emu.blobUrl(e.blob.name)) });
      assert.equal(fresh, 1);
      assert.match(error.message, /AuthorizationFailure is not an expired SAS: it usually means a network rule or firewall/);
    });

    it('a 404 on the HEAD says an export may still be writing the backup', async () => {
      const e = engine(ctx.emu, { size: MiB });
      ctx.emu.blobStore.blobs.delete(e.blob.name);
      const error = await e.fail();
      assert.match(error.message, /HTTP 404 BlobNotFound\): an export may still be writing it/);
    });
  });
});
