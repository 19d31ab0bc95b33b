package cache

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
)

// A disk block file is a fixed header, the three identity strings, then
// the data:
//
//	off size field
//	  0    8 magic "OBJFSBLK"
//	  8    2 format version (1)
//	 10    2 len(bucket)
//	 12    2 len(key)
//	 14    2 len(etag)
//	 16    8 block index
//	 24    8 data length
//	 32    4 CRC32C (Castagnoli) of the data
//	 36    4 CRC32C of bytes 0..36 and the identity strings
//	 40    - bucket, key, etag, data
//
// All integers are little-endian. The identity strings make a file that
// belongs to another key (a hash collision, a renamed file) a miss; the
// header CRC makes a damaged length field a miss instead of a bad read; the
// data CRC makes a torn or bit-rotted block a miss.
const (
	diskMagic      = "OBJFSBLK"
	diskVersion    = 1
	diskFixedLen   = 40
	maxIdentityLen = math.MaxUint16
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// errCorrupt marks a block file that does not verify; the caller deletes it.
var errCorrupt = errors.New("corrupt cache block")

// diskName is the file name of k's block: the hex SHA-256 of its identity.
// Bucket, key and ETag are length-prefixed so no two keys share an input.
func diskName(k BlockKey) [sha256.Size]byte {
	h := sha256.New()
	var n [8]byte
	for _, s := range []string{k.Bucket, k.Key, k.ETag} {
		binary.LittleEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	binary.LittleEndian.PutUint64(n[:], uint64(k.Index))
	h.Write(n[:])
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
}

// headerLen is the length of k's header, identity strings included.
func headerLen(k BlockKey) int {
	return diskFixedLen + len(k.Bucket) + len(k.Key) + len(k.ETag)
}

// encodeHeader returns the header for k's block holding data.
func encodeHeader(k BlockKey, data []byte) ([]byte, error) {
	if len(k.Bucket) > maxIdentityLen || len(k.Key) > maxIdentityLen || len(k.ETag) > maxIdentityLen {
		return nil, fmt.Errorf("block identity too long for the disk format")
	}
	h := make([]byte, headerLen(k))
	copy(h, diskMagic)
	le := binary.LittleEndian
	le.PutUint16(h[8:], diskVersion)
	le.PutUint16(h[10:], uint16(len(k.Bucket)))
	le.PutUint16(h[12:], uint16(len(k.Key)))
	le.PutUint16(h[14:], uint16(len(k.ETag)))
	le.PutUint64(h[16:], uint64(k.Index))
	le.PutUint64(h[24:], uint64(len(data)))
	le.PutUint32(h[32:], crc32.Checksum(data, castagnoli))
	n := copy(h[diskFixedLen:], k.Bucket)
	n += copy(h[diskFixedLen+n:], k.Key)
	copy(h[diskFixedLen+n:], k.ETag)
	le.PutUint32(h[36:], headerCRC(h))
	return h, nil
}

// headerCRC is the CRC32C of a header without its own CRC field.
func headerCRC(h []byte) uint32 {
	c := crc32.Update(0, castagnoli, h[:36])
	return crc32.Update(c, castagnoli, h[diskFixedLen:])
}

// decodeHeader checks that h is a valid header for k and returns the data
// length and data CRC it records. h must be headerLen(k) bytes long.
func decodeHeader(k BlockKey, h []byte) (dataLen int64, dataCRC uint32, err error) {
	le := binary.LittleEndian
	switch {
	case len(h) != headerLen(k) || string(h[:8]) != diskMagic:
		return 0, 0, fmt.Errorf("%w: bad magic", errCorrupt)
	case le.Uint16(h[8:]) != diskVersion:
		return 0, 0, fmt.Errorf("%w: format version %d", errCorrupt, le.Uint16(h[8:]))
	case le.Uint32(h[36:]) != headerCRC(h):
		return 0, 0, fmt.Errorf("%w: header checksum mismatch", errCorrupt)
	case !identityMatches(k, h):
		return 0, 0, fmt.Errorf("%w: block belongs to another key", errCorrupt)
	}
	dataLen = int64(le.Uint64(h[24:]))
	if dataLen < 0 || dataLen > maxBlockSize {
		return 0, 0, fmt.Errorf("%w: data length %d", errCorrupt, dataLen)
	}
	return dataLen, le.Uint32(h[32:]), nil
}

func identityMatches(k BlockKey, h []byte) bool {
	le := binary.LittleEndian
	if int(le.Uint16(h[10:])) != len(k.Bucket) || int(le.Uint16(h[12:])) != len(k.Key) ||
		int(le.Uint16(h[14:])) != len(k.ETag) || int64(le.Uint64(h[16:])) != k.Index {
		return false
	}
	rest := h[diskFixedLen:]
	b, rest := rest[:len(k.Bucket)], rest[len(k.Bucket):]
	key, etag := rest[:len(k.Key)], rest[len(k.Key):]
	return string(b) == k.Bucket && string(key) == k.Key && string(etag) == k.ETag
}

// verifyData checks data against the CRC from its header.
func verifyData(data []byte, want uint32) error {
	if got := crc32.Checksum(data, castagnoli); got != want {
		return fmt.Errorf("%w: data checksum %08x, header says %08x", errCorrupt, got, want)
	}
	return nil
}
