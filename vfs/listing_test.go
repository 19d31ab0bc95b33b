package vfs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/objfs/objfs/remote"
)

func names(es []entry) string {
	var parts []string
	for _, e := range es {
		if e.dir {
			parts = append(parts, e.name+"/")
		} else {
			parts = append(parts, e.name)
		}
	}
	return strings.Join(parts, " ")
}

func TestListDirMerge(t *testing.T) {
	fake, counting := newFake(t)
	for _, k := range []string{
		"d/",           // the directory's own marker: skipped
		"d/file",       // file
		"d/implicit/x", // implicit directory
		"d/marker/",    // explicit directory, empty
		"d/both/",      // marker and implicit children: one entry
		"d/both/y",
		"d/a",                           // file shadowed by directory a/
		"d/a/z",                         //
		"d//bad",                        // empty segment: skipped
		"d/./dot",                       // "." segment: skipped
		"d/" + strings.Repeat("n", 256), // too long: skipped
		"d/sp ace %+#?",
		"other/x",
	} {
		put(t, fake, k, []byte(k), nil)
	}
	log, buf := logBuffer()
	warn := newWarnOnce(log)
	got, err := listDir(context.Background(), counting, testBucket, "d/", warn)
	if err != nil {
		t.Fatal(err)
	}
	want := "a/ both/ file implicit/ marker/ sp ace %+#?"
	if names(got) != want {
		t.Fatalf("entries %q, want %q", names(got), want)
	}
	for _, e := range got {
		if e.name == "file" && (e.size != 6 || e.etag == "" || e.mtime.IsZero()) {
			t.Fatalf("file attributes from the listing: %+v", e)
		}
	}
	if n := counting.Count(remote.OpHead); n != 0 {
		t.Fatalf("%d HEADs during a listing", n)
	}
	logged := buf.String()
	for _, want := range []string{"key=d//", "key=d/./", "shadowed", "longer than 255"} {
		if want == "shadowed" {
			want = "hidden by a directory"
		}
		if !strings.Contains(logged, want) {
			t.Errorf("log lacks %q:\n%s", want, logged)
		}
	}
	lines := strings.Count(logged, "\n")
	if _, err := listDir(context.Background(), counting, testBucket, "d/", warn); err != nil {
		t.Fatal(err)
	}
	if again := strings.Count(buf.String(), "\n"); again != lines {
		t.Fatalf("second listing logged %d more lines; warnings must be once per key", again-lines)
	}
}

func TestListDirPages(t *testing.T) {
	fake, counting := newFake(t)
	const n = 2500
	for i := 0; i < n; i++ {
		put(t, fake, fmt.Sprintf("big/f%05d", i), nil, nil)
	}
	for i := 0; i < 5; i++ {
		put(t, fake, fmt.Sprintf("big/sub%d/x", i), nil, nil)
	}
	log, _ := logBuffer()
	got, err := listDir(context.Background(), counting, testBucket, "big/", newWarnOnce(log))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != n+5 {
		t.Fatalf("%d entries, want %d", len(got), n+5)
	}
	for i := 1; i < len(got); i++ {
		if got[i-1].name >= got[i].name {
			t.Fatalf("not sorted or duplicated at %d: %q %q", i, got[i-1].name, got[i].name)
		}
	}
	if pages := counting.Count(remote.OpList); pages != 3 {
		t.Fatalf("%d list requests, want 3 pages of 1000", pages)
	}
}

func TestListDirError(t *testing.T) {
	fake, counting := newFake(t)
	put(t, fake, "x", nil, nil)
	fake.FailNext(remote.OpList, remote.ErrAccessDenied, 1)
	log, _ := logBuffer()
	_, err := listDir(context.Background(), counting, testBucket, "", newWarnOnce(log))
	if !errors.Is(err, remote.ErrAccessDenied) { // EACCES
		t.Fatalf("err %v", err)
	}
}

// TestListRepeatedToken: a server that answers a continuation token with
// itself fails both listings (EIO) instead of looping or giving a partial
// list as whole.
func TestListRepeatedToken(t *testing.T) {
	fake, counting := newFake(t)
	for i := range listPageSize + 1 { // two pages
		put(t, fake, fmt.Sprintf("d/f%04d", i), nil, nil)
	}
	fake.RepeatListToken(true)
	log, _ := logBuffer()
	ctx := context.Background()
	if es, err := listDir(ctx, counting, testBucket, "d/", newWarnOnce(log)); !errors.Is(err, errRepeatedToken) { // EIO: no sentinel of the errno table (fs)
		t.Fatalf("listDir: %d entries, %v; want errRepeatedToken (EIO)", len(es), err)
	}
	if objs, err := listAll(ctx, counting, testBucket, "d/"); !errors.Is(err, errRepeatedToken) || objs != nil {
		t.Fatalf("listAll: %d objects, %v; want errRepeatedToken (EIO)", len(objs), err)
	}
	fake.RepeatListToken(false)
	if objs, err := listAll(ctx, counting, testBucket, "d/"); err != nil || len(objs) != listPageSize+1 {
		t.Fatalf("listAll without the fault: %d objects, %v", len(objs), err)
	}
}

