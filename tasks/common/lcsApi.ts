/**
 * The LCS Database Movement API: the list request, and reading its envelope. Parsing is pure
 * (parseDatabaseListResponse); listDatabaseBackups adds the HTTP call.
 */
import { LcsApiError } from './errors';
import { DatabaseAsset, parseLcsTimestamp, toDatabaseAsset } from './backups';
import { HttpClient, HttpResponse } from './http';
import { neutralize } from './sanitize';

export const LCS_API_VERSION = '2017-09-15';

export interface DatabaseList {
  assets: DatabaseAsset[];
  operationActivityId?: string;
  /** When this API version retires; undefined while LCS says 9999-12-31 (no date set). */
  versionEol?: Date;
}

export function listPath(projectId: number): string {
  return `/databasemovement/v1/databases/project/${projectId}`;
}

function activity(id: unknown): string {
  return typeof id === 'string' && id ? ` (OperationActivityId ${neutralize(id, 60)}; Microsoft support asks for it)` : '';
}

/** Reads a 200 answer. Throws LcsApiError for `IsSuccess: false` or a body that is not the envelope. */
export function parseDatabaseListResponse(body: string, contentType: string | undefined): DatabaseList {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.replace(/^\uFEFF/, ''));
  } catch {
    const kind = neutralize(contentType || 'no content type', 80);
    throw new LcsApiError(
      `LCS answered HTTP 200 with ${body.length} bytes of ${kind} that is not JSON.`,
      'A proxy or firewall may have answered instead of LCS: check that the agent reaches the Lifecycle Services API endpoint directly, and that the endpoint is right.',
      200,
    );
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed) || typeof (parsed as Record<string, unknown>).IsSuccess !== 'boolean') {
    throw new LcsApiError(
      'LCS answered with JSON that is not the Database Movement API\'s response (no IsSuccess).',
      'Check that the service connection\'s Lifecycle Services API endpoint is the LCS API (e.g. https://lcsapi.lcs.dynamics.com), not the LCS portal.',
      200,
    );
  }
  const envelope = parsed as Record<string, unknown>;
  if (envelope.IsSuccess === false) {
    const message = neutralize(envelope.ErrorMessage || 'no error message', 500);
    throw new LcsApiError(
      `LCS could not list the database backups: ${message}${activity(envelope.OperationActivityId)}.`,
      'Check the project id and that the account can open the project\'s Asset library in LCS.',
      200,
    );
  }
  const list = envelope.DatabaseAssets;
  if (list !== null && list !== undefined && !Array.isArray(list)) {
    throw new LcsApiError('LCS answered IsSuccess: true, but DatabaseAssets is not a list.', 'Run again; if it persists, report it with the debug log.', 200);
  }
  const eol = parseLcsTimestamp(envelope.VersionEOL);
  return {
    assets: (list ?? []).map(toDatabaseAsset),
    operationActivityId: typeof envelope.OperationActivityId === 'string' ? envelope.OperationActivityId : undefined,
    versionEol: eol && new Date(eol.epochMs).getUTCFullYear() < 9999 ? new Date(eol.epochMs) : undefined,
  };
}

/** The advice for an HTTP error status from the LCS API. */
export function describeLcsStatus(response: Pick<HttpResponse, 'status' | 'attempts'>, projectId: number, apiUrl: string): LcsApiError {
  const { status, attempts } = response;
  const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
  switch (status) {
    case 401:
      return new LcsApiError(
        `LCS rejected the access token (HTTP 401).`,
        `The token's audience must be the same LCS geography as the API endpoint (${apiUrl}): check the service connection's Lifecycle Services API endpoint against your project's region (e.g. https://lcsapi.eu.lcs.dynamics.com for Europe). An expired token or a clock far off on the agent also causes this.`,
        status,
      );
    case 403:
      return new LcsApiError(
        `LCS refused access to project ${projectId} (HTTP 403).`,
        'Add the service account to the LCS project (Project users) with a role that can see the Asset library, and sign in to LCS with it once to accept the terms.',
        status,
      );
    case 404:
      return new LcsApiError(
        `LCS does not know project ${projectId} at ${apiUrl} (HTTP 404).`,
        'Check the project id (the number in the project\'s LCS URL) and that the Lifecycle Services API endpoint is your project\'s geography.',
        status,
      );
    case 407:
      return new LcsApiError(
        'The proxy refused the connection to LCS (HTTP 407 Proxy Authentication Required).',
        'Check the agent\'s proxy user name and password.',
        status,
      );
    case 429:
      return new LcsApiError(
        `LCS is throttling requests (HTTP 429)${tries}.`,
        'Wait a few minutes and run again, or raise retryBudgetSeconds so the task waits for LCS.',
        status,
      );
    default:
      if (status >= 500) {
        return new LcsApiError(
          `LCS is unavailable (HTTP ${status})${tries}.`,
          'This is usually temporary: run the pipeline again later, or raise retryBudgetSeconds.',
          status,
        );
      }
      return new LcsApiError(
        `LCS answered HTTP ${status} to the list request.`,
        'Check the service connection\'s Lifecycle Services API endpoint and the project id.',
        status,
      );
  }
}

/** GET the project's database backups. */
export async function listDatabaseBackups(http: HttpClient, apiUrl: string, projectId: number, token: string): Promise<DatabaseList> {
  const response = await http.send({
    method: 'GET',
    url: `${apiUrl}${listPath(projectId)}`,
    headers: {
      Authorization: `Bearer ${token}`,
      'x-ms-version': LCS_API_VERSION,
      Accept: 'application/json',
      'Content-Type': 'application/json',
    },
    service: 'LCS',
  });
  if (response.status !== 200) {
    throw describeLcsStatus(response, projectId, apiUrl);
  }
  return parseDatabaseListResponse(response.body, response.headers['content-type']);
}
