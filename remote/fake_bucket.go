package remote

import (
	"context"
	"slices"
	"strings"
)

// ListBuckets implements Client.
func (f *Fake) ListBuckets(ctx context.Context) ([]BucketInfo, error) {
	if err := f.begin(ctx, OpListBuckets, "", ""); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]BucketInfo, 0, len(f.buckets))
	for name, b := range f.buckets {
		out = append(out, BucketInfo{Name: name, Created: b.created})
	}
	slices.SortFunc(out, func(a, b BucketInfo) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// HeadBucket implements Client.
func (f *Fake) HeadBucket(ctx context.Context, bucket string) error {
	if err := f.begin(ctx, OpHeadBucket, bucket, ""); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	_, err := f.bucket(OpHeadBucket, bucket, "")
	return err
}

// CreateBucket implements Client. Names follow S3's rules (validBucketName).
func (f *Fake) CreateBucket(ctx context.Context, bucket string) (err error) {
	if err := f.begin(ctx, OpCreateBucket, bucket, ""); err != nil {
		return err
	}
	defer loseAnswerErr(f, OpCreateBucket, bucket, "", &err)
	if !validBucketName(bucket) {
		return fail(OpCreateBucket, bucket, "", ErrInvalidArgument, "InvalidBucketName")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.buckets[bucket]; ok {
		return fail(OpCreateBucket, bucket, "", ErrExists, "BucketAlreadyOwnedByYou")
	}
	f.buckets[bucket] = &fakeBucket{
		created:  f.now(),
		objects:  make(map[string]*fakeObject),
		uploads:  make(map[string]*fakeUpload),
		versions: make(map[string][]*fakeObject),
	}
	return nil
}

// DeleteBucket implements Client. Incomplete multipart uploads do not keep
// a bucket from being deleted; objects do, and versions and delete markers.
func (f *Fake) DeleteBucket(ctx context.Context, bucket string) (err error) {
	if err := f.begin(ctx, OpDeleteBucket, bucket, ""); err != nil {
		return err
	}
	defer loseAnswerErr(f, OpDeleteBucket, bucket, "", &err)
	f.mu.Lock()
	defer f.mu.Unlock()
	b, err := f.bucket(OpDeleteBucket, bucket, "")
	if err != nil {
		return err
	}
	if len(b.versions) > 0 { // delete markers too, as in S3
		return fail(OpDeleteBucket, bucket, "", ErrNotEmpty, "BucketNotEmpty")
	}
	delete(f.buckets, bucket)
	return nil
}

// validBucketName applies S3's naming rules: 3 to 63 characters of
// lower-case letters, digits, '.' and '-', starting and ending with a letter
// or digit, without "..".
func validBucketName(name string) bool {
	if len(name) < 3 || len(name) > 63 || strings.Contains(name, "..") {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		alnum := 'a' <= c && c <= 'z' || '0' <= c && c <= '9'
		edge := i == 0 || i == len(name)-1
		if !alnum && (edge || c != '.' && c != '-') {
			return false
		}
	}
	return true
}
