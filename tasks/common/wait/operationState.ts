/**
 * A long-running LCS operation as a state machine over its status answers: which states end
 * it, what the log says on each change, when a heartbeat is due. Pure: (state, answer, now).
 */
import { StatusAnswer } from './operations';
import { neutralize } from '../text/sanitize';
import { isoSeconds } from '../text/time';

export type StateVerdict = 'succeeded' | 'failed' | 'waiting';

const SUCCEEDED = ['Completed', 'SignedOff'];
const FAILED = ['Failed', 'Aborted', 'RollbackFailed', 'RollbackCompleted'];
const WAITING = ['NotStarted', 'InProgress', 'RollbackInProgress'];

/** What a state means; any state the task does not know keeps the wait going. */
export function classifyState(state: string): { verdict: StateVerdict; known: boolean } {
  const is = (list: string[]): boolean => list.some((s) => s.toLowerCase() === state.toLowerCase());
  if (is(SUCCEEDED)) {
    return { verdict: 'succeeded', known: true };
  }
  if (is(FAILED)) {
    return { verdict: 'failed', known: true };
  }
  return { verdict: 'waiting', known: is(WAITING) };
}

/** At most one heartbeat line this often while nothing changes. */
export const HEARTBEAT_MS = 10 * 60_000;

export interface WaitProgress {
  /** The operation's label, as the log calls it. */
  label: string;
  activityId: string;
  startedAt: number;
  state?: string;
  lastLineAt: number;
  unknownSeen: string[];
}

export interface Observation {
  progress: WaitProgress;
  /** Lines for the log (a state change). */
  lines: string[];
  /** A state the task does not know, seen for the first time: worth one warning. */
  unknownState?: string;
  verdict: StateVerdict;
  changed: boolean;
}

/** "1 h 05 min", "12 min", "40 s". */
export function formatElapsed(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) {
    return `${seconds} s`;
  }
  const minutes = Math.floor(seconds / 60);
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

export function startProgress(label: string, activityId: string, now: number): WaitProgress {
  return { label, activityId, startedAt: now, lastLineAt: now, unknownSeen: [] };
}

/** Takes in one status answer. */
export function observe(progress: WaitProgress, answer: StatusAnswer, now: number): Observation {
  const { verdict, known } = classifyState(answer.state);
  const changed = progress.state?.toLowerCase() !== answer.state.toLowerCase();
  const lines: string[] = [];
  let unknownState: string | undefined;
  const next: WaitProgress = { ...progress };
  if (changed) {
    lines.push(`${isoSeconds(new Date(now))}  ${progress.label} ${neutralize(answer.state, 60)} (after ${formatElapsed(now - progress.startedAt)})`);
    next.state = answer.state;
    next.lastLineAt = now;
  }
  if (!known && !progress.unknownSeen.includes(answer.state.toLowerCase())) {
    unknownState = neutralize(answer.state, 60);
    next.unknownSeen = [...progress.unknownSeen, answer.state.toLowerCase()];
  }
  return { progress: next, lines, verdict, changed, unknownState };
}

/** A heartbeat line when nothing was logged for HEARTBEAT_MS, else undefined. */
export function heartbeat(progress: WaitProgress, now: number): { progress: WaitProgress; line?: string } {
  if (now - progress.lastLineAt < HEARTBEAT_MS) {
    return { progress };
  }
  const line = `${isoSeconds(new Date(now))}  still ${neutralize(progress.state ?? 'waiting', 60)} after ${formatElapsed(now - progress.startedAt)} (operation id ${progress.activityId})`;
  return { progress: { ...progress, lastLineAt: now }, line };
}
