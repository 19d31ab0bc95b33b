package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/objfs/objfs/internal/testkit"
	"github.com/objfs/objfs/remote"
)

// TestReportPins: every pinned version is HEADed; a present one is ok, a
// deleted one an error naming the connector, key, version and rule.
func TestReportPins(t *testing.T) {
	fake, _ := testkit.NewFake(t)
	if err := fake.SetVersioning(testkit.Bucket, remote.VersioningEnabled); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ids := map[string]string{}
	for _, k := range []string{"keep", "gone"} {
		testkit.Put(t, fake, k, []byte(k), nil)
		info, err := fake.Head(ctx, testkit.Bucket, k)
		if err != nil {
			t.Fatal(err)
		}
		ids[k] = info.VersionID
	}
	testkit.Put(t, fake, "keep", []byte("newer"), nil)
	if err := fake.DeleteVersion(testkit.Bucket, "gone", ids["gone"]); err != nil {
		t.Fatal(err)
	}
	conn := testkit.Connector(t, "bundle", "read", testkit.Bucket+"/keep@"+ids["keep"], testkit.Bucket+"/gone@"+ids["gone"])
	var out bytes.Buffer
	if n := reportPins(ctx, &out, conn, fake, conn.Pins()); n != 1 {
		t.Fatalf("%d bad pins, want 1:\n%s", n, out.String())
	}
	got := out.String()
	for _, want := range []string{
		`ok: connector "bundle": s3://` + testkit.Bucket + "/keep version " + ids["keep"] + " (4 bytes",
		`error: connector "bundle": pinned version ` + ids["gone"] + " of s3://" + testkit.Bucket + `/gone does not exist (paths[1]`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}
