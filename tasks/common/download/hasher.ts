/**
 * The MD5 of a file being written out of order, computed in order while the bytes arrive, with
 * no second pass over the network or the disk: a worker thread reads back each part of the file
 * as soon as everything before it is written (from the page cache, just written) and hashes it.
 * The worker keeps the hashing off the thread that decrypts and writes the download, so on an
 * agent with two or more cores MD5 costs (almost) no throughput. Memory: one 1 MiB read buffer.
 */
import { Worker } from 'node:worker_threads';

// Plain CommonJS, run with `eval`, so the bundle needs no second file.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const crypto = require('node:crypto');
const fd = fs.openSync(workerData.path, 'r');
const hash = crypto.createHash('md5');
const buffer = Buffer.allocUnsafe(1024 * 1024);
let hashed = 0, upTo = 0, finishAt = -1;
parentPort.on('message', (m) => {
  try {
    if (m.upTo > upTo) upTo = m.upTo;
    if (m.finish !== undefined) finishAt = m.finish;
    while (hashed < upTo) {
      const n = fs.readSync(fd, buffer, 0, Math.min(buffer.length, upTo - hashed), hashed);
      if (n <= 0) throw new Error('short read at byte ' + hashed);
      hash.update(buffer.subarray(0, n));
      hashed += n;
    }
    if (finishAt >= 0 && hashed >= finishAt) {
      fs.closeSync(fd);
      parentPort.postMessage({ digest: hash.digest('base64') });
    }
  } catch (e) {
    parentPort.postMessage({ error: String((e && e.message) || e) });
  }
});
`;

type Answer = { digest: string } | { error: string };

/** How far the contiguous prefix grows between two messages to the worker while bytes arrive. */
const READ_STEP = 1024 * 1024;

export class InOrderMd5 {
  private readonly worker: Worker;
  private sent = 0;
  private readonly answer: Promise<Answer>;

  constructor(
    file: string,
    /** How many bytes from the start of the file are written without a gap. */
    private readonly writtenPrefix: () => number,
  ) {
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path: file } });
    this.answer = new Promise<Answer>((resolve) => {
      this.worker.once('message', resolve);
      this.worker.once('error', (error) => resolve({ error: error.message }));
      this.worker.once('exit', () => resolve({ error: 'the hashing thread ended early' }));
    });
    // The answer is awaited in digest(); a failure before that must not count as unhandled.
    this.answer.catch(() => undefined);
  }

  /**
   * Tell the hasher that bytes were written: it hears of the contiguous prefix once it has grown
   * by READ_STEP (a message and a read per 16 KiB piece would cost more than the reading saves).
   */
  written(): void {
    if (this.writtenPrefix() - this.sent >= READ_STEP) this.poke();
  }

  poke(): void {
    const prefix = this.writtenPrefix();
    if (prefix > this.sent) {
      this.sent = prefix;
      this.worker.postMessage({ upTo: prefix });
    }
  }

  /** The MD5 (base64) once all `size` bytes are written. */
  async digest(size: number): Promise<string> {
    this.poke();
    if (this.sent < size) {
      await this.close();
      throw new Error(`the file has a gap at byte ${this.sent}`);
    }
    this.worker.postMessage({ finish: size });
    const answer = await this.answer;
    await this.close();
    if ('error' in answer) throw new Error(`MD5: ${answer.error}`);
    return answer.digest;
  }

  /** Stops the hashing thread (after digest, or when the download fails). */
  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
