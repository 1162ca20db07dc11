// The AWS SDK for Go v1 (Debian's aws-sdk-go 1.44) against a real silo
// server. Run through tests/clients/go/test_go_clients.py, which starts the
// server and sets SILO_ENDPOINT, SILO_ACCESS_KEY and SILO_SECRET_KEY.
package awsgo

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go/aws"
	"github.com/aws/aws-sdk-go/aws/awserr"
	"github.com/aws/aws-sdk-go/aws/credentials"
	"github.com/aws/aws-sdk-go/aws/session"
	v4 "github.com/aws/aws-sdk-go/aws/signer/v4"
	"github.com/aws/aws-sdk-go/service/s3"
	"github.com/aws/aws-sdk-go/service/s3/s3manager"

	tu "silotests/testutil"
)

const defaultRegion = "us-east-1"

func TestMain(m *testing.M) {
	// The suite talks plain HTTP to a local server. A CA bundle from the
	// environment would make the SDK replace the transport's TLS config, which
	// it cannot do on the logging transport.
	os.Unsetenv("AWS_CA_BUNDLE")
	os.Unsetenv("AWS_PROFILE")
	os.Setenv("AWS_CONFIG_FILE", os.DevNull)
	os.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	os.Exit(m.Run())
}

func newSession(t *testing.T, region string) *session.Session {
	t.Helper()
	sess, err := session.NewSession(&aws.Config{
		Endpoint:         aws.String(tu.Endpoint(t)),
		Region:           aws.String(region),
		S3ForcePathStyle: aws.Bool(true),
		DisableSSL:       aws.Bool(true),
		Credentials:      credentials.NewStaticCredentials(tu.AccessKey(t), tu.SecretKey(t), ""),
		HTTPClient:       &http.Client{Transport: tu.NewLoggingTransport(t)},
		MaxRetries:       aws.Int(0),
	})
	if err != nil {
		t.Fatal(err)
	}
	return sess
}

func newClient(t *testing.T) (*s3.S3, *session.Session) {
	sess := newSession(t, defaultRegion)
	return s3.New(sess), sess
}

// unsignedPayload makes a client sign requests with UNSIGNED-PAYLOAD, which
// is how aws-sdk-go v1 can send a body it cannot seek (a plain io.Reader).
func unsignedPayload(svc *s3.S3) *s3.S3 {
	svc.Handlers.Sign.Swap(v4.SignRequestHandler.Name, v4.BuildNamedHandler(v4.SignRequestHandler.Name,
		func(s *v4.Signer) { s.UnsignedPayload = true }))
	return svc
}

func createBucket(t *testing.T, svc *s3.S3, location string) string {
	t.Helper()
	name := tu.BucketName("awsgo")
	in := &s3.CreateBucketInput{Bucket: aws.String(name)}
	if location != "" {
		in.CreateBucketConfiguration = &s3.CreateBucketConfiguration{LocationConstraint: aws.String(location)}
	}
	if _, err := svc.CreateBucket(in); err != nil {
		t.Fatalf("CreateBucket %s (location %q): %v", name, location, err)
	}
	t.Cleanup(func() { deleteBucket(t, svc, name) })
	return name
}

func deleteBucket(t *testing.T, svc *s3.S3, bucket string) {
	err := svc.ListMultipartUploadsPages(&s3.ListMultipartUploadsInput{Bucket: aws.String(bucket)},
		func(p *s3.ListMultipartUploadsOutput, last bool) bool {
			for _, u := range p.Uploads {
				if _, err := svc.AbortMultipartUpload(&s3.AbortMultipartUploadInput{Bucket: aws.String(bucket),
					Key: u.Key, UploadId: u.UploadId}); err != nil {
					t.Errorf("cleanup: AbortMultipartUpload %s: %v", *u.Key, err)
				}
			}
			return true
		})
	if err != nil {
		t.Errorf("cleanup: ListMultipartUploads %s: %v", bucket, err)
	}
	iter := s3manager.NewDeleteListIterator(svc, &s3.ListObjectsInput{Bucket: aws.String(bucket)})
	if err := s3manager.NewBatchDeleteWithClient(svc).Delete(aws.BackgroundContext(), iter); err != nil {
		t.Errorf("cleanup: deleting the objects of %s: %v", bucket, err)
	}
	if _, err := svc.DeleteBucket(&s3.DeleteBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Errorf("cleanup: DeleteBucket %s: %v", bucket, err)
	}
}

