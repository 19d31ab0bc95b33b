package main

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/objfs/objfs/remote"
	"github.com/objfs/objfs/vfs"
)

// scriptedLister answers each call with the next error of its script
// (nil: success); the last entry repeats. block makes a call wait for its
// context instead, like an endpoint that never answers.
type scriptedLister struct {
	script []error
	block  bool
	calls  atomic.Int32
	last   remote.ListRequest
	bucket bool // ListBuckets was called
}

func (s *scriptedLister) next(ctx context.Context) error {
	n := int(s.calls.Add(1)) - 1
	if s.block {
		<-ctx.Done()
		return fmt.Errorf("s3 op: %w", ctx.Err())
	}
	return s.script[min(n, len(s.script)-1)]
}

func (s *scriptedLister) ListBuckets(ctx context.Context) ([]remote.BucketInfo, error) {
	s.bucket = true
	return nil, s.next(ctx)
}

func (s *scriptedLister) List(ctx context.Context, req remote.ListRequest) (remote.ListPage, error) {
	s.last = req
	return remote.ListPage{}, s.next(ctx)
}

// fastPreflight has short timeouts and no real sleeping.
func fastPreflight() preflightConfig {
	c := preflightConfig{AttemptTimeout: 50 * time.Millisecond, Total: 500 * time.Millisecond,
		Sleep: func(ctx context.Context, d time.Duration) error { return ctx.Err() }}
	c.SetDefaults()
	return c
}

func s3Err(op string, kind error, code string, status int, cause error) error {
	return &remote.Error{Op: op, Bucket: "data", Kind: kind, Code: code, Status: status, Err: cause}
}

var refused = &net.OpError{Op: "dial", Net: "tcp", Addr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}, Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}

func TestCheckRemoteMessages(t *testing.T) {
	const ep = "http://127.0.0.1:9000"
	bucketT := target{Endpoint: ep, Bucket: "data", Prefix: "in/"}
	allT := target{Endpoint: ep}
	tests := []struct {
		name  string
		t     target
		err   error
		want  string
		calls int32
	}{
		{"ok", bucketT, nil, "", 1},
		{"ok all buckets", allT, nil, "", 1},
		{"missing bucket", bucketT, s3Err("ListObjectsV2", remote.ErrNotFound, "NoSuchBucket", 404, nil),
			`bucket "data" does not exist at http://127.0.0.1:9000`, 1},
		{"404 without code", bucketT, s3Err("ListObjectsV2", remote.ErrNotFound, "", 404, nil),
			"endpoint http://127.0.0.1:9000 answered 404 without an S3 error code: is it an S3 endpoint", 1},
		{"404 to bucket listing", allT, s3Err("ListBuckets", remote.ErrNotFound, "NoSuchKey", 404, nil),
			"endpoint http://127.0.0.1:9000 answered 404 without an S3 error code", 1},
		{"https to an http server", target{Endpoint: "https://127.0.0.1:9000"}, s3Err("ListBuckets", remote.ErrTransient, "", 0,
			&url.Error{Op: "Get", URL: "https://127.0.0.1:9000/", Err: errors.New("http: server gave HTTP response to HTTPS client")}),
			"cannot reach endpoint https://127.0.0.1:9000: http: server gave HTTP response to HTTPS client", 2},
		{"wrong secret", bucketT, s3Err("ListObjectsV2", remote.ErrAccessDenied, "SignatureDoesNotMatch", 403, nil),
			"credentials rejected by http://127.0.0.1:9000: SignatureDoesNotMatch", 1},
		{"unknown key id", allT, s3Err("ListBuckets", remote.ErrAccessDenied, "InvalidAccessKeyId", 403, nil),
			"credentials rejected by http://127.0.0.1:9000: InvalidAccessKeyId", 1},
		{"no permission", bucketT, s3Err("ListObjectsV2", remote.ErrAccessDenied, "AccessDenied", 403, nil),
			`access denied to bucket "data": check the credentials (AWS_ACCESS_KEY_ID/profile)`, 1},
		{"403 without body", bucketT, s3Err("HeadBucket", remote.ErrAccessDenied, "", 403, nil),
			`access denied (403) — wrong credentials or no permission for bucket "data"`, 1},
		{"anonymous, not public", target{Endpoint: "http://127.0.0.1:9000", Bucket: "data", Anonymous: true}, s3Err("ListObjectsV2", remote.ErrAccessDenied, "AccessDenied", 403, nil),
			`access denied to bucket "data" for unsigned requests (--no-sign-request): it is not public`, 1},
		{"cannot list buckets", allT, s3Err("ListBuckets", remote.ErrAccessDenied, "AccessDenied", 403, nil),
			"access denied listing buckets at http://127.0.0.1:9000", 1},
		{"connection refused", bucketT, s3Err("ListObjectsV2", remote.ErrUnreachable, "", 0, refused),
			"cannot reach endpoint http://127.0.0.1:9000: dial tcp 127.0.0.1:1: connect: connection refused", 2},
		{"no such host", target{Endpoint: "http://nohost.invalid"}, s3Err("ListBuckets", remote.ErrUnreachable, "", 0,
			&net.DNSError{Err: "no such host", Name: "nohost.invalid", IsNotFound: true}),
			"cannot reach endpoint http://nohost.invalid: lookup nohost.invalid: no such host", 2},
		{"server error", bucketT, s3Err("ListObjectsV2", remote.ErrTransient, "InternalError", 500, nil),
			"endpoint http://127.0.0.1:9000 keeps failing (HTTP 500): s3 ListObjectsV2 data", 2},
		{"no credentials", target{Bucket: "data"}, s3Err("ListObjectsV2", nil, "", 0,
			errors.New("get identity: get credentials: failed to refresh cached credentials, no EC2 IMDS role found")),
			"no credentials found for the default S3 endpoint: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or use --profile", 1},
		{"untrusted certificate", target{Endpoint: "https://s3.local", Bucket: "data"}, s3Err("ListObjectsV2", nil, "", 0,
			&tlsVerifyError{x509.UnknownAuthorityError{}}),
			"cannot reach endpoint https://s3.local: TLS certificate not accepted: x509: certificate signed by unknown authority", 1},
		{"bad bucket name", target{Region: "eu-west-1", Bucket: "data"}, s3Err("ListObjectsV2", remote.ErrInvalidArgument, "InvalidBucketName", 400, nil),
			`AWS S3 (eu-west-1) rejected bucket name "data"`, 1},
		{"unclassified", bucketT, s3Err("ListObjectsV2", nil, "NotImplemented", 501, nil),
			`checking bucket "data" at http://127.0.0.1:9000 failed: s3 ListObjectsV2 data`, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := &scriptedLister{script: []error{tt.err}}
			err := checkRemote(context.Background(), l, fastPreflight(), tt.t)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
			} else if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want it to contain %q", err, tt.want)
			}
			if got := l.calls.Load(); got != tt.calls {
				t.Errorf("%d calls, want %d", got, tt.calls)
			}
			if l.bucket != (tt.t.Bucket == "") {
				t.Errorf("ListBuckets called: %v, for bucket %q", l.bucket, tt.t.Bucket)
			}
		})
	}
}

