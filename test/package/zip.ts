// A minimal ZIP reader for inspecting the VSIX in tests: reads the central directory and
// inflates entries with zlib. Handles what tfx writes (stored or deflated entries, no ZIP64,
// no encryption) and refuses anything else loudly rather than misreading it.
import { inflateRawSync } from 'node:zlib';

export interface ZipEntry {
  /** Path inside the archive, '/'-separated, as stored (no leading slash). */
  name: string;
  compressedSize: number;
  size: number;
  /** Inflated content; the CRC-32 is checked on first read. */
  read(): Buffer;
}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;

let crcTable: Uint32Array | undefined;
export function crc32(buf: Buffer): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (const byte of buf) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function findEndOfCentralDirectory(zip: Buffer): number {
  // The EOCD record is 22 bytes plus a comment of at most 65535 bytes, at the very end.
  const earliest = Math.max(0, zip.length - 22 - 0xffff);
  for (let i = zip.length - 22; i >= earliest; i--) {
    if (zip.readUInt32LE(i) === EOCD_SIGNATURE) return i;
  }
  throw new Error('not a ZIP file: no end-of-central-directory record');
}

/** Parses the archive's central directory; entries are keyed by name. */
export function readZip(zip: Buffer): Map<string, ZipEntry> {
  const eocd = findEndOfCentralDirectory(zip);
  const count = zip.readUInt16LE(eocd + 10);
  const cdSize = zip.readUInt32LE(eocd + 12);
  const cdOffset = zip.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdOffset === 0xffffffff || cdSize === 0xffffffff) {
    throw new Error('ZIP64 archives are not supported');
  }
  if (cdOffset + cdSize > eocd) throw new Error('corrupt ZIP: central directory overlaps its end record');

  const entries = new Map<string, ZipEntry>();
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(p) !== CENTRAL_SIGNATURE) throw new Error(`corrupt ZIP: bad central directory entry #${i}`);
    const flags = zip.readUInt16LE(p + 8);
    const method = zip.readUInt16LE(p + 10);
    const crc = zip.readUInt32LE(p + 16);
    const compressedSize = zip.readUInt32LE(p + 20);
    const size = zip.readUInt32LE(p + 24);
    const nameLength = zip.readUInt16LE(p + 28);
    const extraLength = zip.readUInt16LE(p + 30);
    const commentLength = zip.readUInt16LE(p + 32);
    const localOffset = zip.readUInt32LE(p + 42);
    // Bit 11: the name is UTF-8; otherwise CP437, which equals ASCII for the names we expect.
    const name = zip.toString(flags & 0x800 ? 'utf8' : 'latin1', p + 46, p + 46 + nameLength);
    p += 46 + nameLength + extraLength + commentLength;

    if (flags & 0x1) throw new Error(`${name}: encrypted ZIP entries are not supported`);
    if (method !== 0 && method !== 8) throw new Error(`${name}: unsupported compression method ${method}`);
    if (entries.has(name)) throw new Error(`${name}: duplicate entry in the ZIP`);

    let cached: Buffer | undefined;
    entries.set(name, {
      name,
      compressedSize,
      size,
      read(): Buffer {
        if (cached) return cached;
        if (zip.readUInt32LE(localOffset) !== LOCAL_SIGNATURE) throw new Error(`${name}: bad local header`);
        // The local header's name/extra lengths may differ from the central directory's.
        const dataStart = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
        const raw = zip.subarray(dataStart, dataStart + compressedSize);
        const data = method === 0 ? Buffer.from(raw) : inflateRawSync(raw);
        if (data.length !== size) throw new Error(`${name}: inflated to ${data.length} bytes, expected ${size}`);
        if (crc32(data) !== crc) throw new Error(`${name}: CRC-32 mismatch`);
        cached = data;
        return data;
      },
    });
  }
  return entries;
}
