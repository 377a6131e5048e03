/**
 * The MD5 of a file being written out of order, computed in order while the bytes arrive, with
 * no second pass: bytes written at the front of the contiguous part are hashed straight from
 * the buffer they arrived in; bytes that arrived ahead of a gap are read back from the file (from
 * the page cache, just written) once the gap closes. Memory: one 1 MiB read buffer, whatever the
 * number of connections or the size of the file.
 */
import { createHash, type Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';

const READ_BYTES = 1024 * 1024;

export class InOrderMd5 {
  private readonly hash: Hash = createHash('md5');
  private hashed = 0;
  private catchingUp?: Promise<void>;
  private readonly buffer = Buffer.allocUnsafe(READ_BYTES);
  private failure?: unknown;

  constructor(
    private readonly file: FileHandle,
    /** How many bytes from the start of the file are written without a gap. */
    private readonly writtenPrefix: () => number,
  ) {}

  /** Bytes hashed so far. */
  get position(): number {
    return this.hashed;
  }

  /** Tell the hasher that `chunks` were just written at `offset`. */
  written(chunks: Buffer[], offset: number): void {
    if (!this.catchingUp && offset === this.hashed) {
      for (const chunk of chunks) this.hash.update(chunk);
      this.hashed += chunks.reduce((n, c) => n + c.length, 0);
      return;
    }
    this.poke();
  }

  /** Hash whatever has become contiguous, reading it back from the file. */
  poke(): void {
    if (this.catchingUp || this.hashed >= this.writtenPrefix()) return;
    this.catchingUp = this.catchUp().finally(() => {
      this.catchingUp = undefined;
    });
  }

  private async catchUp(): Promise<void> {
    try {
      for (let end = this.writtenPrefix(); this.hashed < end; end = this.writtenPrefix()) {
        const length = Math.min(READ_BYTES, end - this.hashed);
        const { bytesRead } = await this.file.read(this.buffer, 0, length, this.hashed);
        if (bytesRead <= 0) throw new Error(`short read at ${this.hashed}`);
        this.hash.update(this.buffer.subarray(0, bytesRead));
        this.hashed += bytesRead;
      }
    } catch (error) {
      this.failure ??= error;
    }
  }

  /** The MD5 (base64) once all `size` bytes are written. */
  async digest(size: number): Promise<string> {
    for (;;) {
      if (this.catchingUp) await this.catchingUp;
      if (this.failure) throw this.failure;
      if (this.hashed >= size) break;
      this.poke();
      if (!this.catchingUp) throw new Error(`the file has a gap at byte ${this.hashed}`);
    }
    return this.hash.digest('base64');
  }
}