type tlsVerifyError struct{ err error }

func (e *tlsVerifyError) Error() string { return "tls: failed to verify certificate: " + e.err.Error() }
func (e *tlsVerifyError) Unwrap() error { return e.err }

func TestCheckRemoteListsThePrefix(t *testing.T) {
	l := &scriptedLister{script: []error{nil}}
	if err := checkRemote(context.Background(), l, fastPreflight(), target{Bucket: "data", Prefix: "in/"}); err != nil {
		t.Fatal(err)
	}
	want := remote.ListRequest{Bucket: "data", Prefix: "in/", Delimiter: "/", MaxKeys: 1}
	if l.last != want {
		t.Errorf("request %+v, want %+v", l.last, want)
	}
}

func TestCheckRemoteRetriesTransient(t *testing.T) {
	l := &scriptedLister{script: []error{s3Err("ListBuckets", remote.ErrTransient, "SlowDown", 503, nil), nil}}
	if err := checkRemote(context.Background(), l, fastPreflight(), target{}); err != nil {
		t.Fatalf("transient failure then success: %v", err)
	}
	if l.calls.Load() != 2 {
		t.Errorf("%d calls, want 2", l.calls.Load())
	}
}

// TestCheckRemoteNeverAnswers: an endpoint that swallows requests is
// reported within the preflight's deadline.
func TestCheckRemoteNeverAnswers(t *testing.T) {
	l := &scriptedLister{block: true}
	cfg := fastPreflight()
	cfg.Sleep = sleepCtx
	cfg.Backoff = 10 * time.Millisecond
	start := time.Now()
	err := checkRemote(context.Background(), l, cfg, target{Endpoint: "http://10.255.255.1:9000", Bucket: "data"})
	took := time.Since(start)
	if err == nil || !strings.Contains(err.Error(), "cannot reach endpoint http://10.255.255.1:9000: no answer within") {
		t.Fatalf("error %v", err)
	}
	if l.calls.Load() != int32(cfg.Attempts) {
		t.Errorf("%d calls, want %d", l.calls.Load(), cfg.Attempts)
	}
	if max := time.Duration(cfg.Attempts)*cfg.AttemptTimeout + cfg.Backoff + 200*time.Millisecond; took > max {
		t.Errorf("took %v, want <= %v", took, max)
	}
}

