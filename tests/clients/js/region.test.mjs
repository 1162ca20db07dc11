// Clients configured for a region other than us-east-1: requests are signed
// for eu-west-1, buckets are created with LocationConstraint eu-west-1, and
// GetBucketLocation reports it.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';

import {
  CreateBucketCommand, GetBucketLocationCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import * as Minio from 'minio';

import {
  ACCESS_KEY, HOSTPORT, SECRET_KEY, assertSameBytes, makeData, streamToBuffer, uniqueBucket,
} from './lib/common.mjs';
import { destroyBucket, makeClient, send } from './lib/aws.mjs';

const REGION = 'eu-west-1';

function minioClient(options = {}) {
  const [host, port] = HOSTPORT.split(':');
  return new Minio.Client({
    endPoint: host, port: Number(port), useSSL: false, accessKey: ACCESS_KEY, secretKey: SECRET_KEY,
    pathStyle: true, ...options,
  });
}

describe('aws-sdk v3 with region eu-west-1', () => {
  const s3 = makeClient({ region: REGION });
  const plain = makeClient(); // us-east-1
  const bucket = uniqueBucket('js-euw1');
  const usBucket = uniqueBucket('js-use1');
  let created = false;
  let usCreated = false;

  after(async () => {
    if (created) await destroyBucket(s3, bucket);
    if (usCreated) await destroyBucket(plain, usBucket);
    s3.destroy();
    plain.destroy();
  });

  it('CreateBucket with LocationConstraint eu-west-1; GetBucketLocation returns it', async () => {
    const req = new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: REGION } });
    await send(s3, req);
    created = true;
    const auth = s3.wire.findLast((e) => e.command === 'CreateBucketCommand').headers.authorization;
    assert.match(auth, /\/eu-west-1\/s3\/aws4_request/, 'the request was signed for eu-west-1');
    const loc = await send(s3, new GetBucketLocationCommand({ Bucket: bucket }));
    assert.equal(loc.LocationConstraint, REGION);
  });

  it('reads and writes objects in the eu-west-1 bucket', async () => {
    const data = makeData(100 * 1024 + 1, 91);
    await send(s3, new PutObjectCommand({ Bucket: bucket, Key: 'eu/obj', Body: data, Metadata: { where: 'ireland' } }));
    const out = await send(s3, new GetObjectCommand({ Bucket: bucket, Key: 'eu/obj' }));
    assert.equal(out.Metadata.where, 'ireland');
    assertSameBytes(Buffer.from(await out.Body.transformToByteArray()), data);
    const list = await send(s3, new ListObjectsV2Command({ Bucket: bucket }));
    assert.deepEqual(list.Contents.map((o) => o.Key), ['eu/obj']);

    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: 'eu/obj' }), { expiresIn: 120 });
    assert.match(decodeURIComponent(url), /\/eu-west-1\/s3\/aws4_request/);
    const res = await fetch(url);
    assert.equal(res.status, 200, await res.clone().text());
    assertSameBytes(Buffer.from(await res.arrayBuffer()), data);
  });

  it('a bucket created without a LocationConstraint is in us-east-1', async () => {
    await send(plain, new CreateBucketCommand({ Bucket: usBucket }));
    usCreated = true;
    const loc = await send(plain, new GetBucketLocationCommand({ Bucket: usBucket }));
    assert.ok(loc.LocationConstraint === undefined || loc.LocationConstraint === '',
      `us-east-1 is reported as an empty LocationConstraint, got ${JSON.stringify(loc.LocationConstraint)}`);
  });
});

describe('minio-js with region eu-west-1', () => {
  const mc = minioClient({ region: REGION });
  const bucket = uniqueBucket('js-minio-euw1');
  let created = false;

  after(async () => {
    if (created) {
      const names = [];
      for await (const o of mc.listObjectsV2(bucket, '', true)) names.push(o.name);
      if (names.length) await mc.removeObjects(bucket, names);
      await mc.removeBucket(bucket);
    }
  });

  it('makeBucket in eu-west-1, then a client without a region finds it there', async () => {
    await mc.makeBucket(bucket, REGION);
    created = true;
    const data = makeData(4096, 92);
    await mc.putObject(bucket, 'obj', data, data.length, { 'Content-Type': 'application/x-eu' });
    const stat = await mc.statObject(bucket, 'obj');
    assert.equal(stat.size, data.length);
    assert.equal(stat.metaData['content-type'], 'application/x-eu');

    // No region configured: minio-js asks GET ?location and signs with the answer.
    const discover = minioClient();
    assert.equal(await discover.getBucketRegionAsync(bucket), REGION);
    assertSameBytes(await streamToBuffer(await discover.getObject(bucket, 'obj')), data);
  });
});
