package vfs

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/objfs/objfs/remote"
)

// prefixChecks bounds the listings that verify one page's common
// prefixes at once.
const prefixChecks = 8

// asOfToken is the continuation token of an as-of listing: the markers of
// the last version or prefix consumed, and the key whose version at the
// time was already chosen (its older versions are skipped).
type asOfToken struct {
	Key     string `json:"k,omitempty"`
	Version string `json:"v,omitempty"`
	Decided string `json:"d,omitempty"`
}

func (t asOfToken) encode() string {
	b, _ := json.Marshal(t) // strings only: cannot fail
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeAsOfToken(s string) (asOfToken, error) {
	var t asOfToken
	if s == "" {
		return t, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &t)
	}
	return t, err
}

// scan chooses each key's version at the time from versions in S3's
// order (by key, newest first).
type scan struct {
	a       *asOfClient
	bucket  string
	decided string // the last key whose version was chosen
}

// see returns v's object when v is its key's version at the time and not
// a delete marker, remembering what it chose.
func (s *scan) see(v remote.ObjectVersion) (remote.ObjectInfo, bool) {
	if v.Key == s.decided || !s.a.notAfter(v) {
		return remote.ObjectInfo{}, false
	}
	s.decided = v.Key
	remember(s.a, s.a.resolved, memoKey(s.bucket, v.Key),
		resolution{alive: !v.DeleteMarker, versionID: v.VersionID, etag: v.ETag})
	return v.ObjectInfo, !v.DeleteMarker
}

// List returns one page of the listing as of the time, from as many
// ListObjectVersions pages (of listPageSize) as it takes to fill MaxKeys
// entries or reach the end; the token carries the version markers. Each
// key appears with its version at the time (VersionID set), and a common
// prefix only if a key below it is alive then: a full page's prefixes are
// verified together, a shorter one's (a lookup's one-key probe) only as
// far as it reads, so that stat of a directory does not verify all its
// subdirectories.
func (a *asOfClient) List(ctx context.Context, req remote.ListRequest) (remote.ListPage, error) {
	tok, err := decodeAsOfToken(req.Token)
	if err != nil {
		return remote.ListPage{}, &remote.Error{Op: remote.OpList, Bucket: req.Bucket, Key: req.Prefix,
			Kind: remote.ErrInvalidArgument, Message: "bad continuation token", Err: err}
	}
	limit := req.MaxKeys
	if limit <= 0 || limit > listPageSize {
		limit = listPageSize
	}
	vreq := remote.ListVersionsRequest{Bucket: req.Bucket, Prefix: req.Prefix, Delimiter: req.Delimiter,
		KeyMarker: tok.Key, VersionIDMarker: tok.Version, MaxKeys: listPageSize}
	s := &scan{a: a, bucket: req.Bucket, decided: tok.Decided}
	out := remote.ListPage{Objects: []remote.ObjectInfo{}}
	n := 0
	page, rest := a.takeRest(req)
	for {
		if !rest {
			if page, err = a.next.ListVersions(ctx, vreq); err != nil {
				return remote.ListPage{}, err
			}
			if limit == listPageSize { // a listing: all at once; a probe verifies what it reaches
				if err := a.verifyPrefixes(ctx, req.Bucket, page.Prefixes); err != nil {
					return remote.ListPage{}, err
				}
			}
		}
		rest = false
		vs, ps := page.Versions, page.Prefixes
		for len(vs) > 0 || len(ps) > 0 {
			if n >= limit {
				out.NextToken = tok.encode()
				if limit == listPageSize { // a lookup's short probe is never continued
					a.keepRest(req, out.NextToken, remote.VersionPage{Versions: vs, Prefixes: ps,
						NextKeyMarker: page.NextKeyMarker, NextVersionIDMarker: page.NextVersionIDMarker})
				}
				a.noteAlive(req.Bucket, req.Prefix, n)
				return out, nil
			}
			if len(ps) > 0 && (len(vs) == 0 || ps[0] < vs[0].Key) {
				p := ps[0]
				alive, err := a.prefixAlive(ctx, req.Bucket, p)
				if err != nil {
					return remote.ListPage{}, err
				}
				ps = ps[1:]
				if alive {
					out.Prefixes = append(out.Prefixes, p)
					n++
				}
				tok = asOfToken{Key: p}
				continue
			}
			v := vs[0]
			vs = vs[1:]
			if o, ok := s.see(v); ok {
				out.Objects = append(out.Objects, o)
				n++
			}
			tok = asOfToken{Key: v.Key, Version: v.VersionID, Decided: s.decided}
		}
		if page.NextKeyMarker == "" {
			a.noteAlive(req.Bucket, req.Prefix, n)
			return out, nil
		}
		tok = asOfToken{Key: page.NextKeyMarker, Version: page.NextVersionIDMarker, Decided: s.decided}
		vreq.KeyMarker, vreq.VersionIDMarker = tok.Key, tok.Version
		if n >= limit {
			out.NextToken = tok.encode()
			a.noteAlive(req.Bucket, req.Prefix, n)
			return out, nil
		}
	}
}

