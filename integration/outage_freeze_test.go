//go:build linux

package integration

import (
	"bytes"
	"os"
	"sort"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/objfs/objfs/internal/testenv"
)

// TestServerFrozen: MinIO is stopped with SIGSTOP (it accepts connections
// and never answers) while concurrent system calls need it: a read of an
// uncached file, a stat, a listing, a mkdir, a create+write+close, an
// fsync of a 20 MiB file being written, a rename and an unlink in the
// renamed file's directory, and a second wave once the server has been
// silent for the retry budget. Every call returns (EIO is fine) within
// the bound README promises, three times --retry-budget (60 s for the
// default 20 s), scaled down here to keep CI short: the mechanism, not
// the constant, is under test. Before, a stat took 5 attempts of the
// request timeout and a rename 10 times it per attempt of its copy.
// After SIGCONT the mount works, and every write acknowledged is in S3.
//
// OBJFS_FREEZE_DEFAULTS=1 also runs it with the default flags and the
// 60 s bound, to measure the real numbers by hand (about two minutes).
func TestServerFrozen(t *testing.T) {
	t.Parallel()
	testenv.RequireFUSE(t)
	t.Run("budget 5s", func(t *testing.T) {
		t.Parallel()
		frozenServer(t, 5*time.Second, "--request-timeout", "2s", "--retry-budget", "5s")
	})
	if os.Getenv("OBJFS_FREEZE_DEFAULTS") == "1" {
		t.Run("defaults", func(t *testing.T) {
			t.Parallel()
			frozenServer(t, 20*time.Second)
		})
	}
}

// frozenServer runs the test on a mount with args, whose retry budget is
// budget.
func frozenServer(t *testing.T, budget time.Duration, args ...string) {
	bound := 3 * budget
	srv := testenv.NewMinIO(t)
	bucket := srv.NewBucket(t)
	cold := randomBytes(41, 4<<20)
	putObject(t, srv.SDK(), bucket, "cold/data.bin", cold)
	for _, k := range []string{"dir/a", "dir/b", "stat/f", "ren/src", "ren/other", "del/x", "late/a", "late/b"} {
		putObject(t, srv.SDK(), bucket, k, []byte(k))
	}
	m := mountVia(t, serverEndpoint(srv), "s3://"+bucket, args...)
	// Known before the freeze (within --stat-ttl), so that the calls
	// reach their own requests: the read its GET, the rename its copy,
	// the unlinks their deletes. stat/f and dir are not looked at.
	for _, p := range []string{"cold/data.bin", "ren/src", "ren/other", "del/x"} {
		if _, err := os.Stat(m.Path(p)); err != nil {
			t.Fatal(err)
		}
	}

	// A 20 MiB file written before the freeze, to be fsynced during it.
	big := randomBytes(42, 20<<20)
	bf, err := os.Create(m.Path("big.bin"))
	if err != nil {
		t.Fatal(err)
	}
	defer bf.Close()
	if _, err := bf.Write(big); err != nil {
		t.Fatal(err)
	}

	pid := srv.Pid()
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	resumed := false
	resume := func() {
		if !resumed {
			resumed = true
			if err := syscall.Kill(pid, syscall.SIGCONT); err != nil {
				t.Errorf("SIGCONT: %v", err)
			}
		}
	}
	t.Cleanup(resume) // before MinIO is stopped
	frozen := time.Now()

	type result struct {
		name  string
		start time.Duration // since the freeze
		took  time.Duration
		err   error
	}
	var mu sync.Mutex
	var results []result
	var wg sync.WaitGroup
	call := func(name string, after time.Duration, f func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Until(frozen.Add(after)))
			start := time.Now()
			err := f()
			r := result{name, start.Sub(frozen), time.Since(start), err}
			mu.Lock()
			results = append(results, r)
			mu.Unlock()
		}()
	}
	var readData []byte
	acked := map[string][]byte{} // key -> bytes whose write was acknowledged
	ack := func(key string, data []byte) {
		mu.Lock()
		acked[key] = data
		mu.Unlock()
	}
	wave := func(after time.Duration, tag string) {
		call("read uncached"+tag, after, func() error {
			b, err := os.ReadFile(m.Path("cold", "data.bin"))
			if err == nil && tag == "" {
				readData = b
			}
			return err
		})
		call("create+write+close"+tag, after, func() error {
			data := []byte("written while frozen" + tag)
			err := os.WriteFile(m.Path("new"+tag+".txt"), data, 0o644)
			if err == nil {
				ack("new"+tag+".txt", data)
			}
			return err
		})
		call("mkdir"+tag, after, func() error { return os.Mkdir(m.Path("newdir"+tag), 0o755) })
	}
	wave(0, "")
	call("stat", 0, func() error { _, err := os.Stat(m.Path("stat", "f")); return err })
	call("readdir", 0, func() error { _, err := os.ReadDir(m.Path("dir")); return err })
	call("fsync 20 MiB", 0, func() error {
		err := bf.Sync()
		if err == nil {
			ack("big.bin", big)
		}
		return err
	})
	call("rename", 0, func() error { return os.Rename(m.Path("ren", "src"), m.Path("ren", "dst")) })
	call("unlink beside the rename", 100*time.Millisecond, func() error { return os.Remove(m.Path("ren", "other")) })
	call("unlink", 0, func() error { return os.Remove(m.Path("del", "x")) })
	// Once the server has been silent for the budget, calls must not
	// queue up again behind it.
	late := budget + time.Second
	wave(late, " (late)")
	call("readdir (late)", late, func() error { _, err := os.ReadDir(m.Path("late")); return err })

	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(late + 3*bound):
		resume()
		<-done
		t.Errorf("system calls were still blocked %v after the freeze", late+3*bound)
	}
	resume()

	sort.Slice(results, func(i, j int) bool { return results[i].took > results[j].took })
	for _, r := range results {
		t.Logf("%-28s started %5.1fs  took %5.1fs  err %v", r.name, r.start.Seconds(), r.took.Seconds(), r.err)
		if r.took > bound {
			t.Errorf("%s took %v with the server frozen; the bound is %v", r.name, r.took.Round(time.Millisecond), bound)
		}
	}
	if readData != nil && !bytes.Equal(readData, cold) {
		t.Errorf("the read during the freeze returned wrong bytes")
	}

	// The server is back: the mount works, and every acknowledged write
	// is in S3 with its bytes.
	deadline := time.Now().Add(bound + 30*time.Second)
	for {
		err := os.WriteFile(m.Path("after.txt"), []byte("after"), 0o644)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the mount still fails after SIGCONT: %v", err)
		}
		time.Sleep(500 * time.Millisecond)
	}
	if b, err := os.ReadFile(m.Path("cold", "data.bin")); err != nil || !bytes.Equal(b, cold) {
		t.Errorf("read after SIGCONT: %d bytes, %v", len(b), err)
	}
	for key, want := range acked {
		if got, ok := getObject(t, srv.SDK(), bucket, key); !ok || !bytes.Equal(got, want) {
			t.Errorf("%s: acknowledged during the freeze, S3 holds %d bytes (exists %v), want %d", key, len(got), ok, len(want))
		}
	}
}
