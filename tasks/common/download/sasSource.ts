/**
 * The blob's current download URL (a SAS, a secret). When storage answers 403
 * AuthenticationFailed or AuthorizationFailure (or a 403 without a code to the HEAD), whatever the SAS's `se` says (the agent's clock and storage's can
 * differ), it asks LCS for the same backup's URL again, once for all the ranges that failed
 * together. A fresh URL that is refused before a single byte arrives ends the download.
 */
import { DownloadError } from './errors';

export class SasSource {
  private version = 0;
  private refreshing?: Promise<void>;
  private receivedAtLastRefresh = -1;
  refreshes = 0;

  constructor(
    private current: string,
    /** The same backup's FileLocation, listed again; registered as a secret by the caller. */
    private readonly fetchFresh: () => Promise<string>,
    /** Bytes received so far in this run. */
    private readonly received: () => number,
    private readonly log: (line: string) => void,
  ) {}

  get url(): string {
    return this.current;
  }

  /** Which URL an attempt used: pass it to refresh() when that attempt is refused. */
  get generation(): number {
    return this.version;
  }

  /** Replaces the URL an attempt of `generation` used, unless another attempt already did. */
  async refresh(generation: number, code: string): Promise<void> {
    if (generation !== this.version) return;
    this.refreshing ??= this.renew(code).finally(() => {
      this.refreshing = undefined;
    });
    await this.refreshing;
  }

  private async renew(code: string): Promise<void> {
    const answer = `HTTP 403${code ? ` ${code}` : ' without an error code'}`;
    if (this.received() === this.receivedAtLastRefresh) throw refusedAgain(answer, code);
    this.receivedAtLastRefresh = this.received();
    this.log(
      `Storage no longer accepts the download URL (${answer}: ${SAS_CAUSES[code] ?? SAS_CAUSES.AuthenticationFailed}). Asking LCS for a fresh one for the same backup.`,
    );
    const fresh = await this.fetchFresh();
    if (fresh === this.current) {
      throw new DownloadError(
        `Storage refuses the download URL (${answer}), and LCS lists the same URL again.`,
        "Check the agent's clock (the SAS may look expired to storage), or export a new backup in LCS; run the task again to continue the download.",
      );
    }
    this.current = fresh;
    this.version++;
    this.refreshes++;
    this.log('Got a fresh download URL from LCS; the download continues where it was.');
  }
}

/** What a 403 code most likely means, for the log line before a fresh URL is asked for. */
const SAS_CAUSES: Record<string, string> = {
  AuthenticationFailed: 'the SAS has expired',
  AuthorizationFailure: 'usually a network rule or firewall of the storage account, sometimes an expired SAS',
  '': "an older storage version's answer to a refused SAS",
};

/** The error when a fresh URL is refused too, before a byte arrived with it. */
function refusedAgain(answer: string, code: string): DownloadError {
  if (code === 'AuthorizationFailure') {
    return new DownloadError(
      `Storage refused the fresh download URL from LCS as well (${answer}) before a single byte arrived. AuthorizationFailure is not an expired SAS: it usually means a network rule or firewall of the storage account does not let this agent's address in.`,
      "Check the agent's outbound network (a proxy, firewall or private endpoint on the way to Azure Storage), or run on an agent that can reach the storage account; the bytes downloaded so far are kept.",
    );
  }
  return new DownloadError(
    `Storage refused the fresh download URL from LCS as well (${answer}) before a single byte arrived.`,
    "Check that the agent's clock is right and that nothing between the agent and Azure Storage rewrites requests, then run the task again; the bytes downloaded so far are kept.",
  );
}