// restKey names what is left of a versions page after a List that
// returned token.
func restKey(req remote.ListRequest, token string) string {
	return memoKey(req.Bucket, req.Prefix+"\x00"+req.Delimiter+"\x00"+token)
}

// keepRest keeps the part of a versions page a full List did not return,
// for the List that continues with its token: a page is fetched once even
// when MaxKeys ends the answer inside it. A shorter List (a lookup's
// one-key probe, never continued) keeps nothing: up to maxRests pages of
// a thousand versions would be held for nobody; its token still works.
func (a *asOfClient) keepRest(req remote.ListRequest, token string, rest remote.VersionPage) {
	a.mu.Lock()
	if len(a.rests) >= maxRests {
		clear(a.rests)
	}
	a.rests[restKey(req, token)] = rest
	a.mu.Unlock()
}

// takeRest returns (and forgets) what keepRest kept for req.
func (a *asOfClient) takeRest(req remote.ListRequest) (remote.VersionPage, bool) {
	if req.Token == "" {
		return remote.VersionPage{}, false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	k := restKey(req, req.Token)
	p, ok := a.rests[k]
	delete(a.rests, k)
	return p, ok
}

// maxRests bounds the page remainders kept (listings in progress).
const maxRests = 256

// noteAlive remembers that a directory whose listing showed something
// has something alive below it.
func (a *asOfClient) noteAlive(bucket, prefix string, shown int) {
	if shown > 0 && keyIsDirPrefix(prefix) {
		remember(a, a.dirs, memoKey(bucket, prefix), true)
	}
}

func keyIsDirPrefix(p string) bool { return p != "" && p[len(p)-1] == '/' }

// verifyPrefixes finds out, for each prefix not known yet, whether any
// key below it is alive at the time, at most prefixChecks at once.
func (a *asOfClient) verifyPrefixes(ctx context.Context, bucket string, prefixes []string) error {
	var (
		wg    sync.WaitGroup
		sem   = make(chan struct{}, prefixChecks)
		errMu sync.Mutex
		first error
	)
	for _, p := range prefixes {
		if _, known := recall(a, a.dirs, memoKey(bucket, p)); known {
			continue
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			alive, err := a.aliveBelow(ctx, bucket, p)
			if err != nil {
				errMu.Lock()
				if first == nil {
					first = err
				}
				errMu.Unlock()
				return
			}
			remember(a, a.dirs, memoKey(bucket, p), alive)
		})
	}
	wg.Wait()
	return first
}

// prefixAlive reports whether a key below prefix is alive at the time:
// known from verifyPrefixes or an earlier answer, else verified now (a
// probe's page, or a memo that was forgotten).
func (a *asOfClient) prefixAlive(ctx context.Context, bucket, prefix string) (bool, error) {
	if alive, known := recall(a, a.dirs, memoKey(bucket, prefix)); known {
		return alive, nil
	}
	alive, err := a.aliveBelow(ctx, bucket, prefix)
	if err != nil {
		return false, err
	}
	remember(a, a.dirs, memoKey(bucket, prefix), alive)
	return alive, nil
}

// aliveBelow lists the versions of every key below prefix until one is
// alive at the time.
func (a *asOfClient) aliveBelow(ctx context.Context, bucket, prefix string) (bool, error) {
	req := remote.ListVersionsRequest{Bucket: bucket, Prefix: prefix, MaxKeys: listPageSize}
	s := &scan{a: a, bucket: bucket}
	for {
		page, err := a.next.ListVersions(ctx, req)
		if err != nil {
			return false, fmt.Errorf("list versions below s3://%s/%s: %w", bucket, prefix, err)
		}
		for _, v := range page.Versions {
			if _, ok := s.see(v); ok {
				return true, nil
			}
		}
		if page.NextKeyMarker == "" {
			return false, nil
		}
		req.KeyMarker, req.VersionIDMarker = page.NextKeyMarker, page.NextVersionIDMarker
	}
}
