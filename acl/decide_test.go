package acl

import (
	"strings"
	"testing"
)

// Connectors as in the issue: read-only over a bucket, read-write on one
// folder, one limited to a single object, and a read-write one on everything.
func testConns(t *testing.T) map[string]*Connector {
	return map[string]*Connector{
		"ro":  newConn(t, "ro", Read, "data/in/*", "models/team.jpg"),
		"rw":  newConn(t, "rw", ReadWrite, "data/out/*", "data/report.csv"),
		"one": newConn(t, "one", Read, "models/team.jpg"),
		"all": newConn(t, "all", ReadWrite),
	}
}

func TestDecide(t *testing.T) {
	cs := testConns(t)
	const ok = DenyNone
	tests := []struct {
		conn   string
		op     Op
		bucket string
		key    string
		want   Denial
		rule   string
	}{
		{"ro", OpRead, "data", "in/x", ok, `paths[0] "data/in/*"`},
		{"ro", OpStat, "data", "", ok, "on the way"},
		{"ro", OpList, "data", "", ok, "on the way"},
		{"ro", OpList, "data", "in/", ok, `paths[0]`},
		{"ro", OpRead, "data", "secret", DenyInvisible, "no pattern"},
		{"ro", OpStat, "other", "", DenyInvisible, "no pattern"},
		{"ro", OpWrite, "data", "in/x", DenyReadOnly, "access: read"},
		{"ro", OpDelete, "data", "in/", DenyReadOnly, "access: read"},
		{"ro", OpRename, "data", "in/x", DenyReadOnly, "access: read"},
		{"ro", OpWrite, "data", "new.txt", DenyReadOnly, "access: read"},
		{"ro", OpWrite, "data", "", DenyReadOnly, "access: read"},
		{"ro", OpWrite, "newbucket", "", DenyReadOnly, "access: read"},
		{"ro", OpWrite, "other", "x", DenyInvisible, "no pattern"},
		{"ro", OpWrite, "data", "sub/x", DenyInvisible, "no pattern"},
		{"rw", OpWrite, "data", "out/x", ok, `paths[0] "data/out/*"`},
		{"rw", OpWrite, "data", "out/", ok, `paths[0]`},
		{"rw", OpWrite, "data", "out/a/b/", ok, `paths[0]`},
		{"rw", OpDelete, "data", "out/a/b", ok, `paths[0]`},
		{"rw", OpDelete, "data", "report.csv", ok, `paths[1] "data/report.csv"`},
		{"rw", OpWrite, "data", "x", DenyOutside, "outside every pattern"},
		{"rw", OpWrite, "data", "", DenyOutside, "on the way"},
		{"rw", OpDelete, "data", "", DenyOutside, "on the way"},
		{"rw", OpWrite, "data", "report.csv/", DenyOutside, "outside every pattern"},
		{"rw", OpWrite, "newbucket", "", DenyOutside, "outside every pattern"},
		{"rw", OpWrite, "data", "in/x", DenyInvisible, "no pattern"},
		{"rw", OpRead, "data", "in/x", DenyInvisible, "no pattern"},
		{"rw", OpWrite, "data", "out/../x", DenyInvisible, "not a canonical path"},
		{"rw", OpWrite, "data", "/out/x", DenyInvisible, "not a canonical path"},
		{"rw", OpWrite, "data", "out//x", DenyInvisible, "not a canonical path"},
		{"rw", OpRead, "data/out", "x", DenyInvisible, "not a canonical path"},
		{"one", OpStat, "models", "", ok, "on the way"},
		{"one", OpRead, "models", "team.jpg", ok, `paths[0]`},
		{"one", OpRead, "models", "team.jpg2", DenyInvisible, "no pattern"},
		{"one", OpStat, "models", "team.jpg/", DenyInvisible, "no pattern"},
		{"one", OpList, "data", "", DenyInvisible, "no pattern"},
		{"all", OpWrite, "newbucket", "", ok, "no paths"},
		{"all", OpDelete, "b", "x/y/", ok, "no paths"},
		{"all", OpWrite, "b", "x/../y", DenyInvisible, "not a canonical path"},
	}
	for _, tt := range tests {
		d := cs[tt.conn].Decide(tt.op, tt.bucket, tt.key)
		if d.Allowed() != (tt.want == ok) || d.Denial != tt.want || !strings.Contains(d.Rule, tt.rule) {
			t.Errorf("%s.Decide(%v, %q, %q) = %v; want %s with rule containing %q",
				tt.conn, tt.op, tt.bucket, tt.key, d, tt.want.ErrnoName(), tt.rule)
		}
	}
}

