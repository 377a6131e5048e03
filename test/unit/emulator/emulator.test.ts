/**
 * The emulator is test infrastructure: if it lies, every end-to-end test lies. These checks pin
 * its behaviour with plain node:https requests.
 */
import { strict as assert } from 'node:assert';
import {
  EMULATOR_CLIENT_ID,
  EMULATOR_PASSWORD,
  EMULATOR_USERNAME,
  REFUSALS,
  addOperation,
  dailyLimitMessage,
  entraError,
  generateBackups,
  htmlPage,
  lcsFailure,
  lcsMessageTime,
  operationRefusal,
  operationStatusBody,
  sampleBackups,
  startEmulator,
  type Emulator,
} from '../../emulator/emulator';
import { send, type Reply } from '../../support/emulatorRequest';

const GUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

function tokenForm(overrides: Record<string, string> = {}, apiUrl: string): string {
  return new URLSearchParams({
    client_id: EMULATOR_CLIENT_ID,
    username: EMULATOR_USERNAME,
    password: EMULATOR_PASSWORD,
    scope: `${apiUrl}//.default openid profile offline_access`,
    grant_type: 'password',
    client_info: '1',
    ...overrides,
  }).toString();
}

function postToken(emu: Emulator, overrides: Record<string, string> = {}): Promise<Reply> {
  return send(`${emu.authority}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded;charset=utf-8' },
    body: tokenForm(overrides, emu.apiUrl),
  });
}

async function accessToken(emu: Emulator): Promise<string> {
  return (JSON.parse((await postToken(emu)).body) as { access_token: string }).access_token;
}

function listBackups(emu: Emulator, headers: Record<string, string>): Promise<Reply> {
  return send(`${emu.apiUrl}/databasemovement/v1/databases/project/1234567`, { headers });
}

const LCS_HEADERS = { 'x-ms-version': '2017-09-15' };
const ENV_UAT = '6f1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b';
const ENV_PROD = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
const ENV_OTHER = '0c9d8e7f-6a5b-4c3d-9e2f-1a0b9c8d7e6f';

function lcsAuth(token: string): Record<string, string> {
  return { Authorization: `Bearer ${token}`, ...LCS_HEADERS };
}

async function json(reply: Promise<Reply>): Promise<Record<string, unknown>> {
  const r = await reply;
  assert.equal(r.status, 200, r.body);
  return JSON.parse(r.body) as Record<string, unknown>;
}

function startExport(emu: Emulator, headers: Record<string, string>, environmentId: string, backupName: string): Promise<Reply> {
  return send(`${emu.apiUrl}/databasemovement/v1/export/project/1234567/environment/${environmentId}/backupName/${encodeURIComponent(backupName)}`, {
    method: 'POST',
    headers,
  });
}

function startRefresh(emu: Emulator, headers: Record<string, string>, source: string, target: string): Promise<Reply> {
  return send(`${emu.apiUrl}/databasemovement/v1/refresh/project/1234567/source/${source}/target/${target}`, { method: 'POST', headers });
}

function fetchStatus(emu: Emulator, headers: Record<string, string>, environmentId: string, activityId: string): Promise<Reply> {
  return send(`${emu.apiUrl}/databasemovement/v1/fetchstatus/project/1234567/environment/${environmentId}/operationactivity/${activityId}`, { headers });
}

function decodeJwtPart(part: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe('LCS emulator', function () {
  let emu: Emulator;
  before(async () => {
    emu = await startEmulator({ now: new Date('2026-11-28T09:00:00Z') });
  });
  after(async () => {
    await emu.close();
  });
  beforeEach(() => emu.reset());

  describe('token endpoint', () => {
    it('issues an Entra-shaped token for the right credentials and records the request', async () => {
      const reply = await postToken(emu);
      assert.equal(reply.status, 200);
      assert.match(String(reply.headers['content-type']), /^application\/json/);
      const body = JSON.parse(reply.body) as Record<string, unknown>;
      assert.equal(body.token_type, 'Bearer');
      assert.equal(body.expires_in, 3599);
      assert.deepEqual(emu.issuedTokens, [body.access_token]);
      const [, claimsPart, signature] = String(body.id_token).split('.');
      assert.equal(signature, '');
      const claims = decodeJwtPart(claimsPart);
      assert.equal(claims.aud, EMULATOR_CLIENT_ID);
      assert.equal(claims.preferred_username, EMULATOR_USERNAME);
      assert.match(String(claims.iss), new RegExp(`^${emu.url}/${GUID}/v2\\.0$`));
      assert.deepEqual(Object.keys(decodeJwtPart(String(body.client_info))), ['uid', 'utid']);

      assert.equal(emu.requests.length, 1);
      const [recorded] = emu.requests;
      assert.equal(recorded.method, 'POST');
      assert.equal(recorded.path, '/organizations/oauth2/v2.0/token');
      assert.equal(recorded.host, new URL(emu.url).host);
      assert.match(recorded.body, /grant_type=password/);
    });

    it('accepts the three documented scope spellings', async () => {
      for (const scope of [`${emu.apiUrl}//.default`, `${emu.apiUrl}/.default`, `${emu.apiUrl}/user_impersonation offline_access`]) {
        assert.equal((await postToken(emu, { scope })).status, 200, scope);
      }
    });

    const refusals: [string, Record<string, string>, number, string][] = [
      ['a wrong password', { password: 'nope' }, 50126, 'invalid_grant'],
      ['an unknown client id', { client_id: '00000000-0000-0000-0000-000000000000' }, 700016, 'unauthorized_client'],
      ['an unknown user', { username: 'someone@contoso.example' }, 50034, 'invalid_grant'],
      ['another resource', { scope: 'https://lcsapi.eu.lcs.dynamics.com//.default openid' }, 500011, 'invalid_resource'],
      ['another grant type', { grant_type: 'client_credentials' }, 70003, 'unsupported_grant_type'],
    ];
    for (const [what, overrides, code, error] of refusals) {
      it(`refuses ${what} with AADSTS${code}`, async () => {
        const reply = await postToken(emu, overrides);
        assert.equal(reply.status, 400);
        const body = JSON.parse(reply.body) as { error: string; error_codes: number[] };
        assert.equal(body.error, error);
        assert.deepEqual(body.error_codes, [code]);
        assert.equal(emu.issuedTokens.length, 0);
      });
    }

    const codes: [number, number, string][] = [
      [50076, 400, 'invalid_grant'],
      [50079, 400, 'invalid_grant'],
      [50126, 400, 'invalid_grant'],
      [7000218, 401, 'invalid_client'],
      [65001, 400, 'invalid_grant'],
      [500011, 400, 'invalid_resource'],
      [700016, 400, 'unauthorized_client'],
      [50034, 400, 'invalid_grant'],
      [53003, 400, 'invalid_grant'],
      [123456, 400, 'invalid_request'],
    ];
    for (const [code, status, error] of codes) {
      it(`serves entraError(${code}) in Entra's shape`, async () => {
        emu.tokenSteps.push(entraError(code));
        const reply = await postToken(emu);
        assert.equal(reply.status, status);
        const body = JSON.parse(reply.body) as Record<string, unknown>;
        assert.equal(body.error, error);
        assert.deepEqual(body.error_codes, [code]);
        assert.match(
          String(body.error_description),
          new RegExp(`^AADSTS${code}: .+\\r\\nTrace ID: ${GUID}\\r\\nCorrelation ID: ${GUID}\\r\\nTimestamp: \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ$`),
        );
        assert.equal(body.trace_id, String(body.error_description).match(/Trace ID: (\S+)/)?.[1]);
        assert.match(String(body.correlation_id), new RegExp(`^${GUID}$`));
        assert.match(String(body.error_uri), new RegExp(`code=${code}$`));
      });
    }
  });

  describe('list endpoint', () => {
    it('answers 401 with an empty body and WWW-Authenticate without a bearer token', async () => {
      for (const headers of [{}, { Authorization: 'Bearer not-issued' }] as Record<string, string>[]) {
        const reply = await listBackups(emu, { 'x-ms-version': '2017-09-15', ...headers });
        assert.equal(reply.status, 401);
        assert.equal(reply.headers['www-authenticate'], 'Bearer');
        assert.equal(reply.body, '');
      }
    });

    it('answers 400 without x-ms-version', async () => {
      const reply = await listBackups(emu, { Authorization: `Bearer ${await accessToken(emu)}` });
      assert.equal(reply.status, 400);
      assert.match(reply.body, /x-ms-version/);
    });

    it('serves the backups in the LCS envelope', async () => {
      const reply = await listBackups(emu, { Authorization: `Bearer ${await accessToken(emu)}`, 'x-ms-version': '2017-09-15' });
      assert.equal(reply.status, 200);
      assert.equal(reply.headers['content-type'], 'application/json; charset=utf-8');
      const body = JSON.parse(reply.body) as Record<string, unknown>;
      assert.deepEqual(body.DatabaseAssets, emu.backups);
      assert.equal(body.IsSuccess, true);
      assert.equal(body.ErrorMessage, null);
      assert.equal(body.VersionEOL, '9999-12-31T23:59:59.9999999');
      assert.match(String(body.OperationActivityId), new RegExp(`^${GUID}$`));
      assert.deepEqual(
        emu.requests.map((r) => r.method),
        ['POST', 'GET'],
      );
      assert.equal(emu.requests[1].headers['x-ms-version'], '2017-09-15');
    });

    it('answers 404 for unknown paths', async () => {
      assert.equal((await send(`${emu.url}/databasemovement/v2/whatever`)).status, 404);
    });
  });

  describe('database operations', () => {
    it('export and refresh make the LCS checks first: 401 with an empty body, 400 without x-ms-version', async () => {
      for (const reply of [
        startExport(emu, LCS_HEADERS, ENV_UAT, 'b'),
        startRefresh(emu, { Authorization: 'Bearer nope', ...LCS_HEADERS }, ENV_PROD, ENV_UAT),
      ]) {
        const r = await reply;
        assert.equal(r.status, 401);
        assert.equal(r.body, '');
      }
      const token = await accessToken(emu);
      const r = await startExport(emu, { Authorization: `Bearer ${token}` }, ENV_UAT, 'b');
      assert.equal(r.status, 400);
      assert.match(r.body, /x-ms-version/);
      const status = await fetchStatus(emu, { Authorization: `Bearer ${token}` }, ENV_UAT, ENV_OTHER);
      assert.equal(status.status, 400);
      assert.equal(emu.operations.length, 0);
      assert.equal((await send(`${emu.apiUrl}/databasemovement/v1/export/project/1234567/environment/${ENV_UAT}/backupName/b`)).status, 405);
    });

    it('starts an export: a new activity id in the envelope, the operation recorded with the decoded backup name', async () => {
      const before = Date.now();
      const body = await json(startExport(emu, lcsAuth(await accessToken(emu)), ENV_UAT, 'UAT golden #7 50% ü'));
      assert.deepEqual(Object.keys(body).sort(), ['ErrorMessage', 'IsSuccess', 'OperationActivityId', 'VersionEOL']);
      assert.equal(body.IsSuccess, true);
      assert.equal(body.ErrorMessage, null);
      assert.match(String(body.OperationActivityId), new RegExp(`^${GUID}$`));
      assert.equal(emu.operations.length, 1);
      const [op] = emu.operations;
      assert.deepEqual(
        { ...op, startedAt: 0 },
        {
          activityId: body.OperationActivityId,
          kind: 'export',
          projectId: '1234567',
          environmentId: ENV_UAT,
          backupName: 'UAT golden #7 50% ü',
          startedAt: 0,
          script: ['NotStarted', 'InProgress', 'InProgress', 'Completed'],
          polls: 0,
          pendingId: op.pendingId,
        },
      );
      assert.ok(op.startedAt >= before && op.startedAt <= Date.now());
    });

    it('starts a refresh: the status environment is the target, the source is kept', async () => {
      const body = await json(startRefresh(emu, lcsAuth(await accessToken(emu)), ENV_PROD, ENV_UAT));
      assert.equal(body.IsSuccess, true);
      const [op] = emu.operations;
      assert.equal(op.kind, 'refresh');
      assert.equal(op.environmentId, ENV_UAT);
      assert.equal(op.sourceId, ENV_PROD);
      assert.equal(op.backupName, undefined);
    });

    it('walks the operation script one status request at a time, staying on the last state', async () => {
      const headers = lcsAuth(await accessToken(emu));
      const started = await json(startExport(emu, headers, ENV_UAT, 'nightly'));
      const activityId = String(started.OperationActivityId);
      const answers: Record<string, unknown>[] = [];
      for (let i = 0; i < 6; i++) answers.push(await json(fetchStatus(emu, headers, ENV_UAT.toUpperCase(), activityId.toUpperCase())));
      assert.deepEqual(
        answers.map((a) => a.OperationStatus),
        ['NotStarted', 'InProgress', 'InProgress', 'Completed', 'Completed', 'Completed'],
      );
      assert.deepEqual(
        answers.map((a) => a.CompletionDate === null),
        [true, true, true, false, false, false],
      );
      assert.match(String(answers[3].CompletionDate), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$/);
      assert.equal(answers[5].CompletionDate, answers[3].CompletionDate);
      const ids = new Set(answers.map((a) => a.OperationActivityId));
      assert.equal(ids.size, 6, 'each status call has an id of its own');
      assert.ok(!ids.has(activityId), 'the status call id is not the operation id');
      for (const a of answers) {
        assert.deepEqual(Object.keys(a).sort(), [
          'ActivityId',
          'CompletionDate',
          'EnvironmentId',
          'ErrorMessage',
          'IsSuccess',
          'OperationActivityId',
          'OperationStatus',
          'ProjectId',
          'VersionEOL',
        ]);
        assert.equal(a.ActivityId, activityId);
        assert.equal(a.EnvironmentId, ENV_UAT);
        assert.equal(a.ProjectId, 1234567);
        assert.equal(a.IsSuccess, true);
      }
      assert.equal(emu.operations[0].polls, 6);
    });

    it('answers IsSuccess false "not found" for an unknown operation or another environment, without advancing it', async () => {
      const headers = lcsAuth(await accessToken(emu));
      const op = addOperation(emu, { kind: 'export', environmentId: ENV_UAT, backupName: 'x' });
      for (const [env, id] of [
        [ENV_UAT, ENV_OTHER],
        [ENV_OTHER, op.activityId],
      ]) {
        const body = await json(fetchStatus(emu, headers, env, id));
        assert.equal(body.IsSuccess, false);
        assert.match(String(body.ErrorMessage), /not found/);
        assert.match(String(body.OperationActivityId), new RegExp(`^${GUID}$`));
        assert.notEqual(body.OperationActivityId, op.activityId);
      }
      assert.equal(op.polls, 0);
    });

    it('lists the exported backup once the export completes: named after backupName, created now, a SAS URL', async () => {
      const headers = lcsAuth(await accessToken(emu));
      emu.pendingExportAsset = 'none';
      emu.operationScript = ['InProgress', 'SignedOff'];
      const id = String((await json(startExport(emu, headers, ENV_UAT, 'UAT 2026-11-29'))).OperationActivityId);
      await fetchStatus(emu, headers, ENV_UAT, id);
      assert.equal(emu.backups.length, 5);
      const before = Date.now();
      await fetchStatus(emu, headers, ENV_UAT, id);
      assert.equal(emu.backups.length, 6);
      const backup = emu.backups[5];
      assert.equal(backup.Name, 'UAT 2026-11-29');
      assert.equal(backup.FileName, 'UAT 2026-11-29.bacpac');
      assert.match(backup.Id, new RegExp(`^${GUID}$`));
      assert.match(String(backup.CreatedDateTime), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$/);
      assert.ok(Date.parse(`${backup.CreatedDateTime}Z`) >= before - 1);
      assert.equal(backup.ModifiedDateTime, backup.CreatedDateTime);
      assert.match(String(backup.FileLocation), /^https:\/\/\w+\.blob\.core\.windows\.net\/.+\?sv=2015-12-11&sr=b&sig=.+&se=.+&sp=r$/);
      assert.equal(emu.operations[0].backup, backup);
      await fetchStatus(emu, headers, ENV_UAT, id);
      assert.equal(emu.backups.length, 6, 'one backup per export');
      const listed = JSON.parse((await listBackups(emu, headers)).body) as { DatabaseAssets: { Id: string }[] };
      assert.ok(listed.DatabaseAssets.some((b) => b.Id === backup.Id));
    });

    it('exportListingDelay: the backup is missing from that many list requests after completion', async () => {
      const headers = lcsAuth(await accessToken(emu));
      emu.operationScript = ['Completed'];
      emu.exportListingDelay = 2;
      emu.pendingExportAsset = 'none';
      const id = String((await json(startExport(emu, headers, ENV_UAT, 'late'))).OperationActivityId);
      await json(fetchStatus(emu, headers, ENV_UAT, id));
      const names: string[][] = [];
      for (let i = 0; i < 3; i++) {
        const listed = JSON.parse((await listBackups(emu, headers)).body) as { DatabaseAssets: { Name: string }[] };
        names.push(listed.DatabaseAssets.map((b) => b.Name).filter((n) => n === 'late'));
      }
      assert.deepEqual(names, [[], [], ['late']]);
    });

    it('while an export runs, its pending asset is listed under its name (empty FileLocation, or a URL of a missing blob); the completed backup takes its place', async () => {
      const headers = lcsAuth(await accessToken(emu));
      emu.operationScript = ['InProgress', 'Completed'];
      const id = String((await json(startExport(emu, headers, ENV_UAT, 'pending'))).OperationActivityId);
      const listed = (): { Id: string; Name: string; FileLocation: string }[] => emu.backups.filter((b) => b.Name === 'pending') as never;
      assert.deepEqual(
        listed().map((b) => [b.Id, b.FileLocation]),
        [[emu.operations[0].pendingId, '']],
      );
      await json(fetchStatus(emu, headers, ENV_UAT, id));
      await json(fetchStatus(emu, headers, ENV_UAT, id));
      assert.equal(listed().length, 1);
      assert.equal(listed()[0].Id, emu.operations[0].pendingId);
      assert.match(listed()[0].FileLocation, /^https:\/\/\w+\.blob\.core\.windows\.net\//);
      emu.pendingExportAsset = 'missingBlob';
      await json(startExport(emu, headers, ENV_UAT, 'pending2'));
      const url = String(emu.backups.find((b) => b.Name === 'pending2')?.FileLocation);
      assert.equal((await send(url, { method: 'HEAD' })).status, 404, 'the blob is not written yet');
    });

    it('a failed export or a refresh adds no backup', async () => {
      const headers = lcsAuth(await accessToken(emu));
      emu.pendingExportAsset = 'none';
      emu.operationScript = ['Failed'];
      const exportId = String((await json(startExport(emu, headers, ENV_UAT, 'broken'))).OperationActivityId);
      const failed = await json(fetchStatus(emu, headers, ENV_UAT, exportId));
      assert.equal(failed.OperationStatus, 'Failed');
      assert.notEqual(failed.CompletionDate, null);
      emu.operationScript = ['Completed'];
      const refreshId = String((await json(startRefresh(emu, headers, ENV_PROD, ENV_OTHER))).OperationActivityId);
      assert.equal((await json(fetchStatus(emu, headers, ENV_OTHER, refreshId))).OperationStatus, 'Completed');
      assert.equal(emu.backups.length, 5);
    });

    it('refuses the operation after the daily limit per environment, with the window in the message', async () => {
      const headers = lcsAuth(await accessToken(emu));
      const first = Date.now();
      for (let i = 0; i < 3; i++) assert.equal((await json(startExport(emu, headers, ENV_UAT, `n${i}`))).IsSuccess, true);
      const refused = await json(startRefresh(emu, headers, ENV_PROD, ENV_UAT.toUpperCase()));
      assert.equal(refused.IsSuccess, false);
      const message = String(refused.ErrorMessage);
      // The documented form: ISO, seven fraction digits, UTC without an offset, nothing after.
      assert.match(message, /^Maximum allowed API operations are 3 from \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}$/);
      const from = emu.operations[0].startedAt;
      assert.equal(message, dailyLimitMessage(3, from));
      assert.ok(from >= first - 1 && from <= Date.now());
      assert.match(String(refused.OperationActivityId), new RegExp(`^${GUID}$`));
      assert.equal(emu.operations.length, 3);
      // Other environments have their own count; the refresh source is not counted.
      assert.equal((await json(startRefresh(emu, headers, ENV_UAT, ENV_OTHER))).IsSuccess, true);
      emu.dailyLimit = 1;
      assert.match(String((await json(startExport(emu, headers, ENV_OTHER, 'x'))).ErrorMessage), /^Maximum allowed API operations are 1 from /);
    });

    it('writes the daily limit as Microsoft documents it (ISO, seven fraction digits, UTC, nothing after)', () => {
      assert.equal(lcsMessageTime(Date.parse('2026-11-29T08:00:00.123Z')), '2026-11-29T08:00:00.1230000');
      assert.equal(dailyLimitMessage(3, Date.parse('2026-11-29T08:00:00Z')), 'Maximum allowed API operations are 3 from 2026-11-29T08:00:00.0000000');
    });

    it('refuses a refresh to a production or busy target, with a tier-1 environment (401), the same environment, and ids that are no GUIDs', async () => {
      const headers = lcsAuth(await accessToken(emu));
      emu.environments = {
        [ENV_PROD.toUpperCase()]: { type: 'Production' },
        [ENV_OTHER]: { type: 'DevTest' },
        [ENV_UAT]: { state: 'Servicing' },
      };
      const cases: [string, string, string][] = [
        [ENV_UAT, ENV_PROD, REFUSALS.notSandbox],
        [ENV_PROD, ENV_UAT, REFUSALS.notDeployed('Servicing')],
        [ENV_PROD, ENV_PROD.toUpperCase(), REFUSALS.sameEnvironment],
        [ENV_PROD, 'uat', REFUSALS.invalidEnvironment('uat')],
      ];
      for (const [source, target, message] of cases) {
        const body = await json(startRefresh(emu, headers, source, target));
        assert.deepEqual([body.IsSuccess, body.ErrorMessage], [false, message], `${source} -> ${target}`);
      }
      // d365fo.tools #712: a refresh with a Tier-1 environment answers 401, whatever the token.
      for (const [source, target] of [
        [ENV_PROD, ENV_OTHER],
        [ENV_OTHER, ENV_PROD],
      ]) {
        assert.equal((await startRefresh(emu, headers, source, target)).status, 401, `${source} -> ${target}`);
      }
      const exported = await json(startExport(emu, headers, ENV_PROD, 'prod'));
      assert.deepEqual([exported.IsSuccess, exported.ErrorMessage], [false, REFUSALS.exportProduction]);
      assert.equal(emu.operations.length, 0, 'refused starts are no operations and do not count');
    });

    it('plays startSteps and statusSteps first; a scripted status answer does not advance the operation', async () => {
      const headers = lcsAuth(await accessToken(emu));
      emu.startSteps.push({ status: 429, headers: { 'Retry-After': '3' } });
      const throttled = await startExport(emu, headers, ENV_UAT, 'x');
      assert.equal(throttled.status, 429);
      assert.equal(throttled.headers['retry-after'], '3');
      assert.equal(emu.operations.length, 0);
      const id = String((await json(startExport(emu, headers, ENV_UAT, 'x'))).OperationActivityId);
      emu.statusSteps.push(htmlPage(503), operationRefusal('Internal error', '11111111-2222-4333-8444-555555555555'), {
        body: operationStatusBody({ projectId: 1234567, environmentId: ENV_UAT, activityId: id, status: 'PreServicing' }),
      });
      assert.equal((await fetchStatus(emu, headers, ENV_UAT, id)).status, 503);
      const refusal = await json(fetchStatus(emu, headers, ENV_UAT, id));
      assert.deepEqual(
        [refusal.IsSuccess, refusal.ErrorMessage, refusal.OperationActivityId],
        [false, 'Internal error', '11111111-2222-4333-8444-555555555555'],
      );
      const scripted = await json(fetchStatus(emu, headers, ENV_UAT, id));
      assert.deepEqual([scripted.OperationStatus, scripted.ActivityId, scripted.CompletionDate], ['PreServicing', id, null]);
      assert.equal(emu.operations[0].polls, 0);
      assert.equal((await json(fetchStatus(emu, headers, ENV_UAT, id))).OperationStatus, 'NotStarted');
    });

    it('tokenLifetimeSeconds: expires_in says so, and the LCS endpoints refuse the token after it (401)', async () => {
      emu.tokenLifetimeSeconds = 1;
      const reply = JSON.parse((await postToken(emu)).body) as { access_token: string; expires_in: number };
      assert.equal(reply.expires_in, 1);
      const claims = decodeJwtPart(reply.access_token.split('.')[1]);
      assert.equal(Number(claims.exp) - Number(claims.iat), 1);
      const headers = lcsAuth(reply.access_token);
      assert.equal((await listBackups(emu, headers)).status, 200);
      await new Promise((r) => setTimeout(r, 1100));
      for (const expired of [listBackups(emu, headers), startExport(emu, headers, ENV_UAT, 'x'), fetchStatus(emu, headers, ENV_UAT, ENV_OTHER)]) {
        const r = await expired;
        assert.equal(r.status, 401);
        assert.equal(r.body, '');
        assert.match(String(r.headers['www-authenticate']), /^Bearer error="invalid_token"/);
      }
      emu.tokenLifetimeSeconds = 3599;
      assert.equal((await listBackups(emu, lcsAuth(await accessToken(emu)))).status, 200);
    });

    it('reset() clears operations, both queues and every setting', async () => {
      await json(startExport(emu, lcsAuth(await accessToken(emu)), ENV_UAT, 'x'));
      emu.startSteps.push(htmlPage());
      emu.statusSteps.push(htmlPage());
      emu.operationScript = ['Failed'];
      emu.exportListingDelay = 4;
      emu.dailyLimit = 0;
      emu.environments = { [ENV_UAT]: { type: 'Production' } };
      emu.tokenLifetimeSeconds = 5;
      emu.reset();
      assert.deepEqual(
        [
          emu.operations.length,
          emu.startSteps.length,
          emu.statusSteps.length,
          emu.operationScript,
          emu.exportListingDelay,
          emu.dailyLimit,
          emu.environments,
          emu.tokenLifetimeSeconds,
          emu.tokenExpiry.size,
        ],
        [0, 0, 0, ['NotStarted', 'InProgress', 'InProgress', 'Completed'], 0, 3, {}, 3599, 0],
      );
    });
  });

  describe('queued steps', () => {
    it('plays a 429 with Retry-After, then falls back to the default answer', async () => {
      const token = await accessToken(emu);
      emu.lcsSteps.push({ status: 429, headers: { 'Retry-After': '2' }, body: { Message: 'Too many requests' } });
      const headers = { Authorization: `Bearer ${token}`, 'x-ms-version': '2017-09-15' };
      const first = await listBackups(emu, headers);
      assert.equal(first.status, 429);
      assert.equal(first.headers['retry-after'], '2');
      assert.equal((await listBackups(emu, headers)).status, 200);
      assert.equal(emu.lcsSteps.length, 0);
    });

    it('serves lcsFailure as 200 with IsSuccess false and htmlPage as text/html', async () => {
      emu.lcsSteps.push(lcsFailure('Project 1234567 not found', '11111111-2222-4333-8444-555555555555'), htmlPage(502));
      const failure = JSON.parse((await listBackups(emu, {})).body) as Record<string, unknown>;
      assert.equal(failure.IsSuccess, false);
      assert.equal(failure.ErrorMessage, 'Project 1234567 not found');
      assert.equal(failure.OperationActivityId, '11111111-2222-4333-8444-555555555555');
      const page = await listBackups(emu, {});
      assert.equal(page.status, 502);
      assert.equal(page.headers['content-type'], 'text/html');
      assert.match(page.body, /^<!DOCTYPE html/);
    });

    it('waits delayMs before answering', async () => {
      emu.tokenSteps.push({ delayMs: 150, status: 503 });
      const started = Date.now();
      assert.equal((await postToken(emu)).status, 503);
      assert.ok(Date.now() - started >= 140);
    });

    it('cuts a body short so the client fails', async () => {
      emu.lcsSteps.push({ cut: true, body: { DatabaseAssets: generateBackups(50), IsSuccess: true } });
      await assert.rejects(listBackups(emu, {}));
      assert.equal(emu.requests.length, 1);
    });

    it('records a hanging request, and close() releases it', async () => {
      const own = await startEmulator();
      own.lcsSteps.push({ hang: true });
      const pending = listBackups(own, {});
      const outcome = pending.then(
        () => 'answered',
        () => 'failed',
      );
      while (own.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
      const started = Date.now();
      await own.close();
      assert.ok(Date.now() - started < 1000);
      assert.equal(await outcome, 'failed');
    });

    it('reset() clears requests and queues and restores the backups', async () => {
      emu.tokenSteps.push(entraError(50126));
      emu.lcsSteps.push(htmlPage());
      emu.backups = [];
      await send(`${emu.url}/nowhere`);
      emu.reset();
      assert.deepEqual([emu.requests.length, emu.tokenSteps.length, emu.lcsSteps.length], [0, 0, 0]);
      assert.deepEqual(emu.backups, sampleBackups(new Date('2026-11-28T09:00:00Z')));
    });
  });

  describe('sample data', () => {
    it('looks like LCS: distinct SAS URLs, offset-less timestamps, newest about a day old', () => {
      const now = new Date('2026-11-28T09:00:00Z');
      const backups = sampleBackups(now);
      assert.equal(new Set(backups.map((b) => b.FileLocation)).size, backups.length);
      for (const b of backups) {
        assert.match(String(b.FileLocation), /\?sv=2015-12-11&sr=b&sig=[^&]*%2F[^&]*&se=2026-11-29T05%3A00%3A00Z&sp=r$/);
        assert.match(String(b.CreatedDateTime), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.(\d{3}|\d{7})$/);
      }
      assert.ok(backups.some((b) => /\.\d{7}$/.test(String(b.CreatedDateTime))));
      const newest = Math.max(...backups.map((b) => Date.parse(`${b.CreatedDateTime}Z`)));
      const ageHours = (now.getTime() - newest) / 3_600_000;
      assert.ok(ageHours > 23 && ageHours < 26, String(ageHours));
    });

    it('generates large lists deterministically', () => {
      const now = new Date('2026-11-28T09:00:00Z');
      const a = generateBackups(1000, now);
      assert.deepEqual(a, generateBackups(1000, now));
      assert.equal(new Set(a.map((b) => b.Id)).size, 1000);
      assert.equal(new Set(a.map((b) => b.FileLocation)).size, 1000);
    });
  });
});
