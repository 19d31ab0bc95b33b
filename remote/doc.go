// Package remote is objfs's storage seam: everything the filesystem asks of
// an S3-compatible service goes through the Client interface (client.go),
// whose methods take a context and request structs and return plain Go
// types. No SDK type crosses the boundary; this is the only package that
// imports aws-sdk-go-v2.
//
// # Implementations and decorators
//
//   - S3 (s3*.go): the aws-sdk-go-v2 implementation. One call is one HTTP
//     request: the SDK's own retryer is disabled, and each attempt runs
//     under a deadline derived from S3Config.RequestTimeout, layered on the
//     caller's context (s3_deadline.go): fixed for small calls, a stall
//     timer for body transfers, so a large part on a slow link is not cut
//     while it progresses, and for server-side copies and completions a
//     stall timer of 3T reset by every sign of the server working (bytes
//     of the answer, reported by the transport to a hook in the request's
//     context; answers to other requests or to a HeadBucket probe), capped
//     at 10 min. The HTTP transport keeps MaxConns idle connections per
//     host, HTTP/1.1, no compression.
//   - Fake (fake*.go): in memory, honouring every contract, with fault
//     injection (FailNext, SetHook) for tests of the layers above.
//   - WithRetry (retry*.go): retries retryable errors with exponential
//     backoff, jitter over the upper half of each step, at most
//     MaxAttempts and within a time Budget per call, rewinding request
//     bodies, and recognises a conditional write refused by its own
//     earlier attempt (see Retries below); with RetryConfig.UnreachableFor
//     it also waits out an endpoint that refuses connections (a restarting
//     server). A pinned Get whose body is cut off continues with a ranged
//     Get of the rest (retry_get.go). A server that answered no request
//     for the budget is taken to be frozen: calls fail at once with
//     ErrNoAnswer but for one probe at a time (retry_health.go). See
//     WithRetry for what it does not retry.
//   - Counting (counting.go): counts calls per operation.
//   - Restrict (restrict*.go): a connector's view (acl.Connector): refuses
//     what the connector denies without a request (ErrNotFound, ErrReadOnly,
//     ErrDenied, ErrCrossDevice) and filters listings to what it shows;
//     RestrictObserved also tells a callback of each refusal. Keys the
//     connector pins to a version are read, stat'ed and listed at that
//     version (restrict_pin.go); RestrictHooked also reports pinned
//     versions that are gone (ErrPinnedGone).
//
// # Versions
//
// The Versions half of Client (versions.go) reads a versioned bucket:
// ListVersions (one page of ListObjectVersions, versions and delete
// markers in S3's order), HeadVersion, BucketVersioning, and
// GetRequest.VersionID for GetObject?versionId=. A version never changes,
// so a Get with a VersionID is pinned like one with IfMatch: WithRetry
// resumes a cut-off body with the same version. A GET or HEAD of a
// version that is a delete marker (405) is ErrNotFound. HeadVersion is
// counted and measured as the HeadObject it is. The Fake keeps every
// version once SetVersioning enables it (fake_versions.go); Restrict
// applies a connector's rules to versions as to current objects.
//
// Config types (S3Config, RetryConfig) have WithDefaults and Validate; the
// Fake's clock (SetClock) and the retry sleep and jitter are injectable.
//
// The usual stack is WithRetry(NewCounting(s3)): counts then are requests
// sent. Operations are named by the Op* constants (ops.go), S3's action
// names, in counts, injected faults and errors. The package remotetest
// holds the conformance suite that the S3 client (against MinIO) and the
// Fake both pass; what MinIO cannot do (an object and a prefix of the same
// name, "a" and "a/b") is tested on the Fake alone.
//
// # S3 compatibility notes
//
// Listings ask for EncodingType=url (keys may hold characters XML cannot
// carry) and decode keys back. Copy sources are percent-encoded except for
// unreserved characters and "/". ListMultipartUploads filters by prefix
// on the client, because MinIO returns nothing for a prefix that is not a
// whole key. A Get of Offset 0 on an empty object retries once without a
// Range, since only an empty object has no byte 0.
//
// # Errors
//
// Every failure is an *Error carrying the operation, bucket and key, a
// class (Kind: a sentinel of errors.go, or the caller's context error) and
// the cause as received. errors.Is(err, ErrNotFound) tests the class; the
// message shows the S3 code, HTTP status and request id. S3 errors are
// classified once, in s3_errors.go: first by S3 error code, then by HTTP
// status, then by transport failure (refused or DNS: ErrUnreachable;
// resets, cut-off bodies: ErrTransient; an attempt's own deadline or
// stall timer: ErrNoAnswer, a kind of ErrTransient; a copy that reached
// its cap while the server showed signs of work: ErrTransient, since the
// server did answer). A 2xx whose body cannot be read (XML cut short) is
// ErrTransient too: the answer was lost, as in a reset. Credentials never appear in errors or logs.
//
// # Integrity
//
// Every body a write sends carries a checksum, computed here in a pass
// before sending, that the server verifies before storing: a mismatch is
// refused (XAmzContentChecksumMismatch or BadDigest, classified
// ErrTransient so the body is resent; s3_integrity_test.go corrupts bodies
// on their way to MinIO to prove it). Put sends x-amz-checksum-crc32c. A
// multipart upload picks one kind for all its parts (PartChecksum):
// PartsCRC32C declares CRC32C when created, each part sends it and the
// completion echoes it; PartsMD5 declares none and each part sends
// Content-MD5. Both are needed. CRC32C is computed in hardware, some 20
// times faster than MD5 (18 GB/s against 0.76 GB/s on the bench VM, where
// MD5 was 40% of the daemon's CPU while writing). But MinIO cannot give a
// part made by UploadPartCopy a CRC32C, so an upload that copies parts
// (staged commits keeping untouched ranges, multipart copies) must be
// PartsMD5. AWS refuses a CRC32C part in an upload that declared none
// (MinIO accepts it). The SDK's own checksum calculation is set to "when
// required": by default it would add CRC32 and stream HTTPS bodies with an
// aws-chunked trailer that several S3-compatible servers reject.
//
// Put and UploadPart sign UNSIGNED-PAYLOAD instead of the body's SHA-256,
// over plain HTTP too (over HTTPS the SDK does so by itself). Hashing the
// body for the signature was one more pass over it (20% of the daemon's
// CPU while writing, and MinIO hashed it again to check) and adds nothing
// against corruption: the checksum header is signed, so the server checks
// the body against a value the signature vouches for. What plain HTTP
// loses is protection against an attacker on the path who rewrites a
// body: a CRC32C can be forged to match, a SHA-256 cannot (nor, in
// practice, an MD5 for a body the attacker did not choose). Such an
// attacker already reads every byte written and read over plain HTTP and
// can replay signed requests, so objfs takes plain HTTP to be for trusted
// networks (loopback, a private link) and relies on TLS against
// tampering, as AWS's SDKs do for unsigned payloads.
//
// All of this holds only on a server that verifies flexible checksums
// (AWS, MinIO). One that does not (Ceph RGW before Squid, some other
// S3-compatibles) ignores x-amz-checksum-* headers and, the payload being
// unsigned, would store bodies unchecked. A server that verified a CRC32C
// echoes it in its PutObject and UploadPart answer (AWS: "only present if
// the checksum was uploaded with the object"; MinIO does), so the S3
// client checks every CRC32C write's answer (s3_sums.go): another value
// means the server stored other bytes (ErrTransient: resent); no value
// switches the client, for its lifetime and with one warning, to what
// every server verifies: Content-MD5 on every Put and UploadPart, no
// CRC32C (uploads then declare none; parts of one created before the
// switch send Content-MD5 too, which the server, ignoring the declared
// algorithm, accepts) and the body's SHA-256 signed over plain HTTP. The
// write that revealed it, and any sent alongside, was stored unverified:
// its ETag is checked against the body's MD5 (ErrTransient if it is
// another MD5, so the resend, with Content-MD5, replaces it). Under
// S3Config SSE-KMS or SSE-C ETags are not MD5s (an SSE-KMS one still has
// the shape of one), so no ETag is compared; such a write, like one whose
// ETag is not shaped as an MD5, was protected by TCP checksums only. S3Config.Checksum can fix the mode
// instead: ChecksumCRC32C never switches, ChecksumMD5 starts switched.
// The Fake's IgnoreChecksums plays such a server for the layers above.
//
// # Write results
//
// Put returns Key, Size, ETag and the metadata sent. Copy and
// CompleteMultipart return Key, ETag (and LastModified for Copy) with Size
// -1: S3 does not report the size there. ETags are predictable without
// SSE-KMS or SSE-C (etag.go: the body's MD5, or for a multipart object
// the MD5 of its parts' MD5s with "-N"): the Fake makes them so, and the
// S3 client and WithRetry recognise written bytes by them.
//
// # Retries and non-idempotent calls
//
// A retried write whose first attempt reached the server but whose answer
// was lost can be refused by its own work: a Put with IfNoneMatch then
// sees ErrPreconditionFailed, a CompleteMultipart sees ErrNotFound (the
// upload is gone). WithRetry checks those two with a HEAD
// (retry_landed.go): when the key holds the ETag this call's bytes get
// (the body's MD5 for a Put, which must also find its metadata; the
// parts' multipart ETag for a completion), the call succeeds. Under
// SSE-KMS or SSE-C (RetryConfig.ETagsNotMD5) no ETag is predicted and no
// HEAD sent: the refusal stands, as it would without the check, and as
// it does when a bucket's default encryption makes ETags that match
// nothing: a false failure, never a false success.
//
// # Options of requests
//
// S3Config.Anonymous sends requests unsigned (public buckets).
// RequesterPays, SSE, SSEKMSKeyID, SSECustomerKey and StorageClass are
// headers, set by one Build-step middleware (s3_options.go), before
// signing, on the operations that need them: SSE and the storage class
// where an object is made (PutObject, CreateMultipartUpload,
// CopyObject), the SSE-C key on every request that reads or writes an
// object and as the copy source's key of server-side copies, requester
// pays on every request. CABundle adds certificates to trust. Still reported: a retried
// CreateBucket that sees ErrExists, an AbortMultipart that sees
// ErrNotFound (callers take it as done). The Fake's LoseAnswer injects
// exactly this fault: the write applies, its answer becomes ErrTransient.
//
// # Concurrency and lock order
//
// S3 has no mutable state after NewS3 (the SDK client and transport are
// safe for concurrent use); a GetObject body is used by one reader at a
// time. Fake: Fake.mu guards the buckets, their objects, versions and
// uploads, the clock and the upload sequence; faults.mu guards injected faults, hooks
// and lost answers. They are never held together — faults are checked,
// and hooks run, before Fake.mu is taken; lost answers are taken after it
// is released — and no lock is held while a hook runs or a caller reads a
// body. Counting.mu guards its counts only; a WithRetry client's
// health.mu guards what it knows of the server's answers, and is never
// held during a request. Stored
// objects are immutable: a write replaces the object, so a reader keeps
// the bytes it started with.
package remote
