package iampolicy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Kind says what a policy is attached to, which decides whether it may name a principal.
type Kind int

const (
	// Identity is an IAM identity policy attached to a user or role (or a Lambda authorizer's
	// policy document). It must not have Principal or NotPrincipal: the caller is implied.
	Identity Kind = iota
	// Resource is an API Gateway resource policy. Every statement must have Principal or
	// NotPrincipal (IAM User Guide, "Principal"; facts §5.3).
	Resource
)

func (k Kind) String() string {
	switch k {
	case Identity:
		return "identity"
	case Resource:
		return "resource"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// DefaultMaxResourcePolicyChars is API Gateway's default resource policy length limit
// (facts §5.1: "The resource policy length limit is 8192 characters").
const DefaultMaxResourcePolicyChars = 8192

// ParseOptions configures Parse.
type ParseOptions struct {
	Kind Kind
	// Region, AccountID and APIID expand the resource-policy shorthand execute-api:/stage/VERB/path
	// to arn:aws:execute-api:REGION:ACCOUNT:APIID/stage/VERB/path, as API Gateway does when it
	// saves a policy (facts §5.1). A shorthand resource without them is a ParseError.
	Region, AccountID, APIID string
	// MaxChars limits the policy's length in characters, counted without the whitespace between
	// JSON tokens (as the policy is stored once minified; an assumption, not confirmed by AWS).
	// 0 means DefaultMaxResourcePolicyChars for Kind Resource and no limit for Kind Identity;
	// a negative value means no limit.
	MaxChars int
}

// ParseError is a policy that AWS would refuse to save, with its position in the document.
type ParseError struct {
	Line, Column int    // 1-based; Column counts characters
	Path         string // e.g. "Statement[1].Condition.StringEquals"; "" for the document
	Msg          string
}

func (e *ParseError) Error() string {
	if e.Path == "" {
		return fmt.Sprintf("policy %d:%d: %s", e.Line, e.Column, e.Msg)
	}
	return fmt.Sprintf("policy %d:%d: %s: %s", e.Line, e.Column, e.Path, e.Msg)
}

func newParseError(doc []byte, off int, path, msg string) *ParseError {
	line, col := position(doc, off)
	return &ParseError{Line: line, Column: col, Path: path, Msg: msg}
}

// Policy is a parsed and compiled IAM policy document: immutable, safe for concurrent use.
type Policy struct {
	kind    Kind
	version string
	id      string
	stmts   []statement
}

// Kind returns what the policy is attached to.
func (p *Policy) Kind() Kind { return p.kind }

// Version returns the policy's Version element ("" when absent).
func (p *Policy) Version() string { return p.version }

// ID returns the policy's Id element.
func (p *Policy) ID() string { return p.id }

// Len returns the number of statements.
func (p *Policy) Len() int {
	if p == nil {
		return 0
	}
	return len(p.stmts)
}

type statement struct {
	sid    string
	effect Effect

	principal    *principalSet // nil for identity policies
	notPrincipal bool

	actions       []string // internal glob form; matched case-insensitively
	notAction     bool
	actionDisplay string

	resources       []text
	notResource     bool
	resourceDisplay string

	conds []condition
}

type posString struct {
	s   string
	off int
}

// Parse parses and compiles an IAM policy document: a JSON object with Version, Id and
// Statement (one statement object or an array of them). It rejects, with positions, what IAM
// and API Gateway reject: JSON syntax errors, duplicate keys, unknown elements, a Version other
// than "2012-10-17" or "2008-10-17", an Effect other than "Allow" or "Deny", statements without
// Action/NotAction or Resource/NotResource or with both, Principal in an identity policy or its
// absence in a resource policy, unknown condition operators, malformed condition values, and
// resource policies longer than the limit (facts §5.1).
func Parse(doc []byte, opts ParseOptions) (*Policy, error) {
	limit := opts.MaxChars
	if limit == 0 && opts.Kind == Resource {
		limit = DefaultMaxResourcePolicyChars
	}
	if limit > 0 {
		if off, n := overLimit(doc, limit); off >= 0 {
			return nil, newParseError(doc, off, "", fmt.Sprintf(
				"policy is %d characters, over the %d-character limit for API Gateway resource policies", n, limit))
		}
	}
	root, err := decodeTree(doc)
	if err != nil {
		return nil, err
	}
	if root.kind != jsonObject {
		return nil, newParseError(doc, root.off, "", "policy must be a JSON object, not "+root.kind.String())
	}
	p := &Policy{kind: opts.Kind}
	var stmtNode *jnode
	for _, m := range root.members {
		switch m.key {
		case "Version":
			if m.val.kind != jsonString || (m.val.str != "2012-10-17" && m.val.str != "2008-10-17") {
				return nil, newParseError(doc, m.val.off, "Version", `must be "2012-10-17" or "2008-10-17"`)
			}
			p.version = m.val.str
		case "Id":
			if m.val.kind != jsonString {
				return nil, newParseError(doc, m.val.off, "Id", "must be a string, not "+m.val.kind.String())
			}
			p.id = m.val.str
		case "Statement":
			stmtNode = m.val
		default:
			return nil, newParseError(doc, m.keyOff, m.key, `unknown policy element; want "Version", "Id" or "Statement"`)
		}
	}
	if stmtNode == nil {
		return nil, newParseError(doc, root.off, "", `missing "Statement"`)
	}
	vars := p.version == "2012-10-17"
	switch stmtNode.kind {
	case jsonObject:
		st, err := compileStatement(doc, stmtNode, "Statement", opts, vars)
		if err != nil {
			return nil, err
		}
		p.stmts = []statement{st}
	case jsonArray:
		if len(stmtNode.elems) == 0 {
			return nil, newParseError(doc, stmtNode.off, "Statement", "has no statements")
		}
		for i, e := range stmtNode.elems {
			st, err := compileStatement(doc, e, "Statement["+strconv.Itoa(i)+"]", opts, vars)
			if err != nil {
				return nil, err
			}
			p.stmts = append(p.stmts, st)
		}
	default:
		return nil, newParseError(doc, stmtNode.off, "Statement", "must be an object or an array, not "+stmtNode.kind.String())
	}
	return p, nil
}

// overLimit returns the offset of the first character beyond limit (or -1) and the count.
func overLimit(doc []byte, limit int) (off, count int) {
	off = -1
	inStr, esc := false, false
	for i := 0; i < len(doc); {
		r, w := utf8.DecodeRune(doc[i:])
		switch {
		case inStr:
			switch {
			case esc:
				esc = false
			case r == '\\':
				esc = true
			case r == '"':
				inStr = false
			}
			count++
		case r == ' ' || r == '\t' || r == '\n' || r == '\r':
		default:
			if r == '"' {
				inStr = true
			}
			count++
		}
		if count == limit+1 && off < 0 {
			off = i
		}
		i += w
	}
	return off, count
}

func compileStatement(doc []byte, n *jnode, path string, opts ParseOptions, vars bool) (statement, error) {
	var st statement
	if n.kind != jsonObject {
		return st, newParseError(doc, n.off, path, "statement must be an object, not "+n.kind.String())
	}
	var effect, principal, notPrincipal, action, notAction, resource, notResource, cond *jmember
	for i := range n.members {
		m := &n.members[i]
		switch m.key {
		case "Sid":
			if m.val.kind != jsonString {
				return st, newParseError(doc, m.val.off, path+".Sid", "must be a string, not "+m.val.kind.String())
			}
			st.sid = m.val.str
		case "Effect":
			effect = m
		case "Principal":
			principal = m
		case "NotPrincipal":
			notPrincipal = m
		case "Action":
			action = m
		case "NotAction":
			notAction = m
		case "Resource":
			resource = m
		case "NotResource":
			notResource = m
		case "Condition":
			cond = m
		default:
			return st, newParseError(doc, m.keyOff, path+"."+m.key, "unknown statement element")
		}
	}
	if effect == nil {
		return st, newParseError(doc, n.off, path, `missing "Effect"`)
	}
	if effect.val.kind != jsonString || (effect.val.str != "Allow" && effect.val.str != "Deny") {
		return st, newParseError(doc, effect.val.off, path+".Effect", `must be "Allow" or "Deny"`)
	}
	st.effect = Effect(effect.val.str)

	// Principal / NotPrincipal.
	pm, pname := principal, "Principal"
	if notPrincipal != nil {
		pm, pname = notPrincipal, "NotPrincipal"
	}
	switch {
	case principal != nil && notPrincipal != nil:
		return st, newParseError(doc, notPrincipal.keyOff, path+".NotPrincipal", `a statement cannot have both "Principal" and "NotPrincipal"`)
	case opts.Kind == Identity && pm != nil:
		return st, newParseError(doc, pm.keyOff, path+"."+pname, "an identity-based policy cannot name a principal")
	case opts.Kind == Resource && pm == nil:
		return st, newParseError(doc, n.off, path, `a resource policy statement needs "Principal" or "NotPrincipal"`)
	case pm != nil:
		ps, err := compilePrincipal(doc, pm.val, path+"."+pname)
		if err != nil {
			return st, err
		}
		st.principal, st.notPrincipal = ps, pm == notPrincipal
	}

	// Action / NotAction.
	am, aname := action, "Action"
	if notAction != nil {
		am, aname = notAction, "NotAction"
	}
	switch {
	case action != nil && notAction != nil:
		return st, newParseError(doc, notAction.keyOff, path+".NotAction", `a statement cannot have both "Action" and "NotAction"`)
	case am == nil:
		return st, newParseError(doc, n.off, path, `missing "Action" or "NotAction"`)
	}
	avals, err := stringList(doc, am.val, path+"."+aname)
	if err != nil {
		return st, err
	}
	for _, v := range avals {
		if v.s != "*" && !strings.Contains(v.s, ":") {
			return st, newParseError(doc, v.off, path+"."+aname, "invalid action "+quote(v.s)+`: want "service:Action", e.g. "execute-api:Invoke"`)
		}
		st.actions = append(st.actions, escapeBackslash(v.s))
	}
	st.notAction = am == notAction
	st.actionDisplay = aname + " " + compactJSON(am.val)

	// Resource / NotResource.
	rm, rname := resource, "Resource"
	if notResource != nil {
		rm, rname = notResource, "NotResource"
	}
	switch {
	case resource != nil && notResource != nil:
		return st, newParseError(doc, notResource.keyOff, path+".NotResource", `a statement cannot have both "Resource" and "NotResource"`)
	case rm == nil:
		return st, newParseError(doc, n.off, path, `missing "Resource" or "NotResource"`)
	}
	rvals, err := stringList(doc, rm.val, path+"."+rname)
	if err != nil {
		return st, err
	}
	var shown []string
	for _, v := range rvals {
		r := v.s
		switch {
		case r == "*", strings.HasPrefix(r, "arn:"):
		case strings.HasPrefix(r, "execute-api:/"):
			if opts.Region == "" || opts.AccountID == "" || opts.APIID == "" {
				return st, newParseError(doc, v.off, path+"."+rname, "shorthand "+quote(r)+" needs the API's region, account and ID to expand")
			}
			r = "arn:" + Partition(opts.Region) + ":execute-api:" + opts.Region + ":" + opts.AccountID + ":" + opts.APIID + strings.TrimPrefix(r, "execute-api:")
		default:
			return st, newParseError(doc, v.off, path+"."+rname, "invalid resource "+quote(v.s)+`: want "*", an ARN, or "execute-api:/stage/VERB/path"`)
		}
		shown = append(shown, r)
		st.resources = append(st.resources, compileText(r, vars))
	}
	st.notResource = rm == notResource
	st.resourceDisplay = rname + " " + jsonList(shown)

	if cond != nil {
		st.conds, err = compileConditions(doc, cond.val, path+".Condition", vars)
		if err != nil {
			return st, err
		}
	}
	return st, nil
}

// partition returns the ARN partition of a region.
// Partition is the ARN partition of a region: aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b.
func Partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	case strings.HasPrefix(region, "us-iso-"):
		return "aws-iso"
	case strings.HasPrefix(region, "us-isob-"):
		return "aws-iso-b"
	}
	return "aws"
}

