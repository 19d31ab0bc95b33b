package kubernetes

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// stage is one FROM ... AS name of the Dockerfile, its instructions in
// order (continuation lines joined).
type stage struct {
	image, name string
	steps       []step
}

type step struct{ op, arg string }

func parseDockerfile(t *testing.T, path string) []stage {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var stages []stage
	var line string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if line == "" && (l == "" || strings.HasPrefix(l, "#")) {
			continue
		}
		if cont, ok := strings.CutSuffix(l, "\\"); ok {
			line += cont + " "
			continue
		}
		line += l
		op, arg, _ := strings.Cut(line, " ")
		line = ""
		op = strings.ToUpper(op)
		if op == "FROM" {
			f := strings.Fields(arg)
			s := stage{image: f[0]}
			if len(f) == 3 && strings.EqualFold(f[1], "AS") {
				s.name = f[2]
			}
			stages = append(stages, s)
			continue
		}
		if len(stages) == 0 {
			t.Fatalf("%s: %s before FROM", path, op)
		}
		stages[len(stages)-1].steps = append(stages[len(stages)-1].steps, step{op, strings.TrimSpace(arg)})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return stages
}

// TestDockerfileBuildStage plays the Dockerfile's build stage without a
// container builder (none can run here: no daemon, no base images
// offline): it checks the golang image's Go is the one go.mod asks for,
// then runs the stage's own COPY and RUN steps, in order, in a clean
// clone of this commit (what `docker build .` is given by CI). The binary it makes must be the one `make build`
// makes: the same package, output path (the one the final stage copies)
// and -ldflags version stamp, naming the clone's commit.
func TestDockerfileBuildStage(t *testing.T) {
	stages := parseDockerfile(t, "Dockerfile")
	var build *stage
	for i := range stages {
		if stages[i].name == "build" {
			build = &stages[i]
		}
	}
	if build == nil || len(stages) < 2 {
		t.Fatalf("stages %v: want a build stage and a final one", stages)
	}

	// The golang image's Go version is go.mod's (major.minor).
	gomod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	want := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(gomod)
	got := regexp.MustCompile(`^golang:(\d+\.\d+)`).FindStringSubmatch(build.image)
	if want == nil || got == nil || got[1] != string(want[1]) {
		t.Errorf("build stage FROM %s; go.mod says go %s", build.image, want[1])
	}

	// A clean clone of HEAD is the build context.
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.TempDir()
	clone := filepath.Join(ctx, "context")
	run(t, repo, nil, "git", "clone", "--quiet", "--local", "--no-hardlinks", repo, clone)
	head := strings.TrimSpace(run(t, clone, nil, "git", "rev-parse", "HEAD"))

	root := filepath.Join(ctx, "root") // the image's file system
	workdir := "/"
	// The module cache and GOPROXY are this machine's: go mod download
	// fetches what the cache lacks, as it would in the image.
	// The build stage runs in a fresh container: no make above it. Under
	// `make test` the parent make's MAKEFLAGS and MAKELEVEL would make the
	// inner make print "Entering directory" lines around its commands.
	var env []string
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); k != "MAKEFLAGS" && k != "MFLAGS" && k != "MAKELEVEL" && k != "MAKEOVERRIDES" {
			env = append(env, kv)
		}
	}
	env = append(env, "GOTOOLCHAIN=local")
	var ran []string
	for _, s := range build.steps {
		switch s.op {
		case "WORKDIR":
			workdir = filepath.Join(workdir, s.arg)
			if err := os.MkdirAll(filepath.Join(root, workdir), 0o755); err != nil {
				t.Fatal(err)
			}
		case "COPY":
			f := strings.Fields(s.arg)
			dst := filepath.Join(root, workdir, f[len(f)-1])
			for _, src := range f[:len(f)-1] {
				// As COPY: a directory's contents, a file itself.
				from := filepath.Join(clone, src)
				if fi, err := os.Stat(from); err == nil && fi.IsDir() {
					from += "/."
				}
				run(t, clone, nil, "cp", "-a", from, dst+"/")
			}
		case "RUN":
			ran = append(ran, s.arg)
			run(t, filepath.Join(root, workdir), env, "sh", "-c", s.arg)
		case "ENV", "ARG":
			t.Fatalf("the build stage sets %s %s: teach this test what it means", s.op, s.arg)
		}
	}
	if strings.Join(ran, "\n") != "go mod download\nmake build" {
		t.Errorf("the build stage runs %q; want go mod download, then make build", ran)
	}

	// What make build runs in that tree: the package, -o and -ldflags.
	makeCmd := strings.TrimSpace(run(t, filepath.Join(root, workdir), env, "make", "-n", "build"))
	m := regexp.MustCompile(`^go build -ldflags '([^']*)' -o (\S+) (\S+)$`).FindStringSubmatch(makeCmd)
	if m == nil {
		t.Fatalf("make -n build: %q", makeCmd)
	}
	ldflags, out, pkg := m[1], m[2], m[3]
	if pkg != "./cmd/objfs" || !strings.Contains(ldflags, "-X main.commit="+head) || !strings.Contains(ldflags, "-X main.modified=false") {
		t.Errorf("make build in the clone: %q; want ./cmd/objfs stamped with commit %s, unmodified", makeCmd, head)
	}
	bin := filepath.Join(root, workdir, out)
	final := stages[len(stages)-1]
	copied := false
	for _, s := range final.steps {
		if s.op == "COPY" && strings.HasPrefix(s.arg, "--from=build "+filepath.Join(workdir, out)+" ") {
			copied = true
		}
	}
	if !copied {
		t.Errorf("the final stage does not copy %s, the binary make build wrote", filepath.Join(workdir, out))
	}

	// The binary: objfs version names the clone's commit, and its build
	// info records the same package and -ldflags.
	v := run(t, "/", nil, bin, "version")
	if !strings.Contains(v, "commit "+head[:12]) {
		t.Errorf("objfs version of the image's binary: %q; want commit %s", v, head[:12])
	}
	info := run(t, "/", nil, "go", "version", "-m", bin)
	if !strings.Contains(info, "\tpath\tgithub.com/objfs/objfs/cmd/objfs\n") || !strings.Contains(info, "-ldflags="+strconv.Quote(ldflags)) && !strings.Contains(info, "-ldflags="+ldflags) {
		t.Errorf("build info of the image's binary:\n%s\nwant cmd/objfs and -ldflags %q", info, ldflags)
	}
}

// run runs name in dir and returns its stdout, failing t on an error.
func run(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		stderr := ""
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("%s %v in %s: %v\n%s%s", name, args, dir, err, out, stderr)
	}
	return string(out)
}
