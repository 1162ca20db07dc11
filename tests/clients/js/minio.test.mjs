// Silo against minio-js (the MinIO JavaScript SDK).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import * as Minio from 'minio';

import {
  ACCESS_KEY, HOSTPORT, MiB, SECRET_KEY, SIZES, assertSameBytes, chunkedStream, makeData, md5hex,
  streamToBuffer, uniqueBucket,
} from './lib/common.mjs';

const [host, port] = HOSTPORT.split(':');
const mc = new Minio.Client({
  endPoint: host,
  port: Number(port),
  useSSL: false,
  accessKey: ACCESS_KEY,
  secretKey: SECRET_KEY,
  pathStyle: true,
  partSize: 5 * MiB, // streams of unknown size go multipart in 5 MiB parts
});
const bucket = uniqueBucket('js-minio');

async function listAll(prefix = '') {
  const names = [];
  for await (const o of mc.listObjectsV2(bucket, prefix, true)) names.push(o.name);
  return names;
}

async function getBuffer(name) {
  return streamToBuffer(await mc.getObject(bucket, name));
}

before(async () => {
  await mc.makeBucket(bucket);
  assert.equal(await mc.bucketExists(bucket), true);
});

after(async () => {
  const names = await listAll();
  if (names.length) await mc.removeObjects(bucket, names);
  await mc.removeBucket(bucket);
  assert.equal(await mc.bucketExists(bucket), false);
});

describe('minio-js: objects', () => {
  it('round-trips user metadata and content headers', async () => {
    const data = Buffer.from('hello, silo from minio-js\n');
    const res = await mc.putObject(bucket, 'meta/obj.txt', data, data.length, {
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Disposition': 'attachment; filename="obj.txt"',
      'Content-Language': 'de-DE',
      'Cache-Control': 'no-store',
      'X-Amz-Meta-Color': 'green',
      project: 'silo',
    });
    assert.equal(res.etag, md5hex(data));
    const stat = await mc.statObject(bucket, 'meta/obj.txt');
    assert.equal(stat.size, data.length);
    assert.equal(stat.etag, md5hex(data));
    assert.ok(stat.lastModified instanceof Date);
    assert.equal(stat.metaData['content-type'], 'text/plain; charset=utf-8');
    assert.equal(stat.metaData['content-disposition'], 'attachment; filename="obj.txt"');
    assert.equal(stat.metaData['content-language'], 'de-DE');
    assert.equal(stat.metaData['cache-control'], 'no-store');
    assert.equal(stat.metaData.color, 'green');
    assert.equal(stat.metaData.project, 'silo');
    assertSameBytes(await getBuffer('meta/obj.txt'), data);
  });

  it('statObject of a missing object fails with NotFound', async () => {
    await assert.rejects(mc.statObject(bucket, 'no/such/object'), (err) => {
      assert.equal(err.code, 'NotFound');
      return true;
    });
    await assert.rejects(mc.getObject(bucket, 'no/such/object'), (err) => {
      assert.equal(err.code, 'NoSuchKey');
      return true;
    });
  });

  for (const size of SIZES) {
    it(`putObject of ${size} B from a Buffer`, async () => {
      const data = makeData(size, size + 101);
      const res = await mc.putObject(bucket, `sizes/buffer-${size}`, data);
      // With partSize set, minio-js sends a Buffer over 5 MiB as a multipart upload.
      if (size <= 5 * MiB) assert.equal(res.etag, md5hex(data));
      else assert.match(res.etag, /^[0-9a-f]{32}-\d+$/);
      assert.equal((await mc.statObject(bucket, `sizes/buffer-${size}`)).size, size);
      assertSameBytes(await getBuffer(`sizes/buffer-${size}`), data);
    });

    it(`putObject of ${size} B from a stream of known size`, async () => {
      const data = makeData(size, size + 102);
      await mc.putObject(bucket, `sizes/stream-known-${size}`, chunkedStream(data), size, { 'Content-Type': 'application/x-known' });
      const stat = await mc.statObject(bucket, `sizes/stream-known-${size}`);
      assert.equal(stat.size, size);
      assert.equal(stat.metaData['content-type'], 'application/x-known');
      assertSameBytes(await getBuffer(`sizes/stream-known-${size}`), data);
    });

    // minio-js turns a stream of unknown size into a multipart upload; an
    // empty one would complete with no parts (S3 refuses that), so 0 B is
    // covered by the known-size cases only.
    if (size > 0) {
      it(`putObject of ${size} B from a stream of unknown size (multipart)`, async () => {
        const data = makeData(size, size + 103);
        const name = `sizes/stream-unknown-${size}`;
        const res = await mc.putObject(bucket, name, chunkedStream(data), undefined, { 'X-Amz-Meta-Size': String(size) });
        const parts = Math.ceil(size / (5 * MiB));
        assert.match(res.etag, new RegExp(`^[0-9a-f]{32}-${parts}$`), `etag of a ${parts}-part upload`);
        const stat = await mc.statObject(bucket, name);
        assert.equal(stat.size, size);
        assert.equal(stat.metaData.size, String(size));
        assertSameBytes(await getBuffer(name), data);
      });
    }
  }
});

