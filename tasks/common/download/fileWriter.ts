/**
 * Writes the download's pieces into the partial file at their offsets, synchronously, each as
 * soon as it arrives. Measured (perf, 1 GiB over loopback): copying 1 MiB batches assembled from
 * 16 KiB pieces into the page cache cost the kernel about 1.1 CPU-seconds per GiB, because by the
 * time a batch was written its pieces had left the CPU's cache; a piece written as it arrives is
 * copied from the cache, at about a fifth of that. A write into the page cache takes microseconds;
 * when the disk falls behind, the kernel slows the writer, which the network would wait for anyway.
 * One thread writes, so eight connections no longer contend for the file's lock in the kernel.
 */
import { writeSync } from 'node:fs';

/** Writes all of `chunk` at `position` of the open file `fd`; throws on failure (EIO on a short write). */
export function writeAt(fd: number, chunk: Buffer, position: number): void {
  for (let done = 0; done < chunk.length;) {
    const n = writeSync(fd, chunk, done, chunk.length - done, position + done);
    if (n <= 0) throw Object.assign(new Error('short write'), { code: 'EIO' });
    done += n;
  }
}
