//go:build linux

package integration

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
)

// The differential tester's operations: each is applied to the mount and
// to a local directory, and both answers must be the same (difftest_test.go).
// An answer is "ok" with what the call saw, or the errno name; times, modes
// and inode numbers are not compared (objfs documents its own).

// dop is one operation on paths relative to a seed's directory.
type dop struct {
	Kind string // write, append, pwrite, truncate, read, stat, mkdir, rmdir, unlink, rename, readdir, sameino
	Path string
	To   string // rename's target
	Off  int64  // pwrite's offset
	Size int    // bytes written, or truncate's size
	Data uint64 // seeds the bytes written
}

func (o dop) String() string {
	switch o.Kind {
	case "rename", "sameino":
		return fmt.Sprintf("%s %s %s", o.Kind, o.Path, o.To)
	case "write", "append":
		return fmt.Sprintf("%s %s %d#%d", o.Kind, o.Path, o.Size, o.Data)
	case "pwrite":
		return fmt.Sprintf("pwrite %s @%d %d#%d", o.Path, o.Off, o.Size, o.Data)
	case "truncate":
		return fmt.Sprintf("truncate %s %d", o.Path, o.Size)
	}
	return o.Kind + " " + o.Path
}

// diffNames are the path components the generator draws from: few, so
// that operations often meet the same files and directories.
var diffNames = []string{"a", "b", "d"}

// randomPath returns a path of one or two components.
func randomPath(r *rand.Rand) string {
	p := diffNames[r.IntN(len(diffNames))]
	if r.IntN(2) == 0 {
		p += "/" + diffNames[r.IntN(len(diffNames))]
	}
	return p
}

// randomOps returns n operations drawn from seed.
func randomOps(seed uint64, n int) []dop {
	r := rand.New(rand.NewPCG(seed, 0x0bf5))
	kinds := []struct {
		kind   string
		weight int
	}{
		{"write", 6}, {"append", 3}, {"pwrite", 3}, {"truncate", 2}, {"read", 5}, {"stat", 3},
		{"mkdir", 5}, {"rmdir", 2}, {"unlink", 3}, {"rename", 4}, {"readdir", 3}, {"sameino", 1},
	}
	total := 0
	for _, k := range kinds {
		total += k.weight
	}
	ops := make([]dop, 0, n)
	for range n {
		w := r.IntN(total)
		kind := ""
		for _, k := range kinds {
			if w -= k.weight; w < 0 {
				kind = k.kind
				break
			}
		}
		o := dop{Kind: kind, Path: randomPath(r), Data: r.Uint64()}
		switch kind {
		case "write", "append", "pwrite":
			o.Size = r.IntN(5000)
			if r.IntN(8) == 0 {
				o.Size = 70000 + r.IntN(70000)
			}
			o.Off = int64(r.IntN(8000))
		case "truncate":
			o.Size = r.IntN(9000)
		case "rename", "sameino":
			o.To = randomPath(r)
		case "readdir":
			if r.IntN(2) == 0 {
				o.Path = "."
			} else {
				o.Path = diffNames[r.IntN(len(diffNames))]
			}
		}
		ops = append(ops, o)
	}
	return ops
}

