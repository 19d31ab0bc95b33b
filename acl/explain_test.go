package acl

import (
	"strings"
	"testing"
)

const explainFile = `connectors:
  - label: raw
    credentials: default
    paths: ["datasets/*", "models/team.jpg"]
  - label: out
    credentials: default
    access: readwrite
    paths:
      - results/out/*
`

func explainFixture(t *testing.T) *File {
	f, err := Parse([]byte(explainFile), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestExplain(t *testing.T) {
	f := explainFixture(t)
	tests := []struct {
		label, path string
		op          Op
		want        []string
	}{
		{"out", "results/out/x.csv", OpWrite, []string{`connector "out" (c.yaml:5)`, "decision: allowed", `paths[0] "results/out/*" (line 9)`, "everything under results/out/"}},
		{"out", "results/in.csv", OpWrite, []string{"denied with EACCES", "outside every pattern"}},
		{"out", "results/out", OpRead, []string{"denied with ENOENT", "as a directory (results/out/) it is visible"}},
		{"raw", "datasets/a/b", OpDelete, []string{"denied with EROFS", "access: read (the default)"}},
		{"raw", "datasets", OpList, []string{`bucket "datasets" itself`, "decision: allowed"}},
		{"raw", "models/", OpList, []string{"directory on the way", `paths[1] "models/team.jpg" (line 4)`}},
		{"raw", "/datasets/../secret/x", OpRead, []string{"denied with ENOENT", "not a canonical path", `resolves it to "secret/x"`}},
		{"nope", "a/b", OpRead, []string{`no connector labelled "nope"`, "labels: raw, out"}},
		{"", "results/out/x", OpWrite, []string{`connector "raw"`, `connector "out"`, "denied with ENOENT", "decision: allowed"}},
	}
	for _, tt := range tests {
		got := f.Explain(tt.label, tt.path, tt.op)
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("Explain(%q, %q, %v) lacks %q:\n%s", tt.label, tt.path, tt.op, w, got)
			}
		}
	}
}

func TestWarnings(t *testing.T) {
	f, err := Parse([]byte(`connectors:
  - label: a
    credentials: default
    access: readwrite
    paths:
      - data*
      - logs/app*
      - logs/app/x
      - reports/q1/
      - reports/q1/*
      - clean/dir/
  - label: b
    access: readwrite
    credentials: default
  - label: c
    access_key_id: AK
    secret_access_key: SK
`), "w.yaml")
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(f.Warnings(), "\n")
	for _, w := range []string{
		`w.yaml:6: connector "a": paths[0] "data*" is a raw prefix over bucket names: it also matches buckets such as "data-other"; write "data/" for one bucket (and this connector can write there)`,
		`w.yaml:7: connector "a": paths[1] "logs/app*" is a raw prefix: it also matches "logs/app.csv"`,
		`w.yaml:8: connector "a": paths[2] "logs/app/x" is already covered by paths[1] "logs/app*" (line 7)`,
		`w.yaml:10: connector "a": paths[4] "reports/q1/*" repeats paths[3] "reports/q1/" (line 9)`,
		`w.yaml:12: connector "b": readwrite with no paths`,
		`w.yaml:15: connector "c": holds inline keys`,
	} {
		if !strings.Contains(got, w) {
			t.Errorf("warnings lack\n  %s\ngot:\n%s", w, got)
		}
	}
	if strings.Contains(got, "clean/dir") || strings.Contains(got, `paths[3] "reports/q1/" repeats`) {
		t.Errorf("spurious warning:\n%s", got)
	}
}
