/**
 * `npm run bench:hostile`: what hostile or very large answers cost, measured, not asserted.
 *
 *  1. Memory: the bundled task against the local emulator, one process per answer, with a
 *     preload that reports the process's own peak memory (VmHWM; test/support/peakRss.ts) at exit.
 *     Large lists, lists at and beyond the task's bounds, a gzip bomb.
 *  2. Wildcards: the task's matcher against the regular expression LcsDatabaseBackups 1.0.0
 *     built from a filter (`.*` per star), on long names that do not match.
 *
 *   npm run bench:hostile                 everything
 *   npm run bench:hostile -- --memory     only the memory table
 *   npm run bench:hostile -- --wildcards  only the wildcard timings
 *   npm run bench:hostile -- --memory --only 50,000   only the answers whose label has the text
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  LIST_ANSWER_HEAD as HEAD,
  LIST_ANSWER_TAIL as TAIL,
  generateBackups,
  gzipBomb,
  startEmulator,
  type Emulator,
  type Step,
} from '../test/emulator/emulator';
import { runTask } from '../test/support/agent';
import { emulatorRunOptions } from '../test/support/emulatorRun';
import { findRepoRoot } from '../test/support/repo';
import { PEAK_RSS_PRELOAD, peakRssBytes } from '../test/support/peakRss';
import { compileWildcards } from '../tasks/common/backups/wildcards';
import { regexMatcher } from '../test/support/regexMatcher';

const PRELOAD = PEAK_RSS_PRELOAD;

const MIB = 1024 * 1024;

interface Scenario {
  label: string;
  /** The list answer: backups for the emulator's default answer, or a scripted step. */
  answer: () => Promise<{ backups?: unknown[]; step?: Step; bytes: number; note?: string }>;
}

/** A JSON list answer built from `count` copies of one entry text. */
function repeated(entry: string, count: number): { step: Step; bytes: number } {
  const body = `${HEAD}${`${entry},`.repeat(count - 1)}${entry}${TAIL}`;
  return { step: { status: 200, headers: { 'Content-Type': 'application/json' }, body }, bytes: Buffer.byteLength(body) };
}

async function bomb(mib: number): Promise<{ step: Step; bytes: number; note: string }> {
  const step = await gzipBomb(mib);
  return { step, bytes: mib * MIB, note: `${((step.body as Buffer).length / 1024).toFixed(0)} KiB gzip` };
}

async function backups(count: number): Promise<{ backups: unknown[]; bytes: number }> {
  const list = generateBackups(count, new Date());
  return { backups: list, bytes: Buffer.byteLength(JSON.stringify(list)) + HEAD.length };
}

const SCENARIOS: Scenario[] = [
  { label: "5 backups (the emulator's sample)", answer: async () => ({ bytes: 0, note: 'default answer' }) },
  { label: '20,000 backups', answer: () => backups(20_000) },
  { label: '50,000 backups', answer: () => backups(50_000) },
  { label: '72,000 backups (just under 48 MiB)', answer: () => backups(72_000) },
  { label: '100,000 backups (over 48 MiB)', answer: () => backups(100_000) },
  { label: '200,000 nulls (the most entries read)', answer: async () => repeated('null', 200_000) },
  { label: '200,001 nulls', answer: async () => repeated('null', 200_001) },
  { label: '45 MiB of nulls', answer: async () => repeated('null', Math.floor((45 * MIB) / 5)) },
  { label: '2,999,990 {} (just within the value bound)', answer: async () => repeated('{}', 2_999_990) },
  { label: '3,000,001 {}', answer: async () => repeated('{}', 3_000_001) },
  { label: '20 MiB of {} (600 MB once parsed)', answer: async () => repeated('{}', Math.floor((20 * MIB) / 3)) },
  { label: 'one name of 45 MiB', answer: async () => repeated(`{"Name":"${'x'.repeat(45 * MIB)}"}`, 1) },
  { label: 'one name of 22 MiB, 2-byte characters (45 MiB)', answer: async () => repeated(`{"Name":"${'ü'.repeat(22 * MIB)}"}`, 1) },
  { label: 'gzip bomb, 1 GiB unpacked', answer: () => bomb(1024) },
];

function peakRss(stderr: string): number {
  return peakRssBytes(stderr) / MIB;
}

