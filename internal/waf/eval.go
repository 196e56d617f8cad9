package waf

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"
)

type kv struct{ k, v string }

type jsonEntry struct {
	ptr  string
	key  bool
	text string
}

// evalCtx is the per-request state of one evaluation: labels so far, the last match detail and
// lazily parsed request parts. Pooled, so Evaluate allocates little.
type evalCtx struct {
	ctx   context.Context
	r     *Request
	acl   *ACL
	rates RateCounter
	now   time.Time

	labels  []string
	detail  *MatchDetail
	detailV MatchDetail
	rateHit *RateBasedEntry
	rateV   RateBasedEntry
	scratch []string

	argsDone bool
	args     []kv
	cookDone bool
	cooks    []kv
	ipDone   bool
	ip       netip.Addr
	ipOK     bool
	bodyDone bool
	bodyS    string
	bodyOver bool
	jsonDone bool
	jsonOK   bool
	jsonE    []jsonEntry
}

var ctxPool = sync.Pool{New: func() any { return &evalCtx{} }}

func (e *evalCtx) reset() {
	*e = evalCtx{labels: e.labels[:0], scratch: e.scratch[:0], args: e.args[:0], cooks: e.cooks[:0], jsonE: e.jsonE[:0]}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

func (e *evalCtx) setDetail(path, stmt, field, value, pattern string, oversize bool) {
	e.detailV = MatchDetail{StatementPath: path, Statement: stmt, FieldToMatch: field, Value: truncate(value, 200), Pattern: pattern, Oversize: oversize}
	e.detail = &e.detailV
}

func (e *evalCtx) addLabel(l string) {
	for _, x := range e.labels {
		if x == l {
			return
		}
	}
	e.labels = append(e.labels, l)
}

func (e *evalCtx) clientIP() (netip.Addr, bool) {
	if !e.ipDone {
		e.ipDone = true
		s := e.r.SourceIP
		a, err := netip.ParseAddr(s)
		if err != nil {
			if h, _, err2 := net.SplitHostPort(s); err2 == nil {
				a, err = netip.ParseAddr(h)
			}
		}
		if err == nil {
			e.ip, e.ipOK = a.Unmap().WithZone(""), true
		}
	}
	return e.ip, e.ipOK
}

func (e *evalCtx) queryArgs() []kv {
	if !e.argsDone {
		e.argsDone = true
		q := e.r.RawQuery
		for q != "" {
			var part string
			part, q, _ = strings.Cut(q, "&")
			if part == "" {
				continue
			}
			k, v, _ := strings.Cut(part, "=")
			e.args = append(e.args, kv{k, v})
		}
	}
	return e.args
}

func (e *evalCtx) cookies() []kv {
	if !e.cookDone {
		e.cookDone = true
		for _, line := range e.r.Header.Values("Cookie") {
			for _, part := range strings.Split(line, ";") {
				part = strings.TrimSpace(part)
				if part == "" {
					continue
				}
				k, v, _ := strings.Cut(part, "=")
				e.cooks = append(e.cooks, kv{k, v})
			}
		}
	}
	return e.cooks
}

// body returns the inspected part of the body (the first bodyLimit bytes: 16 KB by default for
// API Gateway) and whether the body was longer.
func (e *evalCtx) body() (string, bool) {
	if !e.bodyDone {
		e.bodyDone = true
		b := e.r.Body
		if len(b) > e.acl.bodyLimit {
			b, e.bodyOver = b[:e.acl.bodyLimit], true
		}
		e.bodyS = string(b)
	}
	return e.bodyS, e.bodyOver
}

// jsonEntries walks the inspected body as JSON into (pointer, key or value, text) entries.
// Scalars are inspected as their text: strings unquoted, numbers, true, false, null literally.
// On a parse error it returns what was parsed so far and false.
func (e *evalCtx) jsonEntries() ([]jsonEntry, bool) {
	if e.jsonDone {
		return e.jsonE, e.jsonOK
	}
	e.jsonDone = true
	body, _ := e.body()
	d := json.NewDecoder(strings.NewReader(body))
	d.UseNumber()
	e.jsonOK = walkJSON(d, "", &e.jsonE, 0) == nil
	if e.jsonOK {
		if _, err := d.Token(); err == nil {
			e.jsonOK = false // trailing data
		}
	}
	return e.jsonE, e.jsonOK
}

var errDepth = errors.New("JSON nested too deeply")

func escPtr(s string) string {
	if !strings.ContainsAny(s, "~/") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

func walkJSON(d *json.Decoder, ptr string, out *[]jsonEntry, depth int) error {
	if depth > 64 {
		return errDepth
	}
	t, err := d.Token()
	if err != nil {
		return err
	}
	switch v := t.(type) {
	case json.Delim:
		switch v {
		case '{':
			for d.More() {
				kt, err := d.Token()
				if err != nil {
					return err
				}
				k, _ := kt.(string)
				p := ptr + "/" + escPtr(k)
				*out = append(*out, jsonEntry{ptr: p, key: true, text: k})
				if err := walkJSON(d, p, out, depth+1); err != nil {
					return err
				}
			}
		case '[':
			for i := 0; d.More(); i++ {
				if err := walkJSON(d, ptr+"/"+strconv.Itoa(i), out, depth+1); err != nil {
					return err
				}
			}
		default:
			return errors.New("unexpected delimiter")
		}
		_, err := d.Token()
		return err
	case string:
		*out = append(*out, jsonEntry{ptr: ptr, text: v})
	case json.Number:
		*out = append(*out, jsonEntry{ptr: ptr, text: v.String()})
	case bool:
		*out = append(*out, jsonEntry{ptr: ptr, text: strconv.FormatBool(v)})
	case nil:
		*out = append(*out, jsonEntry{ptr: ptr, text: "null"})
	}
	return nil
}

// ErrNoRateCounter is returned when a web ACL with a rate-based rule is evaluated without a
// RateCounter.
var ErrNoRateCounter = errors.New("waf: the web ACL has a rate-based rule and no RateCounter was given")

// Evaluate runs the web ACL on a request. The error is non-nil only when the rate counter
// fails: a request is never "denied" through an error.
func (a *ACL) Evaluate(ctx context.Context, r *Request, rates RateCounter) (Result, error) {
	if a.hasRate && rates == nil {
		return Result{}, ErrNoRateCounter
	}
	if r.Header == nil {
		r2 := *r
		r2.Header = map[string][]string{}
		r = &r2
	}
	e := ctxPool.Get().(*evalCtx)
	e.reset()
	defer ctxPool.Put(e)
	e.ctx, e.r, e.acl, e.rates, e.now = ctx, r, a, rates, r.Now
	if e.now.IsZero() {
		e.now = time.Now()
	}
	res := Result{WebACLArn: a.arn}
	done, err := a.run(e, &res)
	if err != nil {
		return Result{}, err
	}
	if !done {
		res.Action = a.def.kind
		res.TerminatingRuleID = "Default_Action"
		res.TerminatingRuleType = "REGULAR"
		res.CustomResponse = a.def.resp
		res.InsertedHeaders = append(res.InsertedHeaders, a.def.insert...)
	}
	if len(e.labels) > 0 {
		res.Labels = append([]string(nil), e.labels...)
	}
	return res, nil
}

func (e *evalCtx) takeDetail() *MatchDetail {
	if e.detail == nil {
		return nil
	}
	d := *e.detail
	e.detail = nil
	return &d
}

// run evaluates the rules; it returns true when a rule terminated evaluation.
func (a *ACL) run(e *evalCtx, res *Result) (bool, error) {
	for _, r := range a.rules {
		e.detail, e.rateHit = nil, nil
		switch r.kind {
		case kindRegular, kindRate:
			ok, err := r.stmt.match(e)
			if err != nil {
				return false, err
			}
			if !ok {
				continue
			}
			for _, l := range r.labels {
				e.addLabel(l)
			}
			if e.rateHit != nil {
				res.RateBasedRuleList = append(res.RateBasedRuleList, *e.rateHit)
			}
			res.InsertedHeaders = append(res.InsertedHeaders, r.action.insert...)
			if r.action.kind == "COUNT" {
				res.NonTerminatingMatches = append(res.NonTerminatingMatches, RuleMatch{RuleID: r.name, Action: "COUNT", Match: e.takeDetail()})
				continue
			}
			res.Action, res.TerminatingRuleID, res.TerminatingRuleType = r.action.kind, r.name, ruleTypeNames[r.kind]
			res.CustomResponse, res.Match = r.action.resp, e.takeDetail()
			return true, nil
		case kindGroup, kindManaged:
			done, err := a.runGroup(e, r, res)
			if err != nil || done {
				return done, err
			}
		}
	}
	return false, nil
}

// runGroup evaluates a rule group or managed rule group referenced by rule r. Group rules run in
// priority order; ExcludedRules and RuleActionOverrides change a rule's action (Excluded means
// Count); a terminating group rule ends the group and, unless OverrideAction is Count, the web
// ACL with the rule group reference as terminating rule.
func (a *ACL) runGroup(e *evalCtx, r *rule, res *Result) (bool, error) {
	entry := RuleGroupEntry{RuleGroupID: r.groupID}
	touched := false
	effective := func(name, def string, defAct action) action {
		if r.excluded[name] {
			return action{kind: "COUNT"}
		}
		if o, ok := r.overrides[name]; ok {
			return o
		}
		return defAct
	}
	var term *action
	var termDetail *MatchDetail
	if r.kind == kindManaged {
		if r.scopeDown != nil {
			ok, err := r.scopeDown.match(e)
			if err != nil || !ok {
				return false, err
			}
			e.detail = nil
		}
		for _, m := range r.managed.Evaluate(e.r) {
			for _, l := range m.Labels {
				e.addLabel(l)
			}
			act := effective(m.RuleName, m.Action, actionFromName(m.Action))
			touched = true
			if r.excluded[m.RuleName] {
				entry.ExcludedRules = append(entry.ExcludedRules, m.RuleName)
			}
			if act.kind == "COUNT" {
				entry.NonTerminatingMatchingRules = append(entry.NonTerminatingMatchingRules, RuleMatch{RuleID: m.RuleName, Action: "COUNT"})
				continue
			}
			entry.TerminatingRule = &RuleMatch{RuleID: m.RuleName, Action: act.kind}
			term = &act
			break
		}
	} else {
		for _, gr := range r.group {
			e.detail, e.rateHit = nil, nil
			ok, err := gr.stmt.match(e)
			if err != nil {
				return false, err
			}
			if !ok {
				continue
			}
			touched = true
			for _, l := range gr.labels {
				e.addLabel(l)
			}
			if e.rateHit != nil {
				res.RateBasedRuleList = append(res.RateBasedRuleList, *e.rateHit)
			}
			act := effective(gr.name, gr.action.kind, gr.action)
			if r.excluded[gr.name] {
				entry.ExcludedRules = append(entry.ExcludedRules, gr.name)
			}
			res.InsertedHeaders = append(res.InsertedHeaders, act.insert...)
			if act.kind == "COUNT" {
				entry.NonTerminatingMatchingRules = append(entry.NonTerminatingMatchingRules, RuleMatch{RuleID: gr.name, Action: "COUNT", Match: e.takeDetail()})
				continue
			}
			termDetail = e.takeDetail()
			entry.TerminatingRule = &RuleMatch{RuleID: gr.name, Action: act.kind, Match: termDetail}
			term = &act
			break
		}
	}
	if touched {
		res.RuleGroupList = append(res.RuleGroupList, entry)
	}
	if term == nil {
		return false, nil
	}
	for _, l := range r.labels {
		e.addLabel(l)
	}
	if r.overrideCount {
		res.NonTerminatingMatches = append(res.NonTerminatingMatches, RuleMatch{RuleID: r.name, Action: "COUNT", Match: termDetail})
		return false, nil
	}
	res.Action, res.TerminatingRuleID, res.TerminatingRuleType = term.kind, r.name, ruleTypeNames[r.kind]
	res.CustomResponse, res.Match = term.resp, termDetail
	return true, nil
}

func actionFromName(n string) action {
	switch n {
	case "CAPTCHA":
		return action{kind: n, resp: &CustomResponse{StatusCode: 405, Headers: [][2]string{{"x-amzn-waf-action", "captcha"}}}}
	case "CHALLENGE":
		return action{kind: n, resp: &CustomResponse{StatusCode: 202, Headers: [][2]string{{"x-amzn-waf-action", "challenge"}}}}
	case "ALLOW", "COUNT":
		return action{kind: n}
	}
	return action{kind: "BLOCK"}
}
