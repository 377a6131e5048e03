/**
 * The download section of `npm run bench`: the bundled task downloading a generated blob from the
 * emulator's storage on loopback HTTPS, against curl and against the ideal.
 *
 *   throttled per connection (32 MiB/s each, as one stream to cloud storage behaves):
 *     the task with 8 connections vs curl on one connection vs the ideal (8 x 32 MiB/s)
 *   unthrottled: the task (which verifies the MD5) vs `curl -o` followed by `md5sum`
 *   peak RSS of the task for 1 GiB and 4 GiB; bytes fetched again after a kill at 50 %;
 *   the MD5's cost (the task on a blob without MD5, and Node's MD5 speed alone)
 *   the flush's cost on a download longer than the flush interval (8 GiB, with and without it)
 *   CPU seconds per GiB (user + sys): the task's whole process (every thread) minus a run of the
 *   same task that signs in and lists but does not download, next to curl + md5sum (GNU time)
 *
 * The emulator runs in this process and shares the machine's CPUs with the task (and curl).
 * Files go to a scratch directory under the OS temp dir and are removed after each run.
 */
import { PEAK_RSS_PRELOAD, peakRssBytes } from '../test/support/peakRss';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEmulator, type Emulator, type EmulatedBlob } from '../test/emulator/emulator';
import { agentEnvironment } from '../test/support/agent';
import { emulatorRunOptions } from '../test/support/emulatorRun';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const CONNECTIONS = 8;
const CAP = 32 * MiB;

interface Timed {
  ms: number;
  code: number | null;
  stdout: string;
  stderr: string;
  killed: boolean;
}

/** A preload that prints the task's CPU time (user + sys of every thread, µs) at exit. */
const CPU_TAG = '##bench[cpu]';
const CPU_PRELOAD = `process.on('exit', () => { const u = process.cpuUsage(); process.stderr.write('${CPU_TAG}' + (u.user + u.system) + '\\n'); });\n`;

/** CPU seconds (user + sys) from a run's stderr: the task's preload line, or GNU time's `%U %S`. */
function cpuSeconds(stderr: string): number {
  const line = stderr.split('\n').find((l) => l.startsWith(CPU_TAG));
  if (!line) return NaN;
  const parts = line.slice(CPU_TAG.length).trim().split(/\s+/).map(Number);
  return parts.length === 1 ? parts[0] / 1e6 : parts[0] + parts[1];
}

const GNU_TIME = '/usr/bin/time';

/**
 * A preload for the run that is killed: counts the bytes the task writes with fs.writevSync at an
 * offset (the download's gathered pieces, fileWriter.ts) and keeps the count in `counterFile`,
 * rewritten every 256 KiB and so still there after SIGKILL. What the task received before the
 * kill, as opposed to what the emulator served, part of which was still in socket buffers.
 */
function receivedPreload(counterFile: string): string {
  return `const fs = require('node:fs'); const write = fs.writeSync; const writev = fs.writevSync; const out = fs.openSync(${JSON.stringify(counterFile)}, 'w');
let total = 0, shown = 0;
fs.writevSync = function (fd, buffers, position) {
  const n = writev.apply(this, arguments);
  if (typeof position === 'number') { total += n; if (total - shown >= 262144) { shown = total; write(out, String(total).padEnd(20), 0, 20, 0); } }
  return n;
};
process.on('exit', () => write(out, String(total).padEnd(20), 0, 20, 0));
`;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd: string, killWhen?: (kill: () => void) => void): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const started = process.hrtime.bigint();
    const child = spawn(cmd, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let killed = false;
    killWhen?.(() => {
      killed = true;
      child.kill('SIGKILL');
    });
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({
        ms: Number(process.hrtime.bigint() - started) / 1e6,
        code,
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString(),
        killed,
      });
    });
  });
}

const rate = (bytes: number, ms: number): number => bytes / MiB / (ms / 1000);
const f1 = (n: number): string => n.toFixed(1);