// TestPreflightDefaultsFitBudget: the worst case stays under the 15 s the
// spec allows, with room for process start-up and config loading.
func TestPreflightDefaultsFitBudget(t *testing.T) {
	var c preflightConfig
	c.SetDefaults()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	worst := min(c.Total, time.Duration(c.Attempts)*c.AttemptTimeout+time.Duration(c.Attempts-1)*c.Backoff)
	if worst > 13*time.Second {
		t.Errorf("worst case %v leaves too little of the 15 s budget", worst)
	}
	if err := (preflightConfig{Attempts: 0, AttemptTimeout: time.Second, Total: time.Second}).Validate(); err == nil {
		t.Error("Attempts 0 accepted")
	}
}

// TestCheckMountpointMounted: / is always a mount point, so mounting
// there is refused with the type of what is mounted.
func TestCheckMountpointMounted(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the mount table is read from /proc")
	}
	_, err := checkMountpoint("/", true)
	if err == nil || !strings.Contains(err.Error(), "mountpoint / is already mounted (") {
		t.Fatalf("checkMountpoint(/) = %v, want already mounted", err)
	}
}

func TestCheckMountpoint(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := checkMountpoint(dir, true)
	if err != nil || got != dir {
		t.Errorf("checkMountpoint(dir, allowNonEmpty) = %q, %v", got, err)
	}
	t.Chdir(dir)
	if err := os.Mkdir("sub", 0o755); err != nil {
		t.Fatal(err)
	}
	if got, err := checkMountpoint("sub", false); err != nil || got != filepath.Join(dir, "sub") {
		t.Errorf("relative: %q, %v; want absolute", got, err)
	}
	for path, want := range map[string]string{
		filepath.Join(dir, "nope"): "mountpoint " + filepath.Join(dir, "nope") + " does not exist",
		file:                       "mountpoint " + file + " is not a directory",
		"":                         "mountpoint is empty",
	} {
		if _, err := checkMountpoint(path, true); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("checkMountpoint(%q) = %v, want %q", path, err, want)
		}
	}
}

// TestCheckRemoteWithFake runs the preflight against remote's in-memory
// Fake, with its own errors and injected faults.
func TestCheckRemoteWithFake(t *testing.T) {
	ctx := context.Background()
	f := remote.NewFake()
	if err := f.CreateBucket(ctx, "data"); err != nil {
		t.Fatal(err)
	}
	cfg := fastPreflight()
	if err := checkRemote(ctx, f, cfg, target{Endpoint: "http://e", Bucket: "data", Prefix: "none/"}); err != nil {
		t.Errorf("existing bucket, empty prefix: %v", err)
	}
	if err := checkRemote(ctx, f, cfg, target{Endpoint: "http://e"}); err != nil {
		t.Errorf("all buckets: %v", err)
	}
	err := checkRemote(ctx, f, cfg, target{Endpoint: "http://e", Bucket: "other"})
	if err == nil || err.Error() != `bucket "other" does not exist at http://e` {
		t.Errorf("missing bucket: %v", err)
	}

	f.FailNext(remote.OpList, remote.ErrTransient, 1)
	if err := checkRemote(ctx, f, cfg, target{Endpoint: "http://e", Bucket: "data"}); err != nil {
		t.Errorf("one transient failure is retried: %v", err)
	}
	f.FailNext(remote.OpList, remote.ErrUnreachable, 5)
	err = checkRemote(ctx, f, cfg, target{Endpoint: "http://e", Bucket: "data"})
	if err == nil || !strings.HasPrefix(err.Error(), "cannot reach endpoint http://e: ") {
		t.Errorf("unreachable: %v", err)
	}
	f.FailNext(remote.OpList, nil, 0)
	f.FailNext(remote.OpListBuckets, remote.ErrAccessDenied, 1)
	err = checkRemote(ctx, f, cfg, target{Endpoint: "http://e"})
	if err == nil || !strings.HasPrefix(err.Error(), "access denied listing buckets at http://e") {
		t.Errorf("denied: %v", err)
	}

	var calls atomic.Int32
	f.SetHook(remote.OpList, func(ctx context.Context, _ string) error {
		calls.Add(1)
		<-ctx.Done()
		return ctx.Err()
	})
	err = checkRemote(ctx, f, cfg, target{Endpoint: "http://e", Bucket: "data"})
	if err == nil || !strings.Contains(err.Error(), "cannot reach endpoint http://e: no answer within") {
		t.Errorf("hanging endpoint: %v", err)
	}
	if calls.Load() != int32(cfg.Attempts) {
		t.Errorf("hanging endpoint: %d tries, want %d", calls.Load(), cfg.Attempts)
	}
}

