package vfs

import (
	"strings"
	"testing"
)

func TestParseSource(t *testing.T) {
	tests := []struct {
		in   string
		want Source
		str  string
	}{
		{"s3://", Source{}, "s3://"},
		{"s3://bucket", Source{Bucket: "bucket"}, "s3://bucket"},
		{"s3://bucket/", Source{Bucket: "bucket"}, "s3://bucket"},
		{"s3://bucket/data/", Source{Bucket: "bucket", Prefix: "data/"}, "s3://bucket/data/"},
		{"s3://bucket/data", Source{Bucket: "bucket", Prefix: "data/"}, "s3://bucket/data/"},
		{"s3://my.bucket-1/a/b c/", Source{Bucket: "my.bucket-1", Prefix: "a/b c/"}, "s3://my.bucket-1/a/b c/"},
	}
	for _, tt := range tests {
		got, err := ParseSource(tt.in)
		if err != nil {
			t.Errorf("ParseSource(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseSource(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
		if got.String() != tt.str {
			t.Errorf("ParseSource(%q).String() = %q, want %q", tt.in, got.String(), tt.str)
		}
		again, err := ParseSource(got.String())
		if err != nil || again != got {
			t.Errorf("round trip of %q: %+v, %v", tt.in, again, err)
		}
	}
}

func TestParseSourceErrors(t *testing.T) {
	tests := []struct{ in, wantMsg string }{
		{"gs://x", `unsupported scheme "gs"`},
		{"bucket", "missing s3:// scheme"},
		{"/bucket", "missing s3:// scheme"},
		{"", "missing s3:// scheme"},
		{"S3://bucket", `unsupported scheme "S3"`},
		{"s3://Bad_Bucket", "invalid bucket name"},
		{"s3://ab", "3 to 63 characters"},
		{"s3://" + strings.Repeat("a", 64), "3 to 63 characters"},
		{"s3://-bucket", "start and end"},
		{"s3://a..b", `".."`},
		{"s3://192.168.1.1", "IP address"},
		{"s3:///data/", "without a bucket"},
		{"s3://bucket//x/", "empty path segment"},
		{"s3://bucket/a/../b/", `"." or ".."`},
		{"s3://bucket/" + strings.Repeat("x", 256) + "/", "longer than 255"},
	}
	for _, tt := range tests {
		_, err := ParseSource(tt.in)
		if err == nil {
			t.Errorf("ParseSource(%q) succeeded, want error containing %q", tt.in, tt.wantMsg)
			continue
		}
		if !strings.Contains(err.Error(), tt.wantMsg) {
			t.Errorf("ParseSource(%q) = %v, want it to contain %q", tt.in, err, tt.wantMsg)
		}
	}
}
