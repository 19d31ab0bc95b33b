package remote_test

import (
	"testing"

	"github.com/objfs/objfs/remote"
	"github.com/objfs/objfs/remote/remotetest"
)

const fakeBucket = "test-bucket"

func newFakeClient(t *testing.T) (remote.Client, string) {
	f := remote.NewFake()
	if err := f.CreateBucket(t.Context(), fakeBucket); err != nil {
		t.Fatal(err)
	}
	return f, fakeBucket
}

func TestFakeConformance(t *testing.T) {
	remotetest.Run(t, newFakeClient)
}
