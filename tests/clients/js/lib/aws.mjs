// AWS SDK for JavaScript v3 clients pointed at the Silo server, with a
// recorder of the exact requests and responses (for assertions on what went
// over the wire, and for failure messages that say what the server answered).

import { S3Client, DeleteBucketCommand, DeleteObjectsCommand,
  ListObjectsV2Command, ListMultipartUploadsCommand, AbortMultipartUploadCommand } from '@aws-sdk/client-s3';
import { ENDPOINT, ACCESS_KEY, SECRET_KEY } from './common.mjs';

export function makeClient(options = {}) {
  const client = new S3Client({
    endpoint: ENDPOINT,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
    maxAttempts: 1, // a failure is reported as the server sent it, not retried
    ...options,
  });
  client.wire = [];
  client.middlewareStack.add((next, context) => async (args) => {
    const req = args.request;
    const entry = {
      command: context.commandName,
      method: req.method,
      path: req.path,
      query: { ...req.query },
      headers: { ...req.headers },
    };
    client.wire.push(entry);
    if (client.wire.length > 50) client.wire.shift();
    try {
      const out = await next(args);
      entry.status = out.response?.statusCode;
      entry.responseHeaders = { ...(out.response?.headers ?? {}) };
      return out;
    } catch (err) {
      entry.status = err.$metadata?.httpStatusCode ?? err.$response?.statusCode;
      entry.responseHeaders = { ...(err.$response?.headers ?? {}) };
      entry.error = `${err.name}: ${err.message}`;
      throw err;
    }
  }, { step: 'deserialize', priority: 'low', name: 'siloWireRecorder' });
  return client;
}

// The last request of a command, as recorded (headers lower-cased).
export function lastRequest(client, command) {
  for (let i = client.wire.length - 1; i >= 0; i--) {
    if (!command || client.wire[i].command === command) return client.wire[i];
  }
  return undefined;
}

function describeEntry(e) {
  if (!e) return '(no request recorded)';
  const headers = Object.fromEntries(Object.entries(e.headers)
    .filter(([k]) => k.toLowerCase() !== 'authorization'));
  const auth = Object.entries(e.headers).find(([k]) => k.toLowerCase() === 'authorization')?.[1] ?? '';
  const scope = /Credential=[^/]+\/([^,]+)/.exec(auth);
  if (scope) headers['(signed for)'] = scope[1];
  const q = new URLSearchParams(e.query).toString();
  return `${e.command}: ${e.method} ${e.path}${q ? `?${q}` : ''}\n` +
    `  request headers: ${JSON.stringify(headers)}\n` +
    `  response: ${e.status ?? '?'} ${JSON.stringify(e.responseHeaders ?? {})}` +
    (e.error ? `\n  error: ${e.error}` : '');
}

// client.send, but a failure says which request failed and what came back.
export async function send(client, command) {
  try {
    return await client.send(command);
  } catch (err) {
    const e = lastRequest(client, command.constructor.name.replace(/Command$/, '') + 'Command')
      ?? lastRequest(client);
    err.message = `${err.name} (HTTP ${err.$metadata?.httpStatusCode}): ${err.message}\n${describeEntry(e)}`;
    throw err;
  }
}

// Sends a command that must fail; returns the error.
export async function sendExpectingError(client, command) {
  let result;
  try {
    result = await client.send(command);
  } catch (err) {
    return err;
  }
  const e = lastRequest(client);
  throw new Error(`${command.constructor.name} succeeded but should have failed\n${describeEntry(e)}\n` +
    `  output: ${JSON.stringify({ ...result, Body: undefined })}`);
}

export { describeEntry };

// Removes every object and upload in a bucket, then the bucket.
export async function destroyBucket(client, bucket) {
  try {
    for (;;) {
      const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
      for (const u of uploads.Uploads ?? []) {
        await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: u.Key, UploadId: u.UploadId }));
      }
      if (!uploads.IsTruncated) break;
    }
  } catch { /* listing uploads is best effort */ }
  for (;;) {
    const out = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
    const objects = (out.Contents ?? []).map((o) => ({ Key: o.Key }));
    if (objects.length === 0) break;
    await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } }));
  }
  await client.send(new DeleteBucketCommand({ Bucket: bucket }));
}
