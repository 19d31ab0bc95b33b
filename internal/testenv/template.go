package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// NewMemMinIOFrom is NewMemMinIO whose data starts as a copy of a template:
// the data directory of a server that seed filled, kept in
// CacheDir()/objfs/testdata/NAME-MINIODATE. The first use on a machine
// runs seed on a fresh server and saves its data as the template (minutes,
// for a data set of 100,000 objects: MinIO spends milliseconds of CPU on
// every PUT); later uses copy the template (seconds). name must change
// whenever seed does. Buckets made by seed keep their names; credentials
// are the new server's own.
func NewMemMinIOFrom(t testing.TB, name string, seed func(*Server) error) *Server {
	t.Helper()
	bin := minioOrSkip(t)
	parent := ""
	if isTmpfs(memDir) {
		parent = memDir
	}
	tmpl := filepath.Join(CacheDir(), "objfs", "testdata", name+"-"+versionDate(MinIOVersion()))
	var srv *Server
	var err error
	if _, statErr := os.Stat(tmpl); statErr == nil {
		srv, err = startFromTemplate(bin, parent, tmpl)
	} else {
		t.Logf("testenv: seeding the MinIO template %s (once per machine)", tmpl)
		srv, err = seedTemplate(bin, parent, tmpl, seed)
	}
	if err != nil {
		t.Fatalf("MinIO from template %s: %v", name, err)
	}
	t.Cleanup(func() {
		if err := srv.destroy(); err != nil {
			t.Errorf("stop MinIO: %v", err)
		}
	})
	return srv
}

// startFromTemplate starts a new server whose data directory is a copy of
// tmpl.
func startFromTemplate(bin, parent, tmpl string) (*Server, error) {
	root, err := os.MkdirTemp(parent, rootPrefix)
	if err != nil {
		return nil, err
	}
	s, err := newServer(bin, root)
	if err == nil {
		err = copyTree(tmpl, s.Dir)
	}
	if err == nil {
		err = s.Start()
	}
	if err != nil {
		os.RemoveAll(root)
		return nil, err
	}
	return s, nil
}

// seedTemplate starts a fresh server, seeds it, saves a copy of its data
// as tmpl (taken while it is stopped) and returns it running again.
func seedTemplate(bin, parent, tmpl string, seed func(*Server) error) (*Server, error) {
	s, err := startServerIn(bin, parent)
	if err != nil {
		return nil, err
	}
	err = seed(s)
	if err == nil {
		err = s.Stop()
	}
	if err == nil {
		err = saveTemplate(s.Dir, tmpl)
	}
	if err == nil {
		err = s.Start()
	}
	if err != nil {
		s.destroy()
		return nil, err
	}
	return s, nil
}

// saveTemplate copies dir to tmpl through a temporary name, so that a
// template is complete or absent; when another process saved it first,
// its copy is kept.
func saveTemplate(dir, tmpl string) error {
	if err := os.MkdirAll(filepath.Dir(tmpl), 0o700); err != nil {
		return err
	}
	tmp := tmpl + ".tmp-" + strconv.Itoa(os.Getpid())
	os.RemoveAll(tmp)
	if err := copyTree(dir, tmp); err != nil {
		os.RemoveAll(tmp)
		return err
	}
	if err := os.Rename(tmp, tmpl); err != nil {
		os.RemoveAll(tmp)
		if _, statErr := os.Stat(tmpl); statErr != nil {
			return err
		}
	}
	return nil
}

// copyTree copies the contents of src into dst (created if needed),
// keeping modes and times.
func copyTree(src, dst string) error {
	if err := os.MkdirAll(dst, 0o700); err != nil {
		return err
	}
	out, err := exec.Command("cp", "-a", src+"/.", dst).CombinedOutput()
	if err != nil {
		return fmt.Errorf("cp -a %s %s: %v: %s", src, dst, err, out)
	}
	return nil
}
