package config

import (
	"fmt"
	"sort"
	"strings"
)

// Error is every error this package reports about a configuration: the file, the position of
// the offending YAML/JSON node (1-based; 0 when unknown), the field path in the configuration
// (for example `restApis[0].stages[1].stageName`; "" for a syntax error) and a message.
// Err is the underlying error, if any (for example the *openapi.Error of a definition that
// did not import); it is reachable with errors.As.
type Error struct {
	File   string
	Line   int
	Column int
	Field  string
	Msg    string
	Err    error
}

// Error formats the error as `file:line:column: field: msg`.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Column)
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// ErrorList is several configuration errors, ordered by position. Validation and compilation
// report every problem they find, not only the first.
type ErrorList []*Error

// Error joins the errors, one a line.
func (l ErrorList) Error() string {
	s := make([]string, len(l))
	for i, e := range l {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

// Unwrap gives errors.As and errors.Is access to every error in the list.
func (l ErrorList) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

// err returns nil for an empty list, the single *Error for one entry, else the sorted list.
func (l ErrorList) err() error {
	switch len(l) {
	case 0:
		return nil
	case 1:
		return l[0]
	}
	sort.SliceStable(l, func(i, j int) bool {
		if l[i].Line != l[j].Line {
			return l[i].Line < l[j].Line
		}
		return l[i].Column < l[j].Column
	})
	return l
}
