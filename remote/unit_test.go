package remote

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/url"
	"os"
	"syscall"
	"testing"
)

func TestEscapeCopySource(t *testing.T) {
	for _, key := range []string{"plain", "a b", "a+b", "100%", "x#y?z=1&w", "dir/ünï/日本", "~tilde-_.", "\x01ctl"} {
		got := escapeCopySource("bkt", key)
		back, err := url.PathUnescape(got)
		if err != nil || back != "bkt/"+key {
			t.Errorf("escape %q = %q; unescapes to %q, %v", key, got, back, err)
		}
		if q, err := url.QueryUnescape(got); err != nil || q != "bkt/"+key {
			t.Errorf("escape %q = %q reads as %q with form decoding", key, got, q)
		}
	}
}

func TestSizedBody(t *testing.T) {
	b := &sizedBody{r: bytes.NewReader([]byte("0123456789")), size: 4}
	data, err := io.ReadAll(b)
	if err != nil || string(data) != "0123" {
		t.Fatalf("read %q, %v", data, err)
	}
	if n, err := b.Seek(0, io.SeekEnd); n != 4 || err != nil {
		t.Fatalf("SeekEnd = %d, %v", n, err)
	}
	if _, err := b.Seek(5, io.SeekStart); err == nil {
		t.Fatalf("seek past the size succeeded")
	}
	b.Seek(2, io.SeekStart)
	if data, _ := io.ReadAll(b); string(data) != "23" {
		t.Fatalf("after seek read %q", data)
	}
	short := &sizedBody{r: bytes.NewReader([]byte("ab")), size: 4}
	if _, err := io.ReadAll(short); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("short body: %v", err)
	}
}

func TestBodyMD5(t *testing.T) {
	r := bytes.NewReader([]byte("hello"))
	r.Seek(3, io.SeekStart)
	sum, err := bodyMD5(r, 5)
	if err != nil || sum != "XUFAKrxLKna5cZ2REBfFkg==" {
		t.Fatalf("bodyMD5 = %q, %v", sum, err)
	}
	if pos, _ := r.Seek(0, io.SeekCurrent); pos != 0 {
		t.Fatalf("body left at %d, want rewound", pos)
	}
	if _, err := bodyMD5(bytes.NewReader([]byte("hi")), 5); !errors.Is(err, errShortBody) {
		t.Fatalf("short body: %v", err)
	}
}

// TestBodyCRC32C: the header value is base64 of the big-endian CRC32C,
// checked against the standard check value of "123456789" (0xE3069283),
// so the HTTP tests that compare headers with crc32cOf rest on a known
// answer.
func TestBodyCRC32C(t *testing.T) {
	const want = "4waSgw=="
	r := bytes.NewReader([]byte("123456789"))
	r.Seek(4, io.SeekStart)
	sum, err := bodyCRC32C(r, 9)
	if err != nil || sum != want {
		t.Fatalf("bodyCRC32C = %q, %v; want %q", sum, err, want)
	}
	if pos, _ := r.Seek(0, io.SeekCurrent); pos != 0 {
		t.Fatalf("body left at %d, want rewound", pos)
	}
	if got := crc32cOf([]byte("123456789")); got != want {
		t.Fatalf("crc32cOf = %q, want %q", got, want)
	}
}

// TestClassifyTransport covers failures without an HTTP response.
func TestClassifyTransport(t *testing.T) {
	opErr := func(errno error) error {
		return &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", errno)}
	}
	cases := []struct {
		err  error
		want error
	}{
		{opErr(syscall.ECONNREFUSED), ErrUnreachable},
		{&net.DNSError{Err: "no such host", Name: "nowhere.invalid", IsNotFound: true}, ErrUnreachable},
		{opErr(syscall.ECONNRESET), ErrTransient},
		{opErr(syscall.EPIPE), ErrTransient},
		{io.ErrUnexpectedEOF, ErrTransient},
		{context.DeadlineExceeded, ErrTransient},
		{&net.OpError{Op: "dial", Err: timeoutErr{}}, ErrTransient},
		{errors.New("something else"), nil},
	}
	for _, c := range cases {
		if got := classify(c.err).kind; got != c.want {
			t.Errorf("classify(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestErrorFormat(t *testing.T) {
	cases := []struct {
		e    *Error
		want string
	}{
		{&Error{Op: OpGet, Bucket: "b", Key: "k", Kind: ErrNotFound, Code: "NoSuchKey", Status: 404, Message: "gone"},
			"s3 GetObject b/k: not found: NoSuchKey (HTTP 404): gone"},
		{&Error{Op: OpHeadBucket, Bucket: "b", Kind: ErrAccessDenied, Status: 403},
			"s3 HeadBucket b: access denied: HTTP 403"},
		{&Error{Op: OpListBuckets, Err: errors.New("boom")}, "s3 ListBuckets: boom"},
	}
	for _, c := range cases {
		if got := c.e.Error(); got != c.want {
			t.Errorf("got %q\nwant %q", got, c.want)
		}
	}
	cause := errors.New("cause")
	e := &Error{Kind: ErrTransient, Err: cause}
	if !errors.Is(e, ErrTransient) || !errors.Is(e, cause) || !IsRetryable(e) {
		t.Errorf("Unwrap does not expose both class and cause")
	}
}