interface Setup {
  emu: Emulator;
  scratch: string;
  out: string;
  script: string;
  hasCurl: boolean;
  env: NodeJS.ProcessEnv;
  cwd: string;
  preload: string;
  noFlushPreload: string;
  flushCountPreload: string;
  transferPreload: string;
  cpuPreload: string;
  listOnlyEnv: NodeJS.ProcessEnv;
}

/**
 * A preload that makes FileHandle.datasync a no-op in the task: the same bundle without the flush
 * of the partial file, to measure what the flush costs (A/B).
 */
const NO_FLUSH_PRELOAD = `require('node:fs/promises').open(__filename, 'r').then((h) => {
  Object.getPrototypeOf(h).datasync = async function () {};
  return h.close();
});
`;

/** A preload that counts the task's flushes and their time, printed at exit. */
const FLUSH_TAG = '##bench[flush]';
const FLUSH_COUNT_PRELOAD = `let count = 0, ms = 0;
require('node:fs/promises').open(__filename, 'r').then((h) => {
  const proto = Object.getPrototypeOf(h), datasync = proto.datasync;
  proto.datasync = async function () { const t = performance.now(); try { return await datasync.call(this); } finally { count++; ms += performance.now() - t; } };
  return h.close();
});
process.on('exit', () => process.stderr.write('${FLUSH_TAG}' + count + ' ' + Math.round(ms) + '\\n'));
`;

/** A preload that prints when the task wrote its first and last pieces (fs.writevSync; ms since its start): the transfer itself. */
const TRANSFER_TAG = '##bench[transfer]';
const TRANSFER_PRELOAD = `const fs = require('node:fs'); const writev = fs.writevSync; let first = -1, last = -1;
fs.writevSync = function (fd, buffers, position) {
  if (typeof position === 'number') { last = performance.now(); if (first < 0) first = last; }
  return writev.apply(this, arguments);
};
process.on('exit', () => process.stderr.write('${TRANSFER_TAG}' + first + ' ' + last + '\\n'));
`;

/** First to last piece written (ms) from a run's stderr. */
function transferMs(stderr: string): number {
  const line = stderr.split('\n').find((l) => l.startsWith(TRANSFER_TAG));
  const [first = NaN, last = NaN] = (line ?? '').slice(TRANSFER_TAG.length).trim().split(' ').map(Number);
  return first >= 0 ? last - first : NaN;
}

/** The flushes a run made (count, total ms) from its stderr. */
function flushes(stderr: string): { count: number; ms: number } {
  const line = stderr.split('\n').find((l) => l.startsWith(FLUSH_TAG));
  if (line === undefined) return { count: NaN, ms: NaN };
  const [count = NaN, ms = NaN] = line.slice(FLUSH_TAG.length).trim().split(' ').map(Number);
  return { count, ms };
}

function taskEnv(emu: Emulator, script: string, scratch: string, out: string): { env: NodeJS.ProcessEnv; cwd: string; listOnlyEnv: NodeJS.ProcessEnv } {
  const options = emulatorRunOptions(emu, script, 'LcsBenchDownload');
  options.inputs = {
    ...options.inputs,
    download: 'true',
    downloadDirectory: out,
    downloadFileName: 'bench.bacpac',
    downloadConnections: String(CONNECTIONS),
    requestTimeoutSeconds: '100',
    retryBudgetSeconds: '60',
  };
  const agentDir = path.join(scratch, 'agent');
  mkdirSync(path.join(agentDir, 's'), { recursive: true });
  const env = agentEnvironment(options, agentDir);
  // The same task, sign-in and list, without the download: what is taken off the task's CPU.
  const listOnlyEnv = agentEnvironment({ ...options, inputs: { ...options.inputs, download: 'false' } }, agentDir);
  return { env, cwd: env.SYSTEM_DEFAULTWORKINGDIRECTORY, listOnlyEnv };
}

