package acl

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestResolveCredentials(t *testing.T) {
	env := map[string]string{"K": "AKIA1", "S": "secret1", "T": "tok1", "EMPTY": ""}
	getenv := func(k string) string { return env[k] }
	tests := []struct {
		name string
		c    Connector
		want Creds
		err  string
	}{
		{"profile", Connector{Profile: "p"}, Creds{Source: SourceProfile, Profile: "p"}, ""},
		{"default", Connector{DefaultCredentials: true}, Creds{Source: SourceDefault}, ""},
		{"none in code", Connector{}, Creds{Source: SourceDefault}, ""},
		{"inline", Connector{AccessKeyID: "A", SecretAccessKey: "B"}, Creds{Source: SourceInline, AccessKeyID: "A", SecretAccessKey: "B"}, ""},
		{"inline half", Connector{AccessKeyID: "A"}, Creds{}, "need both"},
		{"env", Connector{CredentialsEnv: &CredEnv{"K", "S", "T"}},
			Creds{Source: SourceEnv, AccessKeyID: "AKIA1", SecretAccessKey: "secret1", SessionToken: "tok1"}, ""},
		{"env no token", Connector{CredentialsEnv: &CredEnv{"K", "S", "EMPTY"}},
			Creds{Source: SourceEnv, AccessKeyID: "AKIA1", SecretAccessKey: "secret1"}, ""},
		{"env unset", Connector{CredentialsEnv: &CredEnv{"K", "MISSING", ""}}, Creds{}, `connector "x": the environment variable that credentials_env.secret_key names is not set`},
		{"env bad name", Connector{CredentialsEnv: &CredEnv{"K", "a b", ""}}, Creds{}, "not an environment variable name"},
		{"two sources", Connector{Profile: "p", DefaultCredentials: true}, Creds{}, "more than one"},
		{"anonymous", Connector{AnonymousCredentials: true}, Creds{Source: SourceAnonymous}, ""},
		{"anonymous and keys", Connector{AnonymousCredentials: true, AccessKeyID: "A", SecretAccessKey: "B"}, Creds{}, "more than one"},
	}
	for _, tt := range tests {
		tt.c.Label = "x"
		got, err := tt.c.ResolveCredentials(getenv)
		if err != nil && tt.c.CredentialsEnv != nil && tt.c.CredentialsEnv.SecretKey != "" &&
			strings.Contains(err.Error(), tt.c.CredentialsEnv.SecretKey) {
			t.Errorf("%s: the error %q echoes credentials_env.secret_key", tt.name, err)
		}
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: err = %v; want %q", tt.name, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s: got %v %q/%q/%q, %v; want %v %q/%q/%q", tt.name,
				got.Source, got.AccessKeyID, got.SecretAccessKey, got.SessionToken, err,
				tt.want.Source, tt.want.AccessKeyID, tt.want.SecretAccessKey, tt.want.SessionToken)
		}
	}
}

// No way of printing a connector or its credentials shows a key.
func TestNothingPrintsSecrets(t *testing.T) {
	const id, secret, token = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG", "FwoGZXIvYXdzEXAMPLE"
	c := &Connector{Label: "x", AccessKeyID: id, SecretAccessKey: secret, Paths: []Pattern{MustPattern("b/x")}}
	cr, err := c.ResolveCredentials(nil)
	if err != nil {
		t.Fatal(err)
	}
	cr.SessionToken = token
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	log.Info("m", "conn", c, "connv", *c, "creds", cr)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("m", "conn", c, "creds", cr)
	out := fmt.Sprintf("%v %+v %#v %s %v %+v %#v %v", c, *c, c, c, cr, cr, cr, []*Connector{c}) + logs.String()
	envc := &Connector{Label: "e", CredentialsEnv: &CredEnv{"AKIAISLIKEANAME", "SuperSecretValue123", "TokenLooksLikeAName"}, Paths: []Pattern{MustPattern("b/x")}}
	log.Info("m", "conn", envc)
	out += fmt.Sprintf("%v %+v %#v", envc, *envc, envc) + logs.String()
	for _, s := range []string{id, secret, token, "AKIAISLIKEANAME", "SuperSecretValue123", "TokenLooksLikeAName"} {
		if strings.Contains(out, s) {
			t.Errorf("%q printed:\n%s", s, out)
		}
	}
	if !strings.Contains(out, `"label":"x"`) || !strings.Contains(out, "inline") {
		t.Errorf("log lacks the label or the credential source:\n%s", logs.String())
	}
}

func TestValidate(t *testing.T) {
	good := Connector{Label: "ok", Endpoint: "https://s3.example.com:9000", Paths: []Pattern{MustPattern("b/x")}}
	if err := good.Validate(); err != nil {
		t.Errorf("Validate(good) = %v", err)
	}
	bad := Connector{Label: "a/b", Endpoint: "s3.example.com", Access: Access(7), CredentialsEnv: &CredEnv{}}
	err := bad.Validate()
	for _, want := range []string{"label", "not a URL", "access", "credentials_env.access_key"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate(bad) = %v; want it to mention %q", err, want)
		}
	}
}

func TestAccessNames(t *testing.T) {
	for _, a := range []Access{Read, ReadWrite} {
		got, err := ParseAccess(a.String())
		if err != nil || got != a {
			t.Errorf("ParseAccess(%q) = %v, %v", a, got, err)
		}
	}
	if _, err := ParseAccess("write"); err == nil {
		t.Error("ParseAccess(write) accepted")
	}
}
