package writeback

import (
	"bytes"
	"context"
	"slices"
	"sync"

	"github.com/objfs/objfs/remote"
)

// firstBuffer is the least initial capacity of a streaming buffer (the
// first write's size when larger); it doubles up to the part size, so
// small files hold small buffers. It was 256 KiB: each 4 KiB file of a
// `cp -r` then zeroed and dropped 64 times its size, 6% of the daemon's
// CPU and most of its garbage (a collection every ~40 files). Doubling
// from 16 KiB copies a large file's first part about once more in all.
const firstBuffer = 16 << 10

// stream is the state of a streaming writer: bytes [0, bufStart) are in
// parts uploaded or uploading, bytes [bufStart, size) are in buf.
func newStream() *stream { return &stream{next: 1} }

type stream struct {
	uploadID string
	next     int32 // part number of the bytes in buf
	bufStart int64
	buf      []byte
	held     int64 // budget bytes held for buf
	parts    partSet
	wg       sync.WaitGroup // background part uploads
}

// partSet collects finished parts; background uploads report here without
// taking Writer.mu.
type partSet struct {
	mu    sync.Mutex
	parts []remote.Part
	err   error
}

func (s *partSet) add(p remote.Part, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		if s.err == nil {
			s.err = err
		}
		return
	}
	s.parts = append(s.parts, p)
}

// failed returns the first part upload error, cheaply: every write asks.
func (s *partSet) failed() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

func (s *partSet) result() ([]remote.Part, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ps := slices.Clone(s.parts)
	slices.SortFunc(ps, func(a, b remote.Part) int { return int(a.Number - b.Number) })
	return ps, s.err
}

// streamWrite writes p at off if the stream can take it: at or after the
// start of the buffer, leaving no gap larger than the current part. It
// reports false (and no error) when the writer must become staged.
func (w *Writer) streamWrite(ctx context.Context, p []byte, off int64) (bool, error) {
	st := w.st
	if err := st.parts.failed(); err != nil {
		return false, err
	}
	if off < st.bufStart || off-st.bufStart > w.partCap() {
		return false, nil
	}
	for len(p) > 0 {
		partCap := w.partCap()
		rel := off - st.bufStart
		n := min(int64(len(p)), partCap-rel)
		if err := w.growBuffer(ctx, rel+n); err != nil {
			return false, err
		}
		if old := int64(len(st.buf)); old < rel+n {
			st.buf = st.buf[:rel+n]
			if rel > old {
				clear(st.buf[old:rel]) // a gap reads as zeros
			}
		}
		copy(st.buf[rel:], p[:n])
		off += n
		p = p[n:]
		w.size = max(w.size, off)
		w.dirty = true
		if int64(len(st.buf)) == partCap {
			if err := w.dispatch(ctx); err != nil {
				return false, err
			}
		}
	}
	return true, nil
}

func (w *Writer) partCap() int64 { return streamPartSize(w.u.cfg.PartSize, w.st.next) }

// growBuffer makes room for need bytes in the buffer, within the budget.
func (w *Writer) growBuffer(ctx context.Context, need int64) error {
	st := w.st
	if need <= int64(cap(st.buf)) {
		return nil
	}
	newCap := max(need, min(2*int64(cap(st.buf)), w.partCap()), firstBuffer)
	if st.next > 1 {
		newCap = w.partCap() // a large file: take the whole part at once
	}
	newCap = min(newCap, w.partCap())
	if err := w.u.mem.acquire(ctx, newCap-st.held); err != nil {
		return err
	}
	var buf []byte
	if newCap == w.u.bufs.size {
		buf = w.u.bufs.get()[:len(st.buf)]
	} else {
		buf = make([]byte, len(st.buf), newCap)
	}
	copy(buf, st.buf)
	st.buf, st.held = buf, newCap
	return nil
}

