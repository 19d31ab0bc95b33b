//go:build linux

package integration

import (
	"bytes"
	"errors"
	"os"
	"syscall"
	"testing"
	"time"
)

// TestWriteEdits: append (>>), overwrite in place (dd conv=notrunc),
// truncate smaller and larger, utimens and chmod (stored, keeping the
// mtime) on existing objects, an
// append to a multi-part object, fsync, and O_EXCL: S3 holds exactly the
// expected bytes after each.
func TestWriteEdits(t *testing.T) {
	t.Parallel()
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	sdk := srv.SDK()
	putObject(t, sdk, bucket, "edit.txt", []byte("0123456789\n"))
	m := mount(t, "s3://"+bucket)
	f := m.Path("edit.txt")
	want := func(step string, data []byte) {
		t.Helper()
		if got, ok := getObject(t, sdk, bucket, "edit.txt"); !ok || !bytes.Equal(got, data) {
			t.Fatalf("after %s: S3 holds %q (exists %v), want %q", step, got, ok, data)
		}
	}
	mustRun(t, "sh", "-c", `printf appended >> "$1"`, "sh", f)
	want("append", []byte("0123456789\nappended"))
	mustRun(t, "sh", "-c", `printf XY | dd of="$1" bs=1 seek=2 conv=notrunc status=none`, "sh", f)
	want("dd conv=notrunc", []byte("01XY456789\nappended"))
	mustRun(t, "truncate", "-s", "5", f)
	want("truncate -s 5", []byte("01XY4"))
	mustRun(t, "truncate", "-s", "8", f)
	want("truncate -s 8", []byte("01XY4\x00\x00\x00"))
	if got := mustRun(t, "cat", f); got != "01XY4\x00\x00\x00" {
		t.Fatalf("read through the mount: %q", got)
	}

	mustRun(t, "touch", "-d", "@1500000000.25", f)
	if _, meta := headMeta(t, sdk, bucket, "edit.txt"); meta["mtime"] != "1500000000.250000000" {
		t.Fatalf("utimens: x-amz-meta-mtime %q", meta["mtime"])
	}
	if st, err := os.Stat(f); err != nil || !st.ModTime().Equal(time.Unix(1500000000, 250000000)) {
		t.Fatalf("stat after utimens: %v %v", st.ModTime(), err)
	}
	mustRun(t, "chmod", "600", f)
	if st, _ := os.Stat(f); st.Mode().Perm() != 0o600 {
		t.Fatalf("chmod 600: mode now %v", st.Mode())
	}
	if _, meta := headMeta(t, sdk, bucket, "edit.txt"); meta["mode"] != "0100600" || meta["mtime"] != "1500000000.250000000" {
		t.Fatalf("chmod: x-amz-meta-mode %q, mtime %q", meta["mode"], meta["mtime"])
	}
	want("utimens and chmod", []byte("01XY4\x00\x00\x00"))

	t.Run("append to a multipart object", func(t *testing.T) {
		base := randomBytes(21, 20<<20)
		putObject(t, sdk, bucket, "big.log", base)
		tail := randomBytes(22, 1<<20)
		local := t.TempDir() + "/tail"
		if err := os.WriteFile(local, tail, 0o644); err != nil {
			t.Fatal(err)
		}
		mustRun(t, "sh", "-c", `cat "$1" >> "$2"`, "sh", local, m.Path("big.log"))
		if sum, n := objectMD5(t, sdk, bucket, "big.log"); sum != md5hex(append(base, tail...)) || n != 21<<20 {
			t.Fatalf("S3 holds %d bytes, md5 %s", n, sum)
		}
	})

	t.Run("fsync", func(t *testing.T) {
		fh, err := os.Create(m.Path("synced.txt"))
		if err != nil {
			t.Fatal(err)
		}
		defer fh.Close()
		if _, err := fh.WriteString("durable"); err != nil {
			t.Fatal(err)
		}
		if err := fh.Sync(); err != nil {
			t.Fatalf("fsync: %v", err)
		}
		if got, ok := getObject(t, sdk, bucket, "synced.txt"); !ok || string(got) != "durable" {
			t.Fatalf("after fsync, before close: S3 holds %q (exists %v)", got, ok)
		}
		if err := fh.Close(); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("O_EXCL", func(t *testing.T) {
		if _, err := os.OpenFile(f, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644); !errors.Is(err, syscall.EEXIST) {
			t.Fatalf("O_EXCL on an existing object: %v, want EEXIST", err)
		}
		// The key appears after the lookup: the conditional upload loses.
		fh, err := os.OpenFile(m.Path("race.txt"), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		putObject(t, sdk, bucket, "race.txt", []byte("theirs"))
		fh.WriteString("mine")
		if err := fh.Close(); !errors.Is(err, syscall.EEXIST) {
			t.Fatalf("close of the losing O_EXCL create: %v, want EEXIST", err)
		}
		if got, _ := getObject(t, sdk, bucket, "race.txt"); string(got) != "theirs" {
			t.Fatalf("the other writer's object was replaced: %q", got)
		}
	})
}
