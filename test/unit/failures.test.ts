/**
 * The one description of an HTTP failure (tasks/common/http/failures.ts): each status class and
 * each way of getting no answer, and that LCS, Microsoft Entra ID and Azure Storage hand their
 * 407, 429 and 5xx to it rather than word them again.
 */
import { strict as assert } from 'node:assert';
import { LcsApiError, ProxyAuthError, SignInError, TaskFailure, ThrottledError, TransportError } from '../../tasks/common/platform/errors';
import { AZURE_STATUS_PAGE, FailureTarget, describeHttpFailure } from '../../tasks/common/http/failures';
import { HttpRequest, statusFailure } from '../../tasks/common/http/http';
import { BODY_TOO_LARGE } from '../../tasks/common/http/retry';
import { LCS_SERVICE, describeLcsStatus } from '../../tasks/common/lcs/lcsClient';
import { ENTRA_SERVICE, describeEntraStatus } from '../../tasks/common/lcs/auth';
import { LIST_BACKUPS } from '../../tasks/common/lcs/databaseAssets';
import { toDatabaseAsset } from '../../tasks/common/lcs/databaseAssets';
import { CopyError, storageRefusal } from '../../tasks/LcsDatabaseBackupCopyV1/copyErrors';
import { destinationFor } from '../../tasks/LcsDatabaseBackupCopyV1/destination';

const LCS: FailureTarget = {
  service: 'LCS',
  host: 'lcsapi.lcs.dynamics.com',
  endpointField: 'the Lifecycle Services API endpoint (apiurl)',
  endpointExample: 'e.g. https://lcsapi.eu.lcs.dynamics.com for Europe',
  statusPage: 'Service health in the Microsoft 365 admin center',
};

function status(code: number, target: FailureTarget = LCS, attempts = 1, more: object = {}): TaskFailure | undefined {
  return describeHttpFailure({ kind: 'status', status: code, attempts, ...more }, target);
}

function defined(error: TaskFailure | undefined): TaskFailure {
  assert.ok(error, 'a description');
  return error;
}

function noAnswer(code: string, more: object = {}): TransportError {
  return describeHttpFailure({ kind: 'transport', code, timedOut: false, attempts: 1, timeoutMs: 5000, ...more }, LCS);
}