/** Points the newest backup at `blob`; every list hands out a fresh SAS. */
function serve(emu: Emulator, blob: EmulatedBlob): string {
  const url = emu.blobUrl(blob.name);
  emu.backups[0].FileLocation = url;
  emu.listHook = () => {
    emu.backups[0].FileLocation = emu.blobUrl(blob.name);
  };
  return url;
}

async function taskRun(
  s: Setup,
  blob: EmulatedBlob,
  killAt?: number,
  extra: { noFlush?: boolean; preload?: string } = {},
): Promise<Timed & { served: number; rss: number; cpu: number }> {
  rmSync(s.out, { recursive: true, force: true });
  serve(s.emu, blob);
  const before = blob.servedBytes;
  const preloads = [
    '--require',
    s.preload,
    '--require',
    s.cpuPreload,
    ...(extra.noFlush ? ['--require', s.noFlushPreload] : []),
    ...(extra.preload ? ['--require', extra.preload] : []),
  ];
  const result = await run(
    process.execPath,
    [...preloads, s.script],
    s.env,
    s.cwd,
    killAt === undefined
      ? undefined
      : (kill) => {
          s.emu.blobStore.onServed = (b) => {
            if (b === blob && b.servedBytes - before >= killAt) {
              s.emu.blobStore.onServed = undefined;
              kill();
            }
          };
        },
  );
  s.emu.blobStore.onServed = undefined;
  if (!result.killed && !/##vso\[task\.complete[^\]]*result=Succeeded/.test(result.stdout)) {
    throw new Error(`the task did not succeed:\n${(result.stdout + result.stderr).split('\n').slice(-15).join('\n')}`);
  }
  return { ...result, served: blob.servedBytes - before, rss: peakRssBytes(result.stderr), cpu: cpuSeconds(result.stderr) };
}

/** CPU seconds of the task when it signs in and lists but does not download (median of `runs`). */
async function listOnlyCpu(s: Setup, runs: number): Promise<number> {
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const result = await run(process.execPath, ['--require', s.cpuPreload, s.script], s.listOnlyEnv, s.cwd);
    if (!/##vso\[task\.complete[^\]]*result=Succeeded/.test(result.stdout)) throw new Error('the task without download did not succeed');
    cpu.push(cpuSeconds(result.stderr));
  }
  return median(cpu);
}

/** Runs a command under GNU time (when there is one) for its CPU seconds. */
async function timedTool(s: Setup, cmd: string, args: string[]): Promise<Timed & { cpu: number }> {
  const timed = existsSync(GNU_TIME);
  const result = timed ? await run(GNU_TIME, ['-f', `${CPU_TAG}%U %S`, cmd, ...args], process.env, s.scratch) : await run(cmd, args, process.env, s.scratch);
  if (result.code !== 0) throw new Error(`${cmd} failed: ${result.stderr}`);
  return { ...result, cpu: timed ? cpuSeconds(result.stderr) : NaN };
}

async function curlRun(s: Setup, blob: EmulatedBlob, withMd5: boolean): Promise<{ ms: number; curlMs: number; cpu: number }> {
  const file = path.join(s.scratch, 'curl.bacpac');
  const url = serve(s.emu, blob);
  const curl = await timedTool(s, 'curl', ['-sS', '--fail', '--cacert', s.emu.caFile, '-o', file, url]);
  let total = curl.ms;
  let cpu = curl.cpu;
  if (withMd5) {
    const sum = await timedTool(s, 'md5sum', [file]);
    total += sum.ms;
    cpu += sum.cpu;
  }
  rmSync(file, { force: true });
  return { ms: total, curlMs: curl.ms, cpu };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function nodeMd5Rate(): number {
  const buffer = Buffer.alloc(64 * MiB, 7);
  const hash = createHash('md5');
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < 8; i++) hash.update(buffer);
  hash.digest();
  return rate(8 * buffer.length, Number(process.hrtime.bigint() - t0) / 1e6);
}

