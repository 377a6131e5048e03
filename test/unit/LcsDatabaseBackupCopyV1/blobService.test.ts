import { strict as assert } from 'node:assert';
import { blobProps } from '../../../tasks/LcsDatabaseBackupCopyV1/blobService';

describe('blobService', () => {
  it('copy status: progress, id, MD5 from Get Blob Properties; garbage progress is ignored', () => {
    const p = blobProps({ 'content-length': '10', 'content-md5': 'q0==', 'x-ms-copy-status': 'pending', 'x-ms-copy-progress': '5/10', 'x-ms-copy-id': 'id' });
    assert.deepEqual([p.length, p.md5, p.copyStatus, p.copied, p.total, p.copyId], [10, 'q0==', 'pending', 5, 10, 'id']);
    assert.equal(blobProps({ 'x-ms-copy-progress': '5/x' }).copied, undefined);
  });
});
