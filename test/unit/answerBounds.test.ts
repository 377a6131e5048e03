/**
 * What one answer may cost in memory: the body (decompressed), the JSON values it holds, the
 * entries of the list, the skipped entries kept to be named. Each bound ends in a readable
 * failure; a list of 50,000 backups stays well inside them.
 */
import { strict as assert } from 'node:assert';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { MAX_DATABASE_ASSETS } from '../../tasks/common/lcs/databaseAssets';
import { parseDatabaseListResponse } from '../support/lcsAnswers';
import { LcsApiError } from '../../tasks/common/platform/errors';
import { axiosTransport } from '../../tasks/common/http/http';
import { MAX_JSON_VALUES, jsonValueCount } from '../../tasks/common/http/json';
import { BODY_TOO_LARGE } from '../../tasks/common/http/retry';
import { SKIPPED_KEPT, selectNewestBackup } from '../../tasks/common/backups/backupSelection';
import { logSelection } from '../../tasks/LcsDatabaseBackupsV1/report';
import { VERSION_EOL_NONE, generateBackups } from '../emulator/emulator';
import { FakeHost } from '../support/fakeHost';

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

describe('answer bounds', () => {
  describe('jsonValueCount', () => {
    for (const [json, count] of [
      ['1', 1],
      ['[]', 1],
      ['[ ]', 1],
      ['{ }', 1],
      ['[1,2,3]', 4],
      ['{"a":1,"b":[2,3]}', 5],
      ['[{},{},{}]', 4],
      ['[[[[]]]]', 4],
      ['[ {"a" : [ ] } , { } ]', 4],
      ['["a,b,{c}[d]", "e\\\\", ","]', 4],
      ['["say \\"hi, [there]\\"", 1]', 3],
      ['["\\\\\\\\", {}]', 3],
    ] as [string, number][]) {
      it(`counts the ${count} values JSON.parse builds from ${json}`, () => {
        let built = 0;
        JSON.parse(json, (_key, value: unknown) => { built++; return value; });
        assert.equal(built, count, 'the test\'s own count');
        assert.equal(jsonValueCount(json), count);
      });
    }

    it('stops counting above the limit', () => {
      assert.equal(jsonValueCount(`[${'0,'.repeat(100)}0]`, 10), 11);
    });

    it('does not read past an unterminated string', () => {
      assert.equal(jsonValueCount('["abc,,,'), 2);
    });
  });

  describe('the list answer', () => {
    it(`a list of ${MAX_DATABASE_ASSETS.toLocaleString('en-US')} + 1 entries (nulls) fails, saying how many and what to do`, () => {
      const body = envelope(`[${'null,'.repeat(MAX_DATABASE_ASSETS)}null]`);
      const error = lcsError(() => parseDatabaseListResponse(body, 'application/json'));
      assert.match(error.userMessage, /^LCS listed 200,001 database backups, more than the 200,000 the task reads from one list\. Delete the database backups the project no longer needs/);
    });

    it(`a list of exactly ${MAX_DATABASE_ASSETS.toLocaleString('en-US')} entries is read`, () => {
      const list = parseDatabaseListResponse(envelope(`[${'null,'.repeat(MAX_DATABASE_ASSETS - 1)}null]`), 'application/json');
      assert.equal(list.assets.length, MAX_DATABASE_ASSETS);
    });

    it(`more than ${MAX_JSON_VALUES.toLocaleString('en-US')} JSON values (9 MB of {}) fail before JSON.parse builds them`, () => {
      const body = envelope(`[${'{},'.repeat(MAX_JSON_VALUES)}{}]`);
      const error = lcsError(() => parseDatabaseListResponse(body, 'application/json'));
      assert.match(error.userMessage, /^LCS answered with JSON of more than 3,000,000 values \([\d,]+ characters\), more than the task reads from one answer\./);
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

  describe('skipped entries', () => {
    it(`keeps the first ${SKIPPED_KEPT} to be named and counts the rest`, () => {
      const list = parseDatabaseListResponse(envelope(`[${'null,'.repeat(9_999)}null]`), 'application/json');
      const selection = selectNewestBackup(list.assets, { namePatterns: [], fileNamePatterns: [], newestBy: 'created' });
      assert.equal(selection.skipped.length, SKIPPED_KEPT);
      assert.equal(selection.skippedCount, 10_000);
      const host = new FakeHost({ inputs: {} });
      logSelection(host, selection, { namePatterns: [], fileNamePatterns: [], newestBy: 'created' }, Date.now());
      assert.equal(host.lines.filter((l) => l.kind === 'warn').length, 5 + 1);
      assert.ok(host.lines.length < 100, `${host.lines.length} log lines`);
      assert.ok(host.lines.some((l) => l.text === `Skipped 9995 more matching backups for the same kinds of reasons (debug output lists the next ${SKIPPED_KEPT - 5}).`), host.text());
    });
  });

  describe('the transport', () => {
    let server: http.Server;
    let url: string;
    let served: Buffer;
    let headers: Record<string, string>;
    before(async () => {
      server = http.createServer((_req, res) => {
        res.writeHead(200, { 'Content-Length': String(served.length), ...headers });
        res.end(served);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/list`;
    });
    after(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    const request = () => ({ method: 'GET' as const, url, headers: {}, service: 'LCS' });
    const transport = axiosTransport({ httpAgentFor: () => undefined, maxBodyBytes: 1024 * 1024 });

    it('a gzip bomb (60 KiB that unpack to 64 MiB) stops at the limit, counted after decompression', async () => {
      served = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20), { level: 9 });
      headers = { 'Content-Encoding': 'gzip', 'Content-Type': 'application/json' };
      assert.ok(served.length < 1024 * 1024, `${served.length} bytes compressed`);
      const result = await transport(request(), 10_000);
      assert.equal(result.kind, 'failure');
      assert.equal(result.kind === 'failure' && result.code, BODY_TOO_LARGE);
    });

    it('an answer just under the limit is read', async () => {
      served = gzipSync(Buffer.alloc(1024 * 1024 - 10, 0x20));
      headers = { 'Content-Encoding': 'gzip' };
      const result = await transport(request(), 10_000);
      assert.equal(result.kind, 'response');
    });

    it('a plain answer over the limit stops at the limit', async () => {
      served = Buffer.alloc(2 * 1024 * 1024, 0x20);
      headers = {};
      const result = await transport(request(), 10_000);
      assert.equal(result.kind === 'failure' && result.code, BODY_TOO_LARGE);
    });
  });
});
