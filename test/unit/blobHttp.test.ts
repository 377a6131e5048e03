/**
 * How one range's body reaches the file: piece by piece, synchronously, as it arrives
 * (blobHttp.getRange's drain, fileWriter.writeAt), against the emulator's storage on loopback.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, openSync, closeSync } from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { AttemptFailure, RequestContext, WriteFailure, blobProperties, getRange } from '../../tasks/common/download/blobHttp';
import { writeAt } from '../../tasks/common/download/fileWriter';
import { SocketPool } from '../../tasks/common/http/socketPool';
import { connectorFor } from '../../tasks/common/http/tunnel';
import { blobBytes } from '../emulator/blobs';
import { startEmulator, type Emulator } from '../emulator/emulator';

describe("download: a range's body, piece by piece", function () {
  this.timeout(30000);
  let emu: Emulator;
  let ctx: RequestContext;
  let agent: https.Agent;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lcs-range-body-'));

  before(async () => {
    emu = await startEmulator();
    agent = new https.Agent({ ca: readFileSync(emu.caFile), keepAlive: true });
    const sockets = new SocketPool(connectorFor({ proxyFor: () => undefined, cert: { caFile: emu.caFile } }), 4);
    ctx = { agentFor: () => agent, sockets, stop: new AbortController().signal, timeoutMs: 10000 };
  });
  after(async () => {
    agent.destroy();
    ctx.sockets.destroy();
    await emu.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes every piece at its offset as it arrives; the file equals the range', async () => {
    const blob = emu.addBlob('body.bak', { size: 3 * 1024 * 1024 + 17, seed: 5 });
    const url = emu.blobUrl(blob.name);
    const props = await blobProperties(url, ctx);
    const file = path.join(dir, 'whole');
    const fd = openSync(file, 'w+');
    let pieces = 0;
    try {
      let at = 1000;
      await getRange(
        url,
        at,
        props.size,
        props,
        (chunk) => {
          writeAt(fd, chunk, at);
          at += chunk.length;
          pieces++;
        },
        ctx,
      );
    } finally {
      closeSync(fd);
    }
    assert.ok(
      readFileSync(file)
        .subarray(1000)
        .equals(blobBytes(5, 1000, props.size - 1000)),
    );
    assert.ok(pieces > 10, `${pieces} pieces`);
  });

  it('a cut answer fails the attempt, and every byte that arrived before the cut was handed over', async () => {
    const blob = emu.addBlob('cut.bak', { size: 2 * 1024 * 1024, seed: 6, faults: { cutEveryNth: 1 } });
    const url = emu.blobUrl(blob.name);
    const props = await blobProperties(url, ctx);
    let got = 0;
    await assert.rejects(
      getRange(
        url,
        0,
        props.size,
        props,
        (chunk) => {
          got += chunk.length;
        },
        ctx,
      ),
      AttemptFailure,
    );
    assert.ok(got > 0 && got < props.size, `${got} bytes`);
  });

  it('a write that fails stops the range at once as a WriteFailure (never retried as a network failure)', async () => {
    const blob = emu.addBlob('full.bak', { size: 2 * 1024 * 1024, seed: 7 });
    const url = emu.blobUrl(blob.name);
    const props = await blobProperties(url, ctx);
    let calls = 0;
    const error = await getRange(
      url,
      0,
      props.size,
      props,
      () => {
        calls++;
        throw Object.assign(new Error('no space'), { code: 'ENOSPC' });
      },
      ctx,
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof WriteFailure);
    assert.equal((error.cause as NodeJS.ErrnoException).code, 'ENOSPC');
    assert.equal(calls, 1);
  });

  it('writeAt writes a piece whole at its offset', () => {
    const file = path.join(dir, 'at');
    const fd = openSync(file, 'w+');
    try {
      writeAt(fd, Buffer.from('world'), 6);
      writeAt(fd, Buffer.from('hello '), 0);
    } finally {
      closeSync(fd);
    }
    assert.equal(readFileSync(file, 'utf8'), 'hello world');
  });
});
