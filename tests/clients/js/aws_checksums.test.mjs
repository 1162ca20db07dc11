// Flexible checksums with the AWS SDK for JavaScript v3: the default CRC32
// (requestChecksumCalculation WHEN_SUPPORTED), aws-chunked uploads with
// trailing checksums, explicit CRC32 / CRC32C / SHA1 / SHA256 on PutObject and
// multipart uploads, and ChecksumMode ENABLED on HeadObject / GetObject.
// Expected values are computed here (node:zlib, node:crypto, a table CRC32C),
// not taken from the SDK.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import {
  CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand,
  GetObjectCommand, HeadObjectCommand, ListPartsCommand, PutObjectCommand, UploadPartCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';

import {
  MiB, assertSameBytes, checksumB64, checksumField, chunkedStream, compositeChecksum, makeData,
  uniqueBucket,
} from './lib/common.mjs';
import { destroyBucket, lastRequest, makeClient, send, sendExpectingError } from './lib/aws.mjs';

const ALGORITHMS = ['CRC32', 'CRC32C', 'SHA1', 'SHA256'];
const s3 = makeClient();
const bucket = uniqueBucket('js-sums');

function header(entry, name) {
  for (const [k, v] of Object.entries(entry?.headers ?? {})) if (k.toLowerCase() === name) return v;
  return undefined;
}

