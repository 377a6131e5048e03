/**
 * `npm run bench`, section "a long wait": the bundled LcsDatabaseExport@1 through a simulated
 * 2-hour export polled every 60 s, against the emulator, with the task's clock running 120 times
 * faster (a preload speeds up Date and the timers; the emulator's clock is real). It reports the
 * requests made (status, token, others) and peak RSS, against a short wait of the same task,
 * so "memory stays flat" is a measured number. Run alone: node build/scripts/bench-wait.js
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEmulator, type Emulator } from '../test/emulator/emulator';
import { runTask } from '../test/support/agent';
import { emulatorRunOptions } from '../test/support/emulatorRun';
import { taskScript } from '../test/support/repo';
import { PEAK_RSS_PRELOAD, peakRssBytes } from '../test/support/peakRss';

/** Task seconds per real second. */
export const WARP = 120;

const PRELOAD = `
// Written by scripts/bench-wait.ts: the task's clock runs ${WARP}x faster; timers shrink to match.
const K = ${WARP};
const RealDate = Date;
const realNow = RealDate.now;
const t0 = realNow();
const warped = () => t0 + (realNow() - t0) * K;
class WarpDate extends RealDate {
  constructor(...args) { if (args.length === 0) super(warped()); else super(...args); }
  static now() { return warped(); }
}
globalThis.Date = WarpDate;
const realSetTimeout = globalThis.setTimeout;
const realSetInterval = globalThis.setInterval;
globalThis.setTimeout = (fn, ms, ...args) => realSetTimeout(fn, Math.max(0, Number(ms) || 0) / K, ...args);
globalThis.setInterval = (fn, ms, ...args) => realSetInterval(fn, Math.max(1, (Number(ms) || 0) / K), ...args);
// The task also sleeps with timers/promises (the wait and the HTTP layer's pauses): shrink those too.
const timersPromises = require('node:timers/promises');
const realSleep = timersPromises.setTimeout;
timersPromises.setTimeout = (ms, ...rest) => realSleep(Math.max(0, Number(ms) || 0) / K, ...rest);
`;

export interface WaitBenchResult {
  simulatedMinutes: number;
  pollSeconds: number;
  statusRequests: number;
  tokenRequests: number;
  otherLcsRequests: number;
  expectedTokenRequests: number;
  peakRssBytes: number;
  logLines: number;
  realSeconds: number;
  result: string;
}

export async function oneWait(emulator: Emulator, preload: string, minutes: number): Promise<WaitBenchResult> {
  emulator.reset();
  // A status request at the start and one per interval: the export completes at the last one.
  emulator.operationScript = ['NotStarted', ...Array.from({ length: minutes - 1 }, () => 'InProgress'), 'Completed'];
  const options = emulatorRunOptions(emulator, taskScript('LcsDatabaseExportV1'), 'LcsBenchWait', {
    environmentId: '0a1b2c3d-4e5f-4a6b-8c9d-0e1f2a3b4c5d',
    backupName: `bench-${minutes}`,
    pollIntervalSeconds: '60',
    timeoutMinutes: String(minutes + 30),
  });
  const started = Date.now();
  const run = await runTask({ ...options, nodeArgs: ['--require', preload], timeoutMs: 10 * 60_000 });
  const paths = emulator.requests.map((r) => r.path.split('?')[0]);

  // One token at the start, then one each time 55 of a token's 60 minutes have passed.
  const expectedTokenRequests = 1 + Math.floor(minutes / 55);
  return {
    simulatedMinutes: minutes,
    pollSeconds: 60,
    statusRequests: paths.filter((p) => p.includes('/fetchstatus/')).length,
    tokenRequests: paths.filter((p) => p.endsWith('/oauth2/v2.0/token')).length,
    otherLcsRequests: paths.filter((p) => p.startsWith('/databasemovement/') && !p.includes('/fetchstatus/')).length,
    expectedTokenRequests,
    peakRssBytes: peakRssBytes(run.stderr),
    logLines: run.lines.filter((l) => !l.startsWith('##')).length,
    realSeconds: (Date.now() - started) / 1000,
    result:
      run.result?.result === 'Succeeded' ? 'Succeeded' : `${run.result?.result ?? `exit ${run.exitCode}`}: ${run.result?.message ?? run.stderr.slice(-300)}`,
  };
}

/** Runs a 5-minute and a 2-hour simulated export; prints a table and returns the figures. */
export async function benchWait(): Promise<WaitBenchResult[]> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'lcs-bench-wait-'));
  const preload = path.join(scratch, 'warp.js');
  writeFileSync(preload, PRELOAD + PEAK_RSS_PRELOAD);
  const emulator = await startEmulator();
  try {
    const results = [await oneWait(emulator, preload, 5), await oneWait(emulator, preload, 120)];
    const mb = (b: number): string => (b / 1024 / 1024).toFixed(1);
    console.log(`\n── A long wait: LcsDatabaseExport@1, one status request every 60 s, task clock x${WARP} ──`);
    console.log('simulated | status req | token req (expected) | other LCS req | log lines | peak RSS MB | real s | result');
    for (const r of results) {
      console.log(
        `${String(r.simulatedMinutes).padStart(5)} min | ${String(r.statusRequests).padStart(10)} | ${String(r.tokenRequests).padStart(9)} (${r.expectedTokenRequests})         | ${String(r.otherLcsRequests).padStart(13)} | ${String(r.logLines).padStart(9)} | ${mb(r.peakRssBytes).padStart(11)} | ${r.realSeconds.toFixed(1).padStart(6)} | ${r.result}`,
      );
    }
    const [short, long] = results;
    console.log(
      `one status request per interval: ${long.statusRequests === long.simulatedMinutes + 1 ? 'yes' : 'NO'} (${long.statusRequests} for ${long.simulatedMinutes} intervals and the first); token requests ${long.tokenRequests}, expected ${long.expectedTokenRequests}`,
    );
    console.log(
      `memory: ${mb(long.peakRssBytes)} MB after 2 h vs ${mb(short.peakRssBytes)} MB after 5 min (${(long.peakRssBytes / short.peakRssBytes).toFixed(2)}x)`,
    );
    return results;
  } finally {
    await emulator.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (require.main === module) {
  benchWait().then(
    () => undefined,
    (error: unknown) => {
      console.error(`bench-wait failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    },
  );
}