func TestListBuckets(t *testing.T) {
	fake, _ := newFake(t)
	if err := fake.CreateBucket(context.Background(), "another"); err != nil {
		t.Fatal(err)
	}
	log, _ := logBuffer()
	got, err := listBuckets(context.Background(), fake, newWarnOnce(log))
	if err != nil {
		t.Fatal(err)
	}
	if names(got) != "another/ bucket/" || got[0].mtime.IsZero() {
		t.Fatalf("buckets %q %+v", names(got), got)
	}
}

func TestProbeName(t *testing.T) {
	fake, counting := newFake(t)
	put(t, fake, "p/file", []byte("abc"), map[string]string{remote.MetaMtime: "1600000000.25"})
	put(t, fake, "p/marker/", nil, nil)
	put(t, fake, "p/implicit/child", nil, nil)
	put(t, fake, "p/both", nil, nil)
	put(t, fake, "p/both/child", nil, nil)
	log, buf := logBuffer()
	warn := newWarnOnce(log)
	ctx := context.Background()

	e, err := probeName(ctx, counting, testBucket, "p/", "file", false, warn)
	if err != nil || e.dir || e.size != 3 || !e.metaMtime || e.mtime.Unix() != 1600000000 || e.mtime.Nanosecond() != 250000000 {
		t.Fatalf("file: %+v, %v", e, err)
	}
	for _, name := range []string{"marker", "implicit", "both"} {
		e, err := probeName(ctx, counting, testBucket, "p/", name, false, warn)
		if err != nil || !e.dir || e.name != name {
			t.Fatalf("%s: %+v, %v", name, e, err)
		}
	}
	if !strings.Contains(buf.String(), "key=p/both") {
		t.Fatalf("shadowed object not reported: %s", buf)
	}
	if _, err := probeName(ctx, counting, testBucket, "p/", "missing", false, warn); err != errNoEntry {
		t.Fatalf("missing: %v", err)
	}
	fake.FailNext(remote.OpHead, remote.ErrTransient, 2)                                                                 // the file's and the link's
	if _, err := probeName(ctx, counting, testBucket, "p/", "file", false, warn); !errors.Is(err, remote.ErrTransient) { // EIO
		t.Fatalf("transient HEAD failure: %v", err)
	}
}

func TestProbeBucket(t *testing.T) {
	fake, counting := newFake(t)
	ctx := context.Background()
	if e, err := probeBucket(ctx, counting, testBucket); err != nil || !e.dir {
		t.Fatalf("existing bucket: %+v %v", e, err)
	}
	if _, err := probeBucket(ctx, counting, "nobucket"); err != errNoEntry {
		t.Fatalf("missing bucket: %v", err)
	}
	before := counting.Total()
	for _, name := range []string{".Trash", "ab", "a b", strings.Repeat("x", 300)} {
		if _, err := probeBucket(ctx, counting, name); err != errNoEntry {
			t.Fatalf("%q: %v", name, err)
		}
	}
	if counting.Total() != before {
		t.Fatal("impossible bucket names cost requests")
	}
	fake.FailNext(remote.OpHeadBucket, remote.ErrAccessDenied, 1)
	if _, err := probeBucket(ctx, counting, testBucket); !errors.Is(err, remote.ErrAccessDenied) {
		t.Fatalf("denied: %v", err)
	}
}

func TestProbeNameWasDir(t *testing.T) {
	fake, counting := newFake(t)
	put(t, fake, "d/x", nil, nil)
	put(t, fake, "f", []byte("abc"), nil)
	log, _ := logBuffer()
	warn := newWarnOnce(log)
	ctx := context.Background()
	e, err := probeName(ctx, counting, testBucket, "", "d", true, warn)
	if err != nil || !e.dir || counting.Total() != 1 || counting.Count(remote.OpList) != 1 {
		t.Fatalf("known directory: %+v %v, requests %v", e, err, counting.Snapshot())
	}
	counting.Reset()
	// Was a directory, is now a file.
	e, err = probeName(ctx, counting, testBucket, "", "f", true, warn)
	if err != nil || e.dir || e.size != 3 {
		t.Fatalf("directory turned file: %+v %v", e, err)
	}
	if _, err := probeName(ctx, counting, testBucket, "", "gone", true, warn); err != errNoEntry {
		t.Fatalf("vanished directory: %v", err)
	}
}
