package writeback

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/objfs/objfs/remote"
)

// fillAlign is the granularity of reads from the base object into the
// staging file, so that small reads do not each cost a GET.
const fillAlign = 1 << 20

// stage is a staged writer's local copy: an unlinked file as long as the
// object, with the ranges that are authoritative (valid: written, or read
// from the base object) and those written since the last commit (dirty,
// a subset of valid). Bytes outside valid and below the writer's baseLimit
// come from the base object; above baseLimit they are zeros.
type stage struct {
	f     *os.File
	valid extents
	dirty extents
}

func newStage(dir string, size int64) (*stage, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(dir, "objfs-stage-*")
	if err != nil {
		return nil, err
	}
	// Unlinked at once: nothing to clean up after a crash, and the data was
	// never acknowledged to anyone.
	if err := os.Remove(f.Name()); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Truncate(size); err != nil {
		f.Close()
		return nil, err
	}
	return &stage{f: f}, nil
}

func (s *stage) writeAt(p []byte, off int64) error {
	if _, err := s.f.WriteAt(p, off); err != nil {
		return fmt.Errorf("staging file: %w", err)
	}
	s.valid = s.valid.add(off, off+int64(len(p)))
	s.dirty = s.dirty.add(off, off+int64(len(p)))
	return nil
}

// truncate changes the staged size from old to size; new bytes are zeros.
func (s *stage) truncate(old, size int64) error {
	if err := s.f.Truncate(size); err != nil {
		return fmt.Errorf("staging file: %w", err)
	}
	s.valid = s.valid.clip(size)
	s.dirty = s.dirty.clip(size)
	if size > old {
		s.valid = s.valid.add(old, size)
	}
	return nil
}

func (s *stage) close() { s.f.Close() }

// fill makes [start, end) of the staging file authoritative by reading the
// missing base-object bytes, pinned to the base ETag (a changed object
// fails with remote.ErrPreconditionFailed rather than mixing versions).
func (s *stage) fill(ctx context.Context, w *Writer, start, end int64) error {
	end = min(end, w.baseLimit)
	if start >= end {
		return nil
	}
	start = start / fillAlign * fillAlign
	end = min((end+fillAlign-1)/fillAlign*fillAlign, w.baseLimit)
	for _, g := range s.valid.gaps(start, end) {
		if w.detached {
			return ErrGone
		}
		if err := s.fetch(ctx, w, g); err != nil {
			return err
		}
		s.valid = s.valid.add(g.start, g.end)
	}
	return nil
}

func (s *stage) fetch(ctx context.Context, w *Writer, g span) error {
	body, err := w.u.client.Get(ctx, remote.GetRequest{
		Bucket: w.bucket, Key: w.key, IfMatch: w.base.ETag,
		Offset: g.start, Length: g.end - g.start,
	})
	if err != nil {
		return err
	}
	defer body.Close()
	n, err := io.Copy(io.NewOffsetWriter(s.f, g.start), io.LimitReader(body, g.end-g.start))
	if err != nil {
		return err
	}
	if n != g.end-g.start {
		return fmt.Errorf("short read of %s/%s at %d: %d of %d bytes: %w", w.bucket, w.key, g.start, n, g.end-g.start, remote.ErrTransient)
	}
	return nil
}

// commitStaged uploads the staged file as the whole object.
func (w *Writer) commitStaged(ctx context.Context) (remote.ObjectInfo, error) {
	sg, size := w.sg, w.size
	if size <= w.u.cfg.SmallObject {
		if err := sg.fill(ctx, w, 0, size); err != nil {
			return remote.ObjectInfo{}, err
		}
		return w.put(ctx, io.NewSectionReader(sg.f, 0, size), size)
	}
	return w.commitMultipart(ctx)
}

// commitMultipart uploads the staged file in parts: ranges untouched since
// the base object are copied server-side, the others are filled from the
// base where needed and uploaded from the staging file.
func (w *Writer) commitMultipart(ctx context.Context) (remote.ObjectInfo, error) {
	sg, size := w.sg, w.size
	partSize := fixedPartSize(w.u.cfg.PartSize, size)
	n := int((size + partSize - 1) / partSize)
	copyPart := make([]bool, n)
	for i := range n {
		start, end := int64(i)*partSize, min(int64(i+1)*partSize, size)
		copyPart[i] = end <= w.baseLimit && !sg.dirty.overlaps(start, end)
		if !copyPart[i] {
			if err := sg.fill(ctx, w, start, end); err != nil {
				return remote.ObjectInfo{}, err
			}
		}
	}
	sum := partChecksum(copyPart)
	id, err := w.u.client.CreateMultipart(ctx, remote.CreateMultipartRequest{
		Bucket: w.bucket, Key: w.key, Metadata: w.uploadMeta(), Checksum: sum,
	})
	if err != nil {
		return remote.ObjectInfo{}, err
	}
	parts, err := w.u.runParts(ctx, n, func(i int) (remote.Part, error) {
		start, end := int64(i)*partSize, min(int64(i+1)*partSize, size)
		num := int32(i + 1)
		if copyPart[i] {
			return w.u.client.UploadPartCopy(ctx, remote.UploadPartCopyRequest{
				Bucket: w.bucket, Key: w.key, UploadID: id, Number: num,
				SrcBucket: w.bucket, SrcKey: w.key, SrcETag: w.base.ETag,
				Offset: start, Length: end - start,
			})
		}
		return w.u.client.UploadPart(ctx, remote.UploadPartRequest{
			Bucket: w.bucket, Key: w.key, UploadID: id, Number: num,
			Body: io.NewSectionReader(sg.f, start, end-start), Size: end - start, Checksum: sum,
		})
	})
	return w.u.complete(ctx, w.bucket, w.key, id, parts, err, w.excl, size)
}

// partChecksum picks CRC32C for the parts (a fraction of MD5's CPU cost)
// unless some are copied: a CRC32C upload cannot take UploadPartCopy.
func partChecksum(copyPart []bool) remote.PartChecksum {
	if slices.Contains(copyPart, true) {
		return remote.PartsMD5
	}
	return remote.PartsCRC32C
}
