import { strict as assert } from 'node:assert';
import { InputError } from '../../../tasks/common/platform/errors';
import { toDatabaseAsset } from '../../../tasks/common/lcs/databaseAssets';
import {
  destinationFor,
  parseBlobName,
  parseContainerName,
  parseDestinationSasUrl,
  parseStorageAccount,
} from '../../../tasks/LcsDatabaseBackupCopyV1/destination';

describe('destination', () => {
  it("storageAccount: a name in the connection's cloud, or a blob service URL kept with its path (Azurite)", () => {
    assert.deepEqual(parseStorageAccount('contosobackups', 'core.windows.net'), {
      serviceUrl: 'https://contosobackups.blob.core.windows.net',
      accountName: 'contosobackups',
    });
    assert.deepEqual(parseStorageAccount('contosobackups', 'core.usgovcloudapi.net').serviceUrl, 'https://contosobackups.blob.core.usgovcloudapi.net');
    assert.deepEqual(parseStorageAccount('https://127.0.0.1:10000/devstoreaccount1/', 'core.windows.net'), {
      serviceUrl: 'https://127.0.0.1:10000/devstoreaccount1',
      accountName: 'devstoreaccount1',
    });
    assert.equal(parseStorageAccount('https://backups.contoso.com', 'x').accountName, 'backups');
    for (const bad of [
      '',
      'Contoso_Backups',
      'http://contoso.blob.core.windows.net',
      'https://user:pw@x.blob.core.windows.net',
      'https://x.blob.core.windows.net?sig=1',
    ]) {
      assert.throws(() => parseStorageAccount(bad, 'core.windows.net'), InputError, bad);
    }
  });

  it("containerName: Azure's rules", () => {
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
    assert.deepEqual(d, {
      containerUrl: 'https://acct.blob.core.windows.net/lcs',
      accountName: 'acct',
      container: 'lcs',
      sasQuery: 'sv=2023-11-03&sr=c&sp=racw&sig=abc%2B',
    });
    assert.equal(parseDestinationSasUrl('https://127.0.0.1:10000/devstoreaccount1/dest?sig=x').accountName, 'devstoreaccount1');
    for (const bad of [
      'nope',
      'http://a.blob.core.windows.net/c?sig=x',
      'https://a.blob.core.windows.net/c',
      'https://a.blob.core.windows.net/c?sr=b&sig=x',
      'https://a.blob.core.windows.net/c?sp=r&sig=x',
      'https://a.blob.core.windows.net/?sig=x',
    ]) {
      assert.throws(() => parseDestinationSasUrl(bad), InputError, bad);
    }
    try {
      parseDestinationSasUrl('https://a.blob.core.windows.net/c?sp=r&sig=SECRETSIG');
    } catch (error) {
      assert.ok(!(error as Error).message.includes('SECRETSIG'), 'the message never shows the signature');
    }
  });

  it("the blob name defaults to the backup's file name made safe; the URL is encoded and carries no SAS", () => {
    const backup = toDatabaseAsset({ Id: 'ee749be5-7504-4b03-81cc-1daad9cb11c2', FileName: '../UAT ##vso[task.setvariable]#1.bacpac' });
    const d = destinationFor({ kind: 'sas', containerUrl: 'https://a.blob.core.windows.net/c', accountName: 'a', container: 'c', sasQuery: 'sig=x' }, backup);
    assert.ok(!d.blobName.includes('/') && !d.blobName.includes('##vso['), d.blobName);
    assert.ok(d.blobUrl.startsWith('https://a.blob.core.windows.net/c/') && !d.blobUrl.includes('?') && !d.blobUrl.includes('#'), d.blobUrl);
    const named = destinationFor({ kind: 'arm', containerUrl: 'https://a/c', accountName: 'a', container: 'c', blobName: 'uat/x y.bacpac' }, backup);
    assert.equal(named.blobUrl, 'https://a/c/uat/x%20y.bacpac');
  });
});