// diffBytes returns size bytes seeded by seed.
func diffBytes(seed uint64, size int) []byte {
	r := rand.New(rand.NewPCG(seed, uint64(size)))
	b := make([]byte, size)
	for i := 0; i < len(b); i += 8 {
		v := r.Uint64()
		for j := 0; j < 8 && i+j < len(b); j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	return b
}

// applyOp runs o under root and returns its answer.
func applyOp(root string, o dop) string {
	p := filepath.Join(root, o.Path)
	switch o.Kind {
	case "write":
		return answer("", os.WriteFile(p, diffBytes(o.Data, o.Size), 0o644))
	case "append":
		return writeAt(p, os.O_WRONLY|os.O_APPEND, -1, diffBytes(o.Data, o.Size))
	case "pwrite":
		return writeAt(p, os.O_RDWR, o.Off, diffBytes(o.Data, o.Size))
	case "truncate":
		return answer("", os.Truncate(p, int64(o.Size)))
	case "read":
		b, err := os.ReadFile(p)
		return answer(digest(b), err)
	case "stat":
		st, err := os.Stat(p)
		if err != nil {
			return answer("", err)
		}
		if st.IsDir() {
			return "ok dir"
		}
		return fmt.Sprintf("ok file %d", st.Size())
	case "mkdir":
		return answer("", os.Mkdir(p, 0o755))
	case "rmdir":
		return answer("", retryEINTR(func() error { return syscall.Rmdir(p) }))
	case "unlink":
		return answer("", retryEINTR(func() error { return syscall.Unlink(p) }))
	case "rename": // rename(2) itself: os.Rename refuses an existing directory as target
		return answer("", retryEINTR(func() error { return syscall.Rename(p, filepath.Join(root, o.To)) }))
	case "sameino": // whether stat shows both names as one file
		a, err := os.Stat(p)
		if err != nil {
			return answer("", err)
		}
		b, err := os.Stat(filepath.Join(root, o.To))
		if err != nil {
			return answer("", err)
		}
		return fmt.Sprintf("ok same=%v", os.SameFile(a, b))
	case "readdir":
		entries, err := os.ReadDir(p)
		if err != nil {
			return answer("", err)
		}
		var names []string
		for _, e := range entries {
			kind := "f"
			if e.IsDir() {
				kind = "d"
			}
			names = append(names, kind+":"+e.Name())
		}
		return "ok " + strings.Join(names, ",")
	}
	panic("unknown op " + o.Kind)
}

// retryEINTR calls fn again while it fails with EINTR, as package os does
// for the calls it wraps: the Go runtime's preemption signals interrupt
// FUSE requests of this process, and objfs answers an interrupted request
// with EINTR.
func retryEINTR(fn func() error) error {
	for {
		if err := fn(); !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}

// writeAt opens p with flag (never creating it), writes data at off (or
// appends when off < 0) and closes: close is where objfs reports an
// upload that failed, so its error is part of the answer.
func writeAt(p string, flag int, off int64, data []byte) string {
	f, err := os.OpenFile(p, flag, 0)
	if err != nil {
		return answer("", err)
	}
	if off < 0 {
		_, err = f.Write(data)
	} else {
		_, err = f.WriteAt(data, off)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return answer("", err)
}

// answer is "ok" and what was seen, or the errno's name.
func answer(seen string, err error) string {
	if err == nil {
		return strings.TrimSpace("ok " + seen)
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return "err " + errnoName(errno)
	}
	return "err " + err.Error()
}

// errnoName names the errnos the operations can give.
func errnoName(e syscall.Errno) string {
	for name, v := range map[string]syscall.Errno{
		"ENOENT": syscall.ENOENT, "EEXIST": syscall.EEXIST, "ENOTDIR": syscall.ENOTDIR,
		"EISDIR": syscall.EISDIR, "ENOTEMPTY": syscall.ENOTEMPTY, "EINVAL": syscall.EINVAL,
		"EIO": syscall.EIO, "EPERM": syscall.EPERM, "EACCES": syscall.EACCES, "EBUSY": syscall.EBUSY,
	} {
		if v == e {
			return name
		}
	}
	return fmt.Sprintf("errno %d", int(e))
}

func digest(b []byte) string {
	sum := sha256.Sum256(b)
	return fmt.Sprintf("%d:%s", len(b), hex.EncodeToString(sum[:6]))
}

// diffTreeOf lists everything under root as "d PATH" or "f PATH SIZE:DIGEST",
// sorted, to compare two trees whole.
func diffTreeOf(root string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if rel == "." {
			return nil
		}
		if d.IsDir() {
			out = append(out, "d "+rel)
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		b, err := io.ReadAll(f)
		if err != nil {
			return err
		}
		out = append(out, "f "+rel+" "+digest(b))
		return nil
	})
	slices.Sort(out)
	return out, err
}