function pad(cells: string[], widths: number[]): string {
  return cells
    .map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
    .join('  ')
    .trimEnd();
}

async function measureMemory(emulator: Emulator, script: string, preload: string, only: string | undefined): Promise<void> {
  console.log('\n── Peak memory of the bundled task, one process per answer (MiB = VmHWM at exit) ──');
  const widths = [44, 10, 10, 8, 60];
  console.log(pad(['answer', 'MiB sent', 'peak RSS', 'wall s', 'result'], widths));
  for (const scenario of SCENARIOS.filter((s) => !only || s.label.includes(only))) {
    emulator.reset();
    const answer = await scenario.answer();
    if (answer.backups) emulator.backups = answer.backups as Emulator['backups'];
    if (answer.step) emulator.lcsSteps.push(answer.step);
    const options = emulatorRunOptions(emulator, script, 'LcsBench');
    const run = await runTask({ ...options, inputs: { ...options.inputs, failIfNoBackup: 'false' }, nodeArgs: ['--require', preload], timeoutMs: 300_000 });
    rmSync(run.tempDir, { recursive: true, force: true });
    const result = run.timedOut
      ? 'killed after 300 s'
      : `${run.result?.result ?? `exit ${run.exitCode}`}: ${(run.result?.message ?? run.stderr.trim().split('\n').pop() ?? '').slice(0, 90)}`;
    const sent = answer.bytes ? (answer.bytes / MIB).toFixed(1) : '-';
    console.log(
      pad(
        [scenario.label, answer.note ? `${sent} (${answer.note})` : sent, peakRss(run.stderr).toFixed(0), (run.durationMs / 1000).toFixed(1), result],
        widths,
      ),
    );
  }
}

function timeMs(fn: () => void): number {
  const started = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

function measureWildcards(): void {
  console.log('\n── Wildcards: names that do not match, filter *A*-*B* (ms for all names) ──');
  const widths = [30, 14, 16];
  console.log(pad(['names × characters', 'task matcher', '1.0.0 regex'], widths));
  const cases: [number, number, boolean][] = [
    [1, 500, true],
    [1, 1000, true],
    [1, 2000, true],
    [300, 4000, false],
    [300, 40_000, false],
    [200_000, 100, false],
  ];
  let regex2000 = 0;
  for (const [count, length, withRegex] of cases) {
    const names = Array.from({ length: count }, (_, i) => `${'A-'.repeat(length / 2)}${i}`);
    const matcher = compileWildcards(['*A*-*B*'])!;
    const ours = timeMs(() => names.forEach(matcher));
    const regexMs = withRegex ? timeMs(() => names.forEach(regexMatcher(['*A*-*B*']))) : NaN;
    if (length === 2000) regex2000 = regexMs;
    console.log(
      pad([`${count.toLocaleString('en-US')} × ${length.toLocaleString('en-US')}`, ours.toFixed(1), withRegex ? regexMs.toFixed(1) : 'not run'], widths),
    );
  }
  const piece = compileWildcards(['*a?a?a?a?b*'])!;
  console.log(`*a?a?a?a?b* against one name of 10,000,000 × 'a': ${timeMs(() => piece('a'.repeat(10_000_000))).toFixed(1)} ms`);
  // Cubic: twice the length, eight times the time.
  const estimate = (regex2000 * 8 * 300) / 60_000;
  console.log(`The regular expression grows with the cube of the length: 300 names of 4,000 characters would take about ${estimate.toFixed(0)} min.`);
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const root = findRepoRoot(__dirname);
  const script = path.join(root, 'tasks', 'LcsDatabaseBackupsV1', 'dist', 'index.js');
  console.log(`node ${process.version} on ${os.platform()} ${os.arch()}, ${os.cpus().length} x ${os.cpus()[0]?.model.trim() ?? 'cpu'}`);
  if (!argv.includes('--memory')) measureWildcards();
  if (argv.includes('--wildcards')) return 0;
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'lcs-bench-hostile-'));
  const preload = path.join(scratch, 'rss-preload.js');
  writeFileSync(preload, PRELOAD);
  const emulator = await startEmulator();
  try {
    const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1] : undefined;
    await measureMemory(emulator, script, preload, only);
  } finally {
    await emulator.close();
    rmSync(scratch, { recursive: true, force: true });
  }
  return 0;
}

if (require.main === module) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(`bench:hostile failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    },
  );
}
