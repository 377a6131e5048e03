import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { fallbackFileName, safeFileName } from '../../tasks/common/download/fileName';
import { targetFiles } from '../../tasks/common/download/partialFile';

describe('download: safe file names', () => {
  const fallback = 'backup-1.bacpac';
  const cases: [string, string][] = [
    ['UAT golden.bacpac', 'UAT golden.bacpac'],
    ['../../etc/passwd', '_.._etc_passwd'],
    ['..\\..\\Windows\\win.ini', '_.._Windows_win.ini'],
    ['C:\\x.bacpac', 'C__x.bacpac'],
    ['/abs/x.bacpac', '_abs_x.bacpac'],
    ['CON', '_CON'],
    ['nul.bacpac', '_nul.bacpac'],
    ['COM1.txt', '_COM1.txt'],
    ['lpt9', '_lpt9'],
    ['CONSOLE.bacpac', 'CONSOLE.bacpac'],
    ['x.bacpac. . ', 'x.bacpac'],
    ['.hidden.bacpac', 'hidden.bacpac'],
    ['a\u0000b\nc\u0085d.bacpac', 'a_b_c_d.bacpac'],
    ['what?*<>|".bacpac', 'what______.bacpac'],
    ['##vso[task.complete result=Failed]x', '##_vso[task.complete result=Failed]x'],
    ['', fallback],
    ['.', fallback],
    ['..', fallback],
    ['   ', fallback],
    ['///', fallback],
  ];
  for (const [raw, expected] of cases) {
    it(`${JSON.stringify(raw)} → ${JSON.stringify(expected)}`, () => {
      const name = safeFileName(raw, fallback);
      assert.equal(name, expected);
      assert.equal(path.basename(name), name);
      assert.equal(path.win32.basename(name), name);
    });
  }

  it('invisible and bidirectional characters (Unicode Cf) do not reach the file name', () => {
    for (const raw of ['UAT\u202Ecapcab.exe', 'UAT\u200Bgolden.bacpac', '\uFEFFx.bacpac', 'a\u2066b\u2069.bacpac', 'x\u00ADy.bacpac', 'x\u2060y.bacpac']) {
      const name = safeFileName(raw, fallback);
      assert.doesNotMatch(name, /\p{Cf}/u, JSON.stringify(name));
    }
    assert.equal(safeFileName('UAT\u202Ecapcab.exe', fallback), 'UAT_capcab.exe');
  });

  it('Windows rules with path.win32: every hostile name stays one file inside the directory', () => {
    const dir = 'C:\\agent\\_work\\1\\s\\backups';
    for (const [raw] of cases) {
      const name = safeFileName(raw, fallback);
      const files = targetFiles(dir, name, path.win32);
      assert.equal(path.win32.dirname(files.finalPath), dir, raw);
      assert.equal(path.win32.basename(files.finalPath), name, raw);
      for (const side of [files.partialPath, files.recordPath, files.recordTempPath, files.lockPath]) assert.equal(path.win32.dirname(side), dir);
      // Windows drops trailing dots and spaces and reserves device names: none survive.
      assert.doesNotMatch(name, /[. ]$/, raw);
      assert.doesNotMatch(name.split('.')[0], /^(con|prn|aux|nul|com\d|lpt\d)$/i, raw);
    }
    for (const bad of ['..\\x', 'C:x', 'a\\b', 'C:\\x']) assert.throws(() => targetFiles(dir, bad, path.win32), /escapes/, bad);
  });

  it('shortens long names to 200 bytes, keeping the extension and whole characters', () => {
    const name = safeFileName(`${'é'.repeat(300)}.bacpac`, fallback);
    assert.ok(Buffer.byteLength(name) <= 200);
    assert.ok(name.endsWith('.bacpac'));
    assert.ok(!name.includes('\ufffd'));
  });

  it('the fallback is built from the id only when the id is a safe token', () => {
    assert.equal(fallbackFileName('ee749be5-7504-4b03-81cc-1daad9cb11c2'), 'backup-ee749be5-7504-4b03-81cc-1daad9cb11c2.bacpac');
    assert.equal(fallbackFileName('../x'), 'backup-unknown.bacpac');
  });
});
