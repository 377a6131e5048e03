/**
 * When a failed storage request is tried again. A download can run for hours, so the retry
 * budget is not counted from the start: retries may go on while some byte has arrived within
 * the budget, and each range gets a limited number of tries without progress. Waits follow
 * retry.ts (backoff with jitter, Retry-After) and end at once on stop.
 */
import { setTimeout } from 'node:timers/promises';
import { AttemptOutcome, backoffMs, judge } from '../http/retry';

/** Tries of one request in a row that brought no byte, before the download gives up (AzCopy: 20). */
export const MAX_TRIES_WITHOUT_PROGRESS = 10;

/** What a request's first retry may wait at least, whatever the stall budget says. */
const FIRST_RETRY_MS = 2000;

/**
 * Why a failed request is not tried again: the answer is final (`refused`: a 4xx, a certificate),
 * too many tries in a row brought no byte (`tries`), or the budget is spent (`budget`: no time
 * left, or a Retry-After beyond it).
 */
export type GiveUpCause = 'refused' | 'tries' | 'budget';

export type RetryDecision = { retry: true; waitMs: number; reason: string } | { retry: false; cause: GiveUpCause; reason: string };

export class StallBudget {
  private lastProgressAt: number;

  constructor(
    readonly budgetMs: number,
    private readonly now: () => number = Date.now,
    private readonly random: () => number = Math.random,
  ) {
    this.lastProgressAt = now();
  }

  /** Some byte arrived. */
  progressed(): void {
    this.lastProgressAt = this.now();
  }

  /** When progress was last marked, to be put back by restoreProgress. */
  get progressMark(): number {
    return this.lastProgressAt;
  }

  /** Takes back progress marked since `mark` (bytes that turned out not to count). */
  restoreProgress(mark: number): void {
    this.lastProgressAt = mark;
  }

  /** Time retries may still use, in ms. */
  timeLeft(): number {
    return Math.max(0, this.lastProgressAt + this.budgetMs - this.now());
  }

  /** Whether to try again after the `tries`-th failure in a row without progress, and how long to wait. */
  decide(outcome: AttemptOutcome, tries: number): RetryDecision {
    const verdict = judge(outcome, this.now());
    // A request's first failure gets one more try even when no byte arrived within the budget:
    // one connection that hung for a whole request timeout (which may be longer than the budget)
    // says little about storage. A budget of 0 still means no retries.
    const left = tries === 1 && this.budgetMs > 0 ? Math.max(this.timeLeft(), FIRST_RETRY_MS) : this.timeLeft();
    if (!verdict.retryable) {
      return { retry: false, cause: 'refused', reason: verdict.reason };
    }
    if (tries >= MAX_TRIES_WITHOUT_PROGRESS || left <= 0) {
      return { retry: false, cause: tries >= MAX_TRIES_WITHOUT_PROGRESS ? 'tries' : 'budget', reason: `${verdict.reason}, ${tries} tries in a row` };
    }
    if (verdict.retryAfterMs !== undefined && verdict.retryAfterMs > left) {
      return { retry: false, cause: 'budget', reason: `${verdict.reason}, Retry-After beyond the retry budget` };
    }
    const waitMs = Math.min(Math.max(verdict.retryAfterMs ?? 0, backoffMs(tries, this.random)), left);
    return { retry: true, waitMs, reason: verdict.reason };
  }
}

/** Waits `ms`, or less when `stop` is aborted (then it resolves: the caller looks at `stop`). */
export async function pause(ms: number, stop: AbortSignal): Promise<void> {
  await setTimeout(ms, undefined, { signal: stop }).catch((error: unknown) => {
    if (!stop.aborted) throw error;
  });
}
