/**
 * Writes the download's pieces into the partial file at their offsets, synchronously, from the one
 * thread that decrypts them. Measured (perf, 1 GiB over loopback): copying 1 MiB batches assembled
 * from 16 KiB pieces into the page cache cost the kernel about 1.1 CPU-seconds per GiB, because by
 * the time a batch was written its pieces had left the CPU's cache. A connection's pieces are
 * therefore gathered only up to GATHER_BYTES (still in the cache) and written with one `pwritev`:
 * no copy in user space, and a quarter of the system calls and of ext4's per-write work of writing
 * each 16 KiB piece alone (scripts/bench-writes.mjs: 8 connections' 16 KiB pieces into one 1 GiB
 * file, 0.90 -> 0.57 CPU-s per GiB; page-aligned batches measured no better). A write into the
 * page cache takes microseconds; when the disk falls behind, the kernel slows the writer, which the
 * network would wait for anyway. One thread writes, so eight connections do not contend for the
 * file's lock.
 */
import { writevSync } from 'node:fs';

/** How many bytes of a connection's pieces are gathered before they are written. */
export const GATHER_BYTES = 64 * 1024;
/** And at most this many pieces: an answer in tiny pieces (1-byte TLS records or chunks) keeps no long list. */
export const GATHER_PIECES = 64;

/**
 * One connection's pieces on their way into the file from `position` on: gathered up to
 * GATHER_BYTES (or GATHER_PIECES pieces), then written together. Nothing is written behind the
 * caller's back: add() says how many bytes went to the file.
 */
export class GatheringWriter {
  private readonly pieces: Buffer[] = [];
  private bytes = 0;

  constructor(
    private readonly fd: number,
    private position: number,
  ) {}

  /** Adds a piece; writes what is gathered when there is enough or the piece is the `last`. Returns the bytes written now (0 while gathering). */
  add(piece: Buffer, last: boolean): number {
    this.pieces.push(piece);
    this.bytes += piece.length;
    if (!last && this.bytes < GATHER_BYTES && this.pieces.length < GATHER_PIECES) return 0;
    writeAllAt(this.fd, this.pieces, this.position);
    const written = this.bytes;
    this.position += written;
    this.pieces.length = 0;
    this.bytes = 0;
    return written;
  }
}

/** Writes all of `chunks`, back to back, at `position` of the open file `fd`; throws on failure (EIO on a short write). */
export function writeAllAt(fd: number, chunks: readonly Buffer[], position: number): void {
  let list = chunks;
  let at = position;
  while (list.length > 0) {
    const n = writevSync(fd, list as Buffer[], at);
    if (n <= 0) throw Object.assign(new Error('short write'), { code: 'EIO' });
    at += n;
    list = after(list, n);
  }
}

/** What is left of `list` once its first `n` bytes are written. */
function after(list: readonly Buffer[], n: number): readonly Buffer[] {
  let skip = n;
  for (const [i, chunk] of list.entries()) {
    if (skip < chunk.length) return [chunk.subarray(skip), ...list.slice(i + 1)];
    skip -= chunk.length;
  }
  return [];
}
