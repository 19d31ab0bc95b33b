package remote

import (
	"encoding/base64"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// crc32cBase64 returns the CRC32C of data in the form S3 expects in
// x-amz-checksum-crc32c: base64 of the big-endian 4 bytes.
func crc32cBase64(data []byte) string {
	return encodeCRC(crc32.Checksum(data, castagnoli))
}

func encodeCRC(sum uint32) string {
	b := []byte{byte(sum >> 24), byte(sum >> 16), byte(sum >> 8), byte(sum)}
	return base64.StdEncoding.EncodeToString(b)
}

// errShortBody reports a request body with fewer bytes than its Size.
var errShortBody = errors.New("body is shorter than its declared size")

// bodyCRC32C reads the first size bytes of body from its start, returns
// their CRC32C in S3's encoding and rewinds body to its start again.
func bodyCRC32C(body io.ReadSeeker, size int64) (string, error) {
	if _, err := body.Seek(0, io.SeekStart); err != nil {
		return "", fmt.Errorf("rewind body: %w", err)
	}
	h := crc32.New(castagnoli)
	n, err := io.CopyN(h, body, size)
	if errors.Is(err, io.EOF) {
		return "", fmt.Errorf("%w (%d of %d bytes)", errShortBody, n, size)
	}
	if err != nil {
		return "", fmt.Errorf("read body: %w", err)
	}
	if _, err := body.Seek(0, io.SeekStart); err != nil {
		return "", fmt.Errorf("rewind body: %w", err)
	}
	return encodeCRC(h.Sum32()), nil
}

// sizedBody exposes exactly the first size bytes of a ReadSeeker, so that a
// body longer than its declared Size never sends extra bytes and a shorter
// one fails instead of hanging the request.
type sizedBody struct {
	r         io.ReadSeeker
	size, pos int64
}

func (b *sizedBody) Read(p []byte) (int, error) {
	if b.pos >= b.size {
		return 0, io.EOF
	}
	if rest := b.size - b.pos; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := b.r.Read(p)
	b.pos += int64(n)
	if errors.Is(err, io.EOF) && b.pos < b.size {
		return n, io.ErrUnexpectedEOF
	}
	if b.pos >= b.size && errors.Is(err, io.EOF) {
		err = nil // the caller gets io.EOF on its next Read
	}
	return n, err
}

func (b *sizedBody) Seek(offset int64, whence int) (int64, error) {
	var abs int64
	switch whence {
	case io.SeekStart:
		abs = offset
	case io.SeekCurrent:
		abs = b.pos + offset
	case io.SeekEnd:
		abs = b.size + offset
	default:
		return 0, fmt.Errorf("seek: bad whence %d", whence)
	}
	if abs < 0 || abs > b.size {
		return 0, fmt.Errorf("seek: offset %d outside [0, %d]", abs, b.size)
	}
	if _, err := b.r.Seek(abs, io.SeekStart); err != nil {
		return 0, err
	}
	b.pos = abs
	return abs, nil
}
