package acl

import (
	"fmt"
	"time"

	"gopkg.in/yaml.v3"
)

// connector reads one `- label: ...` mapping and validates it.
func (p *parser) connector(n *yaml.Node) *Connector {
	c := &Connector{Line: n.Line}
	lines := map[string]int{}
	for _, f := range p.fields(n, 0) {
		lines[f.name] = f.key.Line
		if !p.setField(c, f) {
			p.unknownKey(f, "in a connector", connectorKeys)
		}
	}
	p.validate(c, lines)
	return c
}

// setField stores one key's value; false for an unknown key.
func (p *parser) setField(c *Connector, f field) bool {
	switch f.name {
	case "label":
		c.Label = p.str(f)
	case "endpoint":
		c.Endpoint = p.str(f)
	case "region":
		c.Region = p.str(f)
	case "path_style":
		c.PathStyle = p.boolean(f)
	case "profile":
		c.Profile = p.str(f)
	case "access_key_id":
		c.AccessKeyID = p.str(f)
	case "secret_access_key":
		c.SecretAccessKey = p.str(f)
	case "credentials_env":
		c.CredentialsEnv = p.credEnv(f)
	case "credentials":
		p.credentials(c, f)
	case "paths":
		c.Paths = p.paths(f)
	case "access":
		p.access(c, f)
	case "as_of":
		c.AsOf = p.str(f)
		if _, err := ParseAsOf(c.AsOf, time.Now()); err != nil {
			p.addf(f.val.Line, "%v", err)
		}
	default:
		return false
	}
	return true
}

func (p *parser) credentials(c *Connector, f field) {
	switch p.str(f) {
	case "default":
		c.DefaultCredentials = true
	case "anonymous":
		c.AnonymousCredentials = true
	default:
		p.addf(f.val.Line, "credentials: the values are `default` (the AWS SDK default chain) and `anonymous` "+
			"(unsigned requests, for public buckets); for keys use profile, credentials_env or access_key_id/secret_access_key")
	}
}

func (p *parser) access(c *Connector, f field) {
	a, err := ParseAccess(p.str(f))
	if err != nil {
		p.addf(f.val.Line, "access: %v", err)
	}
	c.Access, c.accessLine = a, f.key.Line
}

// credEnv reads `credentials_env: {access_key: VAR, secret_key: VAR}`.
func (p *parser) credEnv(f field) *CredEnv {
	e := &CredEnv{}
	if f.val.Kind != yaml.MappingNode {
		p.addf(f.val.Line, "credentials_env: want a mapping {access_key: VAR, secret_key: VAR}")
		return e
	}
	for _, g := range p.fields(f.val, 0) {
		switch g.name {
		case "access_key":
			e.AccessKey = p.str(g)
		case "secret_key":
			e.SecretKey = p.str(g)
		case "session_token":
			e.SessionToken = p.str(g)
		default:
			p.unknownKey(g, "in credentials_env", credEnvKeys)
		}
	}
	return e
}

// paths reads a list of patterns (a single string is a list of one). An
// empty or null list is refused: leaving `paths` out means everything, and
// `paths: []` is too easily meant as "nothing".
func (p *parser) paths(f field) []Pattern {
	items := []*yaml.Node{f.val}
	switch {
	case f.val.Kind == yaml.SequenceNode:
		items = f.val.Content
	case f.val.Kind != yaml.ScalarNode:
		p.addf(f.val.Line, "paths: want a list of patterns")
		return nil
	}
	if len(items) == 0 || f.val.Tag == "!!null" {
		p.addf(f.key.Line, `paths: empty; leave paths out (or write ["*"]) for everything`)
		return nil
	}
	out := make([]Pattern, 0, len(items))
	for i, it := range items {
		it = resolve(it)
		if it.Kind != yaml.ScalarNode || it.Tag == "!!null" {
			p.addf(it.Line, "paths[%d]: want a pattern string", i)
			continue
		}
		pat, err := ParsePattern(it.Value)
		if err != nil {
			p.addf(it.Line, "paths[%d] %q: %v", i, it.Value, err)
			continue
		}
		pat.Line = it.Line
		out = append(out, pat)
	}
	return out
}

// validate checks what needs the whole connector; lines maps keys to lines.
func (p *parser) validate(c *Connector, lines map[string]int) {
	at := func(key string) int {
		if l := lines[key]; l > 0 {
			return l
		}
		return c.Line
	}
	if _, ok := lines["label"]; !ok {
		p.addf(c.Line, "connector has no label")
	} else if err := ValidName(c.Label); err != nil {
		p.addf(at("label"), "label: %v (a label is one directory name at the mount root)", err)
	}
	if msg := checkEndpoint(c.Endpoint); msg != "" {
		p.addf(at("endpoint"), "%s", msg)
	}
	if msg := checkRegion(c.Region); msg != "" {
		p.addf(at("region"), "%s", msg)
	}
	if _, ok := lines["profile"]; ok && c.Profile == "" {
		p.addf(at("profile"), "profile: empty")
	}
	for _, cp := range credProblems(c, true) {
		p.addf(at(cp.field), "%s%s", c.labelPrefix(), cp.msg)
	}
	idx, earlier := c.pinConflicts()
	for n, i := range idx {
		p.addf(c.Paths[i].Line, "%spaths[%d] %q pins %s/%s to another version than %s: pin each object once",
			c.labelPrefix(), i, c.Paths[i].Raw, c.Paths[i].bucket, c.Paths[i].key, earlier[n])
	}
}

// labelPrefix is `connector "x": ` for messages, or "" without a label.
func (c *Connector) labelPrefix() string {
	if c.Label == "" {
		return ""
	}
	return fmt.Sprintf("connector %q: ", c.Label)
}
