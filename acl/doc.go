// Package acl owns connectors: the connectors file, its validation, the
// path-restriction matcher and the one access decision the filesystem asks
// before every operation. It is pure Go: no FUSE, no AWS SDK, no network;
// fs calls it, cmd/objfs loads the file and prints explanations, remote
// turns Creds into SDK credentials.
//
// # Types
//
//   - File: a loaded connectors file (Load, Parse); Explain and Warnings
//     serve `objfs connectors check`.
//   - Connector: one labelled connection (endpoint, region, path style, one
//     credential source, Paths, Access). Its query methods are Allows,
//     DirVisible, BucketVisible, EntryVisible, BucketNames, ImpliedDirs and
//     Decide; DecideRename takes two.
//   - Pattern: one parsed entry of paths (ParsePattern).
//   - Op, Decision: what is asked and the answer (allowed, or a Denial kind
//     and the rule that decided). acl never imports syscall: each Denial
//     names its errno (ErrnoName); fs maps it to one, remote.Restrict to a
//     sentinel error.
//   - Creds: resolved credentials (ResolveCredentials) for remote.
//   - Problem, ParseError: validation errors as FILE:LINE: message.
//
// # Concurrency and lock order
//
// There are no mutexes and no lock order: a File, its Connectors and their
// Patterns are never modified after Load/Parse returns, so every method is
// safe for concurrent use without locking. Callers must not mutate them
// either.
//
// # The connectors file
//
//	x-minio: &minio                  # top-level x-* keys are ignored: a
//	  endpoint: http://127.0.0.1:9000  # place for YAML anchors
//	  region: us-east-1
//	  path_style: true
//	connectors:
//	  - label: raw                   # directory name at the mount root
//	    <<: *minio                   # YAML merge keys work
//	    profile: mlteam              # exactly one credential source:
//	    # credentials_env: {access_key: VAR, secret_key: VAR, session_token: VAR}
//	    # access_key_id: ... + secret_access_key: ...   (file must be 0600)
//	    # credentials: default      (the SDK default chain, said explicitly)
//	    paths: ["datasets/*", "models/team.jpg"]   # leave out for everything
//	    access: read                 # read (default) | readwrite
//
// Validation collects every problem, each with FILE:LINE: unknown keys (with
// a did-you-mean), keys given twice, a missing or invalid label (one path
// segment: not empty, not "." or "..", no "/", at most 255 bytes), duplicate
// labels, an endpoint that is not an http(s) URL without path or user info,
// zero or several credential sources, half an inline key pair, environment
// variable names that are not names, an unknown access value, bad patterns,
// and `paths: []` (leaving paths out means everything; an empty list is too
// easily meant as "nothing", so it is refused). Error messages never quote a
// secret or a value given where a variable name was expected. Load refuses a
// file holding inline keys whose mode grants group or others anything
// (mode&0o077 != 0), naming the file, its mode and `chmod 600`.
//
// Missing credentials are an error rather than a silent fall-back to the
// SDK's default chain: a connector restricted to some paths usually exists
// because it has its own keys, and silently picking up the mounting user's
// AWS_* variables or instance role would grant the wrong identity. Writing
// `credentials: default` opts in.
//
// # Patterns and canonical keys
//
// A pattern is "bucket/key-pattern", matched literally byte by byte:
//
//	bucket/team.jpg   exactly that object
//	bucket/dir/*      the directory dir/ itself (its marker) and everything below
//	bucket/dir/       the same
//	bucket, bucket/*  the whole bucket, including the bucket itself
//	bucket/data*      raw key prefix: data.csv, data/..., database/...
//	buck*             raw bucket prefix: every bucket whose name starts so
//	*, or no paths    everything the credentials reach
//	bucket/k@VERSION  exactly that object, pinned to one version (pin.go)
//
// "*" may only end a pattern. Because every non-exact pattern is a prefix,
// allowing a directory key allows everything below it, so one check on a
// directory's key decides for its whole subtree (rmdir, rename of a dir).
//
// fs asks about raw (bucket, key) pairs built from names the kernel has
// already resolved: directory keys end in "/", the bucket root is "". A
// non-canonical key (leading "/", "//", "." or ".." segments, NUL, a segment
// over 255 bytes) or bucket name never matches anything: it is denied with
// ENOENT, never cleaned, because cleaning "out/../secret" is exactly how a
// denied object would be reached.
//
// Keys are not percent-decoded anywhere in objfs: "a%2Fb" is an object with
// a percent sign in its name. Two rules keep percent-encoding from ever
// turning a denied path into an allowed one, even through a tool or proxy
// that does decode: (1) a key is canonical only if its percent-decodings,
// repeated until no escape is left, are canonical too, so "out/%2E%2E/x"
// and "a%252F%252Fb" are denied like "out/../x"; (2) a pattern holding an
// escape such as "%2F", or a raw prefix ending in "%" or "%2", is refused,
// so every escape in an allowed key lies past its pattern's literal part
// and decoding keeps the key under the same prefix. The fuzz target
// FuzzMatcher checks both, and that "..", "./", "//" and a leading "/"
// never help. Adding a trailing "/" turns a file key into a different key
// (a directory); it is allowed only where a pattern names that directory.
//
// # Decisions and the errno table
//
// Decide(op, bucket, key) checks, in order:
//
//	non-canonical bucket or key                         ENOENT
//	read/list/stat of a key no pattern reaches          ENOENT  (invisible)
//	mutation of such a key whose directory is invisible ENOENT
//	any mutation in an `access: read` connector         EROFS   (visible paths)
//	any mutation of a pinned key (pin.go)               EROFS
//	read/list/stat of a visible key                     allowed (incl. dirs on the way)
//	mutation of a key inside the patterns               allowed (write implies delete)
//	mutation of a dir only on the way, or of a key
//	  outside the patterns in a visible directory       EACCES
//
// DecideRename: source invisible ENOENT; across connectors or buckets EXDEV
// (so mv falls back to copy + unlink, each checked on its own); then source
// and destination as a mutation each (EROFS, EACCES).
//
// Where SPEC §3 was open, the choices were:
//   - creating a file outside the patterns in a directory that is visible
//     (on the way) gives EACCES, not ENOENT, as the spec's "a write whose
//     destination is outside the patterns gives EACCES" asks; it reveals
//     nothing, as the answer does not depend on what exists.
//   - in a read-only connector every mutation of a visible path, or of a new
//     name in a visible directory, gives EROFS; invisible stays ENOENT.
//   - a directory on the way (for "b/data/out/*", "data/") is listable but
//     not writable: mkdir, rmdir, chmod and rename of it give EACCES. fs can
//     show such directories with ImpliedDirs even before S3 holds any key
//     below them, so an empty bucket's allowed subtree is reachable.
//   - bucket creation and deletion at a connector's root need a pattern that
//     covers the whole bucket ("*", "buck*", "bucket", "bucket/*").
package acl
