package iampolicy

import (
	"strings"
	"unicode/utf8"
)

// Principal is the caller as IAM sees it, after SigV4 authentication (or anonymous).
type Principal struct {
	Anonymous bool
	ARN       string // arn:aws:iam::111122223333:user/alice, arn:aws:sts::111122223333:assumed-role/ci/b7
	Account   string
	UserID    string // aws:userid (AIDA… for users, AROA…:session for roles)
	Username  string // aws:username (users only)
	Type      string // aws:PrincipalType: User | AssumedRole | Anonymous | Account
	Tags      map[string]string
	RoleARN   string // for assumed roles: the role's own ARN (matches Principal "AWS": role ARN)
}

// Request is what a policy is evaluated against.
type Request struct {
	Principal Principal
	Action    string // "execute-api:Invoke"
	// Resource is the ARN of the method being called, with the actual path, e.g.
	// arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/GET/pets/1 (facts §5.1).
	Resource string
	// Context holds the request's condition keys by lower-cased name ("aws:sourceip",
	// "aws:currenttime", …). The evaluator does no I/O and reads no clock: the caller supplies
	// aws:CurrentTime and aws:EpochTime. Keys derived from the principal (aws:principalarn,
	// aws:principalaccount, aws:userid, aws:username, aws:principaltype, aws:principaltag/…)
	// are derived from Principal when absent here.
	Context map[string][]string
}

// Effect is the outcome of a policy: Allow, Deny (explicit), or "" (neither: implicit deny).
type Effect string

const (
	Allow   Effect = "Allow"
	Deny    Effect = "Deny"
	Neither Effect = ""
)

// StatementResult explains one statement's evaluation.
type StatementResult struct {
	Index   int
	Sid     string
	Effect  string // the statement's Effect, "Allow" or "Deny"
	Applies bool   // every element matched: principal, action, resource, conditions
	// Failed names the first element that did not match: "Principal", "NotPrincipal",
	// "Action", "NotAction", "Resource", "NotResource" or "Condition"; "" when Applies.
	Failed string
	// Detail says why, e.g.
	// `Condition IpAddress aws:SourceIp ["203.0.113.0/24"] did not match "192.0.2.1"`.
	Detail string
}

// Result is a policy's decision with one StatementResult per statement, in document order.
type Result struct {
	Effect     Effect
	Deciding   []int // indexes of the statements that decided: every applying Deny, else every applying Allow
	Statements []StatementResult
}

// Evaluate evaluates the policy against r, reproducing IAM's policy evaluation logic within one
// policy (IAM User Guide, "Policy evaluation logic"; facts §5.3): a statement applies when its
// principal, action, resource and all its conditions match; an applying Deny is an explicit
// deny and wins; otherwise an applying Allow allows; otherwise the result is Neither (implicit
// deny). Statement order never matters. A nil policy or request evaluates to Neither.
//
// Evaluate is pure, allocation-light (no regexps; globs, CIDRs and dates were compiled by
// Parse) and safe for concurrent use.
func (p *Policy) Evaluate(r *Request) Result {
	if p == nil {
		return Result{}
	}
	if r == nil {
		r = &Request{}
	}
	ev := evalCtx{r: r}
	res := Result{Statements: make([]StatementResult, len(p.stmts))}
	var allows, denies int
	for i := range p.stmts {
		st := &p.stmts[i]
		sr := &res.Statements[i]
		st.eval(&ev, i, sr)
		if sr.Applies {
			if st.effect == Deny {
				denies++
			} else {
				allows++
			}
		}
	}
	want, n := Neither, 0
	switch {
	case denies > 0:
		want, n = Deny, denies
	case allows > 0:
		want, n = Allow, allows
	}
	if n > 0 {
		res.Effect = want
		res.Deciding = make([]int, 0, n)
		for i := range res.Statements {
			if res.Statements[i].Applies && Effect(res.Statements[i].Effect) == want {
				res.Deciding = append(res.Deciding, i)
			}
		}
	}
	return res
}

