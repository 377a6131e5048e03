/**
 * The peak memory of a spawned task, as the benchmarks report it. A preload prints it at exit.
 *
 * Not `process.resourceUsage().maxRSS`: on Linux a child's maxRSS starts at its parent's resident
 * set size when it was forked (the kernel keeps the larger across exec), so a task spawned by a
 * bench that holds a 1 GiB emulator or a 40 MB answer reported the bench's memory, not its own.
 * VmHWM in /proc/self/status is the high-water mark of the process's own address space; where
 * /proc is missing (macOS, Windows) the preload falls back to maxRSS.
 */
export const RSS_TAG = '##bench[maxrss]';

/** The preload's source: prints RSS_TAG and the peak in KiB on exit. */
export const PEAK_RSS_PRELOAD = `'use strict';
// Written by the benchmarks (test/support/peakRss.ts): the process's own peak memory at exit.
process.on('exit', () => {
  let kib = process.resourceUsage().maxRSS;
  try {
    const hwm = /VmHWM:\\s*(\\d+)\\s*kB/.exec(require('fs').readFileSync('/proc/self/status', 'utf8'));
    if (hwm) kib = Number(hwm[1]);
  } catch { /* no /proc: keep maxRSS */ }
  process.stderr.write('${RSS_TAG}' + kib + '\\n');
});
`;

/** Peak memory in bytes from a run's stderr (NaN when the preload did not report). */
export function peakRssBytes(stderr: string): number {
  const line = stderr.split('\n').find((l) => l.startsWith(RSS_TAG));
  return line ? Number(line.slice(RSS_TAG.length)) * 1024 : NaN;
}