describe('describeHttpFailure', () => {
  describe('statuses', () => {
    it("407: the agent's proxy wants credentials; says which settings, and is no TransportError a wait rides out", () => {
      const error = defined(status(407));
      assert.ok(error instanceof ProxyAuthError);
      assert.ok(!(error instanceof TransportError));
      assert.equal(error.message, "The agent's proxy refused to connect to LCS (lcsapi.lcs.dynamics.com): HTTP 407 Proxy Authentication Required.");
      assert.match(error.userMessage, /proxy user name and password the agent was configured with/);
      assert.match(error.userMessage, /--proxyusername and --proxypassword/);
      assert.match(error.userMessage, /reach lcsapi\.lcs\.dynamics\.com\.$/);
    });

    it('429: throttling, with the attempts; advice to wait or raise retryBudgetSeconds', () => {
      const error = defined(status(429, LCS, 4));
      assert.ok(error instanceof ThrottledError);
      assert.equal(error.message, 'LCS (lcsapi.lcs.dynamics.com) is throttling requests (HTTP 429) after 4 attempts.');
      assert.equal(error.advice, 'Wait a few minutes and run again, or raise retryBudgetSeconds so the task waits longer for LCS.');
      assert.doesNotMatch(defined(status(429)).message, /attempt/);
    });

    it("a service's own busy code is throttling too (Azure Storage's 503 ServerBusy), with the code", () => {
      const error = defined(status(503, LCS, 1, { code: 'ServerBusy', throttled: true }));
      assert.ok(error instanceof ThrottledError);
      assert.match(error.message, /is throttling requests \(HTTP 503 ServerBusy\)\.$/);
    });

    for (const code of [500, 501, 502, 503, 504, 599]) {
      it(`${code}: an outage, retry later, the status page; a TransportError (not throttling)`, () => {
        const error = defined(status(code, LCS, 3));
        assert.ok(error instanceof TransportError && !(error instanceof ThrottledError));
        assert.equal(error.message, `LCS (lcsapi.lcs.dynamics.com) is unavailable (HTTP ${code}) after 3 attempts.`);
        assert.match(error.userMessage, /passing outage of LCS: run the pipeline again later, or raise retryBudgetSeconds/);
        assert.match(error.userMessage, /if it lasts, check Service health in the Microsoft 365 admin center\./);
        // A gateway's answer may be the agent's own proxy: said for 502 and 504 only.
        assert.equal(/proxy or gateway between the agent and lcsapi\.lcs\.dynamics\.com/.test(error.userMessage), code === 502 || code === 504);
      });
    }

    it('an outage of a service without a status page does not invent one', () => {
      const error = defined(status(503, { service: "the agent's managed identity endpoint", host: '169.254.169.254' }));
      assert.doesNotMatch(error.userMessage, /if it lasts/);
      assert.match(
        error.userMessage,
        /^The agent's managed identity endpoint \(169\.254\.169\.254\) is unavailable \(HTTP 503\)\. /,
        'a sentence starts with a capital',
      );
      assert.match(error.userMessage, /outage of the agent's managed identity endpoint:/);
    });

    for (const code of [200, 204, 302, 400, 401, 403, 404, 405, 409, 412, 418]) {
      it(`${code}: left to the service, which knows what it means`, () => {
        assert.equal(status(code), undefined);
      });
    }

    it("the service's own words and code are neutralized; its closing full stop is not doubled", () => {
      const error = defined(status(503, LCS, 1, { code: 'Busy##vso[x]', detail: 'Down.\n##vso[task.setvariable variable=A]b...' }));
      assert.ok(!error.userMessage.includes('##vso['), error.userMessage);
      assert.ok(!error.userMessage.includes('\n'));
      assert.match(error.message, /\(HTTP 503 Busy##_vso\[x\]\): Down\. ##_vso\[task\.setvariable variable=A\]b\.$/);
      assert.match(defined(status(429, LCS, 1, { detail: '   ' })).message, /\(HTTP 429\)\.$/);
    });

    it('a context is put before the message', () => {
      const error = defined(status(500, { ...LCS, context: 'Could not start the copy into a/c/b' }));
      assert.match(error.message, /^Could not start the copy into a\/c\/b: LCS \(lcsapi\.lcs\.dynamics\.com\) is unavailable \(HTTP 500\)\.$/);
    });
  });

  describe('a Retry-After beyond the budget', () => {
    const now = Date.UTC(2026, 0, 15, 3, 0, 0);

    it('429: when the service accepts requests again, and the budget that would cover it', () => {
      const error = defined(status(429, LCS, 1, { beyondBudget: { waitMs: 600_000, leftMs: 5000, now } }));
      assert.ok(error instanceof ThrottledError);
      assert.equal(
        error.message,
        'LCS (lcsapi.lcs.dynamics.com) is throttling requests (HTTP 429) and will accept requests again at 2026-01-15T03:10:00Z, in 600 s; that is beyond what is left of the retry budget (5.0 s).',
      );
      assert.equal(error.advice, 'Run the pipeline again after 2026-01-15T03:10:00Z, or raise retryBudgetSeconds above 600.');
    });

    it('503: unavailable, a TransportError; more than a day: no time, run again later', () => {
      const error = defined(status(503, LCS, 1, { beyondBudget: { waitMs: 2 * 86_400_000, leftMs: 300_000, now } }));
      assert.ok(error instanceof TransportError && !(error instanceof ThrottledError));
      assert.match(
        error.message,
        /^LCS \(lcsapi\.lcs\.dynamics\.com\) is unavailable \(HTTP 503\) and asks to wait more than a day \(Retry-After\); that is beyond what is left of the retry budget \(300 s\)\.$/,
      );
      assert.match(error.userMessage, /Run the pipeline again later/);
    });
  });

  describe('no answer', () => {
    it('a spent budget names both settings', () => {
      const error = describeHttpFailure({ kind: 'spent', budgetMs: 300_000, timeoutMs: 5000 }, LCS);
      assert.equal(error.message, 'Gave up on LCS (lcsapi.lcs.dynamics.com): the retry budget (300 s) and the request timeout (5.0 s) are spent.');
      assert.match(error.userMessage, /retryBudgetSeconds \/ requestTimeoutSeconds/);
    });

    for (const code of ['CERT_HAS_EXPIRED', 'SELF_SIGNED_CERT_IN_CHAIN', 'ERR_TLS_CERT_ALTNAME_INVALID']) {
      it(`TLS (${code}): give the agent the CA; checks are never switched off`, () => {
        const error = noAnswer(code);
        assert.equal(error.message, `Could not verify the TLS certificate of lcsapi.lcs.dynamics.com (${code}).`);
        assert.match(error.userMessage, /--sslcacert, or NODE_EXTRA_CA_CERTS/);
        assert.match(error.userMessage, /never switched off/);
      });
    }

    const unreachable: [string, string][] = [
      ['ENOTFOUND', 'host name not found (DNS)'],
      ['ECONNREFUSED', 'connection refused'],
    ];
    for (const [code, words] of unreachable) {
      it(`${code}: a typo, the geography or a firewall: the connection's field and its example`, () => {
        const error = noAnswer(code, { attempts: 3 });
        assert.equal(error.message, `Could not reach LCS at lcsapi.lcs.dynamics.com after 3 attempts: ${words}.`);
        assert.equal(
          error.advice,
          "Check the Lifecycle Services API endpoint (apiurl) in the service connection for typos (e.g. https://lcsapi.eu.lcs.dynamics.com for Europe), and that the agent's firewall or proxy settings let it reach lcsapi.lcs.dynamics.com.",
        );
      });
    }

    const passing: [string, string][] = [
      ['EAI_AGAIN', 'DNS lookup failed'],
      ['ECONNRESET', 'connection reset'],
      ['EHOSTUNREACH', 'host unreachable'],
      ['EWHATEVER', 'network error (EWHATEVER)'],
    ];
    for (const [code, words] of passing) {
      it(`${code}: the network on the way; reach the host, then run again`, () => {
        const error = noAnswer(code);
        assert.equal(error.message, `Could not reach LCS at lcsapi.lcs.dynamics.com: ${words}.`);
        assert.match(error.userMessage, /firewall, proxy settings of the agent\), then run again; raise requestTimeoutSeconds/);
      });
    }

    it('a timeout: how long the attempt waited', () => {
      const error = noAnswer('ETIMEDOUT', { timedOut: true, attempts: 2, timeoutMs: 100_000 });
      assert.equal(error.message, 'Could not reach LCS at lcsapi.lcs.dynamics.com after 2 attempts: no complete answer within 100 s.');
      assert.match(error.userMessage, /raise requestTimeoutSeconds/);
    });

    it('an answer too large: the limit, the endpoint field, no proxy answering instead', () => {
      const error = noAnswer(BODY_TOO_LARGE, { maxAnswerBytes: 48 * 1024 * 1024 });
      assert.equal(
        error.message,
        'LCS (lcsapi.lcs.dynamics.com) answered with more than 48 MiB (after decompression), more than the task reads from one answer.',
      );
      assert.match(error.userMessage, /check the Lifecycle Services API endpoint \(apiurl\) in the service connection and that no proxy answers instead/);
    });
  });

  it('gives every kind of failure its own message', () => {
    const errors = [
      status(407),
      status(429),
      status(503),
      status(502),
      noAnswer('CERT_HAS_EXPIRED'),
      noAnswer('ENOTFOUND'),
      noAnswer('ECONNRESET'),
      noAnswer(BODY_TOO_LARGE),
    ];
    const messages = errors.map((e) => defined(e).userMessage);
    assert.equal(new Set(messages).size, messages.length);
  });

  it('names the host from a request, never its path or query (a SAS)', () => {
    const request: HttpRequest = {
      method: 'HEAD',
      url: 'https://acct.blob.core.windows.net/c/b.bacpac?sv=2020&sig=SECRET',
      headers: {},
      service: 'Azure Storage',
    };
    for (const code of [407, 429, 500]) {
      const text = defined(statusFailure(request, { status: code, attempts: 1 })).userMessage;
      assert.match(text, /acct\.blob\.core\.windows\.net/);
      assert.ok(!/SECRET|sig=|b\.bacpac/.test(text), text);
    }
  });
});

describe('services hand 407, 429 and 5xx to describeHttpFailure', () => {
  const API = 'https://lcsapi.lcs.dynamics.com';
  const AUTHORITY = 'https://login.microsoftonline.com/organizations';
  const lcs = (code: number, attempts = 1) => describeLcsStatus({ status: code, attempts }, 1234567, API, LIST_BACKUPS);
  const entraRequest: HttpRequest = { method: 'POST', url: `${AUTHORITY}/oauth2/v2.0/token`, headers: {}, ...ENTRA_SERVICE };
  const entraBody = (code: number, text: string) => ({
    error: 'x',
    error_description: `AADSTS${code}: ${text}\r\nTrace ID: 0b8e7f52-1d0a-4c3b-9a8e-7f6d5c4b3a21`,
    error_codes: [code],
  });
  const entra = (code: number, body: unknown = undefined, attempts = 1) =>
    describeEntraStatus(entraRequest, { status: code, attempts, headers: { 'content-type': 'text/html' }, body: '' }, body);

  it('LCS and Entra ID say 407, 429 and 5xx in the same words, but for the service and host', () => {
    for (const [code, attempts] of [
      [407, 1],
      [429, 3],
      [500, 2],
      [502, 1],
      [503, 4],
    ]) {
      const fromLcs = lcs(code, attempts);
      const fromEntra = entra(code, undefined, attempts);
      assert.equal(fromLcs.constructor, fromEntra.constructor, `HTTP ${code}`);
      const generic = (e: TaskFailure, service: string, host: string) => e.message.replaceAll(service, 'S').replaceAll(host, 'H');
      assert.equal(generic(fromLcs, 'LCS', 'lcsapi.lcs.dynamics.com'), generic(fromEntra, 'Microsoft Entra ID', 'login.microsoftonline.com'));
    }
  });

  it('each names its own status page for an outage', () => {
    assert.match(lcs(503).userMessage, new RegExp(LCS_SERVICE.statusPage));
    assert.match(entra(503).userMessage, /https:\/\/azure\.status\.microsoft/);
    assert.equal(ENTRA_SERVICE.statusPage, AZURE_STATUS_PAGE);
  });

  it('LCS keeps its own 401, 403, 404 and other 4xx', () => {
    for (const code of [401, 403, 404, 400]) {
      const error = lcs(code);
      assert.ok(error instanceof LcsApiError && error.status === code, `HTTP ${code}`);
    }
  });

  it("Entra ID: an outage keeps Entra's words and ids, with outage advice; a refusal keeps its advice", () => {
    const outage = entra(503, entraBody(90033, 'A transient error has occurred. Please try again.'));
    assert.ok(outage instanceof TransportError);
    assert.match(
      outage.message,
      /^Microsoft Entra ID \(login\.microsoftonline\.com\) is unavailable \(HTTP 503\): AADSTS90033: A transient error has occurred\. Please try again\. \(AADSTS90033; trace id 0b8e7f52-1d0a-4c3b-9a8e-7f6d5c4b3a21\)\.$/,
    );
    assert.match(outage.userMessage, /passing outage of Microsoft Entra ID/);
    const throttled = entra(429, entraBody(90055, 'Too many requests.'));
    assert.ok(throttled instanceof ThrottledError);
    assert.match(throttled.message, /is throttling requests \(HTTP 429\): AADSTS90055/);
    const refused = entra(400, entraBody(50126, 'Invalid username or password.'));
    assert.ok(refused instanceof SignInError);
    assert.match(refused.userMessage, /username or password is wrong/);
    const notEntra = entra(404);
    assert.ok(notEntra instanceof SignInError);
    assert.match(notEntra.message, /authentication endpoint login\.microsoftonline\.com answered HTTP 404 with text\/html/);
  });

  it('Azure Storage: ServerBusy and a 500 from the HTTP layer with the action; its own codes stay CopyError', () => {
    const d = destinationFor(
      { kind: 'arm', containerUrl: 'https://contoso.blob.core.windows.net/c', accountName: 'contoso', container: 'c', blobName: 'x.bacpac' },
      toDatabaseAsset({ Id: 'a' }),
    );
    const refuse = (code: number, storageCode: string) =>
      storageRefusal(
        { status: code, headers: { 'x-ms-error-code': storageCode }, body: `<Error><Code>${storageCode}</Code><Message>m</Message></Error>`, attempts: 2 },
        storageCode,
        d,
        'start the copy',
      );
    const busy = refuse(503, 'ServerBusy');
    assert.ok(busy instanceof ThrottledError);
    assert.equal(
      busy.message,
      'Could not start the copy into contoso/c/x.bacpac: Azure Storage (contoso.blob.core.windows.net) is throttling requests (HTTP 503 ServerBusy) after 2 attempts.',
    );
    const down = refuse(500, 'InternalError');
    assert.ok(down instanceof TransportError && !(down instanceof ThrottledError));
    assert.match(
      down.userMessage,
      /unavailable \(HTTP 500 InternalError\) after 2 attempts\. This is usually a passing outage of Azure Storage.*https:\/\/azure\.status\.microsoft/,
    );
    assert.ok(refuse(407, '') instanceof ProxyAuthError);
    assert.ok(refuse(403, 'AuthorizationPermissionMismatch') instanceof CopyError);
  });
});
