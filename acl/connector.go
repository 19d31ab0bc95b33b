package acl

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
)

// Access is what a connector may do inside its patterns. The zero value is
// Read, so a connector that does not say is read-only.
type Access int

const (
	Read      Access = iota // read, list, stat; every mutation gives EROFS
	ReadWrite               // also create, write, truncate, delete, mkdir, rmdir, rename
)

// String returns the value as written in the connectors file.
func (a Access) String() string {
	switch a {
	case Read:
		return "read"
	case ReadWrite:
		return "readwrite"
	}
	return fmt.Sprintf("Access(%d)", int(a))
}

// ParseAccess parses "read" or "readwrite".
func ParseAccess(s string) (Access, error) {
	switch s {
	case "read":
		return Read, nil
	case "readwrite":
		return ReadWrite, nil
	}
	return Read, fmt.Errorf("unknown access %q: want read or readwrite", s)
}

// CredEnv names the environment variables that hold a connector's keys. The
// fields are variable NAMES, never values.
type CredEnv struct {
	AccessKey    string // e.g. "RAW_AWS_ACCESS_KEY_ID"
	SecretKey    string // e.g. "RAW_AWS_SECRET_ACCESS_KEY"
	SessionToken string // optional
}

// Connector is one labelled connection: where, with which credentials, which
// paths, and with what access. A Connector is immutable once loaded and safe
// for concurrent use; every query method is a pure function of its fields.
//
// Exactly one credential source is set: Profile, CredentialsEnv, the inline
// AccessKeyID/SecretAccessKey pair, or DefaultCredentials (the SDK's default
// chain). Connectors built in code with none of them use the default chain.
type Connector struct {
	Label     string // directory name at the mount root; a valid file name
	Endpoint  string // "" for AWS; else an http(s) URL without path
	Region    string // "" lets remote choose
	PathStyle bool

	Profile            string   // named profile in ~/.aws/config
	CredentialsEnv     *CredEnv // names of environment variables
	AccessKeyID        string   // inline key (file must be mode 0600)
	SecretAccessKey    string   // inline secret; never printed
	DefaultCredentials bool     // `credentials: default`: the SDK's default chain
	// `credentials: anonymous`: requests are sent unsigned (public buckets).
	AnonymousCredentials bool

	Paths  []Pattern // empty means everything
	Access Access
	// AsOf (`as_of:`) makes the connector a read-only view of its
	// buckets as they were then (ParseAsOf's forms; a duration is taken
	// back from when the file is loaded); "" for the live view.
	AsOf string
	Line int // line of the connector in its file, 0 when built in code

	accessLine int // line of the `access:` key, 0 when defaulted
}

// HasInlineSecret reports whether the connector carries keys in the file.
func (c *Connector) HasInlineSecret() bool {
	return c.AccessKeyID != "" || c.SecretAccessKey != ""
}

// Validate checks a connector built in code (Load runs the same checks and
// adds line numbers). It does not require a credential source.
func (c *Connector) Validate() error {
	var errs []error
	if err := ValidName(c.Label); err != nil {
		errs = append(errs, fmt.Errorf("label: %w", err))
	}
	if msg := checkEndpoint(c.Endpoint); msg != "" {
		errs = append(errs, errors.New(msg))
	}
	if msg := checkRegion(c.Region); msg != "" {
		errs = append(errs, errors.New(msg))
	}
	for _, p := range credProblems(c, false) {
		errs = append(errs, errors.New(p.msg))
	}
	for i, p := range c.Paths {
		if p.kind == kindNone {
			errs = append(errs, fmt.Errorf("paths[%d] %q was not built with ParsePattern", i, p.Raw))
		}
	}
	if c.Access != Read && c.Access != ReadWrite {
		errs = append(errs, fmt.Errorf("access: %v is not read or readwrite", c.Access))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("connector %q: %w", c.Label, err)
	}
	return nil
}

// checkEndpoint returns a problem with endpoint, or "". It never echoes an
// endpoint that carries user info, which could be a secret.
func checkEndpoint(endpoint string) string {
	if endpoint == "" {
		return ""
	}
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "" {
		if strings.Contains(endpoint, "@") {
			return "endpoint is not a URL like https://s3.example.com:9000"
		}
		return fmt.Sprintf("endpoint %q is not a URL like https://s3.example.com:9000", endpoint)
	}
	switch {
	case u.User != nil:
		return "endpoint must not hold credentials (user:password@); use profile, credentials_env or inline keys"
	case u.Path != "" && u.Path != "/":
		return fmt.Sprintf("endpoint %q has a path; give the bucket in paths, not in the endpoint", endpoint)
	case u.RawQuery != "" || u.Fragment != "":
		return fmt.Sprintf("endpoint %q has a query or fragment", endpoint)
	}
	return ""
}

