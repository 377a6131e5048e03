/**
 * `npm run bench`: how close the task stays to the physical floor (Node's start, one token
 * request, one list request), measured on loopback against the local Entra ID + LCS emulator.
 *
 * Prints a table and writes bench-results.json (repo root, gitignored). It asserts nothing about
 * time: the targets are printed next to the numbers as ok / MISS.
 *
 *   npm run bench                          15 measured runs per variant after 3 warm-ups
 *   npm run bench -- --runs 30             more runs
 *   npm run bench -- --quick               5 runs (smoke)
 *   npm run bench -- --json out.json       write the results elsewhere
 *
 * Every process is spawned with the environment the agent harness builds (agentEnvironment), so
 * the task sees exactly what it sees under `runTask` / `npm run demo`. Wall time is process start
 * (just before spawn) to exit (the child's `close`), by process.hrtime.bigint().
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { randomUUID } from 'node:crypto';
import { VERSION_EOL_NONE, generateBackups, sampleBackups, startEmulator, type Emulator, type RawBackup } from '../test/emulator/emulator';
import { agentEnvironment } from '../test/support/agent';
import { emulatorRunOptions } from '../test/support/emulatorRun';
import { findRepoRoot, taskFolders, taskScript } from '../test/support/repo';
import { benchWait } from './bench-wait';
import { PEAK_RSS_PRELOAD, peakRssBytes } from '../test/support/peakRss';
import { runDownloadBench } from './benchDownload';

/** The task whose start-up and list handling the wall-time section measures. */
const BENCH_TASK = 'LcsDatabaseBackupsV1';

// ---------------------------------------------------------------- options

interface Options {
  runs: number;
  warmups: number;
  largeRuns: number;
  rssRuns: number;
  json: string;
  quick: boolean;
  download: 'yes' | 'no' | 'only';
}

const USAGE = 'usage: node build/scripts/bench.js [--runs N] [--quick] [--json PATH] [--no-download | --download-only]';

function parseArgs(argv: string[], root: string): Options {
  let runs: number | undefined;
  let quick = false;
  let download: Options['download'] = 'yes';
  let json = path.join(root, 'bench-results.json');
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${flag} needs a value\n${USAGE}`);
      return v;
    };
    if (flag === '--runs') {
      runs = Number(value());
      if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer\n${USAGE}`);
    } else if (flag === '--quick') {
      quick = true;
    } else if (flag === '--no-download') {
      download = 'no';
    } else if (flag === '--download-only') {
      download = 'only';
    } else if (flag === '--json') {
      json = path.resolve(value());
    } else if (flag === '--help' || flag === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else {
      throw new Error(`unknown argument "${argv[i]}"\n${USAGE}`);
    }
  }
  const n = runs ?? (quick ? 5 : 15);
  return {
    runs: n,
    quick,
    download,
    json,
    warmups: quick ? 1 : 3,
    largeRuns: quick ? 3 : Math.max(7, Math.ceil(n / 2)),
    rssRuns: quick ? 3 : 7,
  };
}

// ---------------------------------------------------------------- statistics

interface Stats {
  n: number;
  median: number;
  min: number;
  max: number;
  p90: number;
  mean: number;
}

function stats(samples: number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  const n = s.length;
  const median = n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  // Nearest-rank p90.
  const p90 = s[Math.min(n - 1, Math.ceil(0.9 * n) - 1)];
  return { n, median, min: s[0], max: s[n - 1], p90, mean: s.reduce((a, b) => a + b, 0) / n };
}

function median(samples: number[]): number {
  return stats(samples).median;
}

// ---------------------------------------------------------------- running a process

interface Variant {
  key: string;
  label: string;
  script: string;
  /** What a successful run prints; checked on every run so a broken variant cannot look fast. */
  succeeded: (stdout: string) => boolean;
}

interface Sample {
  ms: number;
  requests: number;
  stdoutBytes: number;
  stdout: string;
  stderr: string;
}

interface Harness {
  emulator: Emulator;
  env: Record<string, string>;
  cwd: string;
}

const TASK_SUCCEEDED = /##vso\[task\.complete[^\]]*result=Succeeded/;