async function headWithChecksum(key, extra = {}) {
  return send(s3, new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED', ...extra }));
}

async function getWithChecksum(key, extra = {}) {
  const out = await send(s3, new GetObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED', ...extra }));
  return { out, body: Buffer.from(await out.Body.transformToByteArray()) };
}

before(async () => {
  await send(s3, new CreateBucketCommand({ Bucket: bucket }));
});

after(async () => {
  await destroyBucket(s3, bucket);
  s3.destroy();
});

describe('aws-sdk v3: default checksums (WHEN_SUPPORTED)', () => {
  it('PutObject from a Buffer sends and stores a CRC32', async () => {
    const data = makeData(300 * 1024 + 5, 21);
    const expected = checksumB64('CRC32', data);
    const put = await send(s3, new PutObjectCommand({ Bucket: bucket, Key: 'default/buffer', Body: data }));
    const req = lastRequest(s3, 'PutObjectCommand');
    assert.equal(header(req, 'x-amz-checksum-crc32'), expected, 'the SDK sent x-amz-checksum-crc32');
    assert.equal(put.ChecksumCRC32, expected);

    const head = await headWithChecksum('default/buffer');
    assert.equal(head.ChecksumCRC32, expected);
    assert.equal(head.ChecksumType, 'FULL_OBJECT');
    const { out, body } = await getWithChecksum('default/buffer');
    assert.equal(out.ChecksumCRC32, expected);
    assertSameBytes(body, data);
  });

  it('PutObject from a stream goes aws-chunked with a trailing CRC32', async () => {
    const data = makeData(3 * MiB + 333, 22);
    const expected = checksumB64('CRC32', data);
    const put = await send(s3, new PutObjectCommand({
      Bucket: bucket, Key: 'default/stream', Body: chunkedStream(data), ContentLength: data.length,
      ContentType: 'application/x-chunked',
    }));
    const req = lastRequest(s3, 'PutObjectCommand');
    assert.match(String(header(req, 'content-encoding')), /aws-chunked/);
    assert.equal(header(req, 'x-amz-trailer'), 'x-amz-checksum-crc32');
    assert.equal(header(req, 'x-amz-decoded-content-length'), String(data.length));
    assert.match(String(header(req, 'x-amz-content-sha256')), /^STREAMING-(UNSIGNED-PAYLOAD|AWS4-HMAC-SHA256-PAYLOAD)-TRAILER$/);
    assert.equal(put.ChecksumCRC32, expected);

    const head = await headWithChecksum('default/stream');
    assert.equal(head.ContentLength, data.length);
    assert.equal(head.ChecksumCRC32, expected);
    assert.equal(head.ContentType, 'application/x-chunked');
    assert.ok(!String(head.ContentEncoding ?? '').includes('aws-chunked'),
      `aws-chunked must not be stored as the object's Content-Encoding (got ${head.ContentEncoding})`);
    const { out, body } = await getWithChecksum('default/stream');
    assert.equal(out.ChecksumCRC32, expected);
    assertSameBytes(body, data);
  });

  it('aws-chunked PutObject keeps a user Content-Encoding', async () => {
    const data = makeData(10 * 1024, 23);
    await send(s3, new PutObjectCommand({
      Bucket: bucket, Key: 'default/stream-gzip', Body: chunkedStream(data, 1000), ContentLength: data.length,
      ContentEncoding: 'gzip',
    }));
    assert.match(String(header(lastRequest(s3, 'PutObjectCommand'), 'content-encoding')), /aws-chunked/);
    const head = await headWithChecksum('default/stream-gzip');
    assert.equal(head.ContentEncoding, 'gzip');
    assert.equal(head.ContentLength, data.length);
  });

  it('lib-storage Upload goes multipart with CRC32 part checksums', async () => {
    const data = makeData(11 * MiB + 7, 24);
    const parts = [data.subarray(0, 5 * MiB), data.subarray(5 * MiB, 10 * MiB), data.subarray(10 * MiB)];
    const res = await new Upload({
      client: s3, params: { Bucket: bucket, Key: 'default/upload', Body: chunkedStream(data) }, partSize: 5 * MiB,
    }).done();
    const create = lastRequest(s3, 'CreateMultipartUploadCommand');
    assert.equal(header(create, 'x-amz-checksum-algorithm'), 'CRC32');
    const composite = compositeChecksum('CRC32', parts);
    assert.equal(res.ChecksumCRC32, composite);
    const head = await headWithChecksum('default/upload');
    assert.equal(head.ChecksumCRC32, composite);
    assert.equal(head.ChecksumType, 'COMPOSITE');
    const { body } = await getWithChecksum('default/upload');
    assertSameBytes(body, data);
  });

  it('rejects a PutObject whose CRC32 does not match (BadDigest)', async () => {
    const data = makeData(1000, 25);
    const wrong = checksumB64('CRC32', Buffer.from('something else'));
    const err = await sendExpectingError(s3, new PutObjectCommand({
      Bucket: bucket, Key: 'default/bad', Body: data, ChecksumCRC32: wrong,
    }));
    assert.equal(err.$metadata.httpStatusCode, 400);
    assert.equal(err.name, 'BadDigest');
    const missing = await sendExpectingError(s3, new HeadObjectCommand({ Bucket: bucket, Key: 'default/bad' }));
    assert.equal(missing.$metadata.httpStatusCode, 404);
  });
});

describe('aws-sdk v3: explicit ChecksumAlgorithm on PutObject', () => {
  for (const algorithm of ALGORITHMS) {
    const field = checksumField(algorithm);

    it(`${algorithm} from a Buffer`, async () => {
      const data = makeData(123457, algorithm.length + 30);
      const expected = checksumB64(algorithm, data);
      const key = `explicit/${algorithm}-buffer`;
      const put = await send(s3, new PutObjectCommand({ Bucket: bucket, Key: key, Body: data, ChecksumAlgorithm: algorithm }));
      const req = lastRequest(s3, 'PutObjectCommand');
      assert.equal(header(req, `x-amz-checksum-${algorithm.toLowerCase()}`), expected);
      assert.equal(put[field], expected);
      const head = await headWithChecksum(key);
      assert.equal(head[field], expected, `HeadObject ${field}`);
      assert.equal(head.ChecksumType, 'FULL_OBJECT');
      for (const other of ALGORITHMS.filter((a) => a !== algorithm)) {
        assert.equal(head[checksumField(other)], undefined, `HeadObject must not return ${other}`);
      }
      const { out, body } = await getWithChecksum(key);
      assert.equal(out[field], expected, `GetObject ${field}`);
      assertSameBytes(body, data);
      // Without ChecksumMode the checksum is not returned.
      const plain = await send(s3, new HeadObjectCommand({ Bucket: bucket, Key: key }));
      assert.equal(plain[field], undefined);
    });

    it(`${algorithm} from a stream (aws-chunked trailer)`, async () => {
      const data = makeData(2 * MiB + 99, algorithm.length + 40);
      const expected = checksumB64(algorithm, data);
      const key = `explicit/${algorithm}-stream`;
      const put = await send(s3, new PutObjectCommand({
        Bucket: bucket, Key: key, Body: chunkedStream(data), ContentLength: data.length, ChecksumAlgorithm: algorithm,
      }));
      const req = lastRequest(s3, 'PutObjectCommand');
      assert.equal(header(req, 'x-amz-trailer'), `x-amz-checksum-${algorithm.toLowerCase()}`);
      assert.equal(put[field], expected);
      const head = await headWithChecksum(key);
      assert.equal(head[field], expected);
      const { out, body } = await getWithChecksum(key);
      assert.equal(out[field], expected);
      assertSameBytes(body, data);
    });

    it(`${algorithm}: a wrong value is refused with BadDigest`, async () => {
      const err = await sendExpectingError(s3, new PutObjectCommand({
        Bucket: bucket, Key: `explicit/${algorithm}-bad`, Body: Buffer.from('payload'),
        [field]: checksumB64(algorithm, Buffer.from('not the payload')),
      }));
      assert.equal(err.$metadata.httpStatusCode, 400);
      assert.equal(err.name, 'BadDigest');
    });
  }
});

describe('aws-sdk v3: multipart uploads with checksums', () => {
  const partSizes = [5 * MiB, 5 * MiB, 1234];

  for (const algorithm of ALGORITHMS) {
    const field = checksumField(algorithm);

    it(`${algorithm} COMPOSITE: CreateMultipartUpload, UploadPart, CompleteMultipartUpload`, async () => {
      const key = `mpu/${algorithm}-composite`;
      let off = 0;
      const data = makeData(partSizes.reduce((a, b) => a + b), algorithm.length + 50);
      const parts = partSizes.map((n) => { const p = data.subarray(off, off + n); off += n; return p; });

      const create = await send(s3, new CreateMultipartUploadCommand({
        Bucket: bucket, Key: key, ChecksumAlgorithm: algorithm, ContentType: 'application/x-mpu',
      }));
      assert.equal(create.ChecksumAlgorithm, algorithm);
      if (create.ChecksumType !== undefined) assert.equal(create.ChecksumType, 'COMPOSITE');
      const { UploadId } = create;

      const completed = [];
      for (let i = 0; i < parts.length; i++) {
        const out = await send(s3, new UploadPartCommand({
          Bucket: bucket, Key: key, UploadId, PartNumber: i + 1, Body: parts[i], ChecksumAlgorithm: algorithm,
        }));
        assert.equal(header(lastRequest(s3, 'UploadPartCommand'), `x-amz-checksum-${algorithm.toLowerCase()}`),
          checksumB64(algorithm, parts[i]));
        assert.equal(out[field], checksumB64(algorithm, parts[i]), `UploadPart ${i + 1} ${field}`);
        completed.push({ PartNumber: i + 1, ETag: out.ETag, [field]: out[field] });
      }

      const listed = await send(s3, new ListPartsCommand({ Bucket: bucket, Key: key, UploadId }));
      assert.equal(listed.ChecksumAlgorithm, algorithm);
      assert.deepEqual(listed.Parts.map((p) => p[field]), parts.map((p) => checksumB64(algorithm, p)));

      const done = await send(s3, new CompleteMultipartUploadCommand({
        Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: completed },
      }));
      const composite = compositeChecksum(algorithm, parts);
      assert.equal(done[field], composite, `CompleteMultipartUpload ${field}`);
      if (done.ChecksumType !== undefined) assert.equal(done.ChecksumType, 'COMPOSITE');

      const head = await headWithChecksum(key);
      assert.equal(head[field], composite, `HeadObject ${field}`);
      assert.equal(head.ChecksumType, 'COMPOSITE');
      assert.equal(head.ContentLength, data.length);
      assert.match(head.ETag, /-3"$/);

      const { out, body } = await getWithChecksum(key);
      assert.equal(out[field], composite, `GetObject ${field}`);
      assertSameBytes(body, data);

    });

    it(`${algorithm} COMPOSITE: HeadObject / GetObject PartNumber return that part's checksum`, async () => {
      const key = `mpu/${algorithm}-composite`;
      const data = makeData(partSizes.reduce((a, b) => a + b), algorithm.length + 50);
      const part2 = data.subarray(partSizes[0], partSizes[0] + partSizes[1]);
      const head = await headWithChecksum(key, { PartNumber: 2 });
      assert.equal(head.PartsCount, 3);
      assert.equal(head.ContentLength, part2.length);
      const { out, body } = await getWithChecksum(key, { PartNumber: 2 });
      assert.equal(out.ContentRange, `bytes ${partSizes[0]}-${partSizes[0] + partSizes[1] - 1}/${data.length}`);
      assertSameBytes(body, part2);
      const headWire = s3.wire.findLast((e) => e.command === 'HeadObjectCommand');
      const getWire = s3.wire.findLast((e) => e.command === 'GetObjectCommand');
      assert.equal(head[field], checksumB64(algorithm, part2),
        `HeadObject PartNumber 2 ChecksumMode ENABLED: no ${field}; response headers ${JSON.stringify(headWire.responseHeaders)}`);
      assert.equal(out[field], checksumB64(algorithm, part2),
        `GetObject PartNumber 2 ChecksumMode ENABLED: no ${field}; response headers ${JSON.stringify(getWire.responseHeaders)}`);
    });

    it(`${algorithm}: UploadPart with a wrong checksum is refused`, async () => {
      const key = `mpu/${algorithm}-badpart`;
      const { UploadId } = await send(s3, new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ChecksumAlgorithm: algorithm }));
      const err = await sendExpectingError(s3, new UploadPartCommand({
        Bucket: bucket, Key: key, UploadId, PartNumber: 1, Body: makeData(1000, 3),
        [field]: checksumB64(algorithm, makeData(1000, 4)),
      }));
      assert.equal(err.$metadata.httpStatusCode, 400);
      assert.equal(err.name, 'BadDigest');
    });
  }

  for (const algorithm of ['CRC32', 'CRC32C']) {
    const field = checksumField(algorithm);

    it(`${algorithm} FULL_OBJECT: the whole-object checksum on CompleteMultipartUpload`, async () => {
      const key = `mpu/${algorithm}-full`;
      const data = makeData(10 * MiB + 4321, algorithm.length + 60);
      const parts = [data.subarray(0, 5 * MiB), data.subarray(5 * MiB, 10 * MiB), data.subarray(10 * MiB)];
      const whole = checksumB64(algorithm, data);

      const create = await send(s3, new CreateMultipartUploadCommand({
        Bucket: bucket, Key: key, ChecksumAlgorithm: algorithm, ChecksumType: 'FULL_OBJECT',
      }));
      assert.equal(create.ChecksumAlgorithm, algorithm);
      assert.equal(create.ChecksumType, 'FULL_OBJECT');
      const { UploadId } = create;
      const completed = [];
      for (let i = 0; i < parts.length; i++) {
        const out = await send(s3, new UploadPartCommand({
          Bucket: bucket, Key: key, UploadId, PartNumber: i + 1, Body: parts[i], ChecksumAlgorithm: algorithm,
        }));
        assert.equal(out[field], checksumB64(algorithm, parts[i]));
        completed.push({ PartNumber: i + 1, ETag: out.ETag, [field]: out[field] });
      }

      // A wrong whole-object checksum fails the completion (and keeps the upload).
      const bad = await sendExpectingError(s3, new CompleteMultipartUploadCommand({
        Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: completed },
        ChecksumType: 'FULL_OBJECT', [field]: checksumB64(algorithm, Buffer.from('wrong')),
      }));
      assert.equal(bad.$metadata.httpStatusCode, 400);

      const done = await send(s3, new CompleteMultipartUploadCommand({
        Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: completed },
        ChecksumType: 'FULL_OBJECT', [field]: whole,
      }));
      const req = lastRequest(s3, 'CompleteMultipartUploadCommand');
      assert.equal(header(req, `x-amz-checksum-${algorithm.toLowerCase()}`), whole);
      assert.equal(done[field], whole);
      assert.equal(done.ChecksumType, 'FULL_OBJECT');

      const head = await headWithChecksum(key);
      assert.equal(head[field], whole);
      assert.equal(head.ChecksumType, 'FULL_OBJECT');
      const { out, body } = await getWithChecksum(key);
      assert.equal(out[field], whole);
      assertSameBytes(body, data);
    });

    it(`${algorithm} FULL_OBJECT: CompleteMultipartUpload without the header`, async () => {
      const key = `mpu/${algorithm}-full-noheader`;
      const data = makeData(5 * MiB + 17, algorithm.length + 70);
      const parts = [data.subarray(0, 5 * MiB), data.subarray(5 * MiB)];
      const { UploadId } = await send(s3, new CreateMultipartUploadCommand({
        Bucket: bucket, Key: key, ChecksumAlgorithm: algorithm, ChecksumType: 'FULL_OBJECT',
      }));
      const completed = [];
      for (let i = 0; i < parts.length; i++) {
        const out = await send(s3, new UploadPartCommand({
          Bucket: bucket, Key: key, UploadId, PartNumber: i + 1, Body: parts[i], ChecksumAlgorithm: algorithm,
        }));
        completed.push({ PartNumber: i + 1, ETag: out.ETag, [field]: out[field] });
      }
      const done = await send(s3, new CompleteMultipartUploadCommand({
        Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: completed },
      }));
      assert.equal(done[field], checksumB64(algorithm, data));
      const head = await headWithChecksum(key);
      assert.equal(head[field], checksumB64(algorithm, data));
      assert.equal(head.ChecksumType, 'FULL_OBJECT');
    });
  }
});