func TestDescribeSetupError(t *testing.T) {
	err := describeSetupError(errors.New("s3: load AWS configuration: failed to get shared config profile, ml"), "ml")
	if want := `profile "ml" not found in ~/.aws/config or ~/.aws/credentials`; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("got %q, want prefix %q", err, want)
	}
	err = describeSetupError(errors.New("s3 config: endpoint \"ftp://x\": scheme must be http or https\n"), "")
	if want := `cannot set up the S3 client: s3 config: endpoint "ftp://x": scheme must be http or https`; err.Error() != want {
		t.Errorf("got %q, want %q", err, want)
	}
}

// TestCheckMountpointNonEmpty: a directory holding anything, a hidden
// file included, is refused in one line naming it and the flag, unless
// allowNonEmpty.
func TestCheckMountpointNonEmpty(t *testing.T) {
	dir := t.TempDir()
	if _, err := checkMountpoint(dir, false); err != nil {
		t.Fatalf("empty directory: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".hidden"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := checkMountpoint(dir, false)
	want := "mountpoint " + dir + ` is not empty (it holds ".hidden")`
	if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "--allow-non-empty") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("non-empty directory: %v, want %q and --allow-non-empty", err, want)
	}
	if got, err := checkMountpoint(dir, true); err != nil || got != dir {
		t.Fatalf("allowNonEmpty: %q, %v", got, err)
	}
}

// TestCheckRemoteEmptyPrefix: a prefix holding nothing is reported (the
// mount warns), one holding a key below it or only its directory marker
// is not, and neither is a whole bucket, empty or not.
func TestCheckRemoteEmptyPrefix(t *testing.T) {
	ctx := context.Background()
	f := remote.NewFake()
	if err := f.CreateBucket(ctx, "data"); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"in/deep/a", "marker/"} {
		if _, err := f.Put(ctx, remote.PutRequest{Bucket: "data", Key: key, Body: strings.NewReader("")}); err != nil {
			t.Fatal(err)
		}
	}
	for prefix, want := range map[string]bool{"none/": true, "in/": false, "in/deep/": false, "marker/": false, "": false} {
		empty, err := checkRemoteSource(ctx, f, fastPreflight(), target{Endpoint: "http://e", Bucket: "data", Prefix: prefix})
		if err != nil || empty != want {
			t.Errorf("prefix %q: empty %v, %v; want %v", prefix, empty, err, want)
		}
	}
	if empty, err := checkRemoteSource(ctx, f, fastPreflight(), target{Endpoint: "http://e"}); err != nil || empty {
		t.Errorf("all buckets: empty %v, %v", empty, err)
	}
	if got, want := emptyPrefixWarning(vfs.Source{Bucket: "data", Prefix: "none/"}), "s3://data/none/ holds no objects"; !strings.HasPrefix(got, want) {
		t.Errorf("warning %q, want prefix %q", got, want)
	}
}

// TestProfileEndpointNamed: when the endpoint comes from the profile's
// endpoint_url (no --endpoint), a failure names that endpoint, not AWS.
func TestProfileEndpointNamed(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	endpoint := "http://" + ln.Addr().String()
	ln.Close() // connections are refused from now on
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "config")
	if err := os.WriteFile(cfgFile, []byte("[profile team]\nregion = eu-central-1\nendpoint_url = "+endpoint+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_CONFIG_FILE", cfgFile)
	credFile := filepath.Join(dir, "credentials")
	if err := os.WriteFile(credFile, []byte("[team]\naws_access_key_id = AKIDTEST\naws_secret_access_key = secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", credFile)
	mp := t.TempDir()
	code, _, errOut := runCLI(t, "mount", "--foreground", "--profile", "team", "--path-style", "--cache-dir", t.TempDir(), "s3://bkt", mp)
	if code != exitFailure || !strings.Contains(errOut, "cannot reach endpoint "+endpoint) {
		t.Fatalf("exit %d, stderr %q; want exit 1 naming %s", code, errOut, endpoint)
	}
}
