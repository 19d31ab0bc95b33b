//go:build linux

package integration

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"sync"
	"testing"
)

// TestDiskCacheChurnServesS3Bytes: readers at random offsets over more
// data than either cache tier holds, with --direct-io so every read(2)
// reaches objfs (answered from memory, spliced or read from the disk
// tier, or fetched), while blocks are evicted from under them: every byte
// read is S3's.
func TestDiskCacheChurnServesS3Bytes(t *testing.T) {
	srv := requireMountable(t)
	bucket := srv.NewBucket(t)
	const files = 6
	data := make([][]byte, files)
	for i := range files {
		data[i] = randomBytes(uint64(180+i), 3<<20+1000*i+7)
		putObject(t, srv.SDK(), bucket, fmt.Sprintf("f%d.bin", i), data[i])
	}
	m := mount(t, "s3://"+bucket, "--cache-dir", t.TempDir(), "--cache-disk-size", "6M",
		"--cache-size", "4M", "--block-size", "1M", "--direct-io", "--cache-whole-max", "0")
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for range 300 {
				i := rng.IntN(files)
				f, err := os.Open(m.Path(fmt.Sprintf("f%d.bin", i)))
				if err != nil {
					errs <- err
					return
				}
				size := len(data[i])
				n := []int{4096, 100, 128 << 10, 1 << 20}[rng.IntN(4)]
				off := rng.IntN(size)
				buf := make([]byte, n)
				got, err := f.ReadAt(buf, int64(off))
				f.Close()
				want := data[i][off:min(off+n, size)]
				if got != len(want) || !bytes.Equal(buf[:got], want) {
					errs <- fmt.Errorf("f%d.bin [%d,+%d): %d bytes (%v), want %d, equal %v", i, off, n, got, err, len(want), bytes.Equal(buf[:got], want))
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if err := m.Unmount(); err != nil {
		t.Fatal(err)
	}
	st := cacheStats(t, m)
	t.Logf("disk spans %d, disk hits %d, disk evictions %d, fetches %d", st["block_disk_spans"], st["block_disk_hits"], st["block_disk_evictions"], st["block_fetches"])
	if st["block_disk_spans"] == 0 {
		t.Error("no read was spliced from the disk tier: the test did not exercise spans")
	}
}
