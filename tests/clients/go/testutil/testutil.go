// Package testutil holds what the Go client suites share: the server's
// endpoint and credentials (from the environment the pytest driver sets),
// deterministic test data, readers that hide io.Seeker/io.ReaderAt, the
// expected S3 ETags, and an HTTP transport that logs every error response with
// the request that caused it.
package testutil

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const (
	KiB = 1 << 10
	MiB = 1 << 20
)

// Env reads a required environment variable.
func Env(t testing.TB, name string) string {
	v := os.Getenv(name)
	if v == "" {
		t.Fatalf("%s is not set: run this suite through tests/clients/go/test_go_clients.py", name)
	}
	return v
}

// Endpoint is http://host:port, HostPort is host:port.
func Endpoint(t testing.TB) string  { return Env(t, "SILO_ENDPOINT") }
func HostPort(t testing.TB) string  { return Env(t, "SILO_HOSTPORT") }
func AccessKey(t testing.TB) string { return Env(t, "SILO_ACCESS_KEY") }
func SecretKey(t testing.TB) string { return Env(t, "SILO_SECRET_KEY") }

var bucketSeq int64

// BucketName is a unique, valid bucket name for one test.
func BucketName(prefix string) string {
	n := atomic.AddInt64(&bucketSeq, 1)
	return fmt.Sprintf("%s-%x-%d-%d", prefix, time.Now().UnixNano()&0xffffffffff, os.Getpid(), n)
}

// Data is n deterministic pseudo-random bytes (different per seed).
func Data(n int, seed int64) []byte {
	b := make([]byte, n)
	rand.New(rand.NewSource(seed)).Read(b)
	return b
}

// PlainReader hides every interface but io.Reader (no Seek, no ReadAt, no
// Len, no WriteTo), so SDKs must stream it without knowing its size.
type PlainReader struct{ r io.Reader }

func Plain(r io.Reader) *PlainReader              { return &PlainReader{r} }
func (p *PlainReader) Read(b []byte) (int, error) { return p.r.Read(b) }

// StreamReader produces n deterministic bytes (seeded) without holding them in
// memory; also a plain io.Reader.
type StreamReader struct {
	rng  *rand.Rand
	left int64
}

func Stream(n int64, seed int64) *StreamReader {
	return &StreamReader{rng: rand.New(rand.NewSource(seed)), left: n}
}

func (s *StreamReader) Read(b []byte) (int, error) {
	if s.left == 0 {
		return 0, io.EOF
	}
	if int64(len(b)) > s.left {
		b = b[:s.left]
	}
	n, _ := s.rng.Read(b)
	s.left -= int64(n)
	return n, nil
}

// StreamDigest is the size and SHA-256 of Stream(n, seed).
func StreamDigest(n int64, seed int64) (int64, string) {
	return ReaderDigest(Stream(n, seed))
}

// ReaderDigest reads r to the end: its size and hex SHA-256.
func ReaderDigest(r io.Reader) (int64, string) {
	h := sha256.New()
	n, err := io.Copy(h, r)
	if err != nil {
		return n, "read error: " + err.Error()
	}
	return n, hex.EncodeToString(h.Sum(nil))
}

func SHA256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// WriteFile writes data to a file in dir.
func WriteFile(t testing.TB, dir, name string, data []byte) string {
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// WriteStreamFile writes Stream(n, seed) to a file in dir.
func WriteStreamFile(t testing.TB, dir, name string, n, seed int64) string {
	p := filepath.Join(dir, name)
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(f, Stream(n, seed)); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

// SinglePartETag is the ETag S3 gives an object uploaded in one PUT.
func SinglePartETag(data []byte) string {
	s := md5.Sum(data)
	return hex.EncodeToString(s[:])
}

// MultipartETag is the ETag S3 gives an object assembled from parts of
// partSize bytes (the last one shorter): md5 of the part md5s, "-" part count.
func MultipartETag(r io.Reader, partSize int64) string {
	var sums []byte
	parts := 0
	for {
		h := md5.New()
		n, err := io.CopyN(h, r, partSize)
		if n > 0 || parts == 0 {
			sums = append(sums, h.Sum(nil)...)
			parts++
		}
		if err != nil || n < partSize {
			break
		}
	}
	s := md5.Sum(sums)
	return fmt.Sprintf("%s-%d", hex.EncodeToString(s[:]), parts)
}

// TrimETag drops the quotes around an ETag.
func TrimETag(e string) string { return strings.Trim(e, "\"") }

// SortedCopy returns a sorted copy of keys.
func SortedCopy(keys []string) []string {
	c := append([]string(nil), keys...)
	sort.Strings(c)
	return c
}

// Equal reports whether two string slices are equal.
func Equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// LoggingTransport logs every response with status >= 400 (or a transport
// error) to the test's log together with the request that caused it: the
// method, URL, request headers and the response's status, headers and body.
type LoggingTransport struct {
	T    testing.TB
	Base http.RoundTripper
}

func NewLoggingTransport(t testing.TB) *LoggingTransport {
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.MaxIdleConnsPerHost = 16
	return &LoggingTransport{T: t, Base: base}
}

func (l *LoggingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := l.Base.RoundTrip(req)
	if err != nil {
		l.T.Logf("HTTP %s %s: transport error %v\n  request headers: %s", req.Method, req.URL, err, headerLine(req.Header))
		return resp, err
	}
	if resp.StatusCode >= 400 {
		var body []byte
		if req.Method != http.MethodHead && resp.Body != nil {
			body, _ = io.ReadAll(io.LimitReader(resp.Body, 4096))
			resp.Body.Close()
			resp.Body = io.NopCloser(bytes.NewReader(body))
		}
		l.T.Logf("HTTP %s %s -> %d\n  request headers: %s\n  response headers: %s\n  response body (%d bytes): %s",
			req.Method, req.URL, resp.StatusCode, headerLine(req.Header), headerLine(resp.Header),
			resp.ContentLength, string(body))
	}
	return resp, nil
}

func headerLine(h http.Header) string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s: %s | ", k, strings.Join(h[k], ","))
	}
	return b.String()
}

// Index is the position of s in list, or -1.
func Index(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}
