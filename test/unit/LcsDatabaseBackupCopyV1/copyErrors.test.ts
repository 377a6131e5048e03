import { strict as assert } from 'node:assert';
import { toDatabaseAsset } from '../../../tasks/common/lcs/databaseAssets';
import { storageRefusal } from '../../../tasks/LcsDatabaseBackupCopyV1/copyErrors';
import { destinationFor } from '../../../tasks/LcsDatabaseBackupCopyV1/destination';

describe("copyErrors: storage's refusals", () => {
  it("storage: the role, the firewall, an existing blob, throttling; storage's own text neutralized", () => {
    const d = destinationFor(
      { kind: 'arm', containerUrl: 'https://a/c', accountName: 'contoso', container: 'c', blobName: 'x.bacpac' },
      toDatabaseAsset({ Id: 'a' }),
    );
    const refuse = (status: number, code: string, message = 'm') =>
      storageRefusal(
        { status, headers: { 'x-ms-error-code': code }, body: `<Error><Code>${code}</Code><Message>${message}</Message></Error>`, attempts: 1 },
        code,
        d,
        'start the copy',
      ).userMessage;
    assert.match(refuse(403, 'AuthorizationPermissionMismatch'), /Storage Blob Data Contributor on the storage account contoso/);
    assert.match(refuse(403, 'AuthorizationFailure'), /firewall/);
    assert.match(refuse(409, 'BlobAlreadyExists'), /overwrite: true/);
    assert.match(refuse(503, ''), /throttling/);
    assert.ok(!refuse(500, 'InternalError', 'x ##vso[task.setvariable variable=a]b').includes('##vso['));
  });
});