describe('minio-js: range reads', () => {
  const data = makeData(11 * MiB + 5, 111);
  before(async () => {
    await mc.putObject(bucket, 'range/obj', chunkedStream(data)); // multipart, 3 parts
  });

  const cases = [[0, 1], [100, 100], [5 * MiB - 10, 20], [data.length - 7, 7], [3 * MiB, 0]];
  for (const [offset, length] of cases) {
    it(`getPartialObject offset ${offset} length ${length || 'to the end'}`, async () => {
      const got = await streamToBuffer(await mc.getPartialObject(bucket, 'range/obj', offset, length));
      const expected = length ? data.subarray(offset, offset + length) : data.subarray(offset);
      assertSameBytes(got, expected);
    });
  }
});

describe('minio-js: copy and compose', () => {
  const a = makeData(6 * MiB + 3, 121);
  const b = makeData(5 * MiB + 9, 122);
  before(async () => {
    await mc.putObject(bucket, 'copy/a', a, a.length, { 'Content-Type': 'application/x-a', 'X-Amz-Meta-Src': 'a' });
    await mc.putObject(bucket, 'copy/b', b);
  });

  it('copyObject keeps or replaces metadata', async () => {
    const res = await mc.copyObject(
      new Minio.CopySourceOptions({ Bucket: bucket, Object: 'copy/a' }),
      new Minio.CopyDestinationOptions({ Bucket: bucket, Object: 'copy/a-copy' }),
    );
    // (minio-js takes Etag from a response header; S3 sends it in the XML body only.)
    assert.equal(res.Key, 'copy/a-copy');
    const stat = await mc.statObject(bucket, 'copy/a-copy');
    assert.equal(stat.metaData['content-type'], 'application/x-a');
    assert.equal(stat.metaData.src, 'a');
    assertSameBytes(await getBuffer('copy/a-copy'), a);

    const srcEtag = (await mc.statObject(bucket, 'copy/a')).etag;
    await mc.copyObject(
      new Minio.CopySourceOptions({ Bucket: bucket, Object: 'copy/a', MatchETag: srcEtag }),
      new Minio.CopyDestinationOptions({
        Bucket: bucket, Object: 'copy/a-replaced', MetadataDirective: 'REPLACE',
        UserMetadata: { src: 'replaced' }, Headers: { 'Content-Type': 'text/x-replaced' },
      }),
    );
    const st2 = await mc.statObject(bucket, 'copy/a-replaced');
    assert.equal(st2.metaData.src, 'replaced');
    assert.equal(st2.metaData['content-type'], 'text/x-replaced');

    await assert.rejects(mc.copyObject(
      new Minio.CopySourceOptions({ Bucket: bucket, Object: 'copy/a', MatchETag: '0123456789abcdef0123456789abcdef' }),
      new Minio.CopyDestinationOptions({ Bucket: bucket, Object: 'copy/never' }),
    ), (err) => {
      assert.equal(err.code, 'PreconditionFailed');
      return true;
    });
  });

  // minio-js 8.0.7 ignores a non-zero CopySourceOptions Start (calculateEvenSplits
  // tests it with lodash isEmpty, true for every number), so ranges start at 0.
  it('composeObject assembles ranges of several objects (UploadPartCopy)', async () => {
    const res = await mc.composeObject(
      new Minio.CopyDestinationOptions({ Bucket: bucket, Object: 'copy/composed' }),
      [
        new Minio.CopySourceOptions({ Bucket: bucket, Object: 'copy/a', MatchRange: true, Start: 0, End: 5 * MiB + 1 }),
        new Minio.CopySourceOptions({ Bucket: bucket, Object: 'copy/b' }),
        new Minio.CopySourceOptions({ Bucket: bucket, Object: 'copy/a', MatchRange: true, Start: 0, End: 9 }),
      ],
    );
    assert.ok(res.etag);
    const expected = Buffer.concat([a.subarray(0, 5 * MiB + 2), b, a.subarray(0, 10)]);
    const stat = await mc.statObject(bucket, 'copy/composed');
    assert.equal(stat.size, expected.length);
    assert.match(stat.etag, /-3$/);
    assertSameBytes(await getBuffer('copy/composed'), expected);
  });
});

// listObjectsV2Query answers with a promise in minio-js 8.0.7 and later, with
// an event stream (one 'data' event) before.
function v2Query(...args) {
  const r = mc.listObjectsV2Query(...args);
  if (typeof r.then === 'function') return r;
  return new Promise((resolve, reject) => {
    r.on('data', resolve);
    r.on('error', reject);
  });
}

