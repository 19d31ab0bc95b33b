package remote

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
)

// errShortBody reports a request body with fewer bytes than its Size.
var errShortBody = errors.New("body is shorter than its declared size")

// bodyMD5 reads the first size bytes of body from its start, returns their
// MD5 in the form of a Content-MD5 header (base64) and rewinds body to its
// start again.
func bodyMD5(body io.ReadSeeker, size int64) (string, error) {
	sum, err := bodySum(body, size)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(sum), nil
}

// bodyCRC32C is bodyMD5 with CRC32C, in the form of an
// x-amz-checksum-crc32c header (base64 of the big-endian value). The CPU
// computes CRC32C in hardware: some 20 times faster than MD5 here.
func bodyCRC32C(body io.ReadSeeker, size int64) (string, error) {
	sum, err := bodyHash(body, size, crc32.New(castagnoli))
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(sum), nil
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// crc32cOf is data's CRC32C as bodyCRC32C formats it.
func crc32cOf(data []byte) string {
	return base64.StdEncoding.EncodeToString(binary.BigEndian.AppendUint32(nil, crc32.Checksum(data, castagnoli)))
}

// bodySum is bodyMD5's digest as bytes: the first size bytes of body, read
// from its start, which it rewinds to again.
func bodySum(body io.ReadSeeker, size int64) ([]byte, error) {
	return bodyHash(body, size, md5.New())
}

// bodyHash returns the h digest of the first size bytes of body, read from
// its start, which it rewinds to again.
func bodyHash(body io.ReadSeeker, size int64, h hash.Hash) ([]byte, error) {
	if _, err := body.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("rewind body: %w", err)
	}
	n, err := io.CopyN(h, body, size)
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w (%d of %d bytes)", errShortBody, n, size)
	}
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	if _, err := body.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("rewind body: %w", err)
	}
	return h.Sum(nil), nil
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
	switch {
	case errors.Is(err, io.EOF) && b.pos < b.size:
		return n, io.ErrUnexpectedEOF
	case errors.Is(err, io.EOF):
		return n, nil // the next Read reports io.EOF
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
