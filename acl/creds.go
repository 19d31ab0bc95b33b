package acl

import (
	"fmt"
	"log/slog"
	"os"
)

// CredSource says where a connector's credentials come from.
type CredSource int

const (
	SourceDefault   CredSource = iota // the SDK default chain
	SourceProfile                     // a named profile; remote resolves it via the SDK
	SourceEnv                         // keys read from named environment variables
	SourceInline                      // keys written in the connectors file
	SourceAnonymous                   // none: requests are sent unsigned
)

// String names the source as the connectors file does.
func (s CredSource) String() string {
	switch s {
	case SourceDefault:
		return "default"
	case SourceProfile:
		return "profile"
	case SourceEnv:
		return "credentials_env"
	case SourceInline:
		return "inline"
	case SourceAnonymous:
		return "anonymous"
	}
	return fmt.Sprintf("CredSource(%d)", int(s))
}

// Creds are a connector's resolved credentials, for remote to hand to the
// SDK. For SourceProfile only Profile is set; for SourceDefault and
// SourceAnonymous nothing is.
// String, GoString and LogValue never print the keys.
type Creds struct {
	Source          CredSource
	Profile         string
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
}

// String describes the credentials without any key material.
func (c Creds) String() string {
	switch c.Source {
	case SourceProfile:
		return fmt.Sprintf("profile %q", c.Profile)
	case SourceEnv, SourceInline:
		return c.Source.String() + " keys"
	case SourceAnonymous:
		return "anonymous (unsigned requests)"
	}
	return "SDK default chain"
}

// GoString keeps %#v from printing keys.
func (c Creds) GoString() string { return "acl.Creds{" + c.String() + "}" }

// LogValue keeps slog from printing keys.
func (c Creds) LogValue() slog.Value { return slog.StringValue(c.String()) }

// ResolveCredentials returns the connector's credentials. Environment
// variables are read through getenv (os.Getenv when nil) so tests need not
// touch the process environment. An empty access or secret variable is an
// error naming the connector and the field, never the field's value (a key
// pasted in place of a variable name would end up in a log); an empty
// session-token variable means no token.
func (c *Connector) ResolveCredentials(getenv func(string) string) (Creds, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	if src := credSources(c); len(src) > 1 {
		return Creds{}, fmt.Errorf("connector %q: more than one credential source", c.Label)
	}
	switch {
	case c.Profile != "":
		return Creds{Source: SourceProfile, Profile: c.Profile}, nil
	case c.CredentialsEnv != nil:
		return c.envCreds(getenv)
	case c.HasInlineSecret():
		if c.AccessKeyID == "" || c.SecretAccessKey == "" {
			return Creds{}, fmt.Errorf("connector %q: inline credentials need both access_key_id and secret_access_key", c.Label)
		}
		return Creds{Source: SourceInline, AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey}, nil
	case c.AnonymousCredentials:
		return Creds{Source: SourceAnonymous}, nil
	}
	return Creds{Source: SourceDefault}, nil
}

func (c *Connector) envCreds(getenv func(string) string) (Creds, error) {
	e := c.CredentialsEnv
	if probs := credEnvProblems(e); len(probs) > 0 {
		return Creds{}, fmt.Errorf("connector %q: %s", c.Label, probs[0])
	}
	cr := Creds{Source: SourceEnv}
	for _, v := range []struct {
		name, field string
		dst         *string
	}{
		{e.AccessKey, "access_key", &cr.AccessKeyID},
		{e.SecretKey, "secret_key", &cr.SecretAccessKey},
	} {
		*v.dst = getenv(v.name)
		if *v.dst == "" {
			// The variable's name is not echoed: a key pasted in its place
			// looks like a name (about a quarter of AWS secret keys do).
			return Creds{}, fmt.Errorf("connector %q: the environment variable that credentials_env.%s names is not set or empty", c.Label, v.field)
		}
	}
	if e.SessionToken != "" {
		cr.SessionToken = getenv(e.SessionToken)
	}
	return cr, nil
}
