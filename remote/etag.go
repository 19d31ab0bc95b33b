package remote

import (
	"cmp"
	"crypto/md5"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
)

// S3 and MinIO give an object stored without SSE-KMS or SSE-C a
// predictable ETag: the quoted hex MD5 of its bytes, or for a multipart
// object the MD5 of its parts' binary MD5s with "-N" (N parts). The Fake
// makes its ETags so, and the S3 client and WithRetry recognise written
// bytes by them.

// md5ETag is S3's ETag of a single-part object: quoted MD5 hex.
func md5ETag(data []byte) string {
	sum := md5.Sum(data)
	return sumETag(sum[:])
}

// sumETag is the single-part ETag of an object whose MD5 is sum.
func sumETag(sum []byte) string {
	return `"` + hex.EncodeToString(sum) + `"`
}

// sameETag compares ETags, tolerating missing quotes on either side.
func sameETag(a, b string) bool {
	return strings.Trim(a, `"`) == strings.Trim(b, `"`)
}

// etagMD5 returns the MD5 an ETag names; false when it is not shaped as
// one (a multipart ETag, SSE-KMS, SSE-C).
func etagMD5(etag string) ([]byte, bool) {
	sum, err := hex.DecodeString(strings.Trim(etag, `"`))
	return sum, err == nil && len(sum) == md5.Size
}

// multipartETag returns the quoted ETag S3 gives the object completed
// from parts: the MD5 of the concatenated binary MD5s of the parts, in
// part-number order, then "-" and the number of parts. ok is false when
// there are no parts or a part's ETag is not an MD5 (encrypted uploads),
// so none can be predicted.
func multipartETag(parts []Part) (string, bool) {
	if len(parts) == 0 {
		return "", false
	}
	sorted := slices.SortedFunc(slices.Values(parts), func(a, b Part) int { return cmp.Compare(a.Number, b.Number) })
	sums := make([]byte, 0, len(sorted)*md5.Size)
	for _, p := range sorted {
		sum, ok := etagMD5(p.ETag)
		if !ok {
			return "", false
		}
		sums = append(sums, sum...)
	}
	whole := md5.Sum(sums)
	return `"` + hex.EncodeToString(whole[:]) + "-" + strconv.Itoa(len(sorted)) + `"`, true
}
