/**
 * The few Azure Blob Storage requests a server-side copy needs, over the one HTTP layer
 * (http.ts): Copy Blob (PUT with x-ms-copy-source), Get Blob Properties (HEAD), Abort Copy Blob,
 * and a HEAD of the source (the LCS SAS URL). Storage refusals become CopyError with advice.
 */
import { HttpClient, HttpRequest, HttpResponse, statusFailure } from '../common/http/http';
import { RetryBudget } from '../common/http/retry';
import { Destination } from './destination';
import { storageBusy, storageRefusal } from './copyErrors';
import { AZURE_STATUS_PAGE } from '../common/http/failures';

export const STORAGE_API_VERSION = '2023-11-03';

export interface BlobProps {
  length: number;
  md5?: string;
  copyStatus?: string;
  copyId?: string;
  copied?: number;
  total?: number;
  copyDescription?: string;
}

export interface CopyStart {
  copyId: string;
  copyStatus: string;
}

/** Bearer token for an ARM connection; none for a SAS destination. */
export type TokenProvider = (() => Promise<string>) | undefined;

/** The error code of a storage answer: the x-ms-error-code header, else the XML body's <Code>. */
export function errorCode(response: HttpResponse): string {
  return response.headers['x-ms-error-code'] ?? /<Code>([^<]{1,80})<\/Code>/.exec(response.body)?.[1] ?? '';
}

function int(value: string | undefined): number | undefined {
  return value !== undefined && /^\d{1,16}$/.test(value.trim()) ? Number(value.trim()) : undefined;
}

/** Reads Get Blob Properties' headers. */
export function blobProps(headers: Record<string, string>): BlobProps {
  const progress = /^(\d{1,16})\/(\d{1,16})$/.exec(headers['x-ms-copy-progress'] ?? '');
  return {
    length: int(headers['content-length']) ?? 0,
    md5: headers['content-md5'] || headers['x-ms-blob-content-md5'] || undefined,
    copyStatus: headers['x-ms-copy-status'],
    copyId: headers['x-ms-copy-id'],
    copied: progress ? Number(progress[1]) : undefined,
    total: progress ? Number(progress[2]) : undefined,
    copyDescription: headers['x-ms-copy-status-description'],
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The destination blob, through either kind of destination's authorization. */
export class BlobService {
  constructor(
    private readonly http: HttpClient,
    readonly destination: Destination,
    private readonly token: TokenProvider,
    private readonly newBudget: () => RetryBudget,
    private readonly log: (line: string) => void,
  ) {}

  private async send(
    method: 'PUT' | 'HEAD',
    query: Record<string, string>,
    headers: Record<string, string>,
    budget = this.newBudget(),
    idempotent = true,
  ): Promise<HttpResponse> {
    const url = new URL(this.destination.blobUrl);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const sas = this.destination.sasQuery ? `${url.search ? '&' : '?'}${this.destination.sasQuery}` : '';
    const auth: Record<string, string> = this.token ? { Authorization: `Bearer ${await this.token()}` } : {};
    return this.http.send(
      {
        method,
        url: `${url.href}${sas}`,
        service: 'Azure Storage',
        statusPage: AZURE_STATUS_PAGE,
        idempotent,
        headers: { 'x-ms-version': STORAGE_API_VERSION, 'x-ms-date': new Date().toUTCString(), ...auth, ...headers },
        body: method === 'PUT' ? '' : undefined,
      },
      budget,
    );
  }

  /**
   * Copy Blob: starts the server-side copy. Not repeated after a lost answer (it may have
   * started); a busy answer (503 ServerBusy, 429) is waited out within the retry budget.
   */
  async startCopy(sourceUrl: string, metadata: Record<string, string>, replace: boolean): Promise<CopyStart> {
    const headers: Record<string, string> = { 'x-ms-copy-source': sourceUrl, 'Content-Length': '0' };
    for (const [k, v] of Object.entries(metadata)) headers[`x-ms-meta-${k}`] = v;
    if (!replace) headers['If-None-Match'] = '*';
    const budget = this.newBudget();
    for (let attempt = 1; ; attempt++) {
      const response = await this.send('PUT', {}, headers, budget, false);
      if (response.status === 202 || response.status === 201) {
        return { copyId: response.headers['x-ms-copy-id'] ?? '', copyStatus: response.headers['x-ms-copy-status'] ?? 'pending' };
      }
      const waitMs = Math.min(30_000, 1000 * 2 ** Math.min(attempt, 5));
      if (!storageBusy(response.status, errorCode(response)) || budget.retryTimeLeft(Date.now()) < waitMs) {
        throw storageRefusal(response, errorCode(response), this.destination, 'start the copy');
      }
      this.log(`Azure Storage is busy (HTTP ${response.status} ${errorCode(response) || ''}); starting the copy again in ${waitMs / 1000} s.`);
      await sleep(waitMs);
    }
  }

  /** Get Blob Properties of the destination; undefined when there is no such blob. */
  async properties(budget?: RetryBudget): Promise<BlobProps | undefined> {
    const response = await this.send('HEAD', {}, {}, budget);
    if (response.status === 404 && errorCode(response) !== 'ContainerNotFound') {
      return undefined;
    }
    if (response.status !== 200) {
      throw storageRefusal(response, errorCode(response), this.destination, 'read the destination blob');
    }
    return blobProps(response.headers);
  }

  /** Abort Copy Blob. True when storage aborted it (or it had already ended). */
  async abort(copyId: string, budget?: RetryBudget): Promise<boolean> {
    const response = await this.send('PUT', { comp: 'copy', copyid: copyId }, { 'x-ms-copy-action': 'abort', 'Content-Length': '0' }, budget);
    return response.status === 204 || response.status === 200 || errorCode(response) === 'NoPendingCopyOperation';
  }
}

/** HEAD of the source (the LCS SAS URL): its length and MD5, before the copy starts. */
export async function sourceProperties(http: HttpClient, sourceUrl: string, budget: RetryBudget): Promise<BlobProps & { status: number; code: string }> {
  const request: HttpRequest = {
    method: 'HEAD',
    url: sourceUrl,
    headers: { 'x-ms-version': STORAGE_API_VERSION },
    service: "LCS's backup storage",
    statusPage: AZURE_STATUS_PAGE,
  };
  const response = await http.send(request, budget);
  // The proxy, throttling and outages, as the HTTP layer words them; the SAS stays out (host only).
  const failure = statusFailure(request, response, { code: errorCode(response), throttled: storageBusy(response.status, errorCode(response)) });
  if (failure) {
    throw failure;
  }
  if (response.status !== 200) {
    return { status: response.status, code: errorCode(response), length: 0 };
  }
  return { ...blobProps(response.headers), status: 200, code: '' };
}
