// The MinIO Go SDK (minio-go v7, Debian's 7.0.46) against a real silo server.
// Run through tests/clients/go/test_go_clients.py, which starts the server and
// sets SILO_ENDPOINT, SILO_HOSTPORT, SILO_ACCESS_KEY and SILO_SECRET_KEY.
package miniogo

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	tu "silotests/testutil"
)

var ctx = context.Background()

const minPartSize = 16 * tu.MiB // minio-go's default part size

// newClient is a client that signs with SigV4 and logs every error response.
func newClient(t *testing.T, tweak ...func(*minio.Options)) *minio.Client {
	t.Helper()
	opts := &minio.Options{
		Creds:     credentials.NewStaticV4(tu.AccessKey(t), tu.SecretKey(t), ""),
		Secure:    false,
		Transport: tu.NewLoggingTransport(t),
	}
	for _, f := range tweak {
		f(opts)
	}
	c, err := minio.New(tu.HostPort(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// makeBucket creates a bucket that is emptied and removed when the test ends.
func makeBucket(t *testing.T, c *minio.Client, opts minio.MakeBucketOptions) string {
	t.Helper()
	name := tu.BucketName("mgo")
	if err := c.MakeBucket(ctx, name, opts); err != nil {
		t.Fatalf("MakeBucket %s %+v: %v", name, opts, err)
	}
	t.Cleanup(func() { removeBucket(t, c, name) })
	return name
}

func removeBucket(t *testing.T, c *minio.Client, bucket string) {
	for up := range c.ListIncompleteUploads(ctx, bucket, "", true) {
		if up.Err != nil {
			t.Errorf("cleanup: ListIncompleteUploads %s: %v", bucket, up.Err)
			break
		}
		if err := c.RemoveIncompleteUpload(ctx, bucket, up.Key); err != nil {
			t.Errorf("cleanup: RemoveIncompleteUpload %s/%s: %v", bucket, up.Key, err)
		}
	}
	objs := make(chan minio.ObjectInfo)
	go func() {
		defer close(objs)
		for o := range c.ListObjects(ctx, bucket, minio.ListObjectsOptions{Recursive: true}) {
			if o.Err != nil {
				t.Errorf("cleanup: ListObjects %s: %v", bucket, o.Err)
				return
			}
			objs <- o
		}
	}()
	for e := range c.RemoveObjects(ctx, bucket, objs, minio.RemoveObjectsOptions{}) {
		t.Errorf("cleanup: RemoveObjects %s/%s: %v", bucket, e.ObjectName, e.Err)
	}
	if err := c.RemoveBucket(ctx, bucket); err != nil {
		t.Errorf("cleanup: RemoveBucket %s: %v", bucket, err)
	}
}

func getBytes(t *testing.T, c *minio.Client, bucket, key string, opts minio.GetObjectOptions) []byte {
	t.Helper()
	obj, err := c.GetObject(ctx, bucket, key, opts)
	if err != nil {
		t.Fatalf("GetObject %s: %v", key, err)
	}
	defer obj.Close()
	b, err := io.ReadAll(obj)
	if err != nil {
		t.Fatalf("GetObject %s: read: %v", key, err)
	}
	return b
}

func errCode(err error) string { return minio.ToErrorResponse(err).Code }

// compositeCRC32C is the checksum S3 reports for a multipart object uploaded
// with CRC32C part checksums: the CRC32C of the parts' CRC32Cs, "-" part count.
func compositeCRC32C(data []byte, partSize int) string {
	table := crc32.MakeTable(crc32.Castagnoli)
	var sums []byte
	parts := 0
	for off := 0; off < len(data) || parts == 0; off += partSize {
		end := off + partSize
		if end > len(data) {
			end = len(data)
		}
		s := crc32.Checksum(data[off:end], table)
		sums = append(sums, byte(s>>24), byte(s>>16), byte(s>>8), byte(s))
		parts++
	}
	c := crc32.Checksum(sums, table)
	return fmt.Sprintf("%s-%d", base64.StdEncoding.EncodeToString([]byte{byte(c >> 24), byte(c >> 16), byte(c >> 8), byte(c)}), parts)
}

func crc32cB64(data []byte) string {
	c := crc32.Checksum(data, crc32.MakeTable(crc32.Castagnoli))
	return base64.StdEncoding.EncodeToString([]byte{byte(c >> 24), byte(c >> 16), byte(c >> 8), byte(c)})
}

func expectObject(t *testing.T, c *minio.Client, bucket, key string, data []byte, etag string) {
	t.Helper()
	st, err := c.StatObject(ctx, bucket, key, minio.StatObjectOptions{})
	if err != nil {
		t.Fatalf("StatObject %s: %v", key, err)
	}
	if st.Size != int64(len(data)) {
		t.Errorf("StatObject %s: size %d, want %d", key, st.Size, len(data))
	}
	if etag != "" && tu.TrimETag(st.ETag) != etag {
		t.Errorf("StatObject %s: ETag %q, want %q", key, st.ETag, etag)
	}
	got := getBytes(t, c, bucket, key, minio.GetObjectOptions{})
	if !bytes.Equal(got, data) {
		t.Errorf("GetObject %s: %d bytes (sha256 %s), want %d bytes (sha256 %s)",
			key, len(got), tu.SHA256Hex(got), len(data), tu.SHA256Hex(data))
	}
}

// TestUploadSizes uploads 0 B, 1 B, 5 MiB - 1 and 16 MiB + 1 from a plain
// reader with a known size (single PUT below 16 MiB, CRC32C streaming
// multipart above), from a plain reader of unknown size (always multipart with
// CRC32C part checksums) and from a file (FPutObject: ReadAt, parallel parts).
func TestUploadSizes(t *testing.T) {
	c := newClient(t)
	bucket := makeBucket(t, c, minio.MakeBucketOptions{})
	dir := t.TempDir()
	_, unknownPart, _, err := minio.OptimalPartInfo(-1, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i, size := range []int{0, 1, 5*tu.MiB - 1, 16*tu.MiB + 1} {
		data := tu.Data(size, int64(100+i))
		knownETag := tu.SinglePartETag(data)
		if size >= minPartSize {
			_, ps, _, err := minio.OptimalPartInfo(int64(size), 0)
			if err != nil {
				t.Fatal(err)
			}
			knownETag = tu.MultipartETag(bytes.NewReader(data), ps)
		}
		t.Run(fmt.Sprintf("reader-known-%d", size), func(t *testing.T) {
			c := newClient(t)
			key := fmt.Sprintf("known/%d", size)
			info, err := c.PutObject(ctx, bucket, key, tu.Plain(bytes.NewReader(data)), int64(size),
				minio.PutObjectOptions{ContentType: "application/octet-stream"})
			if err != nil {
				t.Fatalf("PutObject: %v", err)
			}
			if info.Size != int64(size) || tu.TrimETag(info.ETag) != knownETag {
				t.Errorf("PutObject: size %d ETag %q, want %d %q", info.Size, info.ETag, size, knownETag)
			}
			expectObject(t, c, bucket, key, data, knownETag)
		})
		t.Run(fmt.Sprintf("reader-unknown-%d", size), func(t *testing.T) {
			c := newClient(t)
			key := fmt.Sprintf("unknown/%d", size)
			want := tu.MultipartETag(bytes.NewReader(data), unknownPart)
			info, err := c.PutObject(ctx, bucket, key, tu.Plain(bytes.NewReader(data)), -1, minio.PutObjectOptions{})
			if err != nil {
				t.Fatalf("PutObject size -1: %v", err)
			}
			if info.Size != int64(size) || tu.TrimETag(info.ETag) != want {
				t.Errorf("PutObject size -1: size %d ETag %q, want %d %q", info.Size, info.ETag, size, want)
			}
			expectObject(t, c, bucket, key, data, want)
		})
		t.Run(fmt.Sprintf("file-%d", size), func(t *testing.T) {
			c := newClient(t)
			key := fmt.Sprintf("file/%d", size)
			path := tu.WriteFile(t, dir, fmt.Sprintf("up-%d", size), data)
			info, err := c.FPutObject(ctx, bucket, key, path, minio.PutObjectOptions{})
			if err != nil {
				t.Fatalf("FPutObject: %v", err)
			}
			if info.Size != int64(size) || tu.TrimETag(info.ETag) != knownETag {
				t.Errorf("FPutObject: size %d ETag %q, want %d %q", info.Size, info.ETag, size, knownETag)
			}
			expectObject(t, c, bucket, key, data, knownETag)
			down := filepath.Join(dir, fmt.Sprintf("down-%d", size))
			if err := c.FGetObject(ctx, bucket, key, down, minio.GetObjectOptions{}); err != nil {
				t.Fatalf("FGetObject: %v", err)
			}
			got, err := os.ReadFile(down)
			if err != nil || !bytes.Equal(got, data) {
				t.Errorf("FGetObject: %d bytes (err %v), want %d identical bytes", len(got), err, size)
			}
		})
	}
}

// TestUpload100MiB streams 100 MiB of unknown size in 16 MiB parts (7 parts,
// CRC32C part checksums) and reads it back whole and in ranges.
func TestUpload100MiB(t *testing.T) {
	const size = 100 * tu.MiB
	c := newClient(t)
	bucket := makeBucket(t, c, minio.MakeBucketOptions{})
	wantSize, wantSHA := tu.StreamDigest(size, 7)
	wantETag := tu.MultipartETag(tu.Stream(size, 7), minPartSize)
	info, err := c.PutObject(ctx, bucket, "big", tu.Stream(size, 7), -1, minio.PutObjectOptions{PartSize: minPartSize})
	if err != nil {
		t.Fatalf("PutObject 100 MiB, size -1: %v", err)
	}
	if info.Size != size || tu.TrimETag(info.ETag) != wantETag {
		t.Errorf("PutObject: size %d ETag %q, want %d %q", info.Size, info.ETag, size, wantETag)
	}
	obj, err := c.GetObject(ctx, bucket, "big", minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n, sha := tu.ReaderDigest(obj)
	obj.Close()
	if n != wantSize || sha != wantSHA {
		t.Errorf("GetObject: %d bytes sha256 %s, want %d %s", n, sha, wantSize, wantSHA)
	}
	// A range across the boundary of parts 6 and 7.
	all, _ := io.ReadAll(tu.Stream(size, 7))
	opts := minio.GetObjectOptions{}
	lo, hi := int64(6*minPartSize-100), int64(6*minPartSize+99)
	if err := opts.SetRange(lo, hi); err != nil {
		t.Fatal(err)
	}
	if got := getBytes(t, c, bucket, "big", opts); !bytes.Equal(got, all[lo:hi+1]) {
		t.Errorf("range %d-%d across a part boundary: wrong bytes (%d)", lo, hi, len(got))
	}
}

// TestStreamingCRC32CMultipart: PutObject from a plain reader sends
// x-amz-checksum-algorithm: CRC32C on CreateMultipartUpload, an
// x-amz-checksum-crc32c header on each part and the CRC32C of the part CRC32Cs
// on CompleteMultipartUpload. The upload must succeed, read back intact and
// report the composite checksum.
func TestStreamingCRC32CMultipart(t *testing.T) {
	c := newClient(t)
	bucket := makeBucket(t, c, minio.MakeBucketOptions{})
	cases := []struct {
		name     string
		size     int
		known    bool
		partSize int
	}{
		{"known-2-parts", 16*tu.MiB + 1, true, minPartSize},
		{"unknown-3-parts", 12*tu.MiB + 5, false, 5 * tu.MiB},
		{"unknown-exact-2-parts", 10 * tu.MiB, false, 5 * tu.MiB},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newClient(t)
			data := tu.Data(tc.size, int64(200+i))
			size := int64(-1)
			opts := minio.PutObjectOptions{PartSize: uint64(tc.partSize), UserMetadata: map[string]string{"case": tc.name}}
			if tc.known {
				size = int64(tc.size)
				opts.PartSize = 0
			}
			info, err := c.PutObject(ctx, bucket, tc.name, tu.Plain(bytes.NewReader(data)), size, opts)
			if err != nil {
				t.Fatalf("streaming CRC32C multipart PutObject (%d bytes, %d-byte parts): %v", tc.size, tc.partSize, err)
			}
			wantSum := compositeCRC32C(data, tc.partSize)
			if info.ChecksumCRC32C != wantSum {
				t.Errorf("CompleteMultipartUpload ChecksumCRC32C %q, want %q", info.ChecksumCRC32C, wantSum)
			}
			wantETag := tu.MultipartETag(bytes.NewReader(data), int64(tc.partSize))
			expectObject(t, c, bucket, tc.name, data, wantETag)
			st, err := c.StatObject(ctx, bucket, tc.name, minio.StatObjectOptions{Checksum: true})
			if err != nil {
				t.Fatalf("StatObject with x-amz-checksum-mode: %v", err)
			}
			if st.ChecksumCRC32C != wantSum {
				t.Errorf("HEAD x-amz-checksum-mode ENABLED: x-amz-checksum-crc32c %q, want %q", st.ChecksumCRC32C, wantSum)
			}
			if st.UserMetadata["Case"] != tc.name {
				t.Errorf("user metadata lost: %v", st.UserMetadata)
			}
		})
	}
}

// TestTrailingHeaders: a client with TrailingHeaders sends each part of a
// ReadAt upload with STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER and an
// x-amz-checksum-crc32c trailer, and a composite CRC32C on completion.
func TestTrailingHeaders(t *testing.T) {
	c := newClient(t, func(o *minio.Options) { o.TrailingHeaders = true })
	bucket := makeBucket(t, c, minio.MakeBucketOptions{})
	data := tu.Data(16*tu.MiB+1, 300)
	path := tu.WriteFile(t, t.TempDir(), "f", data)
	info, err := c.FPutObject(ctx, bucket, "trailer", path, minio.PutObjectOptions{})
	if err != nil {
		t.Fatalf("FPutObject with trailing checksums: %v", err)
	}
	want := compositeCRC32C(data, minPartSize)
	if info.ChecksumCRC32C != want {
		t.Errorf("CompleteMultipartUpload ChecksumCRC32C %q, want %q", info.ChecksumCRC32C, want)
	}
	expectObject(t, c, bucket, "trailer", data, tu.MultipartETag(bytes.NewReader(data), minPartSize))
	st, err := c.StatObject(ctx, bucket, "trailer", minio.StatObjectOptions{Checksum: true})
	if err != nil {
		t.Fatal(err)
	}
	if st.ChecksumCRC32C != want {
		t.Errorf("HEAD x-amz-checksum-crc32c %q, want %q", st.ChecksumCRC32C, want)
	}
}

func TestRangeReads(t *testing.T) {
	c := newClient(t)
	bucket := makeBucket(t, c, minio.MakeBucketOptions{})
	size := int64(tu.MiB + 123)
	data := tu.Data(int(size), 400)
	if _, err := c.PutObject(ctx, bucket, "r", bytes.NewReader(data), size, minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, r := range []struct{ start, end, lo, hi int64 }{
		{0, 0, 0, 1},
		{10, 1000, 10, 1001},
		{size - 5, size - 1, size - 5, size},
		{0, -5, size - 5, size},                  // bytes=-5: the last 5 bytes
		{tu.MiB, 0, tu.MiB, size},                // bytes=1048576-
		{size - 10, size + 100, size - 10, size}, // end past the object: clamped
	} {
		opts := minio.GetObjectOptions{}
		if err := opts.SetRange(r.start, r.end); err != nil {
			t.Fatal(err)
		}
		got := getBytes(t, c, bucket, "r", opts)
		if !bytes.Equal(got, data[r.lo:r.hi]) {
			t.Errorf("Range %q: %d bytes, want bytes [%d,%d) (%d)", opts.Header().Get("Range"), len(got), r.lo, r.hi, r.hi-r.lo)
		}
	}
	// *minio.Object: ReadAt and Seek issue ranged GETs.
	obj, err := c.GetObject(ctx, bucket, "r", minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Close()
	buf := make([]byte, 4096)
	if n, err := obj.ReadAt(buf, 500000); err != nil || n != len(buf) || !bytes.Equal(buf, data[500000:504096]) {
		t.Errorf("Object.ReadAt(4096 at 500000): n=%d err=%v equal=%v", n, err, bytes.Equal(buf[:n], data[500000:500000+n]))
	}
	if _, err := obj.Seek(-100, io.SeekEnd); err != nil {
		t.Fatal(err)
	}
	tail, err := io.ReadAll(obj)
	if err != nil || !bytes.Equal(tail, data[size-100:]) {
		t.Errorf("Seek(-100, end) then read: %d bytes, err %v", len(tail), err)
	}
	// A range that starts past the end is 416 InvalidRange.
	opts := minio.GetObjectOptions{}
	opts.SetRange(size+10, size+20)
	o2, err := c.GetObject(ctx, bucket, "r", opts)
	if err == nil {
		_, err = io.ReadAll(o2)
		o2.Close()
	}
	if errCode(err) != "InvalidRange" {
		t.Errorf("Range past the end: error %v (code %q), want InvalidRange", err, errCode(err))
	}
}

func TestCopyAndCompose(t *testing.T) {
	c := newClient(t)
	src := makeBucket(t, c, minio.MakeBucketOptions{})
	dst := makeBucket(t, c, minio.MakeBucketOptions{})
	data := tu.Data(12*tu.MiB+77, 500)
	up, err := c.PutObject(ctx, src, "orig", bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{
		ContentType: "text/x-orig", UserMetadata: map[string]string{"Origin": "first"}})
	if err != nil {
		t.Fatal(err)
	}

	// Copy keeps the metadata unless replaced.
	cp, err := c.CopyObject(ctx, minio.CopyDestOptions{Bucket: dst, Object: "copy"}, minio.CopySrcOptions{Bucket: src, Object: "orig"})
	if err != nil {
		t.Fatalf("CopyObject: %v", err)
	}
	// minio-go takes UploadInfo.ETag from an ETag response header, which
	// S3 does not send for CopyObject (the ETag is in CopyObjectResult).
	if cp.Key != "copy" || cp.Bucket != dst {
		t.Errorf("CopyObject: %+v", cp)
	}
	expectObject(t, c, dst, "copy", data, tu.SinglePartETag(data))
	st, err := c.StatObject(ctx, dst, "copy", minio.StatObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.ContentType != "text/x-orig" || st.UserMetadata["Origin"] != "first" {
		t.Errorf("copy lost metadata: Content-Type %q, user metadata %v", st.ContentType, st.UserMetadata)
	}

	// Copy onto itself with new metadata (REPLACE).
	_, err = c.CopyObject(ctx, minio.CopyDestOptions{Bucket: src, Object: "orig", ReplaceMetadata: true,
		UserMetadata: map[string]string{"Origin": "second", "Content-Type": "text/x-replaced"}},
		minio.CopySrcOptions{Bucket: src, Object: "orig"})
	if err != nil {
		t.Fatalf("CopyObject onto itself with REPLACE: %v", err)
	}
	st, err = c.StatObject(ctx, src, "orig", minio.StatObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.UserMetadata["Origin"] != "second" || st.ContentType != "text/x-replaced" {
		t.Errorf("after REPLACE: Content-Type %q, user metadata %v", st.ContentType, st.UserMetadata)
	}
	expectObject(t, c, src, "orig", data, tu.SinglePartETag(data))

	// Conditional copy with a wrong ETag fails with PreconditionFailed.
	_, err = c.CopyObject(ctx, minio.CopyDestOptions{Bucket: dst, Object: "never"},
		minio.CopySrcOptions{Bucket: src, Object: "orig", MatchETag: "0123456789abcdef0123456789abcdef"})
	if errCode(err) != "PreconditionFailed" {
		t.Errorf("CopyObject with x-amz-copy-source-if-match wrong: %v, want PreconditionFailed", err)
	}
	_, err = c.CopyObject(ctx, minio.CopyDestOptions{Bucket: dst, Object: "matched"},
		minio.CopySrcOptions{Bucket: src, Object: "orig", MatchETag: up.ETag})
	if err != nil {
		t.Errorf("CopyObject with x-amz-copy-source-if-match right: %v", err)
	}

	// ComposeObject: UploadPartCopy of whole objects and of a range.
	small := tu.Data(1000, 501)
	if _, err := c.PutObject(ctx, src, "small", bytes.NewReader(small), int64(len(small)), minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	part2 := data[1000 : 1000+6*tu.MiB]
	_, err = c.ComposeObject(ctx, minio.CopyDestOptions{Bucket: dst, Object: "composed",
		UserMetadata: map[string]string{"Composed": "yes"}, ReplaceMetadata: true},
		minio.CopySrcOptions{Bucket: src, Object: "orig"},
		minio.CopySrcOptions{Bucket: src, Object: "orig", MatchRange: true, Start: 1000, End: 1000 + 6*tu.MiB - 1},
		minio.CopySrcOptions{Bucket: src, Object: "small"})
	if err != nil {
		t.Fatalf("ComposeObject: %v", err)
	}
	want := append(append(append([]byte{}, data...), part2...), small...)
	got := getBytes(t, c, dst, "composed", minio.GetObjectOptions{})
	if !bytes.Equal(got, want) {
		t.Errorf("composed object: %d bytes (sha256 %s), want %d (sha256 %s)", len(got), tu.SHA256Hex(got), len(want), tu.SHA256Hex(want))
	}
	st, err = c.StatObject(ctx, dst, "composed", minio.StatObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(tu.TrimETag(st.ETag), "-3") || st.UserMetadata["Composed"] != "yes" {
		t.Errorf("composed object: ETag %q (want a 3-part ETag), user metadata %v", st.ETag, st.UserMetadata)
	}
}

func TestListing(t *testing.T) {
	c := newClient(t)
	bucket := makeBucket(t, c, minio.MakeBucketOptions{})
	var keys []string
	for i := 0; i < 12; i++ {
		keys = append(keys, fmt.Sprintf("photos/2024/img-%02d.jpg", i))
	}
	keys = append(keys, "photos/2025/a.jpg", "photos/2025/b.jpg", "docs/readme.txt",
		"docs/sub/deep.txt", "top-1", "top-2", "z+plus", "space key", "ünïcode/ключ")
	for _, k := range keys {
		if _, err := c.PutObject(ctx, bucket, k, strings.NewReader(k), int64(len(k)), minio.PutObjectOptions{}); err != nil {
			t.Fatalf("PutObject %q: %v", k, err)
		}
	}
	sorted := tu.SortedCopy(keys)
	collect := func(opts minio.ListObjectsOptions) (names []string) {
		for o := range c.ListObjects(ctx, bucket, opts) {
			if o.Err != nil {
				t.Fatalf("ListObjects %+v: %v", opts, o.Err)
			}
			names = append(names, o.Key)
		}
		return
	}
	for _, v1 := range []bool{false, true} {
		got := collect(minio.ListObjectsOptions{Recursive: true, MaxKeys: 3, UseV1: v1})
		if !tu.Equal(got, sorted) {
			t.Errorf("ListObjects recursive MaxKeys=3 v1=%v:\n got %q\nwant %q", v1, got, sorted)
		}
		got = collect(minio.ListObjectsOptions{MaxKeys: 2, UseV1: v1})
		want := []string{"docs/", "photos/", "space key", "top-1", "top-2", "z+plus", "ünïcode/"}
		if !tu.Equal(got, want) {
			t.Errorf("ListObjects delimiter / MaxKeys=2 v1=%v:\n got %q\nwant %q", v1, got, want)
		}
		got = collect(minio.ListObjectsOptions{Prefix: "photos/", UseV1: v1})
		if want := []string{"photos/2024/", "photos/2025/"}; !tu.Equal(got, want) {
			t.Errorf("ListObjects prefix photos/ delimiter /: got %q, want %q", got, want)
		}
	}
	got := collect(minio.ListObjectsOptions{Recursive: true, StartAfter: "photos/2024/img-10.jpg"})
	if want := sorted[tu.Index(sorted, "photos/2024/img-10.jpg")+1:]; !tu.Equal(got, want) {
		t.Errorf("ListObjectsV2 StartAfter: got %q, want %q", got, want)
	}

	// Page by page with the low-level API: MaxKeys, IsTruncated, tokens.
	core := minio.Core{Client: c}
	var paged []string
	token := ""
	pages := 0
	for {
		res, err := core.ListObjectsV2(bucket, "", "", token, "", 5)
		if err != nil {
			t.Fatalf("ListObjectsV2 page %d: %v", pages, err)
		}
		pages++
		if len(res.Contents) > 5 || res.MaxKeys != 5 || (res.IsTruncated && len(res.Contents) != 5) {
			t.Errorf("ListObjectsV2 page %d: %d keys, MaxKeys %d, truncated %v", pages, len(res.Contents), res.MaxKeys, res.IsTruncated)
		}
		for _, o := range res.Contents {
			paged = append(paged, o.Key)
			if o.Size != int64(len(o.Key)) || tu.TrimETag(o.ETag) != tu.SinglePartETag([]byte(o.Key)) {
				t.Errorf("listed %q: size %d ETag %q", o.Key, o.Size, o.ETag)
			}
		}
		if !res.IsTruncated {
			break
		}
		if res.NextContinuationToken == "" {
			t.Fatalf("ListObjectsV2 page %d: truncated without NextContinuationToken", pages)
		}
		token = res.NextContinuationToken
		if pages > 20 {
			t.Fatal("ListObjectsV2 does not end")
		}
	}
	if !tu.Equal(paged, sorted) || pages != (len(keys)+4)/5 {
		t.Errorf("ListObjectsV2 by pages of 5: %d pages, keys %q", pages, paged)
	}
	// V1 with Marker and Delimiter: NextMarker is set when truncated.
	var v1 []string
	marker := ""
	for i := 0; ; i++ {
		res, err := core.ListObjects(bucket, "", marker, "/", 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range res.Contents {
			v1 = append(v1, o.Key)
		}
		for _, p := range res.CommonPrefixes {
			v1 = append(v1, p.Prefix)
		}
		if !res.IsTruncated {
			break
		}
		if res.NextMarker == "" {
			t.Fatalf("ListObjects v1 with delimiter: truncated without NextMarker")
		}
		marker = res.NextMarker
		if i > 20 {
			t.Fatal("ListObjects v1 does not end")
		}
	}
	if want := []string{"docs/", "photos/", "space key", "top-1", "top-2", "z+plus", "ünïcode/"}; !tu.Equal(tu.SortedCopy(v1), want) {
		t.Errorf("ListObjects v1 delimiter / by pages of 2: got %q, want %q", v1, want)
	}
}

func TestPresigned(t *testing.T) {
	c := newClient(t)
	bucket := makeBucket(t, c, minio.MakeBucketOptions{})
	hc := &http.Client{Transport: tu.NewLoggingTransport(t)}
	data := tu.Data(300*tu.KiB+1, 600)

	putURL, err := c.PresignedPutObject(ctx, bucket, "pre/signed obj", 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPut, putURL.String(), bytes.NewReader(data))
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || tu.TrimETag(resp.Header.Get("ETag")) != tu.SinglePartETag(data) {
		t.Fatalf("presigned PUT: %s, ETag %q", resp.Status, resp.Header.Get("ETag"))
	}
	expectObject(t, c, bucket, "pre/signed obj", data, tu.SinglePartETag(data))

	params := url.Values{}
	params.Set("response-content-disposition", `attachment; filename="x.bin"`)
	params.Set("response-content-type", "application/x-test")
	getURL, err := c.PresignedGetObject(ctx, bucket, "pre/signed obj", 10*time.Minute, params)
	if err != nil {
		t.Fatal(err)
	}
	resp, err = hc.Get(getURL.String())
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Equal(got, data) {
		t.Errorf("presigned GET: %s, %d bytes", resp.Status, len(got))
	}
	if cd := resp.Header.Get("Content-Disposition"); cd != `attachment; filename="x.bin"` {
		t.Errorf("presigned GET response-content-disposition: Content-Disposition %q", cd)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/x-test" {
		t.Errorf("presigned GET response-content-type: Content-Type %q", ct)
	}

	headURL, err := c.PresignedHeadObject(ctx, bucket, "pre/signed obj", time.Minute, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err = hc.Head(headURL.String())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.ContentLength != int64(len(data)) {
		t.Errorf("presigned HEAD: %s, Content-Length %d", resp.Status, resp.ContentLength)
	}

	// A tampered signature and an expired URL are refused.
	bad := *getURL
	q := bad.Query()
	sig := q.Get("X-Amz-Signature")
	q.Set("X-Amz-Signature", strings.Repeat("0", len(sig)))
	bad.RawQuery = q.Encode()
	resp, err = hc.Get(bad.String())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Errorf("presigned GET with a wrong signature: %s, want 403", resp.Status)
	}
	short, err := c.PresignedGetObject(ctx, bucket, "pre/signed obj", time.Second, nil)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(2100 * time.Millisecond)
	resp, err = hc.Get(short.String())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Errorf("expired presigned GET: %s, want 403", resp.Status)
	}
}

func TestRemoveObjects(t *testing.T) {
	c := newClient(t)
	bucket := makeBucket(t, c, minio.MakeBucketOptions{})
	var keys []string
	for i := 0; i < 40; i++ {
		k := fmt.Sprintf("del/%03d", i)
		keys = append(keys, k)
		if _, err := c.PutObject(ctx, bucket, k, strings.NewReader("x"), 1, minio.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.PutObject(ctx, bucket, "keep", strings.NewReader("k"), 1, minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	ch := make(chan minio.ObjectInfo, len(keys)+1)
	for _, k := range keys {
		ch <- minio.ObjectInfo{Key: k}
	}
	ch <- minio.ObjectInfo{Key: "del/does-not-exist"} // deleting a missing key succeeds
	close(ch)
	var results []string
	for r := range c.RemoveObjectsWithResult(ctx, bucket, ch, minio.RemoveObjectsOptions{}) {
		if r.Err != nil {
			t.Errorf("RemoveObjects %s: %v", r.ObjectName, r.Err)
		}
		results = append(results, r.ObjectName)
	}
	if len(results) != len(keys)+1 {
		t.Errorf("RemoveObjects: %d results, want %d", len(results), len(keys)+1)
	}
	var left []string
	for o := range c.ListObjects(ctx, bucket, minio.ListObjectsOptions{Recursive: true}) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
		left = append(left, o.Key)
	}
	if !tu.Equal(left, []string{"keep"}) {
		t.Errorf("after RemoveObjects: %q left, want [keep]", left)
	}
	if err := c.RemoveObject(ctx, bucket, "del/000", minio.RemoveObjectOptions{}); err != nil {
		t.Errorf("RemoveObject of a deleted key: %v, want success", err)
	}
}

func TestMetadataAndHeaders(t *testing.T) {
	c := newClient(t)
	bucket := makeBucket(t, c, minio.MakeBucketOptions{})
	data := []byte("metadata body")
	for _, size := range []int64{int64(len(data)), -1} {
		key := fmt.Sprintf("meta%d", size)
		_, err := c.PutObject(ctx, bucket, key, tu.Plain(bytes.NewReader(data)), size, minio.PutObjectOptions{
			UserMetadata:       map[string]string{"Color": "blue", "x-amz-meta-project-name": "silo"},
			ContentType:        "text/x-silo; charset=utf-8",
			ContentDisposition: `attachment; filename="report.txt"`,
			CacheControl:       "max-age=3600, must-revalidate",
			ContentLanguage:    "en-GB",
		})
		if err != nil {
			t.Fatalf("PutObject %s: %v", key, err)
		}
		for _, stat := range []bool{true, false} {
			var h http.Header
			var info minio.ObjectInfo
			if stat {
				info, err = c.StatObject(ctx, bucket, key, minio.StatObjectOptions{})
				if err != nil {
					t.Fatal(err)
				}
			} else {
				obj, err := c.GetObject(ctx, bucket, key, minio.GetObjectOptions{})
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(obj)
				if !bytes.Equal(body, data) {
					t.Errorf("%s: body %q", key, body)
				}
				info, err = obj.Stat()
				obj.Close()
				if err != nil {
					t.Fatal(err)
				}
			}
			h = info.Metadata
			what := map[bool]string{true: "HEAD", false: "GET"}[stat]
			checks := map[string]string{
				"Content-Type":            "text/x-silo; charset=utf-8",
				"Content-Disposition":     `attachment; filename="report.txt"`,
				"Cache-Control":           "max-age=3600, must-revalidate",
				"Content-Language":        "en-GB",
				"X-Amz-Meta-Color":        "blue",
				"X-Amz-Meta-Project-Name": "silo",
			}
			for k, v := range checks {
				if got := h.Get(k); got != v {
					t.Errorf("%s %s: %s = %q, want %q", what, key, k, got, v)
				}
			}
			if info.UserMetadata["Color"] != "blue" || info.UserMetadata["Project-Name"] != "silo" {
				t.Errorf("%s %s: user metadata %v", what, key, info.UserMetadata)
			}
		}
	}
}

// TestBucketRegion: a bucket made in eu-central-1 reports that location, and
// minio-go then signs every request to it for eu-central-1.
func TestBucketRegion(t *testing.T) {
	c := newClient(t)
	def := makeBucket(t, c, minio.MakeBucketOptions{})
	if loc, err := c.GetBucketLocation(ctx, def); err != nil || loc != "us-east-1" {
		t.Errorf("GetBucketLocation of a default bucket: %q, %v; want us-east-1", loc, err)
	}
	c = newClient(t)
	bucket := makeBucket(t, c, minio.MakeBucketOptions{Region: "eu-central-1"})
	c2 := newClient(t) // a fresh client: no cached location
	loc, err := c2.GetBucketLocation(ctx, bucket)
	if err != nil || loc != "eu-central-1" {
		t.Fatalf("GetBucketLocation: %q, %v; want eu-central-1", loc, err)
	}
	data := tu.Data(1000, 700)
	if _, err := c2.PutObject(ctx, bucket, "eu", bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{}); err != nil {
		t.Fatalf("PutObject signed for eu-central-1: %v", err)
	}
	expectObject(t, c2, bucket, "eu", data, tu.SinglePartETag(data))
	// A client configured for the region from the start.
	c3 := newClient(t, func(o *minio.Options) { o.Region = "eu-central-1" })
	got := getBytes(t, c3, bucket, "eu", minio.GetObjectOptions{})
	if !bytes.Equal(got, data) {
		t.Errorf("GetObject with Options.Region eu-central-1: %d bytes", len(got))
	}
	if _, err := c3.PutObject(ctx, bucket, "eu-stream", tu.Plain(bytes.NewReader(data)), -1, minio.PutObjectOptions{PartSize: 5 * tu.MiB}); err != nil {
		t.Errorf("streaming multipart PutObject in eu-central-1: %v", err)
	}
	exists, err := c3.BucketExists(ctx, bucket)
	if err != nil || !exists {
		t.Errorf("BucketExists eu-central-1 bucket: %v %v", exists, err)
	}
	// Making a bucket that exists is refused with BucketAlreadyOwnedByYou.
	err = c3.MakeBucket(ctx, bucket, minio.MakeBucketOptions{Region: "eu-central-1"})
	if code := errCode(err); code != "BucketAlreadyOwnedByYou" && code != "BucketAlreadyExists" {
		t.Errorf("MakeBucket of an existing bucket: %v", err)
	}
}