func getBytes(t *testing.T, svc *s3.S3, in *s3.GetObjectInput) ([]byte, *s3.GetObjectOutput) {
	t.Helper()
	out, err := svc.GetObject(in)
	if err != nil {
		t.Fatalf("GetObject %s (range %q): %v", aws.StringValue(in.Key), aws.StringValue(in.Range), err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatalf("GetObject %s: read: %v", aws.StringValue(in.Key), err)
	}
	return b, out
}

func code(err error) string {
	if e, ok := err.(awserr.Error); ok {
		return e.Code()
	}
	return ""
}

func expectObject(t *testing.T, svc *s3.S3, bucket, key string, data []byte, etag string) {
	t.Helper()
	head, err := svc.HeadObject(&s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("HeadObject %s: %v", key, err)
	}
	if aws.Int64Value(head.ContentLength) != int64(len(data)) {
		t.Errorf("HeadObject %s: Content-Length %d, want %d", key, aws.Int64Value(head.ContentLength), len(data))
	}
	if etag != "" && tu.TrimETag(aws.StringValue(head.ETag)) != etag {
		t.Errorf("HeadObject %s: ETag %s, want %q", key, aws.StringValue(head.ETag), etag)
	}
	got, _ := getBytes(t, svc, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if !bytes.Equal(got, data) {
		t.Errorf("GetObject %s: %d bytes (sha256 %s), want %d (sha256 %s)", key, len(got), tu.SHA256Hex(got), len(data), tu.SHA256Hex(data))
	}
}

// TestUploadSizes: 0 B, 1 B, 5 MiB - 1 and 16 MiB + 1 through PutObject (from
// a plain reader with Content-Length and UNSIGNED-PAYLOAD, and from a file
// with a signed payload) and through s3manager.Uploader (from a plain reader
// of unknown size, and from a file), each read back with GetObject and
// s3manager.Downloader.
func TestUploadSizes(t *testing.T) {
	svc, sess := newClient(t)
	bucket := createBucket(t, svc, "")
	dir := t.TempDir()
	partSize := int64(s3manager.DefaultUploadPartSize)
	for i, size := range []int{0, 1, 5*tu.MiB - 1, 16*tu.MiB + 1} {
		data := tu.Data(size, int64(1000+i))
		single := tu.SinglePartETag(data)
		multi := single
		if int64(size) >= partSize {
			multi = tu.MultipartETag(bytes.NewReader(data), partSize)
		}
		path := tu.WriteFile(t, dir, fmt.Sprintf("up-%d", size), data)
		check := func(t *testing.T, key, etag string) {
			expectObject(t, svc, bucket, key, data, etag)
			down := filepath.Join(t.TempDir(), "down")
			f, err := os.Create(down)
			if err != nil {
				t.Fatal(err)
			}
			n, err := s3manager.NewDownloader(sess).Download(f, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
			f.Close()
			if err != nil {
				t.Fatalf("Downloader %s: %v", key, err)
			}
			got, _ := os.ReadFile(down)
			if n != int64(size) || !bytes.Equal(got, data) {
				t.Errorf("Downloader %s: %d bytes reported, %d written, want %d identical bytes", key, n, len(got), size)
			}
		}
		t.Run(fmt.Sprintf("putobject-plain-%d", size), func(t *testing.T) {
			svc := unsignedPayload(s3.New(newSession(t, defaultRegion)))
			key := fmt.Sprintf("put-plain/%d", size)
			out, err := svc.PutObject(&s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key),
				Body: aws.ReadSeekCloser(tu.Plain(bytes.NewReader(data))), ContentLength: aws.Int64(int64(size))})
			if err != nil {
				t.Fatalf("PutObject (plain reader, UNSIGNED-PAYLOAD): %v", err)
			}
			if tu.TrimETag(aws.StringValue(out.ETag)) != single {
				t.Errorf("PutObject ETag %s, want %q", aws.StringValue(out.ETag), single)
			}
			check(t, key, single)
		})
		t.Run(fmt.Sprintf("putobject-file-%d", size), func(t *testing.T) {
			svc := s3.New(newSession(t, defaultRegion))
			key := fmt.Sprintf("put-file/%d", size)
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			out, err := svc.PutObject(&s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: f})
			if err != nil {
				t.Fatalf("PutObject (file, signed payload): %v", err)
			}
			if tu.TrimETag(aws.StringValue(out.ETag)) != single {
				t.Errorf("PutObject ETag %s, want %q", aws.StringValue(out.ETag), single)
			}
			check(t, key, single)
		})
		t.Run(fmt.Sprintf("uploader-plain-%d", size), func(t *testing.T) {
			sess := newSession(t, defaultRegion)
			key := fmt.Sprintf("upl-plain/%d", size)
			out, err := s3manager.NewUploader(sess).Upload(&s3manager.UploadInput{Bucket: aws.String(bucket),
				Key: aws.String(key), Body: tu.Plain(bytes.NewReader(data))})
			if err != nil {
				t.Fatalf("Uploader (plain reader, unknown size): %v", err)
			}
			if tu.TrimETag(aws.StringValue(out.ETag)) != multi {
				t.Errorf("Uploader ETag %s, want %q", aws.StringValue(out.ETag), multi)
			}
			check(t, key, multi)
		})
		t.Run(fmt.Sprintf("uploader-file-%d", size), func(t *testing.T) {
			sess := newSession(t, defaultRegion)
			key := fmt.Sprintf("upl-file/%d", size)
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			out, err := s3manager.NewUploader(sess).Upload(&s3manager.UploadInput{Bucket: aws.String(bucket),
				Key: aws.String(key), Body: f})
			if err != nil {
				t.Fatalf("Uploader (file): %v", err)
			}
			if tu.TrimETag(aws.StringValue(out.ETag)) != multi {
				t.Errorf("Uploader ETag %s, want %q", aws.StringValue(out.ETag), multi)
			}
			check(t, key, multi)
		})
	}
}

// TestUpload100MiB: s3manager.Uploader from a plain reader (20 parts of 5 MiB,
// 5 at a time), s3manager.Downloader back into a file (concurrent ranges).
func TestUpload100MiB(t *testing.T) {
	const size = 100 * tu.MiB
	svc, sess := newClient(t)
	bucket := createBucket(t, svc, "")
	wantSize, wantSHA := tu.StreamDigest(size, 77)
	wantETag := tu.MultipartETag(tu.Stream(size, 77), s3manager.DefaultUploadPartSize)
	out, err := s3manager.NewUploader(sess).Upload(&s3manager.UploadInput{Bucket: aws.String(bucket),
		Key: aws.String("big"), Body: tu.Stream(size, 77)})
	if err != nil {
		t.Fatalf("Uploader 100 MiB: %v", err)
	}
	if tu.TrimETag(aws.StringValue(out.ETag)) != wantETag {
		t.Errorf("Uploader ETag %s, want %q", aws.StringValue(out.ETag), wantETag)
	}
	path := filepath.Join(t.TempDir(), "big")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	n, err := s3manager.NewDownloader(sess, func(d *s3manager.Downloader) { d.PartSize = 8 * tu.MiB }).
		Download(f, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("big")})
	f.Close()
	if err != nil {
		t.Fatalf("Downloader 100 MiB: %v", err)
	}
	f, _ = os.Open(path)
	gotSize, gotSHA := tu.ReaderDigest(f)
	f.Close()
	if n != size || gotSize != wantSize || gotSHA != wantSHA {
		t.Errorf("Downloader: %d bytes reported, file %d bytes sha256 %s; want %d %s", n, gotSize, gotSHA, wantSize, wantSHA)
	}
}