export interface DownloadBenchResult {
  lines: string[];
  json: Record<string, unknown>;
}

/** The scratch directory, the emulator, the preloads and the task's environment; throws when the disk is too small. */
async function setUp(root: string): Promise<Setup> {
  const script = path.join(root, 'tasks', 'LcsDatabaseBackupsV1', 'dist', 'index.js');
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'lcs-bench-dl-'));
  const free = statfsSync(scratch);
  if (free.bavail * free.bsize < 9 * GiB) {
    rmSync(scratch, { recursive: true, force: true });
    throw new Error(`the download bench needs 9 GiB free in ${scratch}`);
  }
  const emu = await startEmulator();
  const preload = (name: string, text: string): string => {
    const file = path.join(scratch, name);
    writeFileSync(file, text);
    return file;
  };
  const out = path.join(scratch, 'out');
  const hasCurl = spawnSync('curl', ['--version']).status === 0 && spawnSync('md5sum', ['--version']).status === 0;
  return {
    emu,
    scratch,
    out,
    script,
    hasCurl,
    preload: preload('rss.js', PEAK_RSS_PRELOAD),
    cpuPreload: preload('cpu.js', CPU_PRELOAD),
    noFlushPreload: preload('noflush.js', NO_FLUSH_PRELOAD),
    flushCountPreload: preload('flushcount.js', FLUSH_COUNT_PRELOAD),
    transferPreload: preload('transfer.js', TRANSFER_PRELOAD),
    ...taskEnv(emu, script, scratch, out),
  };
}

/** Throttled runs of the task; the median is reported (one run swung from 0.53 to 0.83 of the ideal). */
const THROTTLED_RUNS = 3;

/** 32 MiB/s per connection: the task with 8 connections, then curl on one. */
async function throttledRuns(s: Setup, giga: EmulatedBlob, log: (text: string) => void): Promise<Pick<Measured, 'throttled' | 'transfer' | 'throttledCurl'>> {
  giga.faults.bytesPerSecondPerConnection = CAP;
  const throttled: number[] = [];
  const transfer: number[] = [];
  for (let i = 1; i <= THROTTLED_RUNS; i++) {
    log(`download: throttled, task with 8 connections (${i}/${THROTTLED_RUNS})`);
    const t = await taskRun(s, giga, undefined, { preload: s.transferPreload });
    throttled.push(t.ms);
    transfer.push(transferMs(t.stderr));
  }
  log('download: throttled, curl on one connection (about 32 s)');
  const throttledCurl = s.hasCurl ? await curlRun(s, giga, false) : undefined;
  giga.faults.bytesPerSecondPerConnection = undefined;
  return { throttled, transfer, throttledCurl };
}

/** 8 GiB, unthrottled, with the flush (counted) and without it: what flushing costs a download longer than its interval. */
async function longRuns(s: Setup, log: (text: string) => void): Promise<Measured['long']> {
  log('download: 8 GiB with and without the flush (generating the blob, then about 2 x 60 s)');
  const blob = s.emu.addBlob('eight.bacpac', { size: 8 * GiB, seed: 3 });
  const flushed = await taskRun(s, blob, undefined, { preload: s.flushCountPreload });
  const unflushed = await taskRun(s, blob, undefined, { noFlush: true });
  return { withFlush: flushed.ms, withoutFlush: unflushed.ms, flushes: flushes(flushed.stderr), rss: Math.max(flushed.rss, unflushed.rss) };
}

type Unthrottled = Pick<Measured, 'task' | 'curl' | 'curlOnly' | 'rss1'> & { listCpu: number; taskCpu: number[]; curlCpu: number[] };

