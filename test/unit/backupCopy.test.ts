/**
 * The pure parts of LcsDatabaseBackupCopy@1: destination inputs, the Azure Resource Manager
 * connection, Entra's refusals, storage's refusals, copy status reading, metadata.
 */
import { strict as assert } from 'node:assert';
import { readAzureRmConnection } from '../../tasks/common/azure/azureRm';
import { decideChoice } from '../../tasks/common/backups/backupChoice';
import { selectBackup } from '../../tasks/common/backups/backupSelection';
import { entraRefusal } from '../../tasks/common/azure/azureToken';
import { InputError } from '../../tasks/common/platform/errors';
import type { InputSource, RawEndpoint } from '../../tasks/common/platform/inputs';
import { toDatabaseAsset } from '../../tasks/common/lcs/databaseAssets';
import { blobProps } from '../../tasks/LcsDatabaseBackupCopyV1/blobService';
import { storageRefusal } from '../../tasks/LcsDatabaseBackupCopyV1/copyErrors';
import { sourceRefused } from '../../tasks/LcsDatabaseBackupCopyV1/copyRun';
import { destinationFor, parseBlobName, parseContainerName, parseDestinationSasUrl, parseStorageAccount } from '../../tasks/LcsDatabaseBackupCopyV1/destination';
import { copyMetadata } from '../../tasks/LcsDatabaseBackupCopyV1/report';
import { parseCopyPollSeconds } from '../../tasks/LcsDatabaseBackupCopyV1/settings';

const TENANT = '3f2e1d0c-9b8a-4765-8432-10fedcba9876';
const CLIENT = '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a';

function source(endpoint: RawEndpoint, variables: Record<string, string> = {}, vss: RawEndpoint = { parameters: { accesstoken: 'job-token' } }): InputSource {
  return {
    getInput: (name) => (name === 'azureSubscription' ? 'ARM' : undefined),
    getEndpoint: (id) => (id === 'ARM' ? endpoint : id === 'SystemVssConnection' ? vss : {}),
    getVariable: (name) => variables[name],
  };
}

describe('LcsDatabaseBackupCopy@1: destination', () => {
  it('storageAccount: a name in the connection\'s cloud, or a blob service URL kept with its path (Azurite)', () => {
    assert.deepEqual(parseStorageAccount('contosobackups', 'core.windows.net'), { serviceUrl: 'https://contosobackups.blob.core.windows.net', accountName: 'contosobackups' });
    assert.deepEqual(parseStorageAccount('contosobackups', 'core.usgovcloudapi.net').serviceUrl, 'https://contosobackups.blob.core.usgovcloudapi.net');
    assert.deepEqual(parseStorageAccount('https://127.0.0.1:10000/devstoreaccount1/', 'core.windows.net'), { serviceUrl: 'https://127.0.0.1:10000/devstoreaccount1', accountName: 'devstoreaccount1' });
    assert.equal(parseStorageAccount('https://backups.contoso.com', 'x').accountName, 'backups');
    for (const bad of ['', 'Contoso_Backups', 'http://contoso.blob.core.windows.net', 'https://user:pw@x.blob.core.windows.net', 'https://x.blob.core.windows.net?sig=1']) {
      assert.throws(() => parseStorageAccount(bad, 'core.windows.net'), InputError, bad);
    }
  });

  it('containerName: Azure\'s rules', () => {
    assert.equal(parseContainerName(' lcs-backups '), 'lcs-backups');
    assert.equal(parseContainerName('$root'), '$root');
    for (const bad of ['', 'ab', 'Lcs', 'a--b', '-ab', 'ab-', 'a'.repeat(64), 'a_b']) assert.throws(() => parseContainerName(bad), InputError, bad);
  });

  it('destinationBlobName: virtual folders allowed; no traversal, control characters or backslashes', () => {
    assert.equal(parseBlobName(''), undefined);
    assert.equal(parseBlobName('uat/golden.bacpac'), 'uat/golden.bacpac');
    for (const bad of ['../x', 'a/./b', 'a/', 'x.', '/x', 'a\\b', 'a\u0007b', 'x'.repeat(1025)]) assert.throws(() => parseBlobName(bad), InputError, bad);
  });

  it('destinationSasUrl: a container SAS that may write; its query is the secret part', () => {
    const d = parseDestinationSasUrl('https://acct.blob.core.windows.net/lcs?sv=2023-11-03&sr=c&sp=racw&sig=abc%2B');
    assert.deepEqual(d, { containerUrl: 'https://acct.blob.core.windows.net/lcs', accountName: 'acct', container: 'lcs', sasQuery: 'sv=2023-11-03&sr=c&sp=racw&sig=abc%2B' });
    assert.equal(parseDestinationSasUrl('https://127.0.0.1:10000/devstoreaccount1/dest?sig=x').accountName, 'devstoreaccount1');
    for (const bad of ['nope', 'http://a.blob.core.windows.net/c?sig=x', 'https://a.blob.core.windows.net/c', 'https://a.blob.core.windows.net/c?sr=b&sig=x', 'https://a.blob.core.windows.net/c?sp=r&sig=x', 'https://a.blob.core.windows.net/?sig=x']) {
      assert.throws(() => parseDestinationSasUrl(bad), InputError, bad);
    }
    try {
      parseDestinationSasUrl('https://a.blob.core.windows.net/c?sp=r&sig=SECRETSIG');
    } catch (error) {
      assert.ok(!(error as Error).message.includes('SECRETSIG'), 'the message never shows the signature');
    }
  });

  it('the blob name defaults to the backup\'s file name made safe; the URL is encoded and carries no SAS', () => {
    const backup = toDatabaseAsset({ Id: 'ee749be5-7504-4b03-81cc-1daad9cb11c2', FileName: '../UAT ##vso[task.setvariable]#1.bacpac' });
    const d = destinationFor({ kind: 'sas', containerUrl: 'https://a.blob.core.windows.net/c', accountName: 'a', container: 'c', sasQuery: 'sig=x' }, backup);
    assert.ok(!d.blobName.includes('/') && !d.blobName.includes('##vso['), d.blobName);
    assert.ok(d.blobUrl.startsWith('https://a.blob.core.windows.net/c/') && !d.blobUrl.includes('?') && !d.blobUrl.includes('#'), d.blobUrl);
    const named = destinationFor({ kind: 'arm', containerUrl: 'https://a/c', accountName: 'a', container: 'c', blobName: 'uat/x y.bacpac' }, backup);
    assert.equal(named.blobUrl, 'https://a/c/uat/x%20y.bacpac');
  });

  it('pollIntervalSeconds: decimals from 0.1 to 3600, default 10', () => {
    assert.equal(parseCopyPollSeconds(''), 10);
    assert.equal(parseCopyPollSeconds('0.5'), 0.5);
    for (const bad of ['0', '0.05', '3601', 'abc', '-1']) assert.throws(() => parseCopyPollSeconds(bad), InputError, bad);
  });
});

