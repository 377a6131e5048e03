import { strict as assert } from 'node:assert';
import { LcsApiError, ProxyAuthError, TaskFailure, ThrottledError, TransportError } from '../../tasks/common/platform/errors';
import { LIST_BACKUPS, listPath } from '../../tasks/common/lcs/databaseAssets';
import { LCS_API_VERSION, LcsClient, describeLcsStatus as describeStatus } from '../../tasks/common/lcs/lcsClient';
import { RetryBudget } from '../../tasks/common/http/retry';
import { startOperation } from '../../tasks/common/wait/operations';
import { EXPORT } from '../../tasks/LcsDatabaseExportV1/exportOperation';
import { REFRESH } from '../../tasks/LcsDatabaseRefreshV1/refreshOperation';
import { parseDatabaseListResponse } from '../support/lcsAnswers';
import type { HttpClient, HttpRequest, HttpResponse } from '../../tasks/common/http/http';

const describeLcsStatus = (response: Pick<HttpResponse, 'status' | 'attempts'>, projectId: number, apiUrl: string) =>
  describeStatus(response, projectId, apiUrl, LIST_BACKUPS);

/** LCS's own word on a status: an LcsApiError that keeps the status. */
function ownWord(error: TaskFailure): LcsApiError {
  assert.ok(error instanceof LcsApiError, `${error.name}: ${error.message}`);
  return error;
}

// The example envelope of "Database movement API - List database backups" (shared/seeds).
const EXAMPLE = `{

    "DatabaseAssets": [
        {
            "Id": "4a2c52d4-49ca-4606-94a9-92b3a6b42985",
            "ProjectId": 12345,
            "OrganizationId": 1,
            "Name": "LanesBackupRecord",
            "FileName": "RandomFile.bacpac",
            "FileDescription": "",
            "FileLocation": "https://scrubbed.blob.core.windows.net/product-ax7productname/e6244b15-5112-4d1d-a422-49c63496ab6d/AX7ProductName-12-17-83c6e642-676a-4048-b413-6e284f5d1f55-e6244b15-5112-4d1d-a422-49c63496ab6d?sv=2015-12-11&sr=b&sig=rO3zmAZ3zM6s%2FV%2BeihBA2LMVvqMsxbtsnbauvd8keYo%3D&se=2019-09-28T15%3A18%3A05Z&sp=r",
            "ModifiedDateTime": "2019-09-27T15:17:35.867",
            "CreatedDateTime": "2019-09-27T15:17:35.867",
            "CreatedByName": null,
            "ModifiedByName": null
        }
    ],
    "IsSuccess": true,
    "OperationActivityId": "55eb4327-9346-4c7b-82bd-fe8ef15112c6",
    "ErrorMessage": null,
    "VersionEOL": "9999-12-31T23:59:59.9999999"
}`;

const API = 'https://lcsapi.lcs.dynamics.com';

function envelope(fields: Record<string, unknown>): string {
  return JSON.stringify({
    IsSuccess: true,
    OperationActivityId: 'op-1',
    ErrorMessage: null,
    VersionEOL: '9999-12-31T23:59:59.9999999',
    DatabaseAssets: [],
    ...fields,
  });
}

function lcsError(fn: () => unknown): LcsApiError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof LcsApiError, `expected an LcsApiError, got ${String(caught)}`);
  return caught;
}

