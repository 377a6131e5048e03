/**
 * How a blob is cut into ranges, and which of its bytes are on disk: the ranges that are
 * complete, and how far each range in flight has got. Pure: no I/O.
 */

export const MiB = 1024 * 1024;
/** Large files use 8 MiB ranges, as AzCopy does: big enough to amortise a request, small enough to retry cheaply. */
export const MAX_RANGE_BYTES = 8 * MiB;
/** Small files are still cut so that every connection gets work, down to this size. */
export const MIN_RANGE_BYTES = 256 * 1024;
const RANGE_ALIGN = 64 * 1024;
/** Ranges per connection that small files aim for, so one slow range does not hold up the end. */
const RANGES_PER_CONNECTION = 4;

export interface RangePlan {
  size: number;
  rangeSize: number;
  count: number;
}

export interface ByteRange {
  index: number;
  /** First byte. */
  start: number;
  /** One past the last byte. */
  end: number;
}

/**
 * The range size for a blob: 8 MiB for large blobs; smaller for small blobs, so that each of the
 * connections still gets a few ranges (never below 256 KiB, always a multiple of 64 KiB).
 */
export function chooseRangeSize(size: number, connections: number): number {
  const perRange = Math.ceil(size / (Math.max(1, connections) * RANGES_PER_CONNECTION));
  const aligned = Math.ceil(perRange / RANGE_ALIGN) * RANGE_ALIGN;
  return Math.min(MAX_RANGE_BYTES, Math.max(MIN_RANGE_BYTES, aligned));
}

export function planRanges(size: number, rangeSize: number): RangePlan {
  if (!Number.isSafeInteger(size) || size < 0 || !Number.isSafeInteger(rangeSize) || rangeSize <= 0) {
    throw new RangeError(`invalid range plan: size ${size}, range size ${rangeSize}`);
  }
  return { size, rangeSize, count: Math.ceil(size / rangeSize) };
}

export function rangeAt(plan: RangePlan, index: number): ByteRange {
  const start = index * plan.rangeSize;
  return { index, start, end: Math.min(plan.size, start + plan.rangeSize) };
}

/** The `bytes=a-b` value (inclusive) of the part of a range that is still missing. */
export function rangeHeader(from: number, end: number): string {
  return `bytes=${from}-${end - 1}`;
}

/**
 * Which bytes of the file are written: complete ranges, and the prefix of each range in flight
 * (a range is written front to back, and a retry continues where the last attempt stopped).
 */
export class RangeProgress {
  private readonly done: Uint8Array;
  private readonly written = new Map<number, number>();
  private readonly taken = new Set<number>();
  private next = 0;
  private lowest = 0;
  private doneBytes = 0;

  constructor(
    readonly plan: RangePlan,
    doneIndices: Iterable<number> = [],
  ) {
    this.done = new Uint8Array(plan.count);
    for (const index of doneIndices) {
      if (index >= 0 && index < plan.count && !this.done[index]) {
        this.done[index] = 1;
        this.doneBytes += rangeAt(plan, index).end - rangeAt(plan, index).start;
      }
    }
  }

  /** The next range nobody has taken yet and that is not complete, or undefined. */
  take(): ByteRange | undefined {
    while (this.next < this.plan.count && (this.done[this.next] || this.taken.has(this.next))) {
      this.next++;
    }
    if (this.next >= this.plan.count) {
      return undefined;
    }
    this.taken.add(this.next);
    return rangeAt(this.plan, this.next++);
  }

  /** Bytes of a range in flight already on disk. */
  writtenIn(index: number): number {
    return this.written.get(index) ?? 0;
  }

  /** Forgets what a range in flight has written (it is fetched again from its start). */
  resetWritten(index: number): void {
    this.written.delete(index);
  }

  addWritten(index: number, bytes: number): void {
    this.written.set(index, this.writtenIn(index) + bytes);
  }

  complete(index: number): void {
    if (!this.done[index]) {
      this.done[index] = 1;
      const r = rangeAt(this.plan, index);
      this.doneBytes += r.end - r.start;
    }
    this.written.delete(index);
    this.taken.delete(index);
  }

  isComplete(index: number): boolean {
    return this.done[index] === 1;
  }

  /** Every byte written. */
  get allDone(): boolean {
    return this.doneBytes === this.plan.size;
  }

  /** Bytes on disk: complete ranges plus the written prefixes of ranges in flight. */
  bytesOnDisk(): number {
    let inFlight = 0;
    for (const bytes of this.written.values()) inFlight += bytes;
    return this.doneBytes + inFlight;
  }

  /** Bytes in complete ranges (what a resume record can vouch for). */
  get completeBytes(): number {
    return this.doneBytes;
  }

  /** How many bytes from the start of the file are written without a gap. */
  contiguousPrefix(): number {
    while (this.lowest < this.plan.count && this.done[this.lowest]) {
      this.lowest++;
    }
    if (this.lowest >= this.plan.count) {
      return this.plan.size;
    }
    return rangeAt(this.plan, this.lowest).start + this.writtenIn(this.lowest);
  }

  /** Indices of complete ranges. */
  completeIndices(): number[] {
    const out: number[] = [];
    this.done.forEach((d, i) => d && out.push(i));
    return out;
  }
}
