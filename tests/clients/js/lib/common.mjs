// Shared helpers for the JavaScript SDK suites: the server's address and
// credentials (from the environment the pytest driver sets), unique bucket
// names, test data, and checksums computed independently of the SDKs.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';

function required(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run this suite through tests/clients/js/test_js_sdks.py`);
  }
  return value;
}

export const ENDPOINT = required('SILO_ENDPOINT');
export const HOSTPORT = required('SILO_HOSTPORT');
export const ACCESS_KEY = required('SILO_ACCESS_KEY');
export const SECRET_KEY = required('SILO_SECRET_KEY');

export const MiB = 1024 * 1024;
// The sizes every upload path is tried with: empty, one byte, just under the
// minimum part size, and just over 16 MiB (several parts with 5 MiB parts).
export const SIZES = [0, 1, 5 * MiB - 1, 16 * MiB + 1];

let counter = 0;
export function uniqueBucket(prefix) {
  counter += 1;
  const rand = crypto.randomBytes(4).toString('hex');
  return `${prefix}-${process.pid}-${counter}-${rand}`.toLowerCase().slice(0, 63);
}

// Deterministic pseudo-random bytes (fast, different for each seed).
export function makeData(size, seed = 1) {
  const buf = Buffer.allocUnsafe(size);
  let x = (seed * 2654435761) >>> 0 || 1;
  let i = 0;
  for (; i + 4 <= size; i += 4) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    buf.writeUInt32LE(x, i);
  }
  for (; i < size; i++) buf[i] = (seed + i * 31) & 0xff;
  return buf;
}

// A stream of `buf` in irregular chunks, so nothing can learn its length
// up front (no .path, no .length, no byteLength).
export function chunkedStream(buf, chunk = 64 * 1024 + 7) {
  let off = 0;
  return new Readable({
    read() {
      if (off >= buf.length) { this.push(null); return; }
      const end = Math.min(buf.length, off + chunk);
      this.push(buf.subarray(off, end));
      off = end;
    },
  });
}

export async function streamToBuffer(stream) {
  const chunks = [];
  for await (const c of stream) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

export function md5hex(buf) {
  return crypto.createHash('md5').update(buf).digest('hex');
}

export function assertSameBytes(actual, expected, what = 'body') {
  assert.equal(actual.length, expected.length, `${what}: length`);
  assert.ok(actual.equals(expected), `${what}: bytes differ (md5 ${md5hex(actual)} != ${md5hex(expected)})`);
}

// ---- checksums ------------------------------------------------------------

const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

const CRC32_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function tableCrc(table, buf) {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = table[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function crc32(buf) {
  return typeof zlib.crc32 === 'function' ? zlib.crc32(buf) >>> 0 : tableCrc(CRC32_TABLE, buf);
}

export function crc32c(buf) {
  return tableCrc(CRC32C_TABLE, buf);
}

function u32(n) {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

// The raw digest of `buf` for an S3 checksum algorithm.
export function rawDigest(algorithm, buf) {
  switch (algorithm) {
    case 'CRC32': return u32(crc32(buf));
    case 'CRC32C': return u32(crc32c(buf));
    case 'SHA1': return crypto.createHash('sha1').update(buf).digest();
    case 'SHA256': return crypto.createHash('sha256').update(buf).digest();
    default: throw new Error(`unknown checksum algorithm ${algorithm}`);
  }
}

// The base64 value S3 sends in x-amz-checksum-<algorithm>.
export function checksumB64(algorithm, buf) {
  return rawDigest(algorithm, buf).toString('base64');
}

// A COMPOSITE multipart checksum: the checksum of the concatenated raw part
// checksums, base64, then "-<number of parts>".
export function compositeChecksum(algorithm, parts) {
  const joined = Buffer.concat(parts.map((p) => rawDigest(algorithm, p)));
  return `${checksumB64(algorithm, joined)}-${parts.length}`;
}

// The SDK's output field for an algorithm: ChecksumCRC32, ChecksumSHA256, ...
export function checksumField(algorithm) {
  return `Checksum${algorithm}`;
}

// Self-check of the table CRC32 against zlib and the CRC32C check value.
assert.equal(tableCrc(CRC32_TABLE, Buffer.from('123456789')), 0xcbf43926);
assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
