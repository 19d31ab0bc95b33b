package remote

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// ChecksumMode chooses how Put and UploadPart prove their bodies to the
// server (see doc.go, Integrity).
type ChecksumMode string

const (
	// ChecksumAuto (also the empty string) sends CRC32C until a server
	// shows it ignores flexible checksums, then works as ChecksumMD5.
	ChecksumAuto ChecksumMode = "auto"
	// ChecksumCRC32C always sends CRC32C, for servers known to verify it.
	ChecksumCRC32C ChecksumMode = "crc32c"
	// ChecksumMD5 sends Content-MD5, which every S3 server verifies, and
	// no flexible checksum; payloads are signed over plain HTTP.
	ChecksumMD5 ChecksumMode = "md5"
)

// Validate reports a mode that is none of the above.
func (m ChecksumMode) Validate() error {
	switch m {
	case "", ChecksumAuto, ChecksumCRC32C, ChecksumMD5:
		return nil
	}
	return fmt.Errorf("s3 config: checksum %q: want auto, crc32c or md5", string(m))
}

// bodySums is an S3 client's checksum state: the configured mode and,
// under ChecksumAuto, whether the server has shown that it ignores
// flexible checksums. The switch is sticky for the life of the client.
type bodySums struct {
	mode    ChecksumMode
	ignored atomic.Bool // a CRC32C write came back without its echo
	log     *slog.Logger
	// etagsMD5 is false when writes are encrypted so that ETags are not
	// MD5s (SSE-KMS, SSE-C): verifyETag then has nothing to compare.
	etagsMD5 bool
}

// md5Only reports whether writes send Content-MD5 and no CRC32C.
func (b *bodySums) md5Only() bool {
	return b.mode == ChecksumMD5 || b.ignored.Load()
}

// signing returns the options for a Put or UploadPart: UNSIGNED-PAYLOAD
// while CRC32C is trusted, else the SDK's default, which signs the
// body's SHA-256 over plain HTTP (and not over HTTPS, which TLS protects).
func (b *bodySums) signing(md5Only bool) []func(*s3.Options) {
	if md5Only {
		return nil
	}
	return []func(*s3.Options){unsignedPayload}
}

// checkEcho checks the answer to a write that sent CRC32C sent (and no
// Content-MD5): a server that verified it echoes it. A different echo
// means the server stored other bytes: ErrTransient, so the body is
// resent. No echo means the server ignores flexible checksums: under
// ChecksumAuto the client switches to ChecksumMD5, and this write, which
// the server stored unverified, is checked against its ETag, the MD5 of
// the body on every server unless it encrypts with SSE-KMS or SSE-C. at
// names the write (Op, Bucket, Key); it is passed by value so that the
// *Error is allocated only when the check fails, not on every write.
func (b *bodySums) checkEcho(at Error, sent, echoed, etag string, body io.ReadSeeker, size int64) error {
	switch {
	case echoed == sent:
		return nil
	case echoed != "":
		e := at
		e.Kind, e.Message = ErrTransient, fmt.Sprintf("server checked CRC32C %s, sent %s", echoed, sent)
		return &e
	case b.mode == ChecksumCRC32C:
		return nil
	}
	if b.ignored.CompareAndSwap(false, true) {
		b.log.Warn("s3 server ignores x-amz-checksum-crc32c (its answer did not echo it), so it would store bodies unchecked: writes now send Content-MD5, and signed payloads over http, at more CPU per byte (checksum mode md5)",
			"op", at.Op, "bucket", at.Bucket, "key", at.Key)
	}
	if !b.etagsMD5 {
		return nil
	}
	return verifyETag(at, etag, body, size)
}

// verifyETag checks a write the server stored without verifying it:
// an ETag that has the form of an MD5 must be the body's. Other ETags
// (multipart, some encryptions) cannot be checked; the write stands, as
// protected as the transport made it.
func verifyETag(at Error, etag string, body io.ReadSeeker, size int64) error {
	tag, ok := etagMD5(etag)
	if !ok {
		return nil
	}
	sum, err := bodySum(body, size)
	if err != nil {
		e := at
		e.Kind, e.Err = ErrInvalidArgument, err
		return &e
	}
	if !bytes.Equal(tag, sum) {
		e := at
		e.Kind, e.Message = ErrTransient, fmt.Sprintf("server ignored the checksum and stored ETag %s, not the body's MD5 %x", etag, sum)
		return &e
	}
	return nil
}