type algo struct {
	name string
	new  func() hash.Hash
	set  func(put *s3.PutObjectInput, part *s3.UploadPartInput, done *s3.CompletedPart, v string)
	// the checksum an output reports
	get func(o interface{}) string
}

func crc32Hash() hash.Hash  { return crc32.NewIEEE() }
func crc32cHash() hash.Hash { return crc32.New(crc32.MakeTable(crc32.Castagnoli)) }

var algos = []algo{
	{"CRC32", crc32Hash, func(p *s3.PutObjectInput, u *s3.UploadPartInput, c *s3.CompletedPart, v string) {
		if p != nil {
			p.ChecksumCRC32 = &v
		}
		if u != nil {
			u.ChecksumCRC32 = &v
		}
		if c != nil {
			c.ChecksumCRC32 = &v
		}
	}, func(o interface{}) string { return field(o, "CRC32") }},
	{"CRC32C", crc32cHash, func(p *s3.PutObjectInput, u *s3.UploadPartInput, c *s3.CompletedPart, v string) {
		if p != nil {
			p.ChecksumCRC32C = &v
		}
		if u != nil {
			u.ChecksumCRC32C = &v
		}
		if c != nil {
			c.ChecksumCRC32C = &v
		}
	}, func(o interface{}) string { return field(o, "CRC32C") }},
	{"SHA1", sha1.New, func(p *s3.PutObjectInput, u *s3.UploadPartInput, c *s3.CompletedPart, v string) {
		if p != nil {
			p.ChecksumSHA1 = &v
		}
		if u != nil {
			u.ChecksumSHA1 = &v
		}
		if c != nil {
			c.ChecksumSHA1 = &v
		}
	}, func(o interface{}) string { return field(o, "SHA1") }},
	{"SHA256", sha256.New, func(p *s3.PutObjectInput, u *s3.UploadPartInput, c *s3.CompletedPart, v string) {
		if p != nil {
			p.ChecksumSHA256 = &v
		}
		if u != nil {
			u.ChecksumSHA256 = &v
		}
		if c != nil {
			c.ChecksumSHA256 = &v
		}
	}, func(o interface{}) string { return field(o, "SHA256") }},
}

// field reads the Checksum<name> member of an SDK output.
func field(o interface{}, name string) string {
	var c32, c32c, s1, s256 *string
	switch v := o.(type) {
	case *s3.PutObjectOutput:
		c32, c32c, s1, s256 = v.ChecksumCRC32, v.ChecksumCRC32C, v.ChecksumSHA1, v.ChecksumSHA256
	case *s3.HeadObjectOutput:
		c32, c32c, s1, s256 = v.ChecksumCRC32, v.ChecksumCRC32C, v.ChecksumSHA1, v.ChecksumSHA256
	case *s3.GetObjectOutput:
		c32, c32c, s1, s256 = v.ChecksumCRC32, v.ChecksumCRC32C, v.ChecksumSHA1, v.ChecksumSHA256
	case *s3.UploadPartOutput:
		c32, c32c, s1, s256 = v.ChecksumCRC32, v.ChecksumCRC32C, v.ChecksumSHA1, v.ChecksumSHA256
	case *s3.CompleteMultipartUploadOutput:
		c32, c32c, s1, s256 = v.ChecksumCRC32, v.ChecksumCRC32C, v.ChecksumSHA1, v.ChecksumSHA256
	case *s3.Part:
		c32, c32c, s1, s256 = v.ChecksumCRC32, v.ChecksumCRC32C, v.ChecksumSHA1, v.ChecksumSHA256
	default:
		panic(fmt.Sprintf("field: %T", o))
	}
	return aws.StringValue(map[string]*string{"CRC32": c32, "CRC32C": c32c, "SHA1": s1, "SHA256": s256}[name])
}

