// Package remotetest is the conformance suite of remote.Client: one set of
// tests, written against the contracts in remote/client.go, that every
// implementation must pass. remote's own tests run it against the Fake and
// against the S3 client talking to a real MinIO, so the Fake that other
// packages test with cannot drift from what a server does.
//
// Run takes a constructor that returns a client and the name of an empty
// bucket it may use; each subtest calls it once, so subtests never see each
// other's objects. RunVersions is the versions part (remote.Versions and
// GetRequest.VersionID); its constructor also returns a way to set the
// bucket's versioning. The suite holds no state and no locks.
package remotetest
