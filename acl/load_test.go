package acl

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const goodFile = `# connectors for the ML team
x-minio: &minio
  endpoint: http://127.0.0.1:9000
  region: us-east-1
  path_style: true

connectors:
  - label: raw
    <<: *minio
    profile: mlteam
    paths: ["datasets/*", "models/team.jpg"]

  - label: out
    <<: *minio
    region: eu-west-1
    credentials_env: {access_key: OUT_KEY, secret_key: OUT_SECRET, session_token: OUT_TOKEN}
    paths:
      - results/out/*
    access: readwrite

  - label: aws
    credentials: default

  - label: public
    credentials: anonymous
    as_of: 2026-11-30T12:00:00Z
`

func TestParseGood(t *testing.T) {
	f, err := Parse([]byte(goodFile), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(f.Labels(), ","); got != "raw,out,aws,public" {
		t.Fatalf("labels = %s", got)
	}
	raw, out, aws := f.Connector("raw"), f.Connector("out"), f.Connector("aws")
	if raw.Endpoint != "http://127.0.0.1:9000" || raw.Region != "us-east-1" || !raw.PathStyle ||
		raw.Profile != "mlteam" || raw.Access != Read || raw.Line != 8 || len(raw.Paths) != 2 {
		t.Errorf("raw = %+v (line %d, paths %v)", raw, raw.Line, raw.Paths)
	}
	if raw.Paths[1].Raw != "models/team.jpg" || raw.Paths[1].Line != 11 {
		t.Errorf("raw.Paths[1] = %+v", raw.Paths[1])
	}
	if out.Region != "eu-west-1" || out.Access != ReadWrite || out.CredentialsEnv == nil ||
		*out.CredentialsEnv != (CredEnv{"OUT_KEY", "OUT_SECRET", "OUT_TOKEN"}) || out.Paths[0].Line != 18 {
		t.Errorf("out = %+v env %+v", out, out.CredentialsEnv)
	}
	if !aws.DefaultCredentials || aws.Endpoint != "" || len(aws.Paths) != 0 {
		t.Errorf("aws = %+v", aws)
	}
	if pub := f.Connector("public"); !pub.AnonymousCredentials || pub.DefaultCredentials || pub.AsOf != "2026-11-30T12:00:00Z" {
		t.Errorf("public = %+v", pub)
	}
	if f.Connector("nope") != nil {
		t.Error("Connector(nope) != nil")
	}
}

// Each bad file must produce a problem at the given line whose message
// contains the given text.
func TestParseProblems(t *testing.T) {
	const head = "connectors:\n  - label: a\n    credentials: default\n"
	tests := []struct {
		name, data string
		line       int
		want       string
	}{
		{"empty", "", 0, "file is empty"},
		{"comments only", "# nothing\n", 0, "file is empty"},
		{"syntax", "connectors:\n  - label: a\n    x: \"unterminated\n", 3, "YAML syntax"},
		{"unknown anchor", "connectors:\n  - label: a\n    paths: *nope\n", 0, "unknown anchor"},
		{"top not map", "- a\n", 1, "want a mapping"},
		{"no connectors", "other: 1\n", 1, `unknown key "other"`},
		{"no list key", "x-a: 1\n", 1, "no `connectors:` list"},
		{"typo top", "connector:\n  - label: a\n", 1, `did you mean "connectors"`},
		{"list empty", "connectors: []\n", 1, "list is empty"},
		{"not list", "connectors: {label: a}\n", 1, "want a list"},
		{"item not map", "connectors:\n  - just-a-string\n", 2, "want a mapping"},
		{"two docs", head + "---\nconnectors: []\n", 4, "second YAML document"},
		{"unknown key", head + "    bucket: x\n", 4, `unknown key "bucket"`},
		{"typo key", head + "    path: [x]\n", 4, `did you mean "paths"`},
		{"dup key", head + "    region: a\n    region: b\n", 5, `key "region" given twice (first at line 4)`},
		{"no label", "connectors:\n  - credentials: default\n", 2, "no label"},
		{"empty label", "connectors:\n  - label: ''\n    credentials: default\n", 2, "name is empty"},
		{"slash label", "connectors:\n  - label: a/b\n    credentials: default\n", 2, `contains "/"`},
		{"dot label", "connectors:\n  - label: ..\n    credentials: default\n", 2, "relative path element"},
		{"long label", "connectors:\n  - label: " + strings.Repeat("l", 256) + "\n    credentials: default\n", 2, "longer than 255"},
		{"dup label", head + "  - label: a\n    credentials: default\n", 4, `duplicate label "a" (first used at line 2)`},
		{"bad pattern", head + "    paths:\n      - ok/x\n      - b/*.jpg\n", 6, `paths[1] "b/*.jpg"`},
		{"dotdot pattern", head + "    paths: [b/../x]\n", 4, `".."`},
		{"empty paths", head + "    paths: []\n", 4, "paths: empty"},
		{"null paths", head + "    paths:\n", 4, "paths: empty"},
		{"null pattern", head + "    paths: [~]\n", 4, "want a pattern string"},
		{"no creds", "connectors:\n  - label: a\n", 2, "no credentials"},
		{"two creds", "connectors:\n  - label: a\n    profile: p\n    credentials: default\n", 2, "more than one credential source"},
		{"inline and env", "connectors:\n  - label: a\n    access_key_id: AK\n    secret_access_key: SK\n    credentials_env: {access_key: A, secret_key: B}\n", 2, "credentials_env, inline"},
		{"half inline", "connectors:\n  - label: a\n    access_key_id: AK\n", 3, "need both"},
		{"env missing secret", "connectors:\n  - label: a\n    credentials_env: {access_key: A}\n", 3, "credentials_env.secret_key"},
		{"env bad name", "connectors:\n  - label: a\n    credentials_env: {access_key: 'A-B', secret_key: B}\n", 3, "not an environment variable name"},
		{"env unknown", "connectors:\n  - label: a\n    credentials_env:\n      access_key: A\n      secret_key: B\n      token: C\n", 6, `unknown key "token" in credentials_env`},
		{"env not map", "connectors:\n  - label: a\n    credentials_env: A\n", 3, "want a mapping"},
		{"creds value", "connectors:\n  - label: a\n    credentials: env\n", 3, "the values are `default`"},
		{"empty profile", "connectors:\n  - label: a\n    profile: ''\n", 3, "profile: empty"},
		{"access", head + "    access: rw\n", 4, `unknown access "rw"`},
		{"path_style", head + "    path_style: maybe\n", 4, "want true or false"},
		{"endpoint", head + "    endpoint: 127.0.0.1:9000\n", 4, "is not a URL"},
		{"endpoint ftp", head + "    endpoint: ftp://h\n", 4, "is not a URL"},
		{"endpoint path", head + "    endpoint: http://h/bucket\n", 4, "has a path"},
		{"endpoint query", head + "    endpoint: http://h/?x=1\n", 4, "query"},
		{"region", head + "    region: us east\n", 4, "region"},
		{"label list", "connectors:\n  - label: [a]\n    credentials: default\n", 2, "want a single value"},
		{"merge bad", "connectors:\n  - <<: 3\n    label: a\n    credentials: default\n", 2, "<<: want a mapping"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.data), "c.yaml")
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse = %v; want a *ParseError", err)
			}
			for _, p := range pe.Problems {
				if p.Line == tt.line && strings.Contains(p.Msg, tt.want) && p.File == "c.yaml" {
					return
				}
			}
			t.Errorf("no problem at line %d containing %q; got:\n%v", tt.line, tt.want, err)
		})
	}
}