func digest(a algo, b []byte) []byte {
	h := a.new()
	h.Write(b)
	return h.Sum(nil)
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// TestChecksums: PutObject and UploadPart with ChecksumAlgorithm set to each
// of CRC32, CRC32C, SHA1 and SHA256 and the checksum computed here; the
// server stores it and returns it with x-amz-checksum-mode: ENABLED, rejects
// a wrong one with BadDigest, and reports the checksum of checksums ("-N")
// for a multipart object.
func TestChecksums(t *testing.T) {
	svc, _ := newClient(t)
	bucket := createBucket(t, svc, "")
	for i, a := range algos {
		a := a
		t.Run(a.name, func(t *testing.T) {
			svc, _ := newClient(t)
			data := tu.Data(100*tu.KiB+3, int64(2000+i))
			want := b64(digest(a, data))
			key := "put-" + a.name
			in := &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(data),
				ChecksumAlgorithm: aws.String(a.name)}
			a.set(in, nil, nil, want)
			out, err := svc.PutObject(in)
			if err != nil {
				t.Fatalf("PutObject with x-amz-checksum-%s: %v", strings.ToLower(a.name), err)
			}
			if got := a.get(out); got != want {
				t.Errorf("PutObject response x-amz-checksum-%s %q, want %q", strings.ToLower(a.name), got, want)
			}
			head, err := svc.HeadObject(&s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), ChecksumMode: aws.String("ENABLED")})
			if err != nil {
				t.Fatal(err)
			}
			if got := a.get(head); got != want {
				t.Errorf("HeadObject ChecksumMode ENABLED: %s %q, want %q", a.name, got, want)
			}
			body, get := getBytes(t, svc, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), ChecksumMode: aws.String("ENABLED")})
			if !bytes.Equal(body, data) || a.get(get) != want {
				t.Errorf("GetObject ChecksumMode ENABLED: %d bytes, %s %q, want %q", len(body), a.name, a.get(get), want)
			}

			// A wrong checksum is refused and stores nothing.
			bad := &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("bad-" + a.name), Body: bytes.NewReader(data),
				ChecksumAlgorithm: aws.String(a.name)}
			a.set(bad, nil, nil, b64(digest(a, []byte("something else"))))
			if _, err := svc.PutObject(bad); code(err) != "BadDigest" {
				t.Errorf("PutObject with a wrong x-amz-checksum-%s: %v, want BadDigest", strings.ToLower(a.name), err)
			}
			if _, err := svc.HeadObject(&s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("bad-" + a.name)}); err == nil {
				t.Errorf("the object with a wrong checksum was stored")
			}

			// Multipart: CreateMultipartUpload with the algorithm, parts with checksums.
			mkey := "mpu-" + a.name
			mdata := tu.Data(5*tu.MiB+1000, int64(3000+i))
			parts := [][]byte{mdata[:5*tu.MiB], mdata[5*tu.MiB:]}
			cr, err := svc.CreateMultipartUpload(&s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(mkey),
				ChecksumAlgorithm: aws.String(a.name)})
			if err != nil {
				t.Fatalf("CreateMultipartUpload ChecksumAlgorithm %s: %v", a.name, err)
			}
			if aws.StringValue(cr.ChecksumAlgorithm) != a.name {
				t.Errorf("CreateMultipartUpload: x-amz-checksum-algorithm %q, want %q", aws.StringValue(cr.ChecksumAlgorithm), a.name)
			}
			var done []*s3.CompletedPart
			var sums []byte
			for n, p := range parts {
				sum := digest(a, p)
				sums = append(sums, sum...)
				up := &s3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String(mkey), UploadId: cr.UploadId,
					PartNumber: aws.Int64(int64(n + 1)), Body: bytes.NewReader(p), ChecksumAlgorithm: aws.String(a.name)}
				a.set(nil, up, nil, b64(sum))
				uo, err := svc.UploadPart(up)
				if err != nil {
					t.Fatalf("UploadPart %d with x-amz-checksum-%s: %v", n+1, strings.ToLower(a.name), err)
				}
				if got := a.get(uo); got != b64(sum) {
					t.Errorf("UploadPart %d: response checksum %q, want %q", n+1, got, b64(sum))
				}
				cp := &s3.CompletedPart{ETag: uo.ETag, PartNumber: aws.Int64(int64(n + 1))}
				a.set(nil, nil, cp, b64(sum))
				done = append(done, cp)
			}
			lp, err := svc.ListParts(&s3.ListPartsInput{Bucket: aws.String(bucket), Key: aws.String(mkey), UploadId: cr.UploadId})
			if err != nil {
				t.Fatalf("ListParts: %v", err)
			}
			if len(lp.Parts) != 2 {
				t.Fatalf("ListParts: %d parts", len(lp.Parts))
			}
			for n, p := range lp.Parts {
				if got, want := a.get(p), b64(digest(a, parts[n])); got != want {
					t.Errorf("ListParts part %d: checksum %q, want %q", n+1, got, want)
				}
			}
			// A wrong part checksum is refused.
			badPart := &s3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String(mkey), UploadId: cr.UploadId,
				PartNumber: aws.Int64(3), Body: bytes.NewReader(parts[1]), ChecksumAlgorithm: aws.String(a.name)}
			a.set(nil, badPart, nil, b64(digest(a, parts[0])))
			if _, err := svc.UploadPart(badPart); code(err) != "BadDigest" {
				t.Errorf("UploadPart with a wrong checksum: %v, want BadDigest", err)
			}
			co, err := svc.CompleteMultipartUpload(&s3.CompleteMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(mkey),
				UploadId: cr.UploadId, MultipartUpload: &s3.CompletedMultipartUpload{Parts: done}})
			if err != nil {
				t.Fatalf("CompleteMultipartUpload with %s part checksums: %v", a.name, err)
			}
			composite := b64(digest(a, sums)) + "-2"
			if got := a.get(co); got != composite {
				t.Errorf("CompleteMultipartUpload: %s %q, want %q", a.name, got, composite)
			}
			head, err = svc.HeadObject(&s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(mkey), ChecksumMode: aws.String("ENABLED")})
			if err != nil {
				t.Fatal(err)
			}
			if got := a.get(head); got != composite {
				t.Errorf("HeadObject ChecksumMode ENABLED on the multipart object: %s %q, want %q", a.name, got, composite)
			}
			expectObject(t, svc, bucket, mkey, mdata, tu.MultipartETag(bytes.NewReader(mdata), 5*tu.MiB))
		})
	}
}

func TestRangeReads(t *testing.T) {
	svc, _ := newClient(t)
	bucket := createBucket(t, svc, "")
	size := int64(3*tu.MiB + 17)
	data := tu.Data(int(size), 4000)
	if _, err := svc.PutObject(&s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("r"), Body: bytes.NewReader(data)}); err != nil {
		t.Fatal(err)
	}
	for _, r := range []struct {
		rng    string
		lo, hi int64
	}{
		{"bytes=0-0", 0, 1},
		{"bytes=10-19", 10, 20},
		{"bytes=-5", size - 5, size},
		{fmt.Sprintf("bytes=%d-", size-1000), size - 1000, size},
		{fmt.Sprintf("bytes=%d-%d", tu.MiB-3, 2*tu.MiB+3), tu.MiB - 3, 2*tu.MiB + 4},
		{fmt.Sprintf("bytes=%d-%d", size-10, size+1000), size - 10, size},
	} {
		got, out := getBytes(t, svc, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("r"), Range: aws.String(r.rng)})
		wantCR := fmt.Sprintf("bytes %d-%d/%d", r.lo, r.hi-1, size)
		if !bytes.Equal(got, data[r.lo:r.hi]) || aws.StringValue(out.ContentRange) != wantCR ||
			aws.Int64Value(out.ContentLength) != r.hi-r.lo {
			t.Errorf("Range %s: %d bytes (equal %v), Content-Range %q, Content-Length %d; want %q, %d",
				r.rng, len(got), bytes.Equal(got, data[r.lo:r.hi]), aws.StringValue(out.ContentRange),
				aws.Int64Value(out.ContentLength), wantCR, r.hi-r.lo)
		}
	}
	_, err := svc.GetObject(&s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("r"),
		Range: aws.String(fmt.Sprintf("bytes=%d-", size))})
	if code(err) != "InvalidRange" {
		t.Errorf("Range starting at the size: %v, want InvalidRange", err)
	}
}