func checkRegion(region string) string {
	if strings.ContainsAny(region, " \t\r\n/") {
		return fmt.Sprintf("region %q holds spaces or \"/\"", region)
	}
	return ""
}

// credSources lists the credential sources c sets, in file-key terms.
func credSources(c *Connector) []string {
	var s []string
	if c.Profile != "" {
		s = append(s, "profile")
	}
	if c.CredentialsEnv != nil {
		s = append(s, "credentials_env")
	}
	if c.HasInlineSecret() {
		s = append(s, "inline access_key_id/secret_access_key")
	}
	if c.DefaultCredentials {
		s = append(s, "credentials: default")
	}
	if c.AnonymousCredentials {
		s = append(s, "credentials: anonymous")
	}
	return s
}

// credProblem is one problem with credential settings; field is the file
// key it is about ("" for the connector as a whole).
type credProblem struct {
	field, msg string
}

// credProblems returns what is wrong with c's credential settings.
// requireOne is set for connectors from a file, where silence is an error.
func credProblems(c *Connector, requireOne bool) []credProblem {
	var out []credProblem
	src := credSources(c)
	switch {
	case len(src) > 1:
		out = append(out, credProblem{"", fmt.Sprintf("more than one credential source (%s); keep exactly one", strings.Join(src, ", "))})
	case len(src) == 0 && requireOne:
		out = append(out, credProblem{"", "no credentials: set profile, credentials_env, access_key_id + secret_access_key, " +
			"or `credentials: default` for the AWS SDK default chain (AWS_* variables, ~/.aws, instance role), " +
			"or `credentials: anonymous` for a public bucket"})
	}
	if c.HasInlineSecret() && (c.AccessKeyID == "" || c.SecretAccessKey == "") {
		field := "access_key_id"
		if c.AccessKeyID == "" {
			field = "secret_access_key"
		}
		out = append(out, credProblem{field, "inline credentials need both access_key_id and secret_access_key"})
	}
	if e := c.CredentialsEnv; e != nil {
		for _, msg := range credEnvProblems(e) {
			out = append(out, credProblem{"credentials_env", msg})
		}
	}
	return out
}

func credEnvProblems(e *CredEnv) []string {
	var out []string
	check := func(field, name string, required bool) {
		switch {
		case name == "" && required:
			out = append(out, fmt.Sprintf("credentials_env.%s: name the environment variable", field))
		case name != "" && !envNameOK(name):
			out = append(out, fmt.Sprintf("credentials_env.%s is not an environment variable name "+
				"(want letters, digits and '_'; give the NAME of the variable, not the key)", field))
		}
	}
	check("access_key", e.AccessKey, true)
	check("secret_key", e.SecretKey, true)
	check("session_token", e.SessionToken, false)
	return out
}

// envNameOK reports whether s is a portable environment variable name.
// Names are never echoed in messages, valid or not: a key pasted in
// their place would otherwise end up in a log (and many keys are valid
// names).
func envNameOK(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// String describes the connector without any secret.
func (c Connector) String() string {
	return fmt.Sprintf("connector %q (endpoint %q, access %s, credentials: %s)",
		c.Label, c.Endpoint, c.Access, c.credDescription())
}

// GoString keeps %#v from printing secrets.
func (c Connector) GoString() string { return "acl." + c.String() }

// LogValue makes slog print the connector without secrets.
func (c Connector) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("label", c.Label),
		slog.String("endpoint", c.Endpoint),
		slog.String("region", c.Region),
		slog.Bool("path_style", c.PathStyle),
		slog.String("access", c.Access.String()),
		slog.String("credentials", c.credDescription()),
		slog.Int("paths", len(c.Paths)),
	)
}

func (c *Connector) credDescription() string {
	switch {
	case c.Profile != "":
		return fmt.Sprintf("profile %q", c.Profile)
	case c.CredentialsEnv != nil:
		return "environment variables named by credentials_env"
	case c.HasInlineSecret():
		return "inline keys"
	case c.AnonymousCredentials:
		return "anonymous (unsigned requests)"
	}
	return "SDK default chain"
}