func TestDecideRename(t *testing.T) {
	cs := testConns(t)
	rwCopy := *cs["rw"]
	const ok = DenyNone
	tests := []struct {
		src, sb, sk, dst, db, dk string
		want                     Denial
		rule                     string
	}{
		{"rw", "data", "out/a", "rw", "data", "out/b", ok, "source"},
		{"rw", "data", "out/d/", "rw", "data", "out/e/", ok, "source"},
		{"rw", "data", "report.csv", "rw", "data", "out/r.csv", ok, "source"},
		{"rw", "data", "out/a", "rw", "data", "x", DenyOutside, "destination"},
		{"rw", "data", "out/a", "rw", "data", "in/x", DenyInvisible, "destination"},
		{"rw", "data", "", "rw", "data", "out/x/", DenyOutside, "source"},
		{"rw", "data", "secret", "rw", "data", "out/x", DenyInvisible, "no pattern"},
		{"rw", "data", "out/a", "rw", "other", "out/a", DenyCrossDevice, "across buckets"},
		{"rw", "data", "out/a", "ro", "data", "in/a", DenyCrossDevice, "across connectors"},
		{"ro", "data", "in/a", "rw", "data", "out/a", DenyCrossDevice, "across connectors"},
		{"ro", "data", "in/a", "ro", "data", "in/b", DenyReadOnly, "source: access: read"},
		{"all", "b", "x", "all", "b", "y", ok, "no paths"},
		{"all", "b", "x", "all", "b", "../y", DenyInvisible, "not a canonical"},
		{"rw", "data", "out/a", "rwcopy", "data", "out/b", ok, "source"},
	}
	cs["rwcopy"] = &rwCopy
	for _, tt := range tests {
		d := DecideRename(cs[tt.src], tt.sb, tt.sk, cs[tt.dst], tt.db, tt.dk)
		if d.Allowed() != (tt.want == ok) || d.Denial != tt.want || !strings.Contains(d.Rule, tt.rule) {
			t.Errorf("DecideRename(%s %s/%s -> %s %s/%s) = %v; want %s with rule containing %q",
				tt.src, tt.sb, tt.sk, tt.dst, tt.db, tt.dk, d, tt.want.ErrnoName(), tt.rule)
		}
	}
}

func TestRuleNamesLine(t *testing.T) {
	f, err := Parse([]byte(`connectors:
  - label: rw
    credentials: default
    access: readwrite
    paths:
      - data/in/x
      - data/out/*
  - label: ro
    credentials: default
    paths: [data/out/*]
`), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if d := f.Connector("rw").Decide(OpWrite, "data", "out/x"); d.Rule != `paths[1] "data/out/*" (line 7)` {
		t.Errorf("rule = %q", d.Rule)
	}
	if d := f.Connector("ro").Decide(OpWrite, "data", "out/x"); d.Rule != "access: read (the default)" {
		t.Errorf("rule = %q", d.Rule)
	}
}

func TestOpNames(t *testing.T) {
	for o := OpRead; o <= OpRename; o++ {
		got, err := ParseOp(o.String())
		if err != nil || got != o {
			t.Errorf("ParseOp(%q) = %v, %v", o.String(), got, err)
		}
	}
	if _, err := ParseOp("chmod"); err == nil {
		t.Error("ParseOp(chmod) accepted")
	}
}