/** Unthrottled, interleaved: the task, curl + md5sum; `runs` of each. */
async function unthrottledRuns(s: Setup, giga: EmulatedBlob, runs: number, log: (text: string) => void): Promise<Unthrottled> {
  log("download: the task signing in and listing only (its CPU is taken off the download's)");
  const m: Unthrottled = { task: [], curl: [], curlOnly: [], rss1: [], taskCpu: [], curlCpu: [], listCpu: await listOnlyCpu(s, 3) };
  for (let i = 0; i < runs; i++) {
    log(`download: unthrottled run ${i + 1}/${runs}`);
    const t = await taskRun(s, giga);
    m.task.push(t.ms);
    m.rss1.push(t.rss);
    m.taskCpu.push(t.cpu - m.listCpu);
    if (s.hasCurl) {
      const c = await curlRun(s, giga, true);
      m.curl.push(c.ms);
      m.curlOnly.push(c.curlMs);
      m.curlCpu.push(c.cpu);
    }
  }
  return m;
}

/** Killed once half the blob is served, then resumed: what was fetched twice. */
async function killAndResume(s: Setup, giga: EmulatedBlob, log: (text: string) => void): Promise<Pick<Measured, 'killed' | 'resumeRun' | 'refetched'>> {
  rmSync(s.out, { recursive: true, force: true });
  log('download: kill at 50 %, then resume');
  const counterFile = path.join(s.scratch, 'received');
  const counter = path.join(s.scratch, 'received.js');
  writeFileSync(counter, receivedPreload(counterFile));
  const killed = { ...(await taskRun(s, giga, GiB / 2, { preload: counter })), received: Number(readFileSync(counterFile, 'utf8').trim()) };
  const resumeRun = await runResume(s, giga);
  // Fetched twice: what the task had received when it was killed, plus what the next run fetched, minus the blob.
  return { killed, resumeRun, refetched: killed.received + resumeRun.served - GiB };
}

/** Runs the download benchmark; `log` gets progress notes. */
export async function runDownloadBench(root: string, runs: number, log: (text: string) => void): Promise<DownloadBenchResult> {
  const s = await setUp(root);
  try {
    log('download: generating blobs (MD5 of 1 GiB and 4 GiB)');
    const giga = s.emu.addBlob('one.bacpac', { size: GiB, seed: 1 });
    const noMd5 = s.emu.addBlob('nomd5.bacpac', { size: GiB, seed: 1, withMd5: false });
    const quad = s.emu.addBlob('four.bacpac', { size: 4 * GiB, seed: 2 });
    const throttled = await throttledRuns(s, giga, log);
    const { listCpu, taskCpu, curlCpu, ...unthrottled } = await unthrottledRuns(s, giga, runs, log);
    log('download: without MD5');
    const plain = await taskRun(s, noMd5);
    log('download: 4 GiB');
    const four = await taskRun(s, quad);
    const kill = await killAndResume(s, giga, log);
    const long = await longRuns(s, log);
    const cpu = { listCpu, taskCpu, curlCpu, plain: plain.cpu - listCpu, four: four.cpu - listCpu };
    return report({ ...throttled, ...unthrottled, ...kill, plain, four, long, md5Rate: nodeMd5Rate(), cpu });
  } finally {
    await s.emu.close();
    rmSync(s.scratch, { recursive: true, force: true });
  }
}

/** The run after a kill: the partial file is kept, so the output directory must not be cleared. */
async function runResume(s: Setup, blob: EmulatedBlob): Promise<Timed & { served: number }> {
  serve(s.emu, blob);
  const before = blob.servedBytes;
  const result = await run(process.execPath, [s.script], s.env, s.cwd);
  if (!/Resuming:/.test(result.stdout)) throw new Error(`the run after the kill did not resume:\n${result.stdout.slice(-2000)}`);
  return { ...result, served: blob.servedBytes - before };
}

