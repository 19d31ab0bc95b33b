package acl

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// parser walks the YAML node tree by hand rather than decoding into structs:
// that way every problem carries the line of the key it is about, unknown
// keys are reported with a suggestion, and secret values are never echoed
// (yaml's own type errors quote the offending value).
type parser struct {
	file     string
	problems []Problem
}

func (p *parser) addf(line int, format string, args ...any) {
	p.problems = append(p.problems, Problem{File: p.file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// sortProblems puts problems in file order (label checks run last).
func (p *parser) sortProblems() {
	sort.SliceStable(p.problems, func(i, j int) bool { return p.problems[i].Line < p.problems[j].Line })
}

var topKeys = []string{"connectors"}

var connectorKeys = []string{
	"label", "endpoint", "region", "path_style", "profile", "credentials_env",
	"access_key_id", "secret_access_key", "credentials", "paths", "access", "as_of",
}

var credEnvKeys = []string{"access_key", "secret_key", "session_token"}

// document parses the whole file into connectors (some possibly invalid;
// the problems say which).
func (p *parser) document(data []byte) []*Connector {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			p.addf(0, "file is empty: want a top-level `connectors:` list")
		} else {
			p.yamlError(err)
		}
		return nil
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		p.addf(extra.Line, "a second YAML document (---): put every connector in one `connectors:` list")
	} else if !errors.Is(err, io.EOF) {
		p.yamlError(err)
	}
	if len(doc.Content) == 0 {
		p.addf(0, "file is empty: want a top-level `connectors:` list")
		return nil
	}
	return p.top(resolve(doc.Content[0]))
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlError turns a YAML syntax error into a FILE:LINE problem.
func (p *parser) yamlError(err error) {
	if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
		line, _ := strconv.Atoi(m[1])
		p.addf(line, "YAML syntax: %s", m[2])
		return
	}
	p.addf(0, "YAML syntax: %s", strings.TrimPrefix(err.Error(), "yaml: "))
}

// top reads the top-level mapping: `connectors:` plus any `x-...` keys,
// which are ignored so they can hold YAML anchors shared by connectors.
func (p *parser) top(root *yaml.Node) []*Connector {
	if root.Kind != yaml.MappingNode {
		p.addf(root.Line, "top level: want a mapping with a `connectors:` list")
		return nil
	}
	var list *yaml.Node
	for _, f := range p.fields(root, 0) {
		switch {
		case f.name == "connectors":
			list = f.val
		case strings.HasPrefix(f.name, "x-"):
		default:
			p.unknownKey(f, "at the top level", topKeys)
		}
	}
	if list == nil {
		p.addf(root.Line, "no `connectors:` list")
		return nil
	}
	return p.connectorList(list)
}

func (p *parser) connectorList(n *yaml.Node) []*Connector {
	if n.Kind != yaml.SequenceNode {
		p.addf(n.Line, "connectors: want a list (- label: ...)")
		return nil
	}
	if len(n.Content) == 0 {
		p.addf(n.Line, "connectors: the list is empty")
		return nil
	}
	var out []*Connector
	for i, item := range n.Content {
		item = resolve(item)
		if item.Kind != yaml.MappingNode {
			p.addf(item.Line, "connectors[%d]: want a mapping (label: ..., endpoint: ...)", i)
			continue
		}
		out = append(out, p.connector(item))
	}
	return out
}

// field is one key of a mapping, its value with aliases resolved.
type field struct {
	name string
	key  *yaml.Node
	val  *yaml.Node
}

// maxMergeDepth bounds nested `<<:` merges.
const maxMergeDepth = 8

// fields returns m's keys in order, with YAML merge keys (`<<: *anchor`)
// expanded: keys written in m win over merged ones, and earlier merged
// mappings win over later ones. Keys given twice are problems.
func (p *parser) fields(m *yaml.Node, depth int) []field {
	var own, merged []field
	seen := map[string]int{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], resolve(m.Content[i+1])
		switch {
		case k.Tag == "!!merge":
			merged = append(merged, p.mergeFields(v, depth)...)
		case k.Kind != yaml.ScalarNode:
			p.addf(k.Line, "keys must be plain names")
		case seen[k.Value] > 0:
			p.addf(k.Line, "key %q given twice (first at line %d)", k.Value, seen[k.Value])
		default:
			seen[k.Value] = k.Line
			own = append(own, field{name: k.Value, key: k, val: v})
		}
	}
	for _, f := range merged {
		if _, dup := seen[f.name]; !dup {
			seen[f.name] = f.key.Line
			own = append(own, f)
		}
	}
	return own
}

func (p *parser) mergeFields(v *yaml.Node, depth int) []field {
	if depth >= maxMergeDepth {
		p.addf(v.Line, "<<: merges nested more than %d deep", maxMergeDepth)
		return nil
	}
	switch v.Kind {
	case yaml.MappingNode:
		return p.fields(v, depth+1)
	case yaml.SequenceNode:
		var out []field
		for _, item := range v.Content {
			out = append(out, p.mergeFields(resolve(item), depth+1)...)
		}
		return out
	}
	p.addf(v.Line, "<<: want a mapping or a list of mappings")
	return nil
}

// resolve follows YAML aliases to the node they stand for.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < maxMergeDepth; i++ {
		n = n.Alias
	}
	return n
}

func (p *parser) unknownKey(f field, where string, known []string) {
	msg := fmt.Sprintf("unknown key %q %s", f.name, where)
	if s := suggest(f.name, known); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	} else {
		msg += " (known: " + strings.Join(known, ", ") + ")"
	}
	p.addf(f.key.Line, "%s", msg)
}

// str returns a scalar's text as written (so a secret such as 0123e45 is
// not reinterpreted as a number); null is "".
func (p *parser) str(f field) string {
	if f.val.Kind != yaml.ScalarNode {
		p.addf(f.val.Line, "%s: want a single value, not a list or mapping", f.name)
		return ""
	}
	if f.val.Tag == "!!null" {
		return ""
	}
	return f.val.Value
}

func (p *parser) boolean(f field) bool {
	var b bool
	if f.val.Kind != yaml.ScalarNode || f.val.Decode(&b) != nil {
		p.addf(f.val.Line, "%s: want true or false", f.name)
	}
	return b
}

// suggest returns the known key closest to s if it is a likely typo.
func suggest(s string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		if d := editDistance(s, k); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