// stringList accepts a string or a non-empty array of strings (IAM's "string or array").
func stringList(doc []byte, n *jnode, path string) ([]posString, error) {
	switch n.kind {
	case jsonString:
		return []posString{{s: n.str, off: n.off}}, nil
	case jsonArray:
		if len(n.elems) == 0 {
			return nil, newParseError(doc, n.off, path, "empty list")
		}
		out := make([]posString, 0, len(n.elems))
		for i, e := range n.elems {
			if e.kind != jsonString {
				return nil, newParseError(doc, e.off, path+"["+strconv.Itoa(i)+"]", "must be a string, not "+e.kind.String())
			}
			out = append(out, posString{s: e.str, off: e.off})
		}
		return out, nil
	}
	return nil, newParseError(doc, n.off, path, "must be a string or an array of strings, not "+n.kind.String())
}

// compactJSON renders a node as compact JSON, for diagnostics.
func compactJSON(n *jnode) string {
	var b bytes.Buffer
	writeJSON(&b, n)
	return b.String()
}

func writeJSON(b *bytes.Buffer, n *jnode) {
	switch n.kind {
	case jsonString:
		b.WriteString(quote(n.str))
	case jsonNumber, jsonBool:
		b.WriteString(n.str)
	case jsonNull:
		b.WriteString("null")
	case jsonArray:
		b.WriteByte('[')
		for i, e := range n.elems {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSON(b, e)
		}
		b.WriteByte(']')
	case jsonObject:
		b.WriteByte('{')
		for i, m := range n.members {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(quote(m.key))
			b.WriteByte(':')
			writeJSON(b, m.val)
		}
		b.WriteByte('}')
	}
}

func jsonList(ss []string) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, s := range ss {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(quote(s))
	}
	b.WriteByte(']')
	return b.String()
}

// quote renders s as a JSON string (no HTML escaping).
func quote(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}