interface Measured {
  /** The throttled runs' times (ms), whole process. */
  throttled: number[];
  /** The same runs, first to last piece written (ms). */
  transfer: number[];
  throttledCurl?: { ms: number };
  task: number[];
  curl: number[];
  curlOnly: number[];
  rss1: number[];
  plain: Timed & { rss: number };
  four: Timed & { rss: number };
  killed: { served: number; received: number };
  resumeRun: Timed & { served: number };
  refetched: number;
  md5Rate: number;
  /** 8 GiB with and without the flush (ms), the flushes of the first, peak RSS of both. */
  long: { withFlush: number; withoutFlush: number; flushes: { count: number; ms: number }; rss: number };
  /** CPU seconds: the list-only run, the task's downloads (list-only taken off), curl + md5sum. */
  cpu: { listCpu: number; taskCpu: number[]; curlCpu: number[]; plain: number; four: number };
}

/** The flush's cost on 8 GiB: one run with it, one without (a bench preload). */
function longLines(long: Measured['long']): string[] {
  const cost = ((long.withFlush - long.withoutFlush) / long.withoutFlush) * 100;
  return [
    `8 GiB, unthrottled: ${f1(long.withFlush / 1000)} s with the flush (${long.flushes.count} flushes, ${f1(long.flushes.ms / 1000)} s in all), ${f1(long.withoutFlush / 1000)} s without;`,
    `  flush cost ${f1(cost)} % (one run each); peak RSS ${f1(long.rss / MiB)} MB`,
  ];
}

/** The CPU section of the report: seconds per GiB, the task next to curl + md5sum. */
function cpuLines(m: Measured): string[] {
  const { cpu } = m;
  const task = median(cpu.taskCpu);
  const curl = cpu.curlCpu.length ? median(cpu.curlCpu) : NaN;
  const row = (label: string, seconds: number): string => `  ${label.padEnd(56)}${seconds.toFixed(2).padStart(6)}`;
  return [
    `CPU, user + sys per GiB (unthrottled; the task's sign-in and list, ${cpu.listCpu.toFixed(2)} s, taken off)   s/GiB`,
    row('task (downloads and verifies MD5), all its threads', task),
    row('task, 4 GiB blob', cpu.four / 4),
    row('task on a blob without MD5', cpu.plain),
    row('curl -o, then md5sum (GNU time)', curl),
    `  task / (curl + md5sum) = ${(task / curl).toFixed(2)} (goal <= 1.5)`,
  ];
}

