/**
 * The blob's current download URL (a SAS, a secret). When storage answers 403
 * AuthenticationFailed, whatever the SAS's `se` says (the agent's clock and storage's can
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
    if (this.received() === this.receivedAtLastRefresh) {
      throw new DownloadError(
        `Storage refused the fresh download URL from LCS as well (HTTP 403 ${code}) before a single byte arrived.`,
        'Check that the agent\'s clock is right and that nothing between the agent and Azure Storage rewrites requests, then run the task again; the bytes downloaded so far are kept.',
      );
    }
    this.receivedAtLastRefresh = this.received();
    this.log(`Storage no longer accepts the download URL (HTTP 403 ${code}: the SAS has expired). Asking LCS for a fresh one for the same backup.`);
    const fresh = await this.fetchFresh();
    if (fresh === this.current) {
      throw new DownloadError(
        `Storage refuses the download URL (HTTP 403 ${code}), and LCS lists the same URL again.`,
        'Check the agent\'s clock (the SAS may look expired to storage), or export a new backup in LCS; run the task again to continue the download.',
      );
    }
    this.current = fresh;
    this.version++;
    this.refreshes++;
    this.log('Got a fresh download URL from LCS; the download continues where it was.');
  }
}
