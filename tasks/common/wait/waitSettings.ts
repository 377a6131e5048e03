/**
 * The inputs of every task that waits for an LCS operation: waitForCompletion, timeoutMinutes,
 * pollIntervalSeconds. Validated before any request.
 */
import { InputError } from '../platform/errors';
import { InputSource, parseBoolean, trimmed } from '../platform/inputs';

export interface WaitSettings {
  waitForCompletion: boolean;
  timeoutMs: number;
  pollIntervalMs: number;
}

/** Seven days: longer than any job can run, so a bigger number is a typo. */
const MAX_TIMEOUT_MINUTES = 7 * 24 * 60;
const MAX_POLL_SECONDS = 3600;

export function parseTimeoutMinutes(raw: string): number {
  const value = raw.trim();
  if (!value) {
    return 360;
  }
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !(n > 0) || n > MAX_TIMEOUT_MINUTES) {
    throw new InputError(
      `Input 'timeoutMinutes' must be a number of minutes greater than 0 and at most ${MAX_TIMEOUT_MINUTES}, such as 360 or 0.5; got '${value.slice(0, 40)}'.`,
      'Exports and refreshes take hours: leave it empty for 360.',
    );
  }
  return n;
}

export function parsePollIntervalSeconds(raw: string): number {
  const value = raw.trim();
  if (!value) {
    return 60;
  }
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > MAX_POLL_SECONDS) {
    throw new InputError(
      `Input 'pollIntervalSeconds' must be a whole number of seconds from 1 to ${MAX_POLL_SECONDS}; got '${value.slice(0, 40)}'.`,
      'Leave it empty for 60: LCS limits how many requests an account may make.',
    );
  }
  return n;
}

export function readWaitSettings(source: InputSource): WaitSettings {
  return {
    waitForCompletion: parseBoolean(trimmed(source, 'waitForCompletion'), 'waitForCompletion', true),
    timeoutMs: parseTimeoutMinutes(trimmed(source, 'timeoutMinutes')) * 60_000,
    pollIntervalMs: parsePollIntervalSeconds(trimmed(source, 'pollIntervalSeconds')) * 1000,
  };
}
