package cache

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
)

// The disk tier keeps each cached object version as two files named by
// objName: the data file, a sparse file holding each present block at its
// offset in the object (Index*BlockSize), so that a fully cached object's
// data file is byte for byte the object; and the index file (".idx"), a
// header then one entry per block:
//
//	off size field
//	  0    8 magic "OBJFSIDX"
//	  8    2 format version (2)
//	 10    2 len(bucket)
//	 12    2 len(key)
//	 14    2 len(etag)
//	 16    8 block size
//	 24    4 CRC32C of bytes 0..24 and the identity strings
//	 28    4 zero
//	 32    - bucket, key, etag, zero padding to a multiple of 16
//
// then entry i at entriesOff + 16*i:
//
//	 0    4 data length (0: the block is absent)
//	 4    4 CRC32C (Castagnoli) of the data
//	 8    4 CRC32C of bytes 0..8 and the block index
//	12    4 zero
//
// All integers are little-endian. An entry is a block's presence bit and
// its checksum: a block is written to the data file first and its entry
// after, so a crash mid-write leaves it absent; an entry that does not
// verify (torn, zeroed) is absent too; and a block whose entry reached the
// disk before its data did (power loss: nothing is fsynced) fails its data
// CRC, which is checked at the first read of every block in each run.
const (
	idxMagic       = "OBJFSIDX"
	idxVersion     = 2
	idxFixedLen    = 32
	idxEntryLen    = 16
	idxSuffix      = ".idx"
	maxIdentityLen = math.MaxUint16
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// errCorrupt marks a block or index file that does not verify.
var errCorrupt = errors.New("corrupt cache block")

// objName names an object version's files: the hex SHA-256 of its
// identity. Bucket, key and ETag are length-prefixed so no two versions
// share an input.
func objName(bucket, key, etag string) [sha256.Size]byte {
	h := sha256.New()
	var n [8]byte
	for _, s := range []string{bucket, key, etag} {
		binary.LittleEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
}

// entriesOff is where the index file's entries start for an identity of
// identLen bytes.
func entriesOff(identLen int) int64 {
	return int64(idxFixedLen+identLen+idxEntryLen-1) / idxEntryLen * idxEntryLen
}

// encodeIdxHeader returns the index file header of an object version.
func encodeIdxHeader(bucket, key, etag string, blockSize int64) ([]byte, error) {
	if len(bucket) > maxIdentityLen || len(key) > maxIdentityLen || len(etag) > maxIdentityLen {
		return nil, fmt.Errorf("object identity too long for the disk format")
	}
	h := make([]byte, entriesOff(len(bucket)+len(key)+len(etag)))
	copy(h, idxMagic)
	le := binary.LittleEndian
	le.PutUint16(h[8:], idxVersion)
	le.PutUint16(h[10:], uint16(len(bucket)))
	le.PutUint16(h[12:], uint16(len(key)))
	le.PutUint16(h[14:], uint16(len(etag)))
	le.PutUint64(h[16:], uint64(blockSize))
	n := copy(h[idxFixedLen:], bucket)
	n += copy(h[idxFixedLen+n:], key)
	copy(h[idxFixedLen+n:], etag)
	le.PutUint32(h[24:], idxHeaderCRC(h, len(bucket)+len(key)+len(etag)))
	return h, nil
}

func idxHeaderCRC(h []byte, identLen int) uint32 {
	c := crc32.Update(0, castagnoli, h[:24])
	return crc32.Update(c, castagnoli, h[idxFixedLen:idxFixedLen+identLen])
}

// idxHeader is a decoded index file header.
type idxHeader struct {
	bucket, key, etag string
	blockSize         int64
	entries           int64 // offset of entry 0
}

// decodeIdxHeader checks and decodes the header at the start of b.
func decodeIdxHeader(b []byte) (idxHeader, error) {
	le := binary.LittleEndian
	if len(b) < idxFixedLen || string(b[:8]) != idxMagic {
		return idxHeader{}, fmt.Errorf("%w: bad magic", errCorrupt)
	}
	if v := le.Uint16(b[8:]); v != idxVersion {
		return idxHeader{}, fmt.Errorf("%w: format version %d", errCorrupt, v)
	}
	lb, lk, le2 := int(le.Uint16(b[10:])), int(le.Uint16(b[12:])), int(le.Uint16(b[14:]))
	ident := lb + lk + le2
	off := entriesOff(ident)
	if int64(len(b)) < off {
		return idxHeader{}, fmt.Errorf("%w: header cut short", errCorrupt)
	}
	if le.Uint32(b[24:]) != idxHeaderCRC(b, ident) {
		return idxHeader{}, fmt.Errorf("%w: header checksum mismatch", errCorrupt)
	}
	s := b[idxFixedLen:]
	return idxHeader{
		bucket: string(s[:lb]), key: string(s[lb : lb+lk]), etag: string(s[lb+lk : ident]),
		blockSize: int64(le.Uint64(b[16:])), entries: off,
	}, nil
}

// encodeEntry returns the index entry of block index holding data.
func encodeEntry(index int64, length int, crc uint32) []byte {
	e := make([]byte, idxEntryLen)
	le := binary.LittleEndian
	le.PutUint32(e[0:], uint32(length))
	le.PutUint32(e[4:], crc)
	le.PutUint32(e[8:], entryCRC(e, index))
	return e
}

func entryCRC(e []byte, index int64) uint32 {
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(index))
	return crc32.Update(crc32.Checksum(e[:8], castagnoli), castagnoli, n[:])
}

// decodeEntry returns the length and CRC an entry records; ok is false for
// an absent block or an entry that does not verify.
func decodeEntry(e []byte, index int64) (length int64, crc uint32, ok bool) {
	le := binary.LittleEndian
	length = int64(le.Uint32(e[0:]))
	if length == 0 || le.Uint32(e[8:]) != entryCRC(e, index) {
		return 0, 0, false
	}
	return length, le.Uint32(e[4:]), true
}

// verifyData checks data against the CRC from its entry.
func verifyData(data []byte, want uint32) error {
	if got := crc32.Checksum(data, castagnoli); got != want {
		return fmt.Errorf("%w: data checksum %08x, index says %08x", errCorrupt, got, want)
	}
	return nil
}
