/**
 * What the log says while a download runs: when to report (every 10 % or 30 s), and the text of
 * the progress and final lines. Pure.
 */

const KiB = 1024;
const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** 1536 → "1.5 KiB"; 5 GiB → "5.00 GiB". */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= KiB && unit < UNITS.length - 1) {
    value /= KiB;
    unit++;
  }
  if (unit === 0) {
    return `${bytes} B`;
  }
  return `${value.toFixed(value < 10 ? 2 : 1)} ${UNITS[unit]}`;
}

/** 45_000 → "45 s"; 192_000 → "3 min 12 s"; 3_900_000 → "1 h 05 min". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) {
    return `${s} s`;
  }
  if (s < 3600) {
    return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  }
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** MiB per second; 0 when no time has passed. */
export function mibPerSecond(bytes: number, ms: number): number {
  return ms > 0 ? bytes / (1024 * 1024) / (ms / 1000) : 0;
}

export function percentOf(done: number, total: number): number {
  return total > 0 ? Math.min(100, Math.floor((done * 100) / total)) : 100;
}

export interface ProgressSnapshot {
  /** Bytes on disk, resumed ones included. */
  done: number;
  total: number;
  /** Bytes received in this run, and the time since this run's first request. */
  receivedThisRun: number;
  elapsedMs: number;
}

/** "Downloaded 1.25 GiB of 5.00 GiB (25%), 85.3 MiB/s, about 48 s left." */
export function progressLine(p: ProgressSnapshot): string {
  const rate = mibPerSecond(p.receivedThisRun, p.elapsedMs);
  const bytesPerMs = p.elapsedMs > 0 ? p.receivedThisRun / p.elapsedMs : 0;
  const eta = bytesPerMs > 0 && p.done < p.total ? `, about ${formatDuration((p.total - p.done) / bytesPerMs)} left` : '';
  return `Downloaded ${formatBytes(p.done)} of ${formatBytes(p.total)} (${percentOf(p.done, p.total)}%), ${rate.toFixed(1)} MiB/s${eta}.`;
}

/**
 * Decides when a progress line is due: when the percentage crosses the next multiple of
 * `stepPercent`, or `intervalMs` after the last line, whichever comes first.
 */
export class ProgressGate {
  private nextPercent: number;
  private lastAt: number;

  constructor(
    startPercent: number,
    startedAt: number,
    private readonly stepPercent = 10,
    private readonly intervalMs = 30_000,
  ) {
    this.nextPercent = (Math.floor(startPercent / stepPercent) + 1) * stepPercent;
    this.lastAt = startedAt;
  }

  due(percent: number, now: number): boolean {
    if (percent >= this.nextPercent || now - this.lastAt >= this.intervalMs) {
      this.nextPercent = (Math.floor(percent / this.stepPercent) + 1) * this.stepPercent;
      this.lastAt = now;
      return true;
    }
    return false;
  }
}

export interface FinalFacts {
  fileName: string;
  size: number;
  receivedThisRun: number;
  resumedBytes: number;
  elapsedMs: number;
  connections: number;
  verification: string;
}

/** "Downloaded UAT.bacpac: 5.00 GiB in 1 min 02 s (82.1 MiB/s, 8 connections); verified by MD5." */
export function finalLine(f: FinalFacts): string {
  const resumed = f.resumedBytes > 0 ? `; ${formatBytes(f.resumedBytes)} were already on disk from an earlier run` : '';
  return `Downloaded ${f.fileName}: ${formatBytes(f.size)} in ${formatDuration(f.elapsedMs)} (${mibPerSecond(f.receivedThisRun, f.elapsedMs).toFixed(1)} MiB/s average, ${f.connections} connection${f.connections === 1 ? '' : 's'}${resumed}); ${f.verification}.`;
}
