import { strict as assert } from 'node:assert';
import { backupOutputValues, isDownloadUrl, relistBackup, sasExpiry, toDatabaseAsset, MAX_DATABASE_ASSETS } from '../../tasks/common/lcs/databaseAssets';
import type { LcsClient } from '../../tasks/common/lcs/lcsClient';
import { parseDatabaseListResponse } from '../support/lcsAnswers';
import { LcsApiError } from '../../tasks/common/platform/errors';
import { MAX_JSON_VALUES, jsonValueCount } from '../../tasks/common/http/json';
import { VERSION_EOL_NONE, generateBackups } from '../emulator/emulator';

describe('databaseAssets', () => {
  describe('relistBackup (a fresh download URL for a long download or copy)', () => {
    const fresh = 'https://a.blob.core.windows.net/c/b1?sv=1&se=2030-01-01T00%3A00%3A00Z&sig=fresh';
    const listing = (entries: unknown[]): LcsClient => ({ call: async () => ({ body: { IsSuccess: true, DatabaseAssets: entries } }) }) as unknown as LcsClient;
    const entry = (id: string, fileLocation: string) => ({
      Id: id,
      Name: 'UAT',
      FileName: 'UAT.bacpac',
      FileLocation: fileLocation,
      CreatedDateTime: '2026-12-01T00:00:00',
    });

    it('returns the same backup with its new URL, registered as a secret first', async () => {
      const secrets: string[] = [];
      const relisted = await relistBackup({ setSecret: (v) => secrets.push(v) }, listing([entry('b0', fresh), entry('b1', fresh)]), 7, 'b1');
      assert.ok('asset' in relisted);
      assert.equal(relisted.asset.id, 'b1');
      assert.equal(relisted.asset.fileLocation, fresh);
      assert.deepEqual(secrets, [fresh]);
    });

    it('says why there is no URL: the backup is gone, or listed without one (nothing registered)', async () => {
      const secrets: string[] = [];
      const host = { setSecret: (v: string) => secrets.push(v) };
      assert.deepEqual(await relistBackup(host, listing([entry('b0', fresh)]), 7, 'b1'), { missing: 'no longer listed' });
      assert.deepEqual(await relistBackup(host, listing([entry('b1', 'N/A')]), 7, 'b1'), { missing: 'listed without a download URL' });
      assert.deepEqual(secrets, []);
    });
  });

  describe('toDatabaseAsset', () => {
    it('reads the fields of an LCS entry', () => {
      const a = toDatabaseAsset({
        Id: ' 4a2c52d4-49ca-4606-94a9-92b3a6b42985 ',
        Name: 'LanesBackupRecord',
        FileName: 'RandomFile.bacpac',
        FileDescription: 'desc',
        FileLocation: 'https://x.blob.core.windows.net/a?se=2019-09-28T15%3A18%3A05Z',
        CreatedDateTime: '2019-09-27T15:17:35.867',
        ModifiedDateTime: '2019-09-28T15:17:35.867',
      });
      assert.equal(a.id, '4a2c52d4-49ca-4606-94a9-92b3a6b42985');
      assert.equal(a.name, 'LanesBackupRecord');
      assert.equal(a.fileName, 'RandomFile.bacpac');
      assert.equal(a.description, 'desc');
      assert.equal(a.created?.epochMs, Date.UTC(2019, 8, 27, 15, 17, 35, 867));
      assert.equal(a.modified?.epochMs, Date.UTC(2019, 8, 28, 15, 17, 35, 867));
      assert.equal(a.createdRaw, '2019-09-27T15:17:35.867');
    });

    for (const raw of [null, undefined, 42, 'text', true, []]) {
      it(`tolerates ${JSON.stringify(raw) ?? 'undefined'} as an entry`, () => {
        const a = toDatabaseAsset(raw);
        assert.equal(a.id, '');
        assert.equal(a.name, '');
        assert.equal(a.fileName, '');
        assert.equal(a.description, '');
        assert.equal(a.fileLocation, '');
        assert.equal(a.created, undefined);
        assert.equal(a.modified, undefined);
      });
    }

    it('turns non-string fields into empty text and keeps the raw timestamps', () => {
      const a = toDatabaseAsset({ Id: 7, Name: { x: 1 }, FileName: null, FileLocation: 3, CreatedDateTime: 5, ModifiedDateTime: null });
      assert.equal(a.id, '');
      assert.equal(a.name, '');
      assert.equal(a.fileName, '');
      assert.equal(a.fileLocation, '');
      assert.equal(a.createdRaw, 5);
      assert.equal(a.modifiedRaw, null);
      assert.equal(a.created, undefined);
    });
  });

  describe('isDownloadUrl', () => {
    const SAS =
      'https://uswedpl1catalog.blob.core.windows.net/product-ax7productname/6d3f/AX7ProductName-12-17-a1b2?sv=2015-12-11&sr=b&sig=rO3z%2FV%2Bk%3D&se=2019-09-28T15%3A18%3A05Z&sp=r';

    it('accepts a blob SAS URL as LCS writes it', () => {
      assert.equal(isDownloadUrl(SAS), true);
      assert.equal(isDownloadUrl('https://a.blob.core.windows.net/c/b?se=2030-01-02T03:04:05Z&sig=x'), true);
    });

    // Each of these parses with new URL(), and each would reach an output or a secret as it is.
    const rejected: [string, string][] = [
      ['a line break and an agent command after it', `${SAS}\n##vso[task.setvariable variable=Injected]owned`],
      ['a carriage return', `${SAS}\r`],
      ['a tab inside (the parser drops it)', SAS.replace('sig=', 'sig=\t')],
      ['an agent command without a space, in the fragment', `${SAS}##vso[task.prependpath]/tmp/evil`],
      ['an empty fragment', `${SAS}#`],
      ['a space', SAS.replace('sp=r', 'sp=r x')],
      ['leading blanks (the parser trims them)', ` ${SAS}`],
      ['a Unicode line separator', `${SAS}\u2028x`],
      ['a right-to-left override', `${SAS}\u202e`],
      ['a zero-width space', SAS.replace('blob', 'blob\u200b')],
      ['non-ASCII text in the path', SAS.replace('product-', 'prödukt-')],
      ['an upper-case host', SAS.replace('uswedpl1catalog', 'USWEDPL1CATALOG')],
      ['an upper-case scheme', SAS.replace('https:', 'HTTPS:')],
      ['the default port written out', SAS.replace('.net/', '.net:443/')],
      ['a dot segment', SAS.replace('/6d3f/', '/x/../6d3f/')],
      ['a backslash', SAS.replace('/6d3f/', '\\6d3f/')],
      ['no path at all', 'https://a.blob.core.windows.net'],
      ['a user name and password', SAS.replace('https://', 'https://u:p@')],
      ['plain http', SAS.replace('https:', 'http:')],
      ['a placeholder', 'N/A'],
      ['an empty string', ''],
      ['a URL longer than 8192 characters', `${SAS}&x=${'a'.repeat(8192)}`],
    ];
    for (const [label, value] of rejected) {
      it(`rejects ${label}`, () => assert.equal(isDownloadUrl(value), false));
    }
  });

  describe('backupOutputValues', () => {
    it('publishes only single lines without agent commands or invisible characters', () => {
      const values = backupOutputValues(
        toDatabaseAsset({
          Id: '6e1b2c3d-4e5f-4a6b-8c7d-000000000001',
          Name: 'UAT\n##vso[task.setvariable variable=X]y \u202egnp.exe',
          FileName: 'a\r\n##[error]b\u200b.bacpac',
          FileLocation: 'https://a.blob.core.windows.net/c/b?se=2030-01-02T03:04:05Z&sig=x',
          CreatedDateTime: '2026-01-02T03:04:05.1234567',
        }),
      );
      for (const [name, value] of Object.entries(values)) {
        // eslint-disable-next-line no-control-regex
        assert.doesNotMatch(value, /[\u0000-\u001f\u007f-\u009f\u2028\u2029]|\p{Cf}/u, `${name}: ${JSON.stringify(value)}`);
        assert.doesNotMatch(value, /##vso\[|##\[/i, `${name}: ${value}`);
      }
      assert.equal(values.BackupCreatedDateTime, '2026-01-02T03:04:05.1234567Z');
      assert.equal(values.FileLocationExpiresOn, '2030-01-02T03:04:05Z');
    });
  });

  describe('sasExpiry', () => {
    it('reads a URL-encoded ISO se= value', () => {
      const url = 'https://scrubbed.blob.core.windows.net/c/b?sv=2015-12-11&sr=b&sig=rO3z%2FV%3D&se=2019-09-28T15%3A18%3A05Z&sp=r';
      assert.equal(sasExpiry(url)?.toISOString(), '2019-09-28T15:18:05.000Z');
    });

    it('reads an unencoded ISO se= value', () => {
      assert.equal(sasExpiry('https://a.blob.core.windows.net/c?se=2030-01-02T03:04:05Z&sig=x')?.toISOString(), '2030-01-02T03:04:05.000Z');
    });

    it('reads a date-only se= value as midnight UTC', () => {
      assert.equal(sasExpiry('https://a.blob.core.windows.net/c?se=2030-01-02&sig=x')?.toISOString(), '2030-01-02T00:00:00.000Z');
    });

    const unreadable: [string, string][] = [
      ['no se parameter', 'https://a.blob.core.windows.net/c?sig=x&sp=r'],
      ['no query', 'https://a.blob.core.windows.net/c'],
      ['an empty se', 'https://a.blob.core.windows.net/c?se=&sig=x'],
      ['a garbage se', 'https://a.blob.core.windows.net/c?se=tomorrow'],
      ['an impossible date', 'https://a.blob.core.windows.net/c?se=2030-02-30'],
      ['a relative URL', '/c/b?se=2030-01-02'],
      ['not a URL', 'not a url at all'],
      ['an empty string', ''],
      ['a broken host', 'https://[::1/?se=2030-01-02'],
    ];
    for (const [label, url] of unreadable) {
      it(`returns undefined for ${label} and does not throw`, () => {
        assert.doesNotThrow(() => sasExpiry(url));
        assert.equal(sasExpiry(url), undefined);
      });
    }
  });
});

describe('databaseAssets: the bounds of the list answer', () => {
  function envelope(assetsJson: string): string {
    return `{"DatabaseAssets":${assetsJson},"IsSuccess":true,"OperationActivityId":"x","ErrorMessage":null,"VersionEOL":"${VERSION_EOL_NONE}"}`;
  }

  function lcsError(fn: () => unknown): LcsApiError {
    try {
      fn();
    } catch (error) {
      assert.ok(error instanceof LcsApiError, `expected an LcsApiError, got ${String(error)}`);
      return error;
    }
    assert.fail('no error');
  }

  describe('the list answer', () => {
    it(`a list of ${MAX_DATABASE_ASSETS.toLocaleString('en-US')} + 1 entries (nulls) fails, saying how many and what to do`, () => {
      const body = envelope(`[${'null,'.repeat(MAX_DATABASE_ASSETS)}null]`);
      const error = lcsError(() => parseDatabaseListResponse(body, 'application/json'));
      assert.match(
        error.userMessage,
        /^LCS listed 200,001 database backups, more than the 200,000 the task reads from one list\. Delete the database backups the project no longer needs/,
      );
    });

    it(`a list of exactly ${MAX_DATABASE_ASSETS.toLocaleString('en-US')} entries is read`, () => {
      const list = parseDatabaseListResponse(envelope(`[${'null,'.repeat(MAX_DATABASE_ASSETS - 1)}null]`), 'application/json');
      assert.equal(list.assets.length, MAX_DATABASE_ASSETS);
    });

    it(`more than ${MAX_JSON_VALUES.toLocaleString('en-US')} JSON values (9 MB of {}) fail before JSON.parse builds them`, () => {
      const body = envelope(`[${'{},'.repeat(MAX_JSON_VALUES)}{}]`);
      const error = lcsError(() => parseDatabaseListResponse(body, 'application/json'));
      assert.match(
        error.userMessage,
        /^LCS answered with JSON of more than 3,000,000 values \([\d,]+ characters\), more than the task reads from one answer\./,
      );
    });

    it('a list of 50,000 backups (about 30 MB) is read in full', function () {
      this.timeout(20_000);
      // 5,000 generated backups ten times over: the same size, a tenth of the generating.
      const entries = JSON.stringify(generateBackups(5_000, new Date())).slice(1, -1);
      const body = envelope(`[${Array.from({ length: 10 }, () => entries).join(',')}]`);
      assert.ok(body.length > 25_000_000, `${body.length} characters`);
      assert.ok(jsonValueCount(body) < MAX_JSON_VALUES / 4, `${jsonValueCount(body)} values`);
      assert.equal(parseDatabaseListResponse(body, 'application/json').assets.length, 50_000);
    });
  });
});