// copySource is the x-amz-copy-source value for bucket/key (URL-encoded).
func copySource(bucket, key string) string {
	segs := strings.Split(key, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return bucket + "/" + strings.Join(segs, "/")
}

func TestCopy(t *testing.T) {
	svc, _ := newClient(t)
	bucket := createBucket(t, svc, "")
	other := createBucket(t, svc, "")
	data := tu.Data(11*tu.MiB+5, 5000)
	src := "src dir/ünï+cödé file"
	put, err := svc.PutObject(&s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(src), Body: bytes.NewReader(data),
		ContentType: aws.String("image/x-test"), Metadata: map[string]*string{"Origin": aws.String("one")}})
	if err != nil {
		t.Fatal(err)
	}
	etag := tu.SinglePartETag(data)

	co, err := svc.CopyObject(&s3.CopyObjectInput{Bucket: aws.String(other), Key: aws.String("copied"),
		CopySource: aws.String(copySource(bucket, src))})
	if err != nil {
		t.Fatalf("CopyObject: %v", err)
	}
	if co.CopyObjectResult == nil || tu.TrimETag(aws.StringValue(co.CopyObjectResult.ETag)) != etag || co.CopyObjectResult.LastModified == nil {
		t.Errorf("CopyObjectResult %v, want ETag %q", co.CopyObjectResult, etag)
	}
	expectObject(t, svc, other, "copied", data, etag)
	head, err := svc.HeadObject(&s3.HeadObjectInput{Bucket: aws.String(other), Key: aws.String("copied")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.StringValue(head.ContentType) != "image/x-test" || aws.StringValue(head.Metadata["Origin"]) != "one" {
		t.Errorf("copy (COPY directive): Content-Type %q, metadata %v", aws.StringValue(head.ContentType), aws.StringValueMap(head.Metadata))
	}

	_, err = svc.CopyObject(&s3.CopyObjectInput{Bucket: aws.String(bucket), Key: aws.String("replaced"),
		CopySource: aws.String(copySource(bucket, src)), MetadataDirective: aws.String("REPLACE"),
		ContentType: aws.String("text/x-new"), Metadata: map[string]*string{"Fresh": aws.String("two")},
		CopySourceIfMatch: put.ETag})
	if err != nil {
		t.Fatalf("CopyObject REPLACE with x-amz-copy-source-if-match: %v", err)
	}
	head, err = svc.HeadObject(&s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("replaced")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.StringValue(head.ContentType) != "text/x-new" || aws.StringValue(head.Metadata["Fresh"]) != "two" || head.Metadata["Origin"] != nil {
		t.Errorf("copy (REPLACE directive): Content-Type %q, metadata %v", aws.StringValue(head.ContentType), aws.StringValueMap(head.Metadata))
	}
	_, err = svc.CopyObject(&s3.CopyObjectInput{Bucket: aws.String(bucket), Key: aws.String("never"),
		CopySource: aws.String(copySource(bucket, src)), CopySourceIfNoneMatch: put.ETag})
	if code(err) != "PreconditionFailed" {
		t.Errorf("CopyObject with x-amz-copy-source-if-none-match of the ETag: %v, want PreconditionFailed", err)
	}

	// UploadPartCopy: two ranges of the source and one uploaded part.
	cr, err := svc.CreateMultipartUpload(&s3.CreateMultipartUploadInput{Bucket: aws.String(other), Key: aws.String("assembled")})
	if err != nil {
		t.Fatal(err)
	}
	ranges := [][2]int64{{6 * tu.MiB, 11*tu.MiB + 4}, {0, 5*tu.MiB - 1}}
	var want []byte
	var done []*s3.CompletedPart
	var partData [][]byte
	for n, r := range ranges {
		pc, err := svc.UploadPartCopy(&s3.UploadPartCopyInput{Bucket: aws.String(other), Key: aws.String("assembled"),
			UploadId: cr.UploadId, PartNumber: aws.Int64(int64(n + 1)), CopySource: aws.String(copySource(bucket, src)),
			CopySourceRange: aws.String(fmt.Sprintf("bytes=%d-%d", r[0], r[1]))})
		if err != nil {
			t.Fatalf("UploadPartCopy %d (bytes=%d-%d): %v", n+1, r[0], r[1], err)
		}
		p := data[r[0] : r[1]+1]
		if tu.TrimETag(aws.StringValue(pc.CopyPartResult.ETag)) != tu.SinglePartETag(p) {
			t.Errorf("UploadPartCopy %d: ETag %s, want %q", n+1, aws.StringValue(pc.CopyPartResult.ETag), tu.SinglePartETag(p))
		}
		want = append(want, p...)
		partData = append(partData, p)
		done = append(done, &s3.CompletedPart{ETag: pc.CopyPartResult.ETag, PartNumber: aws.Int64(int64(n + 1))})
	}
	last := []byte("the last part")
	up, err := svc.UploadPart(&s3.UploadPartInput{Bucket: aws.String(other), Key: aws.String("assembled"), UploadId: cr.UploadId,
		PartNumber: aws.Int64(3), Body: bytes.NewReader(last)})
	if err != nil {
		t.Fatal(err)
	}
	want = append(want, last...)
	partData = append(partData, last)
	done = append(done, &s3.CompletedPart{ETag: up.ETag, PartNumber: aws.Int64(3)})
	comp, err := svc.CompleteMultipartUpload(&s3.CompleteMultipartUploadInput{Bucket: aws.String(other), Key: aws.String("assembled"),
		UploadId: cr.UploadId, MultipartUpload: &s3.CompletedMultipartUpload{Parts: done}})
	if err != nil {
		t.Fatalf("CompleteMultipartUpload: %v", err)
	}
	wantETag := multipartETagOf(partData)
	if tu.TrimETag(aws.StringValue(comp.ETag)) != wantETag {
		t.Errorf("CompleteMultipartUpload ETag %s, want %q", aws.StringValue(comp.ETag), wantETag)
	}
	expectObject(t, svc, other, "assembled", want, wantETag)
}

// multipartETagOf is the ETag of an object completed from these parts.
func multipartETagOf(parts [][]byte) string {
	var sums []byte
	for _, p := range parts {
		b, _ := hex.DecodeString(tu.SinglePartETag(p))
		sums = append(sums, b...)
	}
	return fmt.Sprintf("%s-%d", tu.SinglePartETag(sums), len(parts))
}

func TestListing(t *testing.T) {
	svc, _ := newClient(t)
	bucket := createBucket(t, svc, "")
	var keys []string
	for i := 0; i < 11; i++ {
		keys = append(keys, fmt.Sprintf("logs/2024-01-%02d.log", i+1))
	}
	keys = append(keys, "logs/archive/old.log", "media/a.png", "media/b/c.png", "readme", "zz top", "ключ/значение")
	for _, k := range keys {
		if _, err := svc.PutObject(&s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(k), Body: strings.NewReader(k)}); err != nil {
			t.Fatal(err)
		}
	}
	sorted := tu.SortedCopy(keys)

	var v2 []string
	pages := 0
	err := svc.ListObjectsV2Pages(&s3.ListObjectsV2Input{Bucket: aws.String(bucket), MaxKeys: aws.Int64(4)},
		func(p *s3.ListObjectsV2Output, last bool) bool {
			pages++
			if aws.Int64Value(p.KeyCount) != int64(len(p.Contents)) || len(p.Contents) > 4 {
				t.Errorf("ListObjectsV2 page %d: KeyCount %d, %d keys", pages, aws.Int64Value(p.KeyCount), len(p.Contents))
			}
			if aws.BoolValue(p.IsTruncated) == last {
				t.Errorf("ListObjectsV2 page %d: IsTruncated %v on last=%v", pages, aws.BoolValue(p.IsTruncated), last)
			}
			for _, o := range p.Contents {
				v2 = append(v2, aws.StringValue(o.Key))
				k := aws.StringValue(o.Key)
				if aws.Int64Value(o.Size) != int64(len(k)) || tu.TrimETag(aws.StringValue(o.ETag)) != tu.SinglePartETag([]byte(k)) ||
					o.LastModified == nil || aws.StringValue(o.StorageClass) == "" {
					t.Errorf("listed %q: size %d ETag %s LastModified %v StorageClass %q", k, aws.Int64Value(o.Size),
						aws.StringValue(o.ETag), o.LastModified, aws.StringValue(o.StorageClass))
				}
			}
			return true
		})
	if err != nil {
		t.Fatalf("ListObjectsV2Pages: %v", err)
	}
	if !tu.Equal(v2, sorted) || pages != (len(keys)+3)/4 {
		t.Errorf("ListObjectsV2 by pages of 4: %d pages\n got %q\nwant %q", pages, v2, sorted)
	}

	var v1 []string
	err = svc.ListObjectsPages(&s3.ListObjectsInput{Bucket: aws.String(bucket), MaxKeys: aws.Int64(3)},
		func(p *s3.ListObjectsOutput, last bool) bool {
			for _, o := range p.Contents {
				v1 = append(v1, aws.StringValue(o.Key))
			}
			return true
		})
	if err != nil || !tu.Equal(v1, sorted) {
		t.Errorf("ListObjects (v1) by pages of 3: %v\n got %q\nwant %q", err, v1, sorted)
	}

	// Delimiter with pagination: common prefixes count towards MaxKeys.
	for _, v := range []string{"v1", "v2"} {
		var got []string
		var err error
		if v == "v2" {
			err = svc.ListObjectsV2Pages(&s3.ListObjectsV2Input{Bucket: aws.String(bucket), Delimiter: aws.String("/"), MaxKeys: aws.Int64(2)},
				func(p *s3.ListObjectsV2Output, last bool) bool {
					if len(p.Contents)+len(p.CommonPrefixes) > 2 {
						t.Errorf("ListObjectsV2 delimiter: page of %d keys + %d prefixes, MaxKeys 2", len(p.Contents), len(p.CommonPrefixes))
					}
					for _, o := range p.Contents {
						got = append(got, aws.StringValue(o.Key))
					}
					for _, c := range p.CommonPrefixes {
						got = append(got, aws.StringValue(c.Prefix))
					}
					return true
				})
		} else {
			err = svc.ListObjectsPages(&s3.ListObjectsInput{Bucket: aws.String(bucket), Delimiter: aws.String("/"), MaxKeys: aws.Int64(2)},
				func(p *s3.ListObjectsOutput, last bool) bool {
					if aws.BoolValue(p.IsTruncated) && aws.StringValue(p.NextMarker) == "" {
						t.Errorf("ListObjects v1 with a delimiter: truncated without NextMarker")
					}
					for _, o := range p.Contents {
						got = append(got, aws.StringValue(o.Key))
					}
					for _, c := range p.CommonPrefixes {
						got = append(got, aws.StringValue(c.Prefix))
					}
					return true
				})
		}
		want := []string{"logs/", "media/", "readme", "zz top", "ключ/"}
		if err != nil || !tu.Equal(tu.SortedCopy(got), want) {
			t.Errorf("%s delimiter / MaxKeys 2: %v\n got %q\nwant %q", v, err, got, want)
		}
	}
	out, err := svc.ListObjectsV2(&s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String("logs/"),
		Delimiter: aws.String("/"), StartAfter: aws.String("logs/2024-01-09.log")})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range out.Contents {
		got = append(got, aws.StringValue(o.Key))
	}
	for _, c := range out.CommonPrefixes {
		got = append(got, aws.StringValue(c.Prefix))
	}
	if want := []string{"logs/2024-01-10.log", "logs/2024-01-11.log", "logs/archive/"}; !tu.Equal(got, want) {
		t.Errorf("ListObjectsV2 prefix logs/ StartAfter: got %q, want %q", got, want)
	}
}

func TestPresigned(t *testing.T) {
	svc, _ := newClient(t)
	bucket := createBucket(t, svc, "")
	hc := &http.Client{Transport: tu.NewLoggingTransport(t)}
	data := tu.Data(200*tu.KiB+9, 6000)

	req, _ := svc.PutObjectRequest(&s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("pre signed/ключ"),
		ContentType: aws.String("application/x-presigned")})
	putURL, err := req.Presign(10 * time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	hreq, _ := http.NewRequest(http.MethodPut, putURL, bytes.NewReader(data))
	hreq.Header.Set("Content-Type", "application/x-presigned") // signed: must be sent
	resp, err := hc.Do(hreq)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("presigned PUT: %s", resp.Status)
	}
	expectObject(t, svc, bucket, "pre signed/ключ", data, tu.SinglePartETag(data))

	greq, _ := svc.GetObjectRequest(&s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("pre signed/ключ"),
		ResponseContentDisposition: aws.String(`inline; filename="p.bin"`), ResponseCacheControl: aws.String("no-store")})
	getURL, err := greq.Presign(10 * time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	resp, err = hc.Get(getURL)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Equal(got, data) {
		t.Errorf("presigned GET: %s, %d bytes", resp.Status, len(got))
	}
	if resp.Header.Get("Content-Type") != "application/x-presigned" ||
		resp.Header.Get("Content-Disposition") != `inline; filename="p.bin"` || resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("presigned GET headers: Content-Type %q, Content-Disposition %q, Cache-Control %q",
			resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"), resp.Header.Get("Cache-Control"))
	}

	// The presigned PUT with another Content-Type than the signed one is refused.
	hreq, _ = http.NewRequest(http.MethodPut, putURL, bytes.NewReader(data))
	hreq.Header.Set("Content-Type", "text/plain")
	resp, err = hc.Do(hreq)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Errorf("presigned PUT with a changed signed header: %s, want 403", resp.Status)
	}
}