describe('LcsDatabaseBackupCopy@1: the Azure Resource Manager connection', () => {
  const wif: RawEndpoint = { scheme: 'WorkloadIdentityFederation', parameters: { tenantid: TENANT, serviceprincipalid: CLIENT }, data: { environment: 'AzureUSGovernment', environmentauthorityurl: 'https://login.microsoftonline.us/' } };

  it('workload identity federation: the OIDC endpoint and job token, the cloud\'s authority and storage suffix', () => {
    const c = readAzureRmConnection(source(wif, { 'System.OidcRequestUri': 'https://dev.azure.com/contoso/_apis/oidc' }));
    assert.equal(c.scheme, 'WorkloadIdentityFederation');
    assert.equal(c.authorityHost, 'https://login.microsoftonline.us');
    assert.equal(c.storageSuffix, 'core.usgovcloudapi.net');
    assert.equal(c.oidcRequestUri, 'https://dev.azure.com/contoso/_apis/oidc');
    assert.equal(c.systemAccessToken, 'job-token');
  });

  it('workload identity federation without the OIDC endpoint or job token: says what the agent lacks', () => {
    assert.throws(() => readAzureRmConnection(source(wif)), /System\.OidcRequestUri/);
    assert.throws(() => readAzureRmConnection(source(wif, { 'System.OidcRequestUri': 'https://x/oidc' }, {})), /SystemVssConnection/);
  });

  it('a service principal: its secret; a certificate is refused with advice; the public cloud by default', () => {
    const sp = (extra: Record<string, string>): RawEndpoint => ({ scheme: 'ServicePrincipal', parameters: { tenantid: TENANT, serviceprincipalid: CLIENT, ...extra } });
    const c = readAzureRmConnection(source(sp({ serviceprincipalkey: 's3cret', authenticationtype: 'spnKey' })));
    assert.equal(c.clientSecret, 's3cret');
    assert.equal(c.authorityHost, 'https://login.microsoftonline.com');
    assert.equal(c.storageSuffix, 'core.windows.net');
    assert.throws(() => readAzureRmConnection(source(sp({ authenticationtype: 'spnCertificate' }))), /certificate/);
    assert.throws(() => readAzureRmConnection(source(sp({}))), /no service principal key/);
    assert.throws(() => readAzureRmConnection(source(sp({ serviceprincipalkey: 'a\nb' }))), /line break/);
  });

  it('a managed identity needs no secret; an unknown scheme or a missing tenant is an input error', () => {
    assert.equal(readAzureRmConnection(source({ scheme: 'ManagedServiceIdentity', parameters: {} })).scheme, 'ManagedServiceIdentity');
    assert.throws(() => readAzureRmConnection(source({ scheme: 'PublishProfile', parameters: {} })), /PublishProfile/);
    assert.throws(() => readAzureRmConnection(source({ scheme: 'ServicePrincipal', parameters: { serviceprincipalid: CLIENT } })), /tenant id/);
    assert.throws(() => readAzureRmConnection({ getInput: () => '', getEndpoint: () => ({}) }), /azureSubscription/);
  });
});

