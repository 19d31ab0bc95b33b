package acl

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// MaxFileSize bounds what Load reads; a connectors file is a few KiB.
const MaxFileSize = 1 << 20

// ErrInsecureFile is wrapped by Load's error when a file holding inline
// secrets is readable by group or others.
var ErrInsecureFile = errors.New("connectors file with inline secrets is readable by group/others")

// insecureFileError is Load's message for such a file; it is
// ErrInsecureFile for errors.Is.
type insecureFileError string

func (e insecureFileError) Error() string { return string(e) }

// Is matches ErrInsecureFile.
func (e insecureFileError) Is(target error) bool { return target == ErrInsecureFile }

// File is a loaded connectors file. It is immutable and safe for concurrent
// use.
type File struct {
	Path       string       // as given to Load or Parse
	Connectors []*Connector // in file order; labels are unique
}

// Connector returns the connector labelled label, or nil.
func (f *File) Connector(label string) *Connector {
	for _, c := range f.Connectors {
		if c.Label == label {
			return c
		}
	}
	return nil
}

// Labels returns the labels in file order.
func (f *File) Labels() []string {
	out := make([]string, len(f.Connectors))
	for i, c := range f.Connectors {
		out[i] = c.Label
	}
	return out
}

// Problem is one validation error at a place in the file.
type Problem struct {
	File string
	Line int // 0 when the problem is not at one line
	Msg  string
}

// Error formats the problem as FILE:LINE: MSG.
func (p Problem) Error() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg)
	}
	return fmt.Sprintf("%s: %s", p.File, p.Msg)
}

// ParseError holds every problem found in a file, in file order.
type ParseError struct {
	Problems []Problem
}

// Error lists the problems, one per line.
func (e *ParseError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}

// Load reads and validates a connectors file. It refuses a file that holds
// inline secrets and whose mode lets group or others in (as ssh does with
// private keys); such an error wraps ErrInsecureFile.
func Load(path string) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("connectors file: %w", err)
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return nil, fmt.Errorf("connectors file: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("connectors file %s is not a regular file", path)
	}
	data, err := io.ReadAll(io.LimitReader(fh, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("connectors file: %w", err)
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("connectors file %s is larger than %d bytes", path, MaxFileSize)
	}
	f, inline, perr := parse(data, path)
	if perm := st.Mode().Perm(); inline && perm&0o077 != 0 {
		// The sentence says it all: ErrInsecureFile is matched, not
		// appended (its text would repeat "readable by group/others").
		modeErr := insecureFileError(fmt.Sprintf("connectors file %s holds inline secrets and is readable by group/others (mode %04o); chmod 600 %s",
			path, perm, path))
		return nil, errors.Join(modeErr, asError(perr))
	}
	if perr != nil {
		return nil, perr
	}
	return f, nil
}

// Parse validates connectors-file data; name stands for the file in
// messages. It does no mode check (Load does).
func Parse(data []byte, name string) (*File, error) {
	f, _, perr := parse(data, name)
	if perr != nil {
		return nil, perr
	}
	return f, nil
}

// asError keeps a nil *ParseError from becoming a non-nil error.
func asError(e *ParseError) error {
	if e == nil {
		return nil
	}
	return e
}

// parse returns the file, whether any connector holds inline secrets, and
// the problems found (nil when none).
func parse(data []byte, name string) (*File, bool, *ParseError) {
	p := &parser{file: name}
	conns := p.document(data)
	p.checkLabels(conns)
	p.sortProblems()
	inline := false
	for _, c := range conns {
		inline = inline || c.HasInlineSecret()
	}
	if len(p.problems) > 0 {
		return nil, inline, &ParseError{Problems: p.problems}
	}
	return &File{Path: name, Connectors: conns}, inline, nil
}

// checkLabels reports duplicate labels, naming the first occurrence.
func (p *parser) checkLabels(conns []*Connector) {
	first := map[string]*Connector{}
	for _, c := range conns {
		if c.Label == "" {
			continue
		}
		if prev, dup := first[c.Label]; dup {
			p.addf(c.Line, "duplicate label %q (first used at line %d)", c.Label, prev.Line)
			continue
		}
		first[c.Label] = c
	}
}
