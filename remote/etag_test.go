package remote

import "testing"

// TestMultipartETag: the MD5 of the parts' binary MD5s in part-number
// order, "-N"; no prediction without parts or when a part's ETag is not an
// MD5 (SSE-KMS, SSE-C), so the retry check then matches nothing.
func TestMultipartETag(t *testing.T) {
	// md5("a") and md5("b"); md5 of their 32 binary bytes, computed apart.
	a := `"0cc175b9c0f1b6a831c399e269772661"`
	b := "92eb5ffee6ae2fec3ad71c777531578f" // unquoted, as some servers send
	const want = `"96e024ba2074fe77e8e965ba43a704be-2"`
	for _, parts := range [][]Part{
		{{Number: 1, ETag: a}, {Number: 2, ETag: b}},
		{{Number: 2, ETag: b}, {Number: 1, ETag: a}},
	} {
		if got, ok := multipartETag(parts); !ok || got != want {
			t.Errorf("multipartETag(%v) = %s, %v; want %s", parts, got, ok, want)
		}
	}
	for _, parts := range [][]Part{
		nil,
		{{Number: 1, ETag: a}, {Number: 2, ETag: `"kms-encrypted-etag"`}},
		{{Number: 1, ETag: `"0cc175b9c0f1b6a831c399e2697726"`}},
	} {
		if got, ok := multipartETag(parts); ok {
			t.Errorf("multipartETag(%v) = %s, want no prediction", parts, got)
		}
	}
}