describe('lcsClient', () => {
  it('builds the documented request path and version', () => {
    assert.equal(listPath(12345), '/databasemovement/v1/databases/project/12345');
    assert.equal(LCS_API_VERSION, '2017-09-15');
  });

  describe('parseDatabaseListResponse', () => {
    it("reads the documentation's example", () => {
      const list = parseDatabaseListResponse(EXAMPLE, 'application/json; charset=utf-8');
      assert.equal(list.assets.length, 1);
      const [a] = list.assets;
      assert.equal(a.id, '4a2c52d4-49ca-4606-94a9-92b3a6b42985');
      assert.equal(a.name, 'LanesBackupRecord');
      assert.equal(a.fileName, 'RandomFile.bacpac');
      assert.equal(a.description, '');
      assert.match(a.fileLocation, /^https:\/\/scrubbed\.blob\.core\.windows\.net\/.*&se=2019-09-28T15%3A18%3A05Z&sp=r$/);
      assert.equal(a.created?.epochMs, Date.UTC(2019, 8, 27, 15, 17, 35, 867));
      assert.equal(a.modified?.epochMs, Date.UTC(2019, 8, 27, 15, 17, 35, 867));
      assert.equal(list.operationActivityId, '55eb4327-9346-4c7b-82bd-fe8ef15112c6');
      assert.equal(list.versionEol, undefined, '9999-12-31 means no end of life is set');
    });

    it('tolerates a UTF-8 byte order mark', () => {
      const list = parseDatabaseListResponse(`\uFEFF${EXAMPLE}`, 'application/json');
      assert.equal(list.assets.length, 1);
    });

    it('reads a real VersionEOL date', () => {
      const list = parseDatabaseListResponse(envelope({ VersionEOL: '2027-06-30T00:00:00' }), 'application/json');
      assert.ok(list.versionEol instanceof Date);
      assert.equal(list.versionEol.toISOString(), '2027-06-30T00:00:00.000Z');
    });

    it('ignores a missing or unreadable VersionEOL', () => {
      assert.equal(parseDatabaseListResponse(envelope({ VersionEOL: undefined }), undefined).versionEol, undefined);
      assert.equal(parseDatabaseListResponse(envelope({ VersionEOL: null }), undefined).versionEol, undefined);
      assert.equal(parseDatabaseListResponse(envelope({ VersionEOL: 'never' }), undefined).versionEol, undefined);
      assert.equal(parseDatabaseListResponse(envelope({ VersionEOL: '9999-12-31T00:00:00Z' }), undefined).versionEol, undefined);
    });

    it('treats DatabaseAssets null or missing as an empty list', () => {
      assert.deepEqual(parseDatabaseListResponse(envelope({ DatabaseAssets: null }), 'application/json').assets, []);
      assert.deepEqual(parseDatabaseListResponse(envelope({ DatabaseAssets: undefined }), 'application/json').assets, []);
      assert.deepEqual(parseDatabaseListResponse(envelope({}), 'application/json').assets, []);
    });

    it('tolerates null and garbage entries in DatabaseAssets', () => {
      const list = parseDatabaseListResponse(envelope({ DatabaseAssets: [null, 5, 'x', { Id: 'a' }] }), 'application/json');
      assert.equal(list.assets.length, 4);
      assert.deepEqual(
        list.assets.map((a) => a.id),
        ['', '', '', 'a'],
      );
    });

    it('rejects DatabaseAssets that is not a list', () => {
      const error = lcsError(() => parseDatabaseListResponse(envelope({ DatabaseAssets: { Id: 'a' } }), 'application/json'));
      assert.match(error.message, /DatabaseAssets is not a list/);
    });

    it('turns IsSuccess: false into an error with the ErrorMessage and the OperationActivityId', () => {
      const body = envelope({
        IsSuccess: false,
        ErrorMessage: 'Project 12345 was not found or you do not have access.',
        OperationActivityId: 'a1b2c3d4-0000-1111-2222-333344445555',
        DatabaseAssets: null,
      });
      const error = lcsError(() => parseDatabaseListResponse(body, 'application/json'));
      assert.match(error.message, /could not list the database backups/);
      assert.match(error.message, /Project 12345 was not found or you do not have access\./);
      assert.match(error.message, /OperationActivityId a1b2c3d4-0000-1111-2222-333344445555/);
      assert.match(error.userMessage, /project id/);
      assert.equal(error.status, 200);
    });

    it('IsSuccess: false without a message still says what happened', () => {
      const error = lcsError(() => parseDatabaseListResponse(envelope({ IsSuccess: false, ErrorMessage: null, OperationActivityId: null }), undefined));
      assert.match(error.message, /no error message/);
      assert.doesNotMatch(error.message, /OperationActivityId/);
    });

    it('neutralizes an ErrorMessage carrying agent commands and line breaks', () => {
      const body = envelope({
        IsSuccess: false,
        ErrorMessage: 'bad\n##vso[task.setvariable variable=BackupId]evil',
        OperationActivityId: '##vso[task.complete]',
      });
      const error = lcsError(() => parseDatabaseListResponse(body, 'application/json'));
      assert.doesNotMatch(error.userMessage, /##vso\[/i);
      assert.doesNotMatch(error.userMessage, /[\r\n]/);
    });

    it('explains an HTML body: not JSON, maybe a proxy', () => {
      const html = '<!DOCTYPE html><html><head><title>Sign in</title></head><body>Please sign in</body></html>';
      const error = lcsError(() => parseDatabaseListResponse(html, 'text/html; charset=utf-8'));
      assert.match(error.message, /not JSON/);
      assert.match(error.message, /text\/html/);
      assert.match(error.message, new RegExp(`${html.length} bytes`));
      assert.match(error.userMessage, /proxy/);
      assert.doesNotMatch(error.userMessage, /Sign in/, 'the body itself is not echoed');
    });

    it('explains an empty or truncated body', () => {
      assert.match(lcsError(() => parseDatabaseListResponse('', undefined)).message, /0 bytes of no content type that is not JSON/);
      assert.match(lcsError(() => parseDatabaseListResponse(EXAMPLE.slice(0, 200), 'application/json')).message, /not JSON/);
    });

    it('neutralizes a hostile content type', () => {
      const error = lcsError(() => parseDatabaseListResponse('x', 'text/plain\n##vso[task.setvariable variable=X]y'));
      assert.doesNotMatch(error.message, /##vso\[/i);
      assert.doesNotMatch(error.message, /[\r\n]/);
    });

    for (const [label, body] of [
      ['an object without IsSuccess', '{"DatabaseAssets":[]}'],
      ['IsSuccess as a string', '{"IsSuccess":"true","DatabaseAssets":[]}'],
      ['an array', '[{"IsSuccess":true}]'],
      ['null', 'null'],
      ['a number', '42'],
      ['a string', '"IsSuccess"'],
    ]) {
      it(`rejects JSON that is not the envelope: ${label}`, () => {
        const error = lcsError(() => parseDatabaseListResponse(body, 'application/json'));
        assert.match(error.message, /no IsSuccess/);
        assert.match(error.userMessage, /LCS API/);
        assert.match(error.userMessage, /lcsapi\.lcs\.dynamics\.com/);
      });
    }
  });

  describe('describeLcsStatus', () => {
    it('401: the token was rejected, check the geography', () => {
      const error = describeLcsStatus({ status: 401, attempts: 1 }, 12345, API);
      assert.equal(ownWord(error).status, 401);
      assert.match(error.message, /HTTP 401/);
      assert.match(error.userMessage, /geography/);
      assert.match(error.userMessage, /lcsapi\.lcs\.dynamics\.com/);
      assert.match(error.userMessage, /expired/);
    });

    it('401 to a start that a fresh token did not cure: both causes, the geography and a refused kind of environment', () => {
      const error = describeStatus({ status: 401, attempts: 1 }, 12345, API, startOperation(REFRESH));
      assert.equal(ownWord(error).status, 401);
      assert.match(error.message, /HTTP 401 to the start refresh request, with a fresh access token too/);
      assert.match(error.userMessage, /geography .*lcsapi\.lcs\.dynamics\.com/);
      assert.match(error.userMessage, /refuses the refresh .*not cloud-hosted \(Tier-1\)/);
      assert.match(describeStatus({ status: 401, attempts: 1 }, 12345, API, startOperation(EXPORT)).userMessage, /refuses the export/);
    });

    it('403: the account lacks access to the project', () => {
      const error = describeLcsStatus({ status: 403, attempts: 1 }, 12345, API);
      assert.match(error.message, /HTTP 403/);
      assert.match(error.message, /project 12345/);
      assert.match(error.userMessage, /Add the service account to the LCS project/);
    });

    it('404: wrong project id or API URL', () => {
      const error = describeLcsStatus({ status: 404, attempts: 1 }, 12345, API);
      assert.match(error.message, /HTTP 404/);
      assert.match(error.message, /project 12345/);
      assert.match(error.message, /lcsapi\.lcs\.dynamics\.com/);
      assert.match(error.userMessage, /project id/);
      assert.match(error.userMessage, /geography/);
    });

    it("407: the agent's proxy wants credentials (failures.ts' wording, not one a wait rides out)", () => {
      const error = describeLcsStatus({ status: 407, attempts: 1 }, 1, API);
      assert.ok(error instanceof ProxyAuthError);
      assert.match(error.message, /proxy refused to connect to LCS \(lcsapi\.lcs\.dynamics\.com\)/);
      assert.match(error.userMessage, /--proxyusername/);
    });

    it('429: throttled, with the attempts and retryBudgetSeconds', () => {
      const error = describeLcsStatus({ status: 429, attempts: 4 }, 12345, API);
      assert.ok(error instanceof ThrottledError, 'LCS did not act on it: a start says nothing was started');
      assert.match(error.message, /^LCS \(lcsapi\.lcs\.dynamics\.com\) is throttling/);
      assert.match(error.message, /HTTP 429/);
      assert.match(error.message, /after 4 attempts/);
      assert.match(error.userMessage, /retryBudgetSeconds/);
    });

    it('503: unavailable, with the attempts', () => {
      const error = describeLcsStatus({ status: 503, attempts: 3 }, 12345, API);
      assert.ok(error instanceof TransportError && !(error instanceof ThrottledError), 'an outage a wait rides out');
      assert.match(error.message, /unavailable \(HTTP 503\) after 3 attempts/);
      assert.match(error.userMessage, /retryBudgetSeconds/);
      assert.match(error.userMessage, /Service health/);
    });

    it('does not mention attempts after a single one', () => {
      assert.doesNotMatch(describeLcsStatus({ status: 500, attempts: 1 }, 1, API).message, /attempt/);
      assert.doesNotMatch(describeLcsStatus({ status: 429, attempts: 1 }, 1, API).message, /attempt/);
    });

    for (const status of [400, 302, 418]) {
      it(`HTTP ${status}: a generic message`, () => {
        const error = describeLcsStatus({ status, attempts: 1 }, 12345, API);
        assert.match(error.message, new RegExp(`HTTP ${status}`));
        assert.match(error.userMessage, /project id/);
        assert.equal(ownWord(error).status, status);
      });
    }

    it('gives each status its own message', () => {
      const messages = [401, 403, 404, 407, 429, 503, 400].map((s) => describeLcsStatus({ status: s, attempts: 2 }, 1, API).userMessage);
      assert.equal(new Set(messages).size, messages.length);
    });
  });
});

describe('LcsClient', () => {
  it("hands the call's budget and signal to every HTTP request, the one after a 401 too", async () => {
    const sent: { request: HttpRequest; budget?: RetryBudget }[] = [];
    const http = {
      send: async (request: HttpRequest, budget?: RetryBudget): Promise<HttpResponse> => {
        sent.push({ request, budget });
        return { status: sent.length === 1 ? 401 : 200, headers: { 'content-type': 'application/json' }, body: envelope({}), attempts: 1 };
      },
    } as unknown as HttpClient;
    const tokens = { current: async () => 'token-1', renew: async () => 'token-2' };
    const client = new LcsClient({ http, apiUrl: API, projectId: 12345, tokens, warn: () => undefined, debug: () => undefined });
    const budget = new RetryBudget(1000, 1000);
    const signal = new AbortController().signal;
    await client.call(LIST_BACKUPS, 'GET', listPath(12345), { budget, signal });
    assert.equal(sent.length, 2);
    for (const { request, budget: given } of sent) {
      assert.equal(request.signal, signal);
      assert.equal(given, budget);
    }
  });
});