func (st *statement) eval(ev *evalCtx, i int, sr *StatementResult) {
	sr.Index, sr.Sid, sr.Effect = i, st.sid, string(st.effect)
	r := ev.r
	if ps := st.principal; ps != nil {
		if st.notPrincipal {
			if ps.excludes(&r.Principal) {
				sr.Failed, sr.Detail = "NotPrincipal", mismatch("NotPrincipal "+ps.display, " lists ", r.Principal.callerName())
				return
			}
		} else if !ps.matches(&r.Principal) {
			sr.Failed, sr.Detail = "Principal", mismatch("Principal "+ps.display, " did not match ", r.Principal.callerName())
			return
		}
	}

	matched := false
	for _, a := range st.actions {
		if globMatch(a, r.Action, true) {
			matched = true
			break
		}
	}
	if matched == st.notAction {
		if st.notAction {
			sr.Failed, sr.Detail = "NotAction", mismatch(st.actionDisplay, " matched ", r.Action)
		} else {
			sr.Failed, sr.Detail = "Action", mismatch(st.actionDisplay, " did not match ", r.Action)
		}
		return
	}

	matched = false
	for j := range st.resources {
		if st.resources[j].match(ev, r.Resource) {
			matched = true
			break
		}
	}
	if matched == st.notResource {
		if st.notResource {
			sr.Failed, sr.Detail = "NotResource", mismatch(st.resourceDisplay, " matched ", r.Resource)
		} else {
			sr.Failed, sr.Detail = "Resource", mismatch(st.resourceDisplay, " did not match ", r.Resource)
		}
		return
	}

	for j := range st.conds {
		c := &st.conds[j]
		if !c.eval(ev) {
			sr.Failed, sr.Detail = "Condition", c.failure(ev)
			return
		}
	}
	sr.Applies = true
}

// failure describes why a condition did not hold.
func (c *condition) failure(ev *evalCtx) string {
	vals, present := ev.values(c.lkey)
	switch {
	case c.kind == opNull && present:
		return c.display + " did not match: " + c.key + " is present"
	case !present:
		return c.display + " did not match: " + c.key + " is not in the request"
	case vals.len() == 1:
		return mismatch(c.display, " did not match ", vals.at(0))
	}
	var b strings.Builder
	b.WriteString(c.display)
	b.WriteString(" did not match [")
	for i := 0; i < vals.len(); i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(quote(vals.at(i)))
	}
	b.WriteByte(']')
	return b.String()
}

// mismatch builds prefix+verb+"v" quoted, in one allocation when v needs no escaping.
func mismatch(prefix, verb, v string) string {
	if !plainASCII(v) {
		return prefix + verb + quote(v)
	}
	var b strings.Builder
	b.Grow(len(prefix) + len(verb) + len(v) + 2)
	b.WriteString(prefix)
	b.WriteString(verb)
	b.WriteByte('"')
	b.WriteString(v)
	b.WriteByte('"')
	return b.String()
}

func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// evalCtx resolves condition keys and policy variables for one request.
type evalCtx struct {
	r *Request
}

// valueSet is the value(s) of one condition key, without allocating for derived keys.
type valueSet struct {
	one  string
	many []string
}

func (v valueSet) len() int {
	if v.many != nil {
		return len(v.many)
	}
	return 1
}

func (v valueSet) at(i int) string {
	if v.many != nil {
		return v.many[i]
	}
	return v.one
}

// values returns the request's values for a lower-cased key; present is false when the key is
// absent or has no values.
func (ev *evalCtx) values(key string) (vs valueSet, present bool) {
	if v, ok := ev.r.Context[key]; ok {
		return valueSet{many: v}, len(v) > 0
	}
	if s, ok := ev.derived(key); ok {
		return valueSet{one: s}, true
	}
	for k, v := range ev.r.Context { // tolerate callers that did not lower-case the names
		if len(k) == len(key) && strings.EqualFold(k, key) {
			return valueSet{many: v}, len(v) > 0
		}
	}
	return valueSet{}, false
}

// single returns a single-valued key's value, for policy variables; multivalued keys cannot
// be used as policy variables.
func (ev *evalCtx) single(key string) (string, bool) {
	vs, ok := ev.values(key)
	if !ok || vs.len() != 1 {
		return "", false
	}
	return vs.at(0), true
}

// derived computes the principal's global condition keys (IAM User Guide, "AWS global
// condition context keys"; facts §5.4). For a role session aws:PrincipalArn is the role's ARN.
// An anonymous caller has aws:userid "anonymous" and aws:PrincipalType "Anonymous".
func (ev *evalCtx) derived(key string) (string, bool) {
	p := &ev.r.Principal
	anon := p.isAnonymous()
	switch key {
	case "aws:principalarn":
		switch {
		case anon:
		case p.RoleARN != "":
			return p.RoleARN, true
		case p.ARN != "":
			return p.ARN, true
		}
	case "aws:principalaccount":
		if a := p.callerAccount(); a != "" {
			return a, true
		}
	case "aws:userid":
		if p.UserID != "" {
			return p.UserID, true
		}
		if anon {
			return "anonymous", true
		}
	case "aws:username":
		if p.Username != "" && !anon {
			return p.Username, true
		}
	case "aws:principaltype":
		if p.Type != "" {
			return p.Type, true
		}
		if anon {
			return "Anonymous", true
		}
	default:
		if tag, ok := strings.CutPrefix(key, "aws:principaltag/"); ok && !anon {
			for k, v := range p.Tags {
				if strings.EqualFold(k, tag) {
					return v, true
				}
			}
		}
	}
	return "", false
}