describe('LcsDatabaseBackupCopy@1: refusals', () => {
  const entra = (code: number): string => JSON.stringify({ error: 'invalid_client', error_description: `AADSTS${code}: something.\r\nTrace ID: x`, error_codes: [code] });

  it('Entra: federated credential mismatches and secrets say what to check', () => {
    const e = entraRefusal({ status: 400, headers: {}, body: entra(700213), attempts: 1 }, TENANT);
    assert.match(e.userMessage, /AADSTS700213/);
    assert.match(e.userMessage, /sc:\/\/<organization>\/<project>\/<connection name>/);
    assert.match(entraRefusal({ status: 400, headers: {}, body: entra(70021), attempts: 1 }, TENANT).userMessage, /Federated credentials/);
    assert.match(entraRefusal({ status: 401, headers: {}, body: entra(7000222), attempts: 1 }, TENANT).userMessage, /expired/);
    assert.match(entraRefusal({ status: 502, headers: {}, body: '<html>', attempts: 1 }, TENANT).userMessage, /HTTP 502/);
  });

  it('storage: the role, the firewall, an existing blob, throttling; storage\'s own text neutralized', () => {
    const d = destinationFor({ kind: 'arm', containerUrl: 'https://a/c', accountName: 'contoso', container: 'c', blobName: 'x.bacpac' }, toDatabaseAsset({ Id: 'a' }));
    const refuse = (status: number, code: string, message = 'm') => storageRefusal({ status, headers: { 'x-ms-error-code': code }, body: `<Error><Code>${code}</Code><Message>${message}</Message></Error>`, attempts: 1 }, code, d, 'start the copy').userMessage;
    assert.match(refuse(403, 'AuthorizationPermissionMismatch'), /Storage Blob Data Contributor on the storage account contoso/);
    assert.match(refuse(403, 'AuthorizationFailure'), /firewall/);
    assert.match(refuse(409, 'BlobAlreadyExists'), /overwrite: true/);
    assert.match(refuse(503, ''), /throttling/);
    assert.ok(!refuse(500, 'InternalError', 'x ##vso[task.setvariable variable=a]b').includes('##vso['));
  });

  it('a failed copy\'s description tells a refused source from other failures', () => {
    assert.equal(sourceRefused('403 AuthenticationFailed "Server failed to authenticate the request."'), true);
    assert.equal(sourceRefused('CannotVerifyCopySource'), true);
    assert.equal(sourceRefused('500 InternalError "The copy source could not be read."'), false);
    assert.equal(sourceRefused(undefined), false);
  });

  it('copy status: progress, id, MD5 from Get Blob Properties; garbage progress is ignored', () => {
    const p = blobProps({ 'content-length': '10', 'content-md5': 'q0==', 'x-ms-copy-status': 'pending', 'x-ms-copy-progress': '5/10', 'x-ms-copy-id': 'id' });
    assert.deepEqual([p.length, p.md5, p.copyStatus, p.copied, p.total, p.copyId], [10, 'q0==', 'pending', 5, 10, 'id']);
    assert.equal(blobProps({ 'x-ms-copy-progress': '5/x' }).copied, undefined);
  });

  it('metadata names the project, backup id, name and created date, in ASCII', () => {
    const m = copyMetadata(1234567, toDatabaseAsset({ Id: 'abc', Name: 'UAT – golden\r\n', FileName: 'g.bacpac', CreatedDateTime: '2026-11-28T03:12:45.123Z' }));
    assert.equal(m.lcsprojectid, '1234567');
    assert.equal(m.lcsbackupid, 'abc');
    assert.equal(decodeURIComponent(m.lcsbackupname), 'UAT – golden\r\n');
    assert.match(Object.values(m).join(''), /^[\x21-\x7e]*$/);
    assert.equal(m.lcsbackupcreated, '2026-11-28T03:12:45.123Z');
  });
});

describe('LcsDatabaseBackupCopy@1: the shared choice', () => {
  it('no warning that the download URL expires soon when the task renews it itself', () => {
    const soon = new Date(Date.now() + 10 * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const asset = toDatabaseAsset({ Id: 'abc', Name: 'n', FileName: 'f.bacpac', FileLocation: `https://a.blob.core.windows.net/c/f.bacpac?se=${encodeURIComponent(soon)}&sig=x`, CreatedDateTime: new Date().toISOString() });
    const selection = selectBackup([asset], { namePatterns: [], fileNamePatterns: [], newestBy: 'created' });
    const settings = { projectId: 1, criteria: { namePatterns: [], fileNamePatterns: [], newestBy: 'created' as const }, failIfNoBackup: true };
    assert.equal(decideChoice(selection, settings, Date.now()).warnings.length, 1, 'the backups task warns');
    assert.deepEqual(decideChoice(selection, { ...settings, warnOfExpiry: false }, Date.now()).warnings, []);
  });
});
