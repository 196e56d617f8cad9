package waf

import (
	"encoding/json"
	"fmt"
	"strings"
)

type fieldKind int

const (
	fUriPath fieldKind = iota
	fQueryString
	fMethod
	fSingleQueryArgument
	fAllQueryArguments
	fSingleHeader
	fHeaders
	fCookies
	fBody
	fJSONBody
)

const (
	inspectValues = iota
	forceMatch
	forceNoMatch
)

// API Gateway (like the other regional resources) inspects at most the first 8 KB or 200
// headers / cookies (AWS docs, "Oversize web request components").
const (
	maxHeaderBytes = 8192
	maxHeaderCount = 200
)

// field is a compiled FieldToMatch.
type field struct {
	kind     fieldKind
	name     string // lower-cased header name; query argument name (case-insensitive)
	desc     string
	scope    string // ALL, KEY, VALUE (Headers, Cookies, JsonBody)
	all      bool
	include  map[string]bool
	exclude  map[string]bool
	paths    []string // JsonBody IncludedPaths (JSON pointers)
	oversize string   // CONTINUE, MATCH, NO_MATCH
	invalid  string   // JsonBody InvalidFallbackBehavior
}

type jMatchPattern struct {
	All             *struct{}
	IncludedHeaders []string
	ExcludedHeaders []string
	IncludedCookies []string
	ExcludedCookies []string
	IncludedPaths   []string
}

type jCompound struct {
	MatchPattern            *jMatchPattern
	MatchScope              string
	OversizeHandling        string
	InvalidFallbackBehavior string
}

func checkOversize(v string, path string, required bool) (string, error) {
	switch v {
	case "CONTINUE", "MATCH", "NO_MATCH":
		return v, nil
	case "":
		if !required {
			return "CONTINUE", nil
		}
		return "", fmt.Errorf("%s.OversizeHandling: required", path)
	}
	return "", fmt.Errorf("%s.OversizeHandling: must be CONTINUE, MATCH or NO_MATCH, not %q", path, v)
}

func (c *compiler) field(raw json.RawMessage, path string) (*field, error) {
	k, body, err := oneKey(raw, path)
	if err != nil {
		return nil, err
	}
	p := path + "." + k
	f := &field{desc: k}
	empty := func() error { var s struct{}; return decodeStrict(body, &s, p) }
	switch k {
	case "UriPath":
		f.kind = fUriPath
		return f, empty()
	case "QueryString":
		f.kind = fQueryString
		return f, empty()
	case "Method":
		f.kind = fMethod
		return f, empty()
	case "AllQueryArguments":
		f.kind = fAllQueryArguments
		return f, empty()
	case "SingleQueryArgument", "SingleHeader":
		var s struct{ Name string }
		if err := decodeStrict(body, &s, p); err != nil {
			return nil, err
		}
		if strings.TrimSpace(s.Name) == "" {
			return nil, fmt.Errorf("%s.Name: required", p)
		}
		f.kind = fSingleHeader
		if k == "SingleQueryArgument" {
			f.kind = fSingleQueryArgument
		}
		f.name = strings.ToLower(s.Name)
		f.desc = k + "{" + f.name + "}"
		return f, nil
	case "Body":
		var s struct{ OversizeHandling string }
		if err := decodeStrict(body, &s, p); err != nil {
			return nil, err
		}
		f.kind = fBody
		f.oversize, err = checkOversize(s.OversizeHandling, p, false)
		return f, err
	case "Headers", "Cookies", "JsonBody":
		var s jCompound
		if err := decodeStrict(body, &s, p); err != nil {
			return nil, err
		}
		if s.MatchPattern == nil {
			return nil, fmt.Errorf("%s.MatchPattern: required", p)
		}
		switch s.MatchScope {
		case "ALL", "KEY", "VALUE":
			f.scope = s.MatchScope
		default:
			return nil, fmt.Errorf("%s.MatchScope: must be ALL, KEY or VALUE, not %q", p, s.MatchScope)
		}
		mp := s.MatchPattern
		var inc, exc []string
		switch k {
		case "Headers":
			f.kind = fHeaders
			inc, exc = mp.IncludedHeaders, mp.ExcludedHeaders
			if mp.IncludedCookies != nil || mp.ExcludedCookies != nil || mp.IncludedPaths != nil {
				return nil, fmt.Errorf("%s.MatchPattern: only All, IncludedHeaders or ExcludedHeaders", p)
			}
		case "Cookies":
			f.kind = fCookies
			inc, exc = mp.IncludedCookies, mp.ExcludedCookies
			if mp.IncludedHeaders != nil || mp.ExcludedHeaders != nil || mp.IncludedPaths != nil {
				return nil, fmt.Errorf("%s.MatchPattern: only All, IncludedCookies or ExcludedCookies", p)
			}
		case "JsonBody":
			f.kind = fJSONBody
			if mp.IncludedHeaders != nil || mp.ExcludedHeaders != nil || mp.IncludedCookies != nil || mp.ExcludedCookies != nil {
				return nil, fmt.Errorf("%s.MatchPattern: only All or IncludedPaths", p)
			}
			for i, jp := range mp.IncludedPaths {
				if jp != "" && !strings.HasPrefix(jp, "/") {
					return nil, fmt.Errorf("%s.MatchPattern.IncludedPaths[%d]: %q is not a JSON pointer", p, i, jp)
				}
			}
			f.paths = mp.IncludedPaths
			switch s.InvalidFallbackBehavior {
			case "", "MATCH", "NO_MATCH", "EVALUATE_AS_STRING":
				f.invalid = s.InvalidFallbackBehavior
			default:
				return nil, fmt.Errorf("%s.InvalidFallbackBehavior: unknown value %q", p, s.InvalidFallbackBehavior)
			}
		}
		n := 0
		if mp.All != nil {
			n++
			f.all = true
		}
		if inc != nil || f.paths != nil {
			n++
		}
		if exc != nil {
			n++
		}
		if n != 1 {
			return nil, fmt.Errorf("%s.MatchPattern: exactly one pattern is required", p)
		}
		if inc != nil {
			f.include = map[string]bool{}
			for _, h := range inc {
				f.include[foldName(k, h)] = true
			}
		}
		if exc != nil {
			f.exclude = map[string]bool{}
			for _, h := range exc {
				f.exclude[foldName(k, h)] = true
			}
		}
		f.oversize, err = checkOversize(s.OversizeHandling, p, k != "JsonBody")
		if s.InvalidFallbackBehavior != "" && k != "JsonBody" {
			return nil, fmt.Errorf("%s: unknown field \"InvalidFallbackBehavior\"", p)
		}
		f.desc = fmt.Sprintf("%s{%s}", k, f.scope)
		return f, err
	}
	return nil, fmt.Errorf("%s: FieldToMatch %s is not supported", path, k)
}

