package remote

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestS3ConfigValidate(t *testing.T) {
	valid := []S3Config{
		{},
		{Endpoint: "http://127.0.0.1:9000", AccessKeyID: "a", SecretAccessKey: "b"},
		{Endpoint: "https://s3.example.com/", AccessKeyID: "a", SecretAccessKey: "b", SessionToken: "c"},
	}
	for _, c := range valid {
		if err := c.Validate(); err != nil {
			t.Errorf("Validate(%+v) = %v, want nil", c, err)
		}
	}
	invalid := []S3Config{
		{Endpoint: "127.0.0.1:9000"},
		{Endpoint: "ftp://host"},
		{Endpoint: "http://"},
		{Endpoint: "http://user:hunter2@host"},
		{RequestTimeout: -time.Second},
		{MaxConns: -1},
		{AccessKeyID: "only-the-id"},
		{SecretAccessKey: "only-the-secret"},
		{SessionToken: "token-alone"},
	}
	for _, c := range invalid {
		err := c.Validate()
		if err == nil {
			t.Errorf("Validate(%+v) = nil, want an error", c)
			continue
		}
		for _, secret := range []string{"hunter2", "only-the-secret", "token-alone"} {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("Validate error %q shows a credential", err)
			}
		}
	}
}

func TestS3ConfigDefaults(t *testing.T) {
	c := S3Config{}.WithDefaults()
	if c.RequestTimeout != DefaultRequestTimeout || c.MaxConns != DefaultMaxConns || c.Logger == nil {
		t.Fatalf("defaults not applied: %+v", c)
	}
	c = S3Config{RequestTimeout: time.Second, MaxConns: 3}.WithDefaults()
	if c.RequestTimeout != time.Second || c.MaxConns != 3 {
		t.Fatalf("set values overridden: %+v", c)
	}
}

// isolateAWSEnv points the SDK at empty shared config files and clears the
// AWS_* variables, so the machine's set-up cannot leak into a test.
func isolateAWSEnv(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "AWS_") {
			t.Setenv(name, "")
			os.Unsetenv(name)
		}
	}
	t.Setenv("AWS_CONFIG_FILE", empty)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", empty)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

func TestS3RegionDefault(t *testing.T) {
	isolateAWSEnv(t)
	s, err := NewS3(t.Context(), S3Config{Endpoint: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	if s.Region() != DefaultRegion {
		t.Fatalf("region %q, want %q", s.Region(), DefaultRegion)
	}
	t.Setenv("AWS_REGION", "eu-west-3")
	if s, _ = NewS3(t.Context(), S3Config{}); s.Region() != "eu-west-3" {
		t.Fatalf("region %q, want AWS_REGION's eu-west-3", s.Region())
	}
	if s, _ = NewS3(t.Context(), S3Config{Region: "ap-south-1"}); s.Region() != "ap-south-1" {
		t.Fatalf("region %q, want the configured ap-south-1", s.Region())
	}
}

// TestS3EnvironmentChain: with nothing in S3Config, endpoint and
// credentials come from the AWS_* variables, as for the aws CLI.
func TestS3EnvironmentChain(t *testing.T) {
	isolateAWSEnv(t)
	srv := newS3Server(t, func(w http.ResponseWriter, r *http.Request) {})
	t.Setenv("AWS_ENDPOINT_URL_S3", srv.URL)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDFROMENV")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secretfromenv")
	s, err := NewS3(t.Context(), S3Config{PathStyle: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.HeadBucket(t.Context(), "bkt"); err != nil {
		t.Fatalf("HeadBucket through AWS_ENDPOINT_URL_S3: %v", err)
	}
	req := srv.last(t)
	if auth := req.header.Get("Authorization"); !strings.Contains(auth, "Credential=AKIDFROMENV/") {
		t.Errorf("not signed with the environment's key: %q", auth)
	}
	if req.path != "/bkt" {
		t.Errorf("path %q, want /bkt", req.path)
	}
}

func TestS3Profile(t *testing.T) {
	isolateAWSEnv(t)
	srv := newS3Server(t, func(w http.ResponseWriter, r *http.Request) {})
	dir := t.TempDir()
	cfgFile, credFile := filepath.Join(dir, "config"), filepath.Join(dir, "credentials")
	os.WriteFile(cfgFile, []byte("[profile team]\nregion = eu-central-1\nendpoint_url = "+srv.URL+"\n"), 0o600)
	os.WriteFile(credFile, []byte("[team]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = profilesecret\n"), 0o600)
	t.Setenv("AWS_CONFIG_FILE", cfgFile)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", credFile)
	s, err := NewS3(t.Context(), S3Config{Profile: "team", PathStyle: true})
	if err != nil {
		t.Fatal(err)
	}
	if s.Region() != "eu-central-1" {
		t.Errorf("region %q, want the profile's eu-central-1", s.Region())
	}
	if s.Endpoint() != srv.URL {
		t.Errorf("endpoint %q, want the profile's endpoint_url %s", s.Endpoint(), srv.URL)
	}
	if err := s.HeadBucket(t.Context(), "bkt"); err != nil {
		t.Fatalf("HeadBucket through the profile's endpoint: %v", err)
	}
	if auth := srv.last(t).header.Get("Authorization"); !strings.Contains(auth, "Credential=AKIDPROFILE/") {
		t.Errorf("not signed with the profile's key: %q", auth)
	}
	if _, err := NewS3(t.Context(), S3Config{Profile: "nope"}); err == nil {
		t.Errorf("NewS3 with a missing profile succeeded")
	}
}
