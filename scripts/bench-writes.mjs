#!/usr/bin/env node
// What writing a download into the page cache costs, by how the pieces are written:
// `node scripts/bench-writes.mjs [runs]`. No network, no task: eight "connections" each fill
// their own 8 MiB range of one 1 GiB file in ~16 KiB pieces (one TLS record; the first piece of a
// range a little shorter, as after an HTTP head), taking turns, as the download's one thread does.
//   each piece:  one pwrite per piece (the download until 1.1.0's range-client change)
//   gathered:    a connection's pieces gathered up to 64 KiB, one pwritev (fileWriter.ts)
//   aligned:     the same, each write ending on a 4 KiB page boundary (the rest carried)
// Prints the process's CPU (user + sys) per GiB, median of interleaved runs. The file is in the
// system's temp directory, removed after each run; `sync` before each run keeps one run's
// writeback out of the next.
import { execFileSync } from 'node:child_process';
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeSync, writevSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MiB = 1024 * 1024;
const SIZE = 1024 * MiB;
const RANGE = 8 * MiB;
const CONNECTIONS = 8;
const PIECE = 16 * 1024;
const GATHER = 64 * 1024;
const runs = Number(process.argv[2] ?? 5);
const dir = mkdtempSync(join(tmpdir(), 'bench-writes-'));
// Pieces are views of one 1 MiB buffer, so they are in the CPU's cache as freshly decrypted ones are.
const source = Buffer.alloc(MiB, 7);

function write(mode) {
  const file = join(dir, 'file');
  const fd = openSync(file, 'w+');
  ftruncateSync(fd, SIZE);
  let nextRange = 0;
  let sourceAt = 0;
  const piece = (length) => {
    if (sourceAt + length > source.length) sourceAt = 0;
    const view = source.subarray(sourceAt, sourceAt + length);
    sourceAt += length + 1;
    return view;
  };
  const start = (c) => Object.assign(c, { range: nextRange++, got: 0, position: 0, pending: [], pendingBytes: 0 });
  const connections = Array.from({ length: CONNECTIONS }, () => start({}));
  const flush = (c, last) => {
    const end = c.position + c.pendingBytes;
    const upTo = last || mode !== 'aligned' ? end : end - (end % 4096);
    if (upTo <= c.position) return;
    const now = [];
    const keep = [];
    let left = upTo - c.position;
    for (const p of c.pending) {
      if (left >= p.length) now.push(p);
      else if (left > 0) (now.push(p.subarray(0, left)), keep.push(p.subarray(left)));
      else keep.push(p);
      left -= Math.min(left, p.length);
    }
    writevSync(fd, now, c.position);
    c.position = upTo;
    c.pending = keep;
    c.pendingBytes = end - upTo;
  };
  const before = process.cpuUsage();
  for (let active = CONNECTIONS; active > 0;) {
    for (const c of connections) {
      if (c.range * RANGE >= SIZE) continue;
      if (c.got === 0) c.position = c.range * RANGE;
      const length = Math.min(c.got === 0 ? PIECE - 300 : PIECE, RANGE - c.got);
      const p = piece(length);
      c.got += length;
      if (mode === 'each piece') {
        writeSync(fd, p, 0, p.length, c.position);
        c.position += p.length;
      } else {
        c.pending.push(p);
        c.pendingBytes += p.length;
        if (c.pendingBytes >= GATHER || c.got === RANGE) flush(c, c.got === RANGE);
      }
      if (c.got === RANGE) {
        start(c);
        if (c.range * RANGE >= SIZE) active--;
      }
    }
  }
  const used = process.cpuUsage(before);
  closeSync(fd);
  rmSync(file);
  return (used.user + used.system) / 1e6;
}

const modes = ['each piece', 'gathered', 'aligned'];
const cpu = new Map(modes.map((m) => [m, []]));
for (let i = 0; i < runs; i++) {
  for (const mode of modes) {
    try {
      execFileSync('sync');
    } catch {
      // No `sync` (Windows): the runs are noisier.
    }
    cpu.get(mode).push(write(mode));
  }
}
rmSync(dir, { recursive: true, force: true });
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
console.log(`1 GiB in 16 KiB pieces from ${CONNECTIONS} connections into one file, ${runs} interleaved runs: CPU-s per GiB (user + sys), median`);
for (const mode of modes)
  console.log(
    `  ${mode.padEnd(12)} ${median(cpu.get(mode)).toFixed(2)}   (${cpu
      .get(mode)
      .map((s) => s.toFixed(2))
      .join(', ')})`,
  );