// foldName lower-cases header names (case-insensitive); cookie names are case-sensitive.
func foldName(kind, n string) string {
	if kind == "Headers" {
		return strings.ToLower(n)
	}
	return n
}

func (f *field) selected(name string) bool {
	if f.all {
		return true
	}
	if f.include != nil {
		return f.include[name]
	}
	return !f.exclude[name]
}

func (f *field) appendScoped(dst []string, k, v string) []string {
	switch f.scope {
	case "KEY":
		return append(dst, k)
	case "VALUE":
		return append(dst, v)
	}
	return append(dst, k, v)
}

// oversized applies OversizeHandling; it returns forced and whether to stop.
func (f *field) oversized() int {
	switch f.oversize {
	case "MATCH":
		return forceMatch
	case "NO_MATCH":
		return forceNoMatch
	}
	return inspectValues
}

// collect returns the values a FieldToMatch selects from the request (before transformation),
// or a forced outcome from OversizeHandling / InvalidFallbackBehavior. Query arguments and
// cookies are inspected raw (not URL-decoded), as AWS does: use URL_DECODE to decode them.
func (f *field) collect(e *evalCtx) ([]string, int) {
	dst := e.scratch[:0]
	defer func() { e.scratch = dst[:0] }()
	r := e.r
	switch f.kind {
	case fUriPath:
		dst = append(dst, r.URIPath)
	case fQueryString:
		dst = append(dst, r.RawQuery)
	case fMethod:
		dst = append(dst, r.Method)
	case fSingleQueryArgument:
		for _, kv := range e.queryArgs() {
			if strings.EqualFold(kv.k, f.name) {
				dst = append(dst, kv.v)
			}
		}
	case fAllQueryArguments:
		for _, kv := range e.queryArgs() {
			dst = append(dst, kv.v)
		}
	case fSingleHeader:
		for k, vs := range r.Header {
			if strings.EqualFold(k, f.name) {
				dst = append(dst, vs...)
			}
		}
	case fHeaders:
		size, count := 0, 0
		for k, vs := range r.Header {
			lk := strings.ToLower(k)
			for _, v := range vs {
				size += len(k) + len(v) + 4
				count++
				if f.selected(lk) {
					dst = f.appendScoped(dst, lk, v)
				}
			}
		}
		if size > maxHeaderBytes || count > maxHeaderCount {
			if o := f.oversized(); o != inspectValues {
				return nil, o
			}
		}
	case fCookies:
		size := 0
		cs := e.cookies()
		for _, kv := range cs {
			size += len(kv.k) + len(kv.v) + 2
			if f.selected(kv.k) {
				dst = f.appendScoped(dst, kv.k, kv.v)
			}
		}
		if size > maxHeaderBytes || len(cs) > maxHeaderCount {
			if o := f.oversized(); o != inspectValues {
				return nil, o
			}
		}
	case fBody:
		body, over := e.body()
		if over {
			if o := f.oversized(); o != inspectValues {
				return nil, o
			}
		}
		dst = append(dst, body)
	case fJSONBody:
		body, over := e.body()
		if over {
			if o := f.oversized(); o != inspectValues {
				return nil, o
			}
		}
		if len(body) == 0 {
			return dst, inspectValues
		}
		entries, ok := e.jsonEntries()
		if !ok {
			switch f.invalid {
			case "MATCH":
				return nil, forceMatch
			case "NO_MATCH":
				return nil, forceNoMatch
			case "EVALUATE_AS_STRING":
				return append(dst, body), inspectValues
			}
			// No fallback: AWS evaluates what it parsed up to the error.
		}
		for _, en := range entries {
			if !f.pathSelected(en.ptr) {
				continue
			}
			if en.key && f.scope != "VALUE" || !en.key && f.scope != "KEY" {
				dst = append(dst, en.text)
			}
		}
	}
	return dst, inspectValues
}

func (f *field) pathSelected(ptr string) bool {
	if f.all || f.paths == nil {
		return true
	}
	for _, p := range f.paths {
		if ptr == p || strings.HasPrefix(ptr, p+"/") || p == "" {
			return true
		}
	}
	return false
}