func TestDeleteObjects(t *testing.T) {
	svc, _ := newClient(t)
	bucket := createBucket(t, svc, "")
	var ids []*s3.ObjectIdentifier
	for i := 0; i < 30; i++ {
		k := fmt.Sprintf("batch/%02d", i)
		if _, err := svc.PutObject(&s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(k), Body: strings.NewReader(k)}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, &s3.ObjectIdentifier{Key: aws.String(k)})
	}
	for _, k := range []string{"stay", "batch-not"} {
		if _, err := svc.PutObject(&s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(k), Body: strings.NewReader(k)}); err != nil {
			t.Fatal(err)
		}
	}
	ids = append(ids, &s3.ObjectIdentifier{Key: aws.String("batch/missing")})
	out, err := svc.DeleteObjects(&s3.DeleteObjectsInput{Bucket: aws.String(bucket),
		Delete: &s3.Delete{Objects: ids[:20]}})
	if err != nil {
		t.Fatalf("DeleteObjects: %v", err)
	}
	if len(out.Deleted) != 20 || len(out.Errors) != 0 {
		t.Errorf("DeleteObjects: %d deleted, errors %v; want 20, none", len(out.Deleted), out.Errors)
	}
	out, err = svc.DeleteObjects(&s3.DeleteObjectsInput{Bucket: aws.String(bucket),
		Delete: &s3.Delete{Objects: ids[20:], Quiet: aws.Bool(true)}})
	if err != nil {
		t.Fatalf("DeleteObjects Quiet: %v", err)
	}
	if len(out.Deleted) != 0 || len(out.Errors) != 0 {
		t.Errorf("DeleteObjects Quiet: %d deleted listed, errors %v; want none", len(out.Deleted), out.Errors)
	}
	lo, err := svc.ListObjectsV2(&s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, o := range lo.Contents {
		left = append(left, aws.StringValue(o.Key))
	}
	if !tu.Equal(left, []string{"batch-not", "stay"}) {
		t.Errorf("after DeleteObjects: %q", left)
	}
}