// dispatch uploads the buffer as the next part in the background.
func (w *Writer) dispatch(ctx context.Context) error {
	st := w.st
	if st.uploadID == "" {
		// A stream never copies parts, so they can carry CRC32C, which
		// costs a fraction of MD5's CPU.
		id, err := w.u.client.CreateMultipart(context.WithoutCancel(ctx), remote.CreateMultipartRequest{
			Bucket: w.bucket, Key: w.key, Metadata: w.uploadMeta(), Checksum: remote.PartsCRC32C,
		})
		if err != nil {
			return err
		}
		st.uploadID = id
	}
	buf, held, num := st.buf, st.held, st.next
	st.bufStart += int64(len(buf))
	st.buf, st.held = nil, 0
	st.next++
	st.wg.Add(1)
	go func() {
		defer st.wg.Done()
		var part remote.Part
		err := w.u.withSlot(w.u.ctx, func() error {
			var err error
			part, err = w.u.client.UploadPart(w.u.ctx, remote.UploadPartRequest{
				Bucket: w.bucket, Key: w.key, UploadID: st.uploadID,
				Number: num, Body: bytes.NewReader(buf), Size: int64(len(buf)),
				Checksum: remote.PartsCRC32C,
			})
			return err
		})
		w.u.bufs.put(buf)
		w.u.mem.release(held)
		st.parts.add(part, err)
	}()
	return nil
}

// commitStream finishes the stream as the object: one PutObject if no part
// was sent, else the last part and CompleteMultipartUpload.
func (w *Writer) commitStream(ctx context.Context) (remote.ObjectInfo, error) {
	st := w.st
	if st.uploadID == "" {
		return w.put(ctx, bytes.NewReader(st.buf), int64(len(st.buf)))
	}
	if len(st.buf) > 0 {
		if err := w.dispatch(ctx); err != nil {
			w.abortStream(ctx)
			return remote.ObjectInfo{}, err
		}
	}
	st.wg.Wait()
	parts, err := st.parts.result()
	info, err := w.u.complete(ctx, w.bucket, w.key, st.uploadID, parts, err, w.excl, w.size)
	st.uploadID = ""
	return info, err
}

// abortStream waits for in-flight parts and aborts the multipart upload.
func (w *Writer) abortStream(ctx context.Context) {
	st := w.st
	st.wg.Wait()
	if st.uploadID == "" {
		return
	}
	w.u.abort(ctx, w.bucket, w.key, st.uploadID)
	st.uploadID = ""
}

// readAt serves p from the buffer when [off, off+len(p)) lies inside it.
func (st *stream) readAt(p []byte, off int64) (int, bool) {
	if off < st.bufStart || off+int64(len(p)) > st.bufStart+int64(len(st.buf)) {
		return 0, false
	}
	return copy(p, st.buf[off-st.bufStart:]), true
}

// truncate shrinks the stream if size lies inside the buffer.
func (st *stream) truncate(size int64) bool {
	if size < st.bufStart || size > st.bufStart+int64(len(st.buf)) {
		return false
	}
	st.buf = st.buf[:size-st.bufStart]
	return true
}

// abort drops the stream's data: waits for uploads, aborts the multipart
// upload, releases the buffer.
func (st *stream) abort(w *Writer) {
	w.abortStream(context.Background())
	st.release(w.u)
}

func (st *stream) release(u *Uploader) {
	if st.held > 0 {
		u.bufs.put(st.buf)
		u.mem.release(st.held)
		st.buf, st.held = nil, 0
	}
}

// toStaged turns a streaming writer into a staged one. Data still all in
// the buffer moves to a staging file; otherwise what was uploaded is
// committed first and the staged writer continues over that object.
func (w *Writer) toStaged(ctx context.Context) error {
	st := w.st
	if st.uploadID == "" {
		sg, err := newStage(w.u.cfg.StageDir, w.size)
		if err != nil {
			return err
		}
		if err := sg.writeAt(st.buf, st.bufStart); err != nil {
			sg.close()
			return err
		}
		st.release(w.u)
		w.st, w.sg, w.mode = nil, sg, modeStaged
		return nil
	}
	info, err := w.commitStream(ctx)
	if err != nil {
		return err
	}
	w.committed(info)
	return w.ensureStaged()
}