func TestParseErrorFormat(t *testing.T) {
	_, err := Parse([]byte("connectors:\n  - label: a\n    credentials: default\n    acess: read\n  - label: a\n"), "conn.yaml")
	if err == nil {
		t.Fatal("no error")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "conn.yaml:4: unknown key \"acess\"") ||
		!strings.HasPrefix(lines[1], "conn.yaml:5: ") || !strings.HasPrefix(lines[2], "conn.yaml:5: ") {
		t.Errorf("error lines (want file order, FILE:LINE: prefix):\n%s", err)
	}
}

// Secrets must not leak into error messages, even when the value is where
// a variable name was expected or the endpoint carries a password.
func TestParseErrorsHoldNoSecret(t *testing.T) {
	const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	data := "connectors:\n  - label: a\n    secret_access_key: " + secret + "\n    access_key_id: [x]\n" +
		"    credentials_env: {access_key: " + secret + ", secret_key: B}\n" +
		"    endpoint: http://user:" + strings.ReplaceAll(secret, "/", "") + "@h\n" +
		"    path_style: " + secret + "\n"
	_, err := Parse([]byte(data), "c.yaml")
	if err == nil {
		t.Fatal("no error")
	}
	if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), strings.ReplaceAll(secret, "/", "")) {
		t.Errorf("error message holds the secret:\n%s", err)
	}
}