func TestMetadataAndHeaders(t *testing.T) {
	svc, sess := newClient(t)
	bucket := createBucket(t, svc, "")
	meta := map[string]*string{"Color": aws.String("blue"), "Project-Name": aws.String("silo")}
	small := []byte("hello metadata")
	if _, err := svc.PutObject(&s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("small"), Body: bytes.NewReader(small),
		Metadata: meta, ContentType: aws.String("text/x-silo; charset=utf-8"),
		ContentDisposition: aws.String(`attachment; filename="r.txt"`), CacheControl: aws.String("max-age=60, private"),
		ContentLanguage: aws.String("de-DE")}); err != nil {
		t.Fatal(err)
	}
	big := tu.Data(6*tu.MiB, 7000)
	if _, err := s3manager.NewUploader(sess).Upload(&s3manager.UploadInput{Bucket: aws.String(bucket), Key: aws.String("big"),
		Body: tu.Plain(bytes.NewReader(big)), Metadata: meta, ContentType: aws.String("text/x-silo; charset=utf-8"),
		ContentDisposition: aws.String(`attachment; filename="r.txt"`), CacheControl: aws.String("max-age=60, private"),
		ContentLanguage: aws.String("de-DE")}); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"small", "big"} {
		head, err := svc.HeadObject(&s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		if err != nil {
			t.Fatal(err)
		}
		body, get := getBytes(t, svc, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		if want := map[string][]byte{"small": small, "big": big}[key]; !bytes.Equal(body, want) {
			t.Errorf("%s: wrong body", key)
		}
		for what, h := range map[string][5]*string{
			"HEAD": {head.ContentType, head.ContentDisposition, head.CacheControl, head.ContentLanguage, nil},
			"GET":  {get.ContentType, get.ContentDisposition, get.CacheControl, get.ContentLanguage, nil},
		} {
			got := [4]string{aws.StringValue(h[0]), aws.StringValue(h[1]), aws.StringValue(h[2]), aws.StringValue(h[3])}
			want := [4]string{"text/x-silo; charset=utf-8", `attachment; filename="r.txt"`, "max-age=60, private", "de-DE"}
			if got != want {
				t.Errorf("%s %s: Content-Type, Content-Disposition, Cache-Control, Content-Language = %q, want %q", what, key, got, want)
			}
		}
		for what, m := range map[string]map[string]*string{"HEAD": head.Metadata, "GET": get.Metadata} {
			if aws.StringValue(m["Color"]) != "blue" || aws.StringValue(m["Project-Name"]) != "silo" || len(m) != 2 {
				t.Errorf("%s %s: metadata %v", what, key, aws.StringValueMap(m))
			}
		}
	}
}

// TestRegionEUWest1: a client configured for eu-west-1 signs every request
// with that region; its bucket reports the location.
func TestRegionEUWest1(t *testing.T) {
	const region = "eu-west-1"
	sess := newSession(t, region)
	svc := s3.New(sess)
	bucket := createBucket(t, svc, region)
	loc, err := svc.GetBucketLocation(&s3.GetBucketLocationInput{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatalf("GetBucketLocation: %v", err)
	}
	if aws.StringValue(loc.LocationConstraint) != region {
		t.Errorf("GetBucketLocation: %q, want %q", aws.StringValue(loc.LocationConstraint), region)
	}
	hb, _ := svc.HeadBucketRequest(&s3.HeadBucketInput{Bucket: aws.String(bucket)})
	if err := hb.Send(); err != nil {
		t.Errorf("HeadBucket: %v", err)
	} else if got := hb.HTTPResponse.Header.Get("X-Amz-Bucket-Region"); got != region {
		t.Errorf("HeadBucket: x-amz-bucket-region %q, want %q", got, region)
	}
	// s3manager.GetBucketRegion sends an anonymous HeadBucket and reads
	// x-amz-bucket-region from the response, which S3 sends even with a 403.
	got, err := s3manager.GetBucketRegion(aws.BackgroundContext(), sess, bucket, "us-east-1")
	if err != nil || got != region {
		t.Errorf("s3manager.GetBucketRegion (anonymous HeadBucket, x-amz-bucket-region): %q, %v; want %q", got, err, region)
	}
	data := tu.Data(7*tu.MiB+1, 8000)
	if _, err := svc.PutObject(&s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("k"), Body: bytes.NewReader(data[:1000])}); err != nil {
		t.Fatalf("PutObject in %s: %v", region, err)
	}
	expectObject(t, svc, bucket, "k", data[:1000], tu.SinglePartETag(data[:1000]))
	if _, err := s3manager.NewUploader(sess).Upload(&s3manager.UploadInput{Bucket: aws.String(bucket), Key: aws.String("mp"),
		Body: tu.Plain(bytes.NewReader(data))}); err != nil {
		t.Fatalf("Uploader in %s: %v", region, err)
	}
	expectObject(t, svc, bucket, "mp", data, tu.MultipartETag(bytes.NewReader(data), s3manager.DefaultUploadPartSize))
	req, _ := svc.GetObjectRequest(&s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("k")})
	u, err := req.Presign(time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(u, "%2F"+region+"%2Fs3%2Faws4_request") {
		t.Errorf("presigned URL not scoped to %s: %s", region, u)
	}
	resp, err := (&http.Client{Transport: tu.NewLoggingTransport(t)}).Get(u)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Equal(body, data[:1000]) {
		t.Errorf("presigned GET in %s: %s, %d bytes", region, resp.Status, len(body))
	}
	lo, err := svc.ListObjectsV2(&s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	if err != nil || len(lo.Contents) != 2 {
		t.Errorf("ListObjectsV2 in %s: %v, %v", region, err, lo)
	}
	// Service-level requests are signed for eu-west-1 too.
	buckets, err := svc.ListBuckets(&s3.ListBucketsInput{})
	if err != nil {
		t.Fatalf("ListBuckets signed for %s: %v", region, err)
	}
	found := false
	for _, b := range buckets.Buckets {
		found = found || aws.StringValue(b.Name) == bucket
	}
	if !found {
		t.Errorf("ListBuckets does not list %s", bucket)
	}
}

// TestGetPartNumber: GET and HEAD with partNumber return one part of a
// multipart object and x-amz-mp-parts-count.
func TestGetPartNumber(t *testing.T) {
	svc, sess := newClient(t)
	bucket := createBucket(t, svc, "")
	data := tu.Data(11*tu.MiB, 9000)
	if _, err := s3manager.NewUploader(sess).Upload(&s3manager.UploadInput{Bucket: aws.String(bucket), Key: aws.String("mp"),
		Body: tu.Plain(bytes.NewReader(data))}); err != nil {
		t.Fatal(err)
	}
	head, err := svc.HeadObject(&s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("mp"), PartNumber: aws.Int64(3)})
	if err != nil {
		t.Fatalf("HeadObject partNumber=3: %v", err)
	}
	if aws.Int64Value(head.ContentLength) != tu.MiB || aws.Int64Value(head.PartsCount) != 3 {
		t.Errorf("HeadObject partNumber=3: Content-Length %d, x-amz-mp-parts-count %d; want %d, 3",
			aws.Int64Value(head.ContentLength), aws.Int64Value(head.PartsCount), tu.MiB)
	}
	got, out := getBytes(t, svc, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("mp"), PartNumber: aws.Int64(2)})
	if !bytes.Equal(got, data[5*tu.MiB:10*tu.MiB]) || aws.Int64Value(out.PartsCount) != 3 {
		t.Errorf("GetObject partNumber=2: %d bytes (equal %v), parts count %d", len(got),
			bytes.Equal(got, data[5*tu.MiB:10*tu.MiB]), aws.Int64Value(out.PartsCount))
	}
}
