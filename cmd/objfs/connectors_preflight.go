package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/objfs/objfs/acl"
	"github.com/objfs/objfs/remote"
)

// checkConnector runs the preflight for one connector with what its tree
// will ask first: ListBuckets when a pattern reaches buckets by prefix (or
// there are no paths), and for every bucket the patterns name, a one-key
// listing under the deepest directory all of that bucket's patterns share
// (so credentials limited to a prefix pass, as they should). Failures come
// back as one sentence (preflight_errors.go); the caller adds the label.
func checkConnector(ctx context.Context, c bucketLister, conn *acl.Connector, cfg remote.S3Config) error {
	var pf preflightConfig
	pf.SetDefaults()
	named, listAll := conn.BucketNames()
	if listAll {
		if err := checkRemote(ctx, c, pf, target{Endpoint: cfg.Endpoint, Region: cfg.Region, Anonymous: cfg.Anonymous}); err != nil {
			return err
		}
	}
	for _, b := range named {
		t := target{Endpoint: cfg.Endpoint, Region: cfg.Region, Bucket: b, Prefix: sharedDir(conn, b), Anonymous: cfg.Anonymous}
		if err := checkRemote(ctx, c, pf, t); err != nil {
			return err
		}
	}
	return nil
}

// connectorHints rewrite the advice of preflight messages written for
// `objfs mount SOURCE` (flags, AWS_* variables) for a connector, whose
// credentials and buckets come from the connectors file.
var connectorHints = []struct{ single, connector string }{
	{"(check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or the profile)", "(check the connector's credentials: %s)"},
	{"set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or use --profile", "check the connector's credentials (%s)"},
	{"(mount s3://BUCKET instead)", "(name the buckets in paths instead)"},
	{"check the credentials (AWS_ACCESS_KEY_ID/profile)", "check the connector's credentials (%s)"},
}

// forConnector rewrites a preflight error's advice for a connector whose
// credentials are described by creds.
func forConnector(err error, creds acl.Creds) error {
	msg := err.Error()
	for _, h := range connectorHints {
		if strings.Contains(msg, h.single) {
			repl := h.connector
			if strings.Contains(repl, "%s") {
				repl = fmt.Sprintf(repl, creds)
			}
			msg = strings.Replace(msg, h.single, repl, 1)
		}
	}
	if msg == err.Error() {
		return err
	}
	return errors.New(msg)
}

// sharedDir returns the deepest directory key ("" or ending in "/") that
// holds every path the connector's patterns name in bucket.
func sharedDir(conn *acl.Connector, bucket string) string {
	var dirs []string
	for _, p := range conn.Paths {
		if p.Raw == bucket {
			return ""
		}
		key, ok := strings.CutPrefix(p.Raw, bucket+"/")
		if !ok {
			continue
		}
		key = strings.TrimSuffix(key, "*")
		dirs = append(dirs, key[:strings.LastIndexByte(key, '/')+1])
	}
	if len(dirs) == 0 {
		return ""
	}
	slices.Sort(dirs)
	return commonDir(dirs[0], dirs[len(dirs)-1])
}

// commonDir returns the longest directory key that both a and b start
// with.
func commonDir(a, b string) string {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return a[:strings.LastIndexByte(a[:n], '/')+1]
}