func TestScalarsKeptAsWritten(t *testing.T) {
	f, err := Parse([]byte("connectors:\n  - label: 2024\n    access_key_id: 0123e45\n    secret_access_key: 0x1F\n"), "c")
	if err != nil {
		t.Fatal(err)
	}
	c := f.Connectors[0]
	if c.Label != "2024" || c.AccessKeyID != "0123e45" || c.SecretAccessKey != "0x1F" {
		t.Errorf("got label %q key %q secret %q; want them as written", c.Label, c.AccessKeyID, c.SecretAccessKey)
	}
}

func writeFile(t *testing.T, data string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "connectors.yaml")
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
	return p
}

const inlineFile = "connectors:\n  - label: a\n    access_key_id: AKIAEXAMPLE\n    secret_access_key: s3cr3t-value\n"

func TestLoadModeRefusal(t *testing.T) {
	for _, mode := range []os.FileMode{0o644, 0o640, 0o604, 0o620, 0o601, 0o660} {
		p := writeFile(t, inlineFile, mode)
		_, err := Load(p)
		if err == nil || !errors.Is(err, ErrInsecureFile) {
			t.Fatalf("mode %04o: Load = %v; want ErrInsecureFile", mode, err)
		}
		want := fmt.Sprintf("connectors file %s holds inline secrets and is readable by group/others (mode %04o); chmod 600 %s",
			p, mode, p)
		if !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("mode %04o: message %q; want it to contain %q and no secret", mode, err, want)
		}
		if n := strings.Count(err.Error(), "readable by group/others"); n != 1 {
			t.Errorf("mode %04o: message %q says it %d times", mode, err, n)
		}
	}
}

func TestLoadModeAccepted(t *testing.T) {
	for _, tt := range []struct {
		data string
		mode os.FileMode
	}{
		{inlineFile, 0o600},
		{inlineFile, 0o400},
		{goodFile, 0o644}, // no inline secret: any mode
	} {
		f, err := Load(writeFile(t, tt.data, tt.mode))
		if err != nil {
			t.Errorf("mode %04o: %v", tt.mode, err)
			continue
		}
		if len(f.Connectors) == 0 {
			t.Errorf("mode %04o: no connectors", tt.mode)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	if _, err := Load(filepath.Join(t.TempDir(), "missing.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	if _, err := Load(t.TempDir()); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("directory: %v", err)
	}
	big := writeFile(t, "connectors:\n"+strings.Repeat("#", MaxFileSize), 0o600)
	if _, err := Load(big); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("big file: %v", err)
	}
	p := writeFile(t, inlineFile+"    bogus: 1\n", 0o644)
	_, err := Load(p)
	var pe *ParseError
	if !errors.Is(err, ErrInsecureFile) || !errors.As(err, &pe) {
		t.Errorf("insecure and invalid: want both reported, got %v", err)
	}
	p = writeFile(t, "connectors:\n  - label: a\n", 0o600)
	if _, err := Load(p); err == nil || !strings.Contains(err.Error(), p+":2: ") {
		t.Errorf("Load must name FILE:LINE, got %v", err)
	}
}
