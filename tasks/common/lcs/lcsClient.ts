/**
 * The LCS Database Movement API client shared by every task: the request headers, the JSON
 * envelope every operation answers with (IsSuccess, ErrorMessage, OperationActivityId,
 * VersionEOL), the advice for LCS's own HTTP errors (401, 403, 404; failures.ts words the rest),
 * and a fresh token once after a 401. Parsing is pure (parseEnvelope, describeLcsStatus);
 * LcsClient adds the HTTP call.
 */
import { LcsApiError, TaskFailure } from '../platform/errors';
import { MAX_JSON_VALUES, withinJsonBound } from '../http/json';
import { describeHttpFailure } from '../http/failures';
import { HttpClient, HttpRequest, HttpResponse, hostOf } from '../http/http';
import { RetryBudget } from '../http/retry';
import { isoSeconds, parseLcsTimestamp } from '../text/time';
import { neutralize } from '../text/sanitize';

export const LCS_API_VERSION = '2017-09-15';

/** How requests to LCS name it, in messages and advice. */
export const LCS_SERVICE = {
  service: 'LCS',
  endpointField: 'the Lifecycle Services API endpoint (apiurl)',
  endpointExample: "it must be your LCS project's geography, e.g. https://lcsapi.eu.lcs.dynamics.com for Europe",
  statusPage: 'Service health in the Microsoft 365 admin center',
} satisfies Partial<HttpRequest>;

/** One kind of LCS request, for messages: "LCS answered HTTP 400 to the <name> request". */
export interface LcsOperation {
  /** Short name: "list", "start export", "fetch status". */
  name: string;
  /** What failed, after "LCS could not": "list the database backups". */
  couldNot: string;
  /** Advice when LCS answers `IsSuccess: false`, or advice made from LCS's ErrorMessage. */
  ifRefused: string | ((errorMessage: string) => string);
  /**
   * What LCS's OperationActivityId in this call's answer is, in messages: the request id of a
   * status call (the operation's own id is the operation id); 'OperationActivityId' by default.
   */
  idLabel?: string;
  /** Advice for HTTP 404, when the operation knows better than "check the project id". */
  ifNotFound?: string;
  /**
   * Advice for a 401 that a fresh token did not cure, when the operation has a cause of its own
   * beside the token's geography (LCS answers 401 to a refresh it does not support).
   */
  ifUnauthorized?: string;
  /**
   * The request starts work (a POST that counts against LCS's daily limit): it is retried only
   * when it surely did not reach LCS or LCS said so (429), never after a 5xx or a timeout.
   */
  startsWork?: boolean;
}

/** A 200 answer with `IsSuccess: true`. */
export interface LcsEnvelope {
  /** The whole JSON object, for the operation's own fields. Untrusted. */
  body: Record<string, unknown>;
  operationActivityId?: string;
  /** When this API version retires; undefined while LCS says 9999-12-31 (no date set). */
  versionEol?: Date;
}

/** ` (OperationActivityId x; Microsoft support asks for it)`, or '' without an id. */
export function activitySuffix(id: unknown, label = 'OperationActivityId'): string {
  return typeof id === 'string' && id ? ` (${label} ${neutralize(id, 60)}; Microsoft support asks for it)` : '';
}

/** The advice when an answer is larger than the task reads: no real LCS answer is. */
export const TOO_LARGE_ADVICE =
  'Delete the database backups the project no longer needs from its LCS Asset library; if it does not hold that many, check that the Lifecycle Services API endpoint is LCS itself and that no proxy answers instead, and report it with the log of a run with system.debug set to true.';

function parseJsonObject(body: string, contentType: string | undefined): Record<string, unknown> {
  if (!withinJsonBound(body)) {
    throw new LcsApiError(
      `LCS answered with JSON of more than ${MAX_JSON_VALUES.toLocaleString('en-US')} values (${body.length.toLocaleString('en-US')} characters), more than the task reads from one answer.`,
      TOO_LARGE_ADVICE,
      200,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.replace(/^\uFEFF/, ''));
  } catch {
    const kind = neutralize(contentType || 'no content type', 80);
    throw new LcsApiError(
      `LCS answered HTTP 200 with ${body.length} bytes of ${kind} that is not JSON.`,
      'A proxy or firewall may have answered instead of LCS: check that the agent reaches the Lifecycle Services API endpoint directly, and that the endpoint is right.',
      200,
      true,
    );
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed) || typeof (parsed as Record<string, unknown>).IsSuccess !== 'boolean') {
    throw new LcsApiError(
      "LCS answered with JSON that is not the Database Movement API's response (no IsSuccess).",
      "Check that the service connection's Lifecycle Services API endpoint is the LCS API (e.g. https://lcsapi.lcs.dynamics.com), not the LCS portal.",
      200,
      true,
    );
  }
  return parsed as Record<string, unknown>;
}

/** Reads a 200 answer. Throws LcsApiError for `IsSuccess: false` or a body that is not the envelope. */
export function parseEnvelope(body: string, contentType: string | undefined, operation: LcsOperation): LcsEnvelope {
  const envelope = parseJsonObject(body, contentType);
  if (envelope.IsSuccess === false) {
    const raw = envelope.ErrorMessage;
    const message = neutralize(typeof raw === 'string' || !raw ? raw || 'no error message' : JSON.stringify(raw), 500);
    const advice = typeof operation.ifRefused === 'string' ? operation.ifRefused : operation.ifRefused(message);
    throw new LcsApiError(`LCS could not ${operation.couldNot}: ${message}${activitySuffix(envelope.OperationActivityId, operation.idLabel)}.`, advice, 200);
  }
  const eol = parseLcsTimestamp(envelope.VersionEOL);
  return {
    body: envelope,
    operationActivityId: typeof envelope.OperationActivityId === 'string' ? envelope.OperationActivityId : undefined,
    versionEol: eol && new Date(eol.epochMs).getUTCFullYear() < 9999 ? new Date(eol.epochMs) : undefined,
  };
}

