/**
 * How the download's pieces reach the partial file: gathered per connection, written together at
 * their offset with pwritev, short writes carried on (fileWriter.ts).
 */
import { strict as assert } from 'node:assert';
import fs, { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as sinon from 'sinon';
import { GATHER_BYTES, GATHER_PIECES, GatheringWriter, writeAllAt } from '../../tasks/common/download/fileWriter';

describe('fileWriter', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lcs-file-writer-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs `use` on a new file; returns what the file holds afterwards. */
  function withFile(name: string, use: (fd: number) => void): Buffer {
    const file = path.join(dir, name);
    const fd = openSync(file, 'w+');
    try {
      use(fd);
    } finally {
      closeSync(fd);
    }
    return readFileSync(file);
  }

  it('writeAllAt writes pieces back to back at their offset', () => {
    const text = withFile('at', (fd) => {
      writeAllAt(fd, [Buffer.from('wor'), Buffer.from('ld')], 6);
      writeAllAt(fd, [Buffer.from('hello ')], 0);
    });
    assert.equal(text.toString(), 'hello world');
  });

  it('writeAllAt carries on after a short write, inside a piece and at a piece boundary', () => {
    const real = fs.writevSync;
    // The kernel may write fewer bytes than asked: here at most 4 bytes per call.
    const stub = sinon.stub(fs, 'writevSync').callsFake((f: number, buffers: readonly NodeJS.ArrayBufferView[], position?: number) => {
      const first = Buffer.from(buffers[0]!.buffer, buffers[0]!.byteOffset, buffers[0]!.byteLength);
      return real(f, [first.subarray(0, 4)], position);
    });
    let text: Buffer;
    try {
      text = withFile('short', (fd) => writeAllAt(fd, [Buffer.from('abcdef'), Buffer.from('gh'), Buffer.from('ijklmnop')], 2));
    } finally {
      stub.restore();
    }
    assert.equal(text.toString('latin1'), '\0\0abcdefghijklmnop');
    assert.equal(stub.callCount, 5);
  });

  it('writeAllAt fails with EIO when nothing can be written', () => {
    const stub = sinon.stub(fs, 'writevSync').returns(0);
    try {
      assert.throws(
        () => writeAllAt(1, [Buffer.from('x')], 0),
        (e: NodeJS.ErrnoException) => e.code === 'EIO',
      );
    } finally {
      stub.restore();
    }
  });

  it('GatheringWriter: 16 KiB pieces are written 64 KiB at a time, in one pwritev each; the last piece writes the rest', () => {
    const piece = (n: number): Buffer => Buffer.alloc(16 * 1024, n);
    const spy = sinon.spy(fs, 'writevSync');
    const counts: number[] = [];
    let text: Buffer;
    try {
      text = withFile('gathered', (fd) => {
        const writer = new GatheringWriter(fd, 100);
        for (let i = 0; i < 5; i++) counts.push(writer.add(piece(i), false));
        counts.push(writer.add(Buffer.from('end'), true));
      });
    } finally {
      spy.restore();
    }
    assert.deepEqual(counts, [0, 0, 0, GATHER_BYTES, 0, 16 * 1024 + 3]);
    assert.equal(spy.callCount, 2);
    assert.equal(text.length, 100 + 5 * 16 * 1024 + 3);
    assert.ok(text.subarray(0, 100).equals(Buffer.alloc(100)));
    for (let i = 0; i < 5; i++) assert.ok(text.subarray(100 + i * 16384, 100 + (i + 1) * 16384).equals(piece(i)), `piece ${i}`);
    assert.equal(text.subarray(-3).toString(), 'end');
  });

  it('GatheringWriter: an answer in 1-byte pieces is written every GATHER_PIECES pieces, never held in a long list', () => {
    const counts: number[] = [];
    const text = withFile('tiny', (fd) => {
      const writer = new GatheringWriter(fd, 0);
      for (let i = 0; i < 3 * GATHER_PIECES; i++) counts.push(writer.add(Buffer.from([i & 0xff]), false));
    });
    assert.deepEqual(
      counts.filter((n) => n > 0),
      [GATHER_PIECES, GATHER_PIECES, GATHER_PIECES],
    );
    assert.ok(text.equals(Buffer.from(Array.from({ length: 3 * GATHER_PIECES }, (_, i) => i & 0xff))));
  });

  it('GatheringWriter: nothing gathered is written until enough is there (a failed attempt leaves it unwritten)', () => {
    const text = withFile('unwritten', (fd) => {
      const writer = new GatheringWriter(fd, 0);
      assert.equal(writer.add(Buffer.from('abc'), false), 0);
    });
    assert.equal(text.length, 0);
  });
});
