package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/objfs/objfs/csi"
	"github.com/objfs/objfs/remote"
)

// s3Store is the CSI Controller's Store (csi/controller.go) over package
// remote: a client per call, with the provisioner secret's keys (or the
// SDK's chain when it holds none), retrying transient failures.
type s3Store struct{}

var _ csi.Store = s3Store{}

func (s3Store) client(ctx context.Context, loc csi.Location, secrets map[string]string) (remote.Client, error) {
	cfg := remote.S3Config{
		Endpoint:        loc.Endpoint,
		Region:          loc.Region,
		PathStyle:       loc.PathStyle,
		AccessKeyID:     secrets[csi.SecretAccessKeyID],
		SecretAccessKey: secrets[csi.SecretSecretAccessKey],
		SessionToken:    secrets[csi.SecretSessionToken],
	}
	if (cfg.AccessKeyID == "") != (cfg.SecretAccessKey == "") {
		return nil, fmt.Errorf("the provisioner secret must hold both %q and %q, or neither", csi.SecretAccessKeyID, csi.SecretSecretAccessKey)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s3, err := remote.NewS3(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return remote.WithRetry(s3, remote.RetryConfig{}), nil
}

// classify maps remote's sentinels onto the Store's.
func classify(err error, bucket string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, remote.ErrAccessDenied):
		return fmt.Errorf("bucket %s: %w", bucket, csi.ErrStoreDenied)
	}
	return err
}

// Stat reads the volume's marker.
func (s s3Store) Stat(ctx context.Context, loc csi.Location, secrets map[string]string) (int64, bool, error) {
	c, err := s.client(ctx, loc, secrets)
	if err != nil {
		return 0, false, err
	}
	info, err := c.Head(ctx, loc.Bucket, loc.Prefix)
	if errors.Is(err, remote.ErrNotFound) {
		if berr := c.HeadBucket(ctx, loc.Bucket); errors.Is(berr, remote.ErrNotFound) {
			return 0, false, fmt.Errorf("bucket %s: %w", loc.Bucket, csi.ErrStoreNoBucket)
		}
		return 0, false, nil
	}
	if err != nil {
		return 0, false, classify(err, loc.Bucket)
	}
	return csi.ParseCapacityMetadata(info.Metadata), true, nil
}

// Create writes the marker: an empty object named by the prefix, which
// objfs shows as the directory it is.
func (s s3Store) Create(ctx context.Context, loc csi.Location, capacity int64, secrets map[string]string) error {
	c, err := s.client(ctx, loc, secrets)
	if err != nil {
		return err
	}
	_, err = c.Put(ctx, remote.PutRequest{Bucket: loc.Bucket, Key: loc.Prefix, Body: bytes.NewReader(nil), Metadata: csi.CapacityMetadata(capacity)})
	return classify(err, loc.Bucket)
}

// Delete removes every object under the prefix, then aborts the uploads
// left unfinished there.
func (s s3Store) Delete(ctx context.Context, loc csi.Location, secrets map[string]string) error {
	c, err := s.client(ctx, loc, secrets)
	if err != nil {
		return err
	}
	token := ""
	for {
		page, err := c.List(ctx, remote.ListRequest{Bucket: loc.Bucket, Prefix: loc.Prefix, Token: token})
		if errors.Is(err, remote.ErrNotFound) {
			return nil // no bucket: nothing to delete
		}
		if err != nil {
			return classify(err, loc.Bucket)
		}
		for _, o := range page.Objects {
			if err := c.Delete(ctx, loc.Bucket, o.Key); err != nil && !errors.Is(err, remote.ErrNotFound) {
				return classify(err, loc.Bucket)
			}
		}
		if page.NextToken == "" {
			break
		}
		token = page.NextToken
	}
	ups, err := c.ListMultipartUploads(ctx, loc.Bucket, loc.Prefix)
	if err != nil {
		return classify(err, loc.Bucket)
	}
	for _, u := range ups {
		if err := c.AbortMultipart(ctx, loc.Bucket, u.Key, u.UploadID); err != nil && !errors.Is(err, remote.ErrNotFound) {
			return classify(err, loc.Bucket)
		}
	}
	return nil
}
