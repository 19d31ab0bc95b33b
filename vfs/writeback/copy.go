package writeback

import (
	"context"

	"github.com/objfs/objfs/remote"
)

// copyPartSize is the smallest part of a multipart copy: copies move no data
// through objfs, so fewer, larger parts are cheaper.
const copyPartSize = 512 << 20

// CopySpec names a server-side copy of one object.
type CopySpec struct {
	SrcBucket, SrcKey string
	SrcETag           string // the source must still have this ETag
	Size              int64
	DstBucket, DstKey string
	// Metadata replaces the source's user metadata when not nil.
	Metadata map[string]string
}

// Copy copies one object server-side: CopyObject up to 5 GiB, a multipart
// copy above. Used by rename and by metadata-only updates (utimens).
func (u *Uploader) Copy(ctx context.Context, c CopySpec) (remote.ObjectInfo, error) {
	if c.Size <= remote.MaxCopySize {
		info, err := u.client.Copy(ctx, remote.CopyRequest{
			SrcBucket: c.SrcBucket, SrcKey: c.SrcKey, SrcETag: c.SrcETag,
			DstBucket: c.DstBucket, DstKey: c.DstKey,
			Metadata: c.Metadata, ReplaceMetadata: c.Metadata != nil,
		})
		info.Size = c.Size
		return info, err
	}
	meta := c.Metadata
	if meta == nil {
		src, err := u.client.Head(ctx, c.SrcBucket, c.SrcKey)
		if err != nil {
			return remote.ObjectInfo{}, err
		}
		meta = src.Metadata
	}
	id, err := u.client.CreateMultipart(ctx, remote.CreateMultipartRequest{Bucket: c.DstBucket, Key: c.DstKey, Metadata: meta})
	if err != nil {
		return remote.ObjectInfo{}, err
	}
	partSize := max(fixedPartSize(u.cfg.PartSize, c.Size), copyPartSize)
	n := int((c.Size + partSize - 1) / partSize)
	parts, err := u.runParts(ctx, n, func(i int) (remote.Part, error) {
		start, end := int64(i)*partSize, min(int64(i+1)*partSize, c.Size)
		return u.client.UploadPartCopy(ctx, remote.UploadPartCopyRequest{
			Bucket: c.DstBucket, Key: c.DstKey, UploadID: id, Number: int32(i + 1),
			SrcBucket: c.SrcBucket, SrcKey: c.SrcKey, SrcETag: c.SrcETag,
			Offset: start, Length: end - start,
		})
	})
	return u.complete(ctx, c.DstBucket, c.DstKey, id, parts, err, false, c.Size)
}