function spawnTimed(script: string, nodeArgs: string[], harness: Harness): Promise<{ ms: number; code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [...nodeArgs, script], { cwd: harness.cwd, env: harness.env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      clearTimeout(timer);
      resolve({ ms, code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

async function runOnce(variant: Variant, harness: Harness, backups?: RawBackup[], nodeArgs: string[] = []): Promise<Sample> {
  harness.emulator.reset();
  if (backups) harness.emulator.backups = backups;
  const run = await spawnTimed(variant.script, nodeArgs, harness);
  if (run.code !== 0 || !variant.succeeded(run.stdout)) {
    const tail = (run.stderr || run.stdout).trim().split('\n').slice(-15).join('\n');
    throw new Error(`${variant.label} did not succeed (exit ${run.code}):\n${tail}`);
  }
  return { ms: run.ms, requests: harness.emulator.requests.length, stdoutBytes: Buffer.byteLength(run.stdout), stdout: run.stdout, stderr: run.stderr };
}

/** Round-robin over the variants (a, b, c, a, b, c, ...) so drift (thermal, other load) hits all alike. */
async function interleaved<T extends { key: string }>(items: T[], rounds: number, one: (item: T) => Promise<Sample>): Promise<Map<string, Sample[]>> {
  const results = new Map<string, Sample[]>(items.map((item) => [item.key, []]));
  for (let round = 0; round < rounds; round++) {
    for (const item of items) results.get(item.key)!.push(await one(item));
  }
  return results;
}

function progress(text: string): void {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${text}`);
}

function progressDone(): void {
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
}

// ---------------------------------------------------------------- formatting

const f1 = (n: number): string => n.toFixed(1);
const f2 = (n: number): string => n.toFixed(2);
const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);
const kb = (bytes: number): string => (bytes / 1024).toFixed(1);

function table(head: string[], rows: string[][], alignLeft = 1): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i < alignLeft ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function heading(title: string): void {
  console.log(`\n── ${title} ${'─'.repeat(Math.max(0, 72 - title.length))}`);
}

// ---------------------------------------------------------------- the benchmark

/** Peak RSS in bytes from the preload's tagged stderr line (NaN when the run had no preload). */
function maxRss(sample: Sample): number {
  return peakRssBytes(sample.stderr);
}

interface Target {
  what: string;
  target: string;
  value: string;
  ok: boolean | undefined;
}

/** The four variants the wall-time and memory sections compare. */
function benchVariants(root: string, empty: string): Variant[] {
  const bundled = taskScript(BENCH_TASK, root);
  const setVariables = (stdout: string): boolean => (stdout.match(/##vso\[task\.setvariable /g) ?? []).length >= 2;
  return [
    { key: 'task', label: `bundled task (tasks/${BENCH_TASK}/dist/index.js)`, script: bundled, succeeded: (s) => TASK_SUCCEEDED.test(s) },
    {
      key: 'floor',
      label: 'floor (scripts/bench-floor.js: node:https, 2 requests)',
      script: path.join(root, 'scripts', 'bench-floor.js'),
      succeeded: setVariables,
    },
    {
      key: 'unbundled',
      label: 'unbundled build (build/tasks/.../index.js + node_modules)',
      script: path.join(root, 'build', 'tasks', BENCH_TASK, 'index.js'),
      succeeded: (s) => TASK_SUCCEEDED.test(s),
    },
    { key: 'node', label: "node, empty script (context: Node's own start)", script: empty, succeeded: () => true },
  ];
}

/** Wall time of the happy path (the emulator's default 5 sample backups), variants interleaved. */
async function measureWallTime(variants: Variant[], harness: Harness, opts: Options) {
  let done = 0;
  const total = (opts.warmups + opts.runs) * variants.length;
  const tick = async (v: Variant): Promise<Sample> => {
    progress(`wall time: run ${++done}/${total} (${v.key})`);
    return runOnce(v, harness);
  };
  await interleaved(variants, opts.warmups, tick);
  const wall = await interleaved(variants, opts.runs, tick);
  progressDone();
  const samples = (key: string): Sample[] => wall.get(key) ?? [];
  const wallStats = Object.fromEntries(variants.map((v) => [v.key, stats(samples(v.key).map((s) => s.ms))])) as Record<string, Stats>;
  const requestsPerRun = Object.fromEntries(variants.map((v) => [v.key, [...new Set(samples(v.key).map((s) => s.requests))]]));
  return { wall, wallStats, requestsPerRun };
}

/** Peak RSS (the preload reports the process's own peak, VmHWM, in KiB, on exit). */
async function measureRss(variants: Variant[], harness: Harness, opts: Options, preload: string): Promise<Map<string, number[]>> {
  const rss = new Map<string, number[]>(variants.map((v) => [v.key, []]));
  for (let i = 0; i < opts.rssRuns; i++) {
    for (const v of variants) {
      progress(`peak RSS: run ${i + 1}/${opts.rssRuns} (${v.key})`);
      const bytes = maxRss(await runOnce(v, harness, undefined, ['--require', preload]));
      if (Number.isNaN(bytes)) throw new Error(`${v.label}: the RSS preload printed nothing`);
      rss.get(v.key)?.push(bytes);
    }
  }
  progressDone();
  return rss;
}

/** Every task's bundle and the newest VSIX in dist/. */
function measureSizes(root: string) {
  const bundles = taskFolders(root)
    .map((task) => taskScript(task, root))
    .filter((file) => existsSync(file))
    .map((file) => ({ file: path.relative(root, file), bytes: statSync(file).size, deflatedBytes: deflateRawSync(readFileSync(file), { level: 9 }).length }));
  const distDir = path.join(root, 'dist');
  const vsixFiles = existsSync(distDir) ? readdirSync(distDir).filter((n) => n.endsWith('.vsix')) : [];
  const vsix = vsixFiles
    .map((n) => ({ file: path.join('dist', n), bytes: statSync(path.join(distDir, n)).size, mtimeMs: statSync(path.join(distDir, n)).mtimeMs }))
    .sort((a, b) => b.mtimeMs - a.mtimeMs)[0];
  return { bundles, vsix };
}

interface ListSize {
  key: string;
  count: number;
  backups: RawBackup[];
}

/** The emulator's own cost per list request: JSON.stringify of the envelope + Buffer (what encodeBody does). */
function emulatorSerializeCost(size: ListSize) {
  const envelope = { DatabaseAssets: size.backups, IsSuccess: true, OperationActivityId: randomUUID(), ErrorMessage: null, VersionEOL: VERSION_EOL_NONE };
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < 7; i++) {
    const t0 = process.hrtime.bigint();
    bytes = Buffer.from(JSON.stringify(envelope), 'utf8').length;
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return { count: size.count, bodyBytes: bytes, serializeMs: median(times) };
}

/** Large lists: 1 vs 1,000 vs 20,000 backups, task and floor interleaved. */
async function measureLargeLists(byKey: (key: string) => Variant, harness: Harness, opts: Options, preload: string) {
  const now = new Date();
  const sizes: ListSize[] = [
    { key: '1', count: 1, backups: sampleBackups(now).slice(0, 1) },
    { key: '1000', count: 1000, backups: generateBackups(1000, now) },
    { key: '20000', count: 20000, backups: generateBackups(20000, now) },
  ];
  const items = sizes.flatMap((size) => (['task', 'floor'] as const).map((k) => ({ key: `${k}:${size.key}`, variant: byKey(k), size })));
  let done = 0;
  const total = (1 + opts.largeRuns) * items.length;
  const tick = async (item: (typeof items)[number]): Promise<Sample> => {
    progress(`large lists: run ${++done}/${total} (${item.key})`);
    return runOnce(item.variant, harness, item.size.backups, ['--require', preload]);
  };
  await interleaved(items, 1, tick);
  const large = await interleaved(items, opts.largeRuns, tick);
  progressDone();
  const samplesOf = (key: string): Sample[] => large.get(key) ?? [];
  const largeStats = sizes.map((size) => {
    const task = samplesOf(`task:${size.key}`);
    const fl = samplesOf(`floor:${size.key}`);
    const lastTask = task[task.length - 1];
    return {
      count: size.count,
      task: stats(task.map((s) => s.ms)),
      floor: stats(fl.map((s) => s.ms)),
      requests: [...new Set([...task, ...fl].map((s) => s.requests))],
      taskStdoutBytes: lastTask.stdoutBytes,
      taskSetSecretLines: (lastTask.stdout.match(/##vso\[task\.setsecret\]/g) ?? []).length,
      taskPeakRss: median(task.map(maxRss)),
      serialize: emulatorSerializeCost(size),
    };
  });
  const added = (i: number, k: 'task' | 'floor'): number => largeStats[i][k].median - largeStats[0][k].median;
  return { sizes, large, largeStats, added };
}

type WallResult = Awaited<ReturnType<typeof measureWallTime>>;
type LargeResult = Awaited<ReturnType<typeof measureLargeLists>>;
type SizesResult = ReturnType<typeof measureSizes>;

function reportWallTime(variants: Variant[], w: WallResult, opts: Options): { ratioTaskFloor: number; ratioUnbundled: number } {
  const { wallStats, requestsPerRun } = w;
  heading(`Wall time, happy path (process start → exit, ms; ${opts.runs} runs each)`);
  console.log(
    table(
      ['variant', 'median', 'min', 'p90', 'max', 'req/run'],
      variants.map((v) => {
        const s = wallStats[v.key];
        return [v.label, f1(s.median), f1(s.min), f1(s.p90), f1(s.max), requestsPerRun[v.key].join('/')];
      }),
    ),
  );
  const ratioTaskFloor = wallStats.task.median / wallStats.floor.median;
  const ratioUnbundled = wallStats.unbundled.median / wallStats.task.median;
  console.log(`\ntask / floor        = ${f2(ratioTaskFloor)}  (${f1(wallStats.task.median - wallStats.floor.median)} ms above the floor)`);
  console.log(`unbundled / bundled = ${f2(ratioUnbundled)}  (bundling saves ${f1(wallStats.unbundled.median - wallStats.task.median)} ms)`);
  console.log(`floor − empty node  = ${f1(wallStats.floor.median - wallStats.node.median)} ms (TLS + 2 requests over loopback)`);
  return { ratioTaskFloor, ratioUnbundled };
}

function reportRssAndSizes(variants: Variant[], rss: Map<string, number[]>, sizes: SizesResult, opts: Options): void {
  heading(`Peak RSS (VmHWM at exit, median of ${opts.rssRuns} runs, MB = MiB)`);
  console.log(
    table(
      ['variant', 'MB', 'min', 'max'],
      variants.map((v) => {
        const s = stats(rss.get(v.key) ?? []);
        return [v.label, mb(s.median), mb(s.min), mb(s.max)];
      }),
    ),
  );
  heading('Sizes');
  for (const b of sizes.bundles)
    console.log(
      `${b.file}: ${b.bytes.toLocaleString('en-US')} bytes (${kb(b.bytes)} KiB; deflated ${kb(b.deflatedBytes)} KiB, roughly what it adds to the VSIX zip)`,
    );
  console.log(
    sizes.vsix ? `${sizes.vsix.file}: ${sizes.vsix.bytes.toLocaleString('en-US')} bytes (${kb(sizes.vsix.bytes)} KiB)` : 'VSIX: not built: run npm run package',
  );
}

function reportLargeLists(l: LargeResult, opts: Options): void {
  heading(`Large lists (median of ${opts.largeRuns} runs each, ms; task and floor interleaved)`);
  console.log(
    table(
      [
        'backups',
        'body KiB',
        'emulator serialize',
        'task median',
        'task added',
        'floor median',
        'floor added',
        'task − floor added',
        'setsecret lines',
        'task RSS MB',
      ],
      l.largeStats.map((s, i) => [
        s.count.toLocaleString('en-US'),
        kb(s.serialize.bodyBytes),
        f1(s.serialize.serializeMs),
        f1(s.task.median),
        i ? `+${f1(l.added(i, 'task'))}` : '—',
        f1(s.floor.median),
        i ? `+${f1(l.added(i, 'floor'))}` : '—',
        i ? f1(l.added(i, 'task') - l.added(i, 'floor')) : '—',
        String(s.taskSetSecretLines),
        mb(s.taskPeakRss),
      ]),
    ),
  );
  console.log('"emulator serialize" is the emulator\'s JSON.stringify of the envelope (in this process, once per list request);');
  console.log('it is inside both "added" columns. "task − floor added" is what the task adds beyond receiving and parsing the list.');
}

function reportTargets(w: WallResult, l: LargeResult, sizes: SizesResult, rssMedian: Record<string, number>, ratioTaskFloor: number): Target[] {
  const requests = [...w.requestsPerRun.task, ...l.largeStats.flatMap((s) => s.requests)];
  const maxRequests = Math.max(...requests);
  const minRequests = Math.min(...requests);
  const added20k = l.added(2, 'task');
  const { vsix } = sizes;
  const targets: Target[] = [
    {
      what: 'HTTP requests per happy run',
      target: 'exactly 2',
      value: minRequests === maxRequests ? String(minRequests) : `${minRequests}–${maxRequests}`,
      ok: minRequests === 2 && maxRequests === 2,
    },
    {
      what: 'median wall time vs floor',
      target: '≤ 1.30 × floor',
      value: `${f2(ratioTaskFloor)} × (${f1(w.wallStats.task.median)} vs ${f1(w.wallStats.floor.median)} ms)`,
      ok: ratioTaskFloor <= 1.3,
    },
    { what: 'peak RSS of the task', target: '≤ 80 MB', value: `${mb(rssMedian.task)} MB`, ok: rssMedian.task <= 80 * 1024 * 1024 },
    {
      what: 'VSIX size',
      target: '≤ 300 KB (307,200 bytes)',
      value: vsix ? `${kb(vsix.bytes)} KiB` : 'not built: run npm run package',
      ok: vsix ? vsix.bytes <= 300 * 1024 : undefined,
    },
    {
      what: '20,000 backups, added wall time',
      target: '≤ 100 ms',
      value: `+${f1(added20k)} ms (emulator serialize ${f1(l.largeStats[2].serialize.serializeMs)} ms of it)`,
      ok: added20k <= 100,
    },
  ];
  heading('Targets');
  console.log(
    table(
      ['', 'measure', 'target', 'measured'],
      targets.map((t) => [t.ok === undefined ? '  -  ' : t.ok ? ' ok  ' : 'MISS ', t.what, t.target, t.value]),
      3,
    ),
  );
  return targets;
}

/** What bench-results.json holds besides the download and the long wait. */
function resultsJson(
  variants: Variant[],
  w: WallResult,
  l: LargeResult,
  rss: Map<string, number[]>,
  sizes: SizesResult,
  opts: Options,
  extra: Record<string, unknown>,
) {
  return {
    generatedAt: new Date().toISOString(),
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model.trim(),
    options: { runs: opts.runs, warmups: opts.warmups, largeRuns: opts.largeRuns, rssRuns: opts.rssRuns, quick: opts.quick },
    wallTimeMs: Object.fromEntries(
      variants.map((v) => [v.key, { label: v.label, ...w.wallStats[v.key], samples: (w.wall.get(v.key) ?? []).map((s) => s.ms) }]),
    ),
    requestsPerRun: w.requestsPerRun,
    peakRssBytes: Object.fromEntries([...rss].map(([k, v]) => [k, { median: median(v), samples: v }])),
    sizes: { bundles: sizes.bundles, vsix: sizes.vsix ? { file: sizes.vsix.file, bytes: sizes.vsix.bytes } : null },
    largeLists: l.largeStats.map((s, i) => ({
      backups: s.count,
      responseBodyBytes: s.serialize.bodyBytes,
      emulatorSerializeMs: s.serialize.serializeMs,
      task: { ...s.task, addedMs: i ? l.added(i, 'task') : 0, samples: (l.large.get(`task:${l.sizes[i].key}`) ?? []).map((x) => x.ms) },
      floor: { ...s.floor, addedMs: i ? l.added(i, 'floor') : 0, samples: (l.large.get(`floor:${l.sizes[i].key}`) ?? []).map((x) => x.ms) },
      requests: s.requests,
      taskStdoutBytes: s.taskStdoutBytes,
      taskSetSecretLines: s.taskSetSecretLines,
      taskPeakRssBytes: s.taskPeakRss,
    })),
    ...extra,
  };
}

/** Temporary files of a run: the RSS preload, an empty script, the agent's directories. */
function makeScratch(): { scratch: string; preload: string; empty: string; tempDir: string } {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'lcs-bench-'));
  const preload = path.join(scratch, 'rss-preload.js');
  writeFileSync(preload, PEAK_RSS_PRELOAD);
  const empty = path.join(scratch, 'empty.js');
  writeFileSync(empty, '');
  const tempDir = path.join(scratch, 'agent');
  mkdirSync(path.join(tempDir, 's'), { recursive: true });
  return { scratch, preload, empty, tempDir };
}

/** Start-up, memory, sizes and large lists of the backups task against the emulator. */
async function benchTask(root: string, opts: Options, emulator: Emulator, files: ReturnType<typeof makeScratch>) {
  const variants = benchVariants(root, files.empty);
  const byKey = (key: string): Variant => {
    const v = variants.find((x) => x.key === key);
    if (!v) throw new Error(`no variant ${key}`);
    return v;
  };
  const env = agentEnvironment(emulatorRunOptions(emulator, byKey('task').script, 'LcsBench'), files.tempDir);
  const harness: Harness = { emulator, env, cwd: env.SYSTEM_DEFAULTWORKINGDIRECTORY };
  console.log('LCS database backups: benchmark against the local emulator (loopback HTTPS)');
  console.log(`node ${process.version} on ${os.platform()} ${os.arch()}, ${os.cpus().length} x ${os.cpus()[0]?.model.trim() ?? 'cpu'}`);
  console.log(
    `${opts.runs} measured runs per variant after ${opts.warmups} warm-up runs, interleaved; large lists ${opts.largeRuns} runs; peak RSS ${opts.rssRuns} runs`,
  );
  const wall = await measureWallTime(variants, harness, opts);
  const rss = await measureRss(variants, harness, opts, files.preload);
  const sizes = measureSizes(root);
  const large = await measureLargeLists(byKey, harness, opts, files.preload);
  const ratios = reportWallTime(variants, wall, opts);
  reportRssAndSizes(variants, rss, sizes, opts);
  reportLargeLists(large, opts);
  const rssMedian = Object.fromEntries([...rss].map(([k, v]) => [k, median(v)])) as Record<string, number>;
  const targets = reportTargets(wall, large, sizes, rssMedian, ratios.ratioTaskFloor);
  return resultsJson(variants, wall, large, rss, sizes, opts, {
    ratios: { taskOverFloor: ratios.ratioTaskFloor, unbundledOverBundled: ratios.ratioUnbundled },
    targets,
  });
}

/** The build outputs the benchmark runs, or a message naming the one missing. */
function missingBuild(root: string): string | undefined {
  const files = [taskScript(BENCH_TASK, root), path.join(root, 'build', 'tasks', BENCH_TASK, 'index.js'), path.join(root, 'scripts', 'bench-floor.js')];
  const missing = files.find((file) => !existsSync(file));
  return missing && `Missing ${path.relative(root, missing)}: run npm run build first (npm run bench does that for you).`;
}

async function main(): Promise<number> {
  const root = findRepoRoot(__dirname);
  const opts = parseArgs(process.argv.slice(2), root);
  if (opts.download === 'only') {
    const download = await downloadSection(root, opts);
    writeFileSync(opts.json, `${JSON.stringify({ generatedAt: new Date().toISOString(), node: process.version, download }, null, 2)}\n`);
    return 0;
  }
  const missing = missingBuild(root);
  if (missing) {
    console.error(missing);
    return 1;
  }
  const files = makeScratch();
  const emulator = await startEmulator();
  try {
    const results = await benchTask(root, opts, emulator, files);
    const download = opts.download === 'yes' ? await downloadSection(root, opts) : undefined;
    const longWait = await benchWait();
    writeFileSync(opts.json, `${JSON.stringify({ download, ...results, longWait }, null, 2)}\n`);
    console.log(`\nWrote ${path.relative(process.cwd(), opts.json) || opts.json}`);
    return 0;
  } finally {
    await emulator.close();
    rmSync(files.scratch, { recursive: true, force: true });
  }
}

/** The download section (scripts/benchDownload.ts), printed under its own heading. */
async function downloadSection(root: string, opts: Options): Promise<Record<string, unknown>> {
  const result = await runDownloadBench(root, opts.quick ? 1 : 3, progress);
  progressDone();
  heading('Download (LcsDatabaseBackups@1 download: true)');
  for (const line of result.lines) console.log(line);
  return result.json;
}

if (require.main === module) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    },
  );
}