function report(m: Measured): DownloadBenchResult {
  const ideal = (CONNECTIONS * CAP) / MiB;
  const tThrottledMs = median(m.throttled);
  const tThrottled = rate(GiB, tThrottledMs);
  const cThrottled = m.throttledCurl ? rate(GiB, m.throttledCurl.ms) : NaN;
  const tUn = median(m.task);
  const cUn = m.curl.length ? median(m.curl) : NaN;
  const lines = [
    `1 GiB blob from the emulator on loopback HTTPS; task with ${CONNECTIONS} connections, whole process (sign-in and list included); ${m.task.length} unthrottled runs, median.`,
    '',
    `throttled, 32 MiB/s per connection (task: median of ${m.throttled.length} runs: ${m.throttled.map((ms) => f1(ms / 1000)).join(', ')} s)`,
    `                                                            MiB/s    s`,
    `  task, ${CONNECTIONS} connections (verifies MD5)                       ${f1(tThrottled).padStart(6)}  ${f1(tThrottledMs / 1000).padStart(5)}`,
    `  curl, one connection                                     ${f1(cThrottled).padStart(6)}  ${f1((m.throttledCurl?.ms ?? NaN) / 1000).padStart(5)}`,
    `  ideal (${CONNECTIONS} x 32 MiB/s)                                  ${f1(ideal).padStart(6)}  ${f1(GiB / MiB / ideal).padStart(5)}`,
    `  task / ideal = ${(tThrottled / ideal).toFixed(2)} (goal >= 0.85); task / curl = ${(tThrottled / cThrottled).toFixed(1)}x`,
    `  first to last piece written: ${f1(median(m.transfer) / 1000)} s, ${f1(rate(GiB, median(m.transfer)))} MiB/s = ${(rate(GiB, median(m.transfer)) / ideal).toFixed(2)} of the ideal (start, sign-in, list, HEAD and the end not counted)`,
    '',
    'unthrottled                                                 MiB/s    s',
    `  task (downloads and verifies MD5)                         ${f1(rate(GiB, tUn)).padStart(6)}  ${f1(tUn / 1000).padStart(5)}`,
    `  curl -o, then md5sum                                      ${f1(rate(GiB, cUn)).padStart(6)}  ${f1(cUn / 1000).padStart(5)}`,
    `  curl -o alone                                             ${f1(rate(GiB, median(m.curlOnly))).padStart(6)}  ${f1(median(m.curlOnly) / 1000).padStart(5)}`,
    `  task on a blob without MD5 (length and ETag only)         ${f1(rate(GiB, m.plain.ms)).padStart(6)}  ${f1(m.plain.ms / 1000).padStart(5)}`,
    `  task / (curl + md5sum) = ${(cUn / tUn).toFixed(2)} in speed (goal >= 0.8)`,
    `  MD5 cost: ${f1(m.task.length ? tUn - m.plain.ms : NaN)} ms per GiB in the task; Node's MD5 alone: ${f1(m.md5Rate)} MiB/s (${f1((GiB / MiB / m.md5Rate) * 1000)} ms per GiB)`,
    '',
    `peak RSS: 1 GiB ${f1(median(m.rss1) / MiB)} MB, 4 GiB ${f1(m.four.rss / MiB)} MB (goal <= 160 MB, flat); 4 GiB in ${f1(m.four.ms / 1000)} s (${f1(rate(4 * GiB, m.four.ms))} MiB/s)`,
    `kill at 50 % served: ${f1(m.killed.served / MiB)} MiB served and ${f1(m.killed.received / MiB)} MiB received by the task before the kill, ${f1(m.resumeRun.served / MiB)} MiB in the resumed run;`,
    `  fetched twice (received before the kill + resumed run - blob): ${f1(m.refetched / MiB)} MiB (bound ${CONNECTIONS} x 8 MiB = ${CONNECTIONS * 8} MiB); served twice: ${f1((m.killed.served + m.resumeRun.served - GiB) / MiB)} MiB`,
    '',
    ...longLines(m.long),
    '',
    ...cpuLines(m),
  ];
  return { lines, json: reportJson(m, ideal, tThrottled, cThrottled) };
}

/** The bench-results.json part of the download bench. */
function reportJson(m: Measured, ideal: number, tThrottled: number, cThrottled: number): Record<string, unknown> {
  return {
    throttled: {
      capPerConnectionMiBs: CAP / MiB,
      idealMiBs: ideal,
      taskMiBs: tThrottled,
      curlMiBs: cThrottled,
      taskMs: m.throttled,
      transferMs: m.transfer,
      curlMs: m.throttledCurl?.ms,
    },
    unthrottled: {
      taskMs: m.task,
      curlPlusMd5sumMs: m.curl,
      curlOnlyMs: m.curlOnly,
      taskWithoutMd5Ms: m.plain.ms,
    },
    peakRssBytes: { oneGiB: m.rss1, fourGiB: m.four.rss, eightGiB: m.long.rss },
    eightGiBFlush: { withFlushMs: m.long.withFlush, withoutFlushMs: m.long.withoutFlush, flushes: m.long.flushes.count, flushMs: m.long.flushes.ms },
    killAtHalf: {
      servedBeforeKill: m.killed.served,
      receivedBeforeKill: m.killed.received,
      servedInResume: m.resumeRun.served,
      fetchedTwiceBytes: m.refetched,
    },
    nodeMd5MiBs: m.md5Rate,
    cpuSeconds: {
      listOnly: m.cpu.listCpu,
      taskPerGiB: m.cpu.taskCpu,
      curlPlusMd5sumPerGiB: m.cpu.curlCpu,
      taskWithoutMd5PerGiB: m.cpu.plain,
      taskFourGiB: m.cpu.four,
    },
  };
}