describe('minio-js: listing', () => {
  const keys = [];
  for (let i = 0; i < 11; i++) keys.push(`list/f${String(i).padStart(2, '0')}`);
  for (const d of ['x', 'y', 'z']) for (let i = 0; i < 2; i++) keys.push(`list/${d}/o${i}`);
  const sorted = [...keys].sort();
  const topLevel = [...sorted.filter((k) => !k.slice(5).includes('/')), 'list/x/', 'list/y/', 'list/z/'].sort();

  before(async () => {
    await Promise.all(keys.map((k) => mc.putObject(bucket, k, Buffer.from(k))));
  });

  it('listObjectsV2Query pages with a small max-keys', async () => {
    const seen = [];
    let token = '';
    for (let pages = 0; ; pages++) {
      assert.ok(pages < 20);
      const res = await v2Query(bucket, 'list/', token, '', 4, '');
      assert.ok(res.objects.length <= 4);
      seen.push(...res.objects.map((o) => o.name));
      if (!res.isTruncated) break;
      assert.ok(res.nextContinuationToken);
      token = res.nextContinuationToken;
    }
    assert.deepEqual(seen, sorted);
  });

  it('listObjectsV2Query with a delimiter, page by page', async () => {
    const seen = [];
    let token = '';
    for (let pages = 0; ; pages++) {
      assert.ok(pages < 20);
      const res = await v2Query(bucket, 'list/', token, '/', 3, '');
      assert.ok(res.objects.length <= 3);
      seen.push(...res.objects.map((o) => o.name ?? o.prefix));
      if (!res.isTruncated) break;
      token = res.nextContinuationToken;
    }
    assert.deepEqual(seen.sort(), topLevel);
  });

  it('listObjectsQuery (v1) pages with markers', async () => {
    const seen = [];
    let marker = '';
    for (let pages = 0; ; pages++) {
      assert.ok(pages < 20);
      const res = await mc.listObjectsQuery(bucket, 'list/', marker, { Delimiter: '', MaxKeys: 5 });
      seen.push(...res.objects.map((o) => o.name));
      if (!res.isTruncated) break;
      marker = res.nextMarker || res.objects[res.objects.length - 1].name;
    }
    assert.deepEqual(seen, sorted);
  });

  it('listObjects / listObjectsV2 streams, recursive and not', async () => {
    const flat = [];
    for await (const o of mc.listObjects(bucket, 'list/', false)) flat.push(o.name ?? o.prefix);
    assert.deepEqual(flat.sort(), topLevel);
    assert.deepEqual(await listAll('list/'), sorted);
    const sub = [];
    for await (const o of mc.listObjectsV2(bucket, 'list/y/', false)) sub.push(o.name ?? o.prefix);
    assert.deepEqual(sub, ['list/y/o0', 'list/y/o1']);
  });
});

describe('minio-js: presigned URLs', () => {
  it('presignedGetObject and presignedPutObject work with fetch', async () => {
    const data = makeData(123 * 1024, 131);
    await mc.putObject(bucket, 'presign/get', data);
    const getUrl = await mc.presignedGetObject(bucket, 'presign/get', 300);
    let res = await fetch(getUrl);
    assert.equal(res.status, 200, await res.clone().text());
    assertSameBytes(Buffer.from(await res.arrayBuffer()), data);

    const withHeaders = await mc.presignedGetObject(bucket, 'presign/get', 300, {
      'response-content-type': 'application/x-override',
    });
    res = await fetch(withHeaders);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/x-override');
    await res.arrayBuffer();

    const up = makeData(33 * 1024 + 3, 132);
    const putUrl = await mc.presignedPutObject(bucket, 'presign/put', 300);
    res = await fetch(putUrl, { method: 'PUT', body: up });
    assert.equal(res.status, 200, await res.text());
    assertSameBytes(await getBuffer('presign/put'), up);

    const bad = new URL(getUrl);
    bad.searchParams.set('X-Amz-Credential', bad.searchParams.get('X-Amz-Credential').replace(ACCESS_KEY, 'no-such-key'));
    res = await fetch(bad);
    assert.equal(res.status, 403);
    assert.match(await res.text(), /InvalidAccessKeyId/);
  });
});

describe('minio-js: removeObjects', () => {
  it('deletes a batch of objects in one request', async () => {
    const names = Array.from({ length: 15 }, (_, i) => `batch/${i}`);
    await Promise.all(names.map((n) => mc.putObject(bucket, n, Buffer.from(n))));
    assert.equal((await listAll('batch/')).length, names.length);
    const errors = await mc.removeObjects(bucket, [...names.slice(0, 10), 'batch/missing']);
    assert.deepEqual(errors.flat().filter((e) => e && (e.Code || e.code)), []);
    assert.deepEqual(await listAll('batch/'), names.slice(10).sort());
    await mc.removeObjects(bucket, names.slice(10).map((name) => ({ name })));
    assert.deepEqual(await listAll('batch/'), []);
    await mc.removeObject(bucket, 'meta/obj.txt');
    await assert.rejects(mc.statObject(bucket, 'meta/obj.txt'));
  });
});
