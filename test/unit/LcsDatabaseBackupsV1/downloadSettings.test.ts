import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { parseConnections, parseDownloadDirectory, parseDownloadFileName, readDownloadSettings } from '../../../tasks/LcsDatabaseBackupsV1/downloadSettings';
import { InputError } from '../../../tasks/common/platform/errors';

describe('download: inputs', () => {
  const source = (inputs: Record<string, string>) => ({ getInput: (n: string) => inputs[n], getEndpoint: () => ({}) });

  it('are validated only when download is true', () => {
    assert.deepEqual(readDownloadSettings(source({ downloadConnections: 'x', downloadDirectory: '' })), { enabled: false });
    assert.throws(() => readDownloadSettings(source({ download: 'true', downloadDirectory: '' })), InputError);
    const settings = readDownloadSettings(source({ download: 'true', downloadDirectory: 'rel/dir' }));
    assert.deepEqual(settings, { enabled: true, directory: path.resolve('rel/dir'), fileName: undefined, connections: 8, overwrite: false });
  });

  it('connections: whole numbers 1-64', () => {
    assert.equal(parseConnections(''), 8);
    assert.equal(parseConnections('1'), 1);
    assert.equal(parseConnections('64'), 64);
    for (const bad of ['0', '65', '-1', '2.5', 'eight', '1e1']) assert.throws(() => parseConnections(bad), /from 1 to 64/);
  });

  it('an unexpanded variable in the directory and a path in the file name are refused', () => {
    assert.throws(() => parseDownloadDirectory('$(Agent.TempDirectory)'), /variable reference/);
    assert.throws(() => parseDownloadFileName('sub/x.bacpac'), /plain file name/);
    assert.throws(() => parseDownloadFileName('CON'), /plain file name/);
    assert.equal(parseDownloadFileName(' golden.bacpac '), 'golden.bacpac');
    assert.equal(parseDownloadFileName(''), undefined);
  });
});