/**
 * The error for an HTTP error status from the LCS API: LCS's own meaning of 401, 403 and 404
 * here, the proxy, throttling and outages from failures.ts, anything else as unexpected.
 */
export function describeLcsStatus(
  response: Pick<HttpResponse, 'status' | 'attempts'>,
  projectId: number,
  apiUrl: string,
  operation: Pick<LcsOperation, 'name' | 'ifNotFound' | 'ifUnauthorized'>,
): TaskFailure {
  const { status, attempts } = response;
  switch (status) {
    case 401:
      return unauthorized(apiUrl, operation);
    case 403:
      return new LcsApiError(
        `LCS refused access to project ${projectId} (HTTP 403).`,
        'Add the service account to the LCS project (Project users) with a role that can see the Asset library, and sign in to LCS with it once to accept the terms.',
        status,
      );
    case 404:
      return new LcsApiError(
        `LCS does not know project ${projectId} at ${apiUrl} (HTTP 404).`,
        operation.ifNotFound ??
          "Check the project id (the number in the project's LCS URL) and that the Lifecycle Services API endpoint is your project's geography.",
        status,
      );
    default:
      return (
        describeHttpFailure({ kind: 'status', status, attempts }, { ...LCS_SERVICE, host: hostOf(apiUrl) }) ??
        new LcsApiError(
          `LCS answered HTTP ${status} to the ${operation.name} request.`,
          "Check the service connection's Lifecycle Services API endpoint and the project id.",
          status,
        )
      );
  }
}

function unauthorized(apiUrl: string, operation: Pick<LcsOperation, 'name' | 'ifUnauthorized'>): LcsApiError {
  const geography = `the token's audience must be the same LCS geography as the API endpoint (${apiUrl}): check the service connection's Lifecycle Services API endpoint against your project's region (e.g. https://lcsapi.eu.lcs.dynamics.com for Europe)`;
  if (operation.ifUnauthorized) {
    return new LcsApiError(
      `LCS answered HTTP 401 to the ${operation.name} request, with a fresh access token too.`,
      `Two causes give this answer: ${geography}; or ${operation.ifUnauthorized}`,
      401,
    );
  }
  return new LcsApiError(
    'LCS rejected the access token (HTTP 401).',
    `The ${geography.replace(/^the /, '')}. An expired token or a clock far off on the agent also causes this.`,
    401,
  );
}

/** Where the access token comes from: the session keeps it fresh. */
export interface TokenSource {
  /** A token that is not about to expire (renewed first when it is). */
  current(): Promise<string>;
  /** A new token, whatever the old one's lifetime said (after a 401). */
  renew(): Promise<string>;
}

export interface LcsClientOptions {
  http: HttpClient;
  apiUrl: string;
  projectId: number;
  tokens: TokenSource;
  warn: (line: string) => void;
  debug: (line: string) => void;
}

export interface LcsCallOptions {
  /** The retry budget of this request; default: the HTTP client's. */
  budget?: RetryBudget;
  /** Ends the request early (a wait cancelled or past its deadline): see HttpRequest.signal. */
  signal?: AbortSignal;
}

/** Sends LCS requests with a valid token and reads their envelope. */
export class LcsClient {
  private warnedEol = false;

  constructor(private readonly options: LcsClientOptions) {}

  get apiUrl(): string {
    return this.options.apiUrl;
  }

  /** Sends one operation; returns its envelope or throws an LcsApiError (or TransportError). */
  async call(operation: LcsOperation, method: 'GET' | 'POST', path: string, callOptions: LcsCallOptions = {}): Promise<LcsEnvelope> {
    const { tokens, apiUrl, projectId } = this.options;
    const idempotent = !operation.startsWork;
    let response = await this.send(method, path, await tokens.current(), callOptions, idempotent);
    if (response.status === 401) {
      // A token can be revoked or expire early (clock skew): one fresh token, one more try.
      // LCS checks the token before it does anything, so this is safe for a start too.
      this.options.debug(`LCS answered 401 to the ${operation.name} request: renewing the token once.`);
      response = await this.send(method, path, await tokens.renew(), callOptions, idempotent);
    }
    if (response.status !== 200) {
      throw describeLcsStatus(response, projectId, apiUrl, operation);
    }
    const envelope = parseEnvelope(response.body, response.headers['content-type'], operation);
    this.options.debug(`LCS OperationActivityId: ${neutralize(envelope.operationActivityId ?? '(none)', 60)}`);
    this.warnAboutEol(envelope.versionEol);
    return envelope;
  }

  private send(method: 'GET' | 'POST', path: string, token: string, { budget, signal }: LcsCallOptions, idempotent: boolean): Promise<HttpResponse> {
    return this.options.http.send(
      {
        method,
        url: `${this.options.apiUrl}${path}`,
        headers: {
          Authorization: `Bearer ${token}`,
          'x-ms-version': LCS_API_VERSION,
          Accept: 'application/json',
          'Content-Type': 'application/json',
        },
        ...LCS_SERVICE,
        idempotent,
        signal,
      },
      budget,
    );
  }

  private warnAboutEol(versionEol: Date | undefined): void {
    if (versionEol && !this.warnedEol) {
      this.warnedEol = true;
      this.options.warn(
        `LCS says this API version (x-ms-version ${LCS_API_VERSION}) will be retired on ${isoSeconds(versionEol)}. Watch for an update of this task before then.`,
      );
    }
  }
}
