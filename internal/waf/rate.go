package waf

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"
)

// RateCounter counts requests per aggregation key over a sliding window. Add records one request
// at now and returns how many were recorded for key within (now-window, now]. The lead backs it
// with the shared limits store; MemoryRateCounter is the in-process implementation.
type RateCounter interface {
	Add(ctx context.Context, key string, window time.Duration, now time.Time) (count int64, err error)
}

type customKey struct {
	kind string // Header Cookie QueryArgument QueryString HTTPMethod ForwardedIP IP LabelNamespace UriPath
	name string
	tfs  []transformFn
}

// rateMatch is RateBasedStatement. A request that passes the ScopeDownStatement (all requests
// when there is none) and has every aggregation key component is counted under its key; the
// statement matches while the count within EvaluationWindowSec (default 300) exceeds Limit
// (AWS docs, "Rate-based rule statement"). A request that lacks a key component (no forwarded IP
// header, no such header, cookie or query argument, no label in the namespace) is neither counted
// nor matched, as AWS does. The window is an exact sliding window, where AWS estimates the rate
// every few seconds.
type rateMatch struct {
	path, ruleName, scope string
	limit                 int64
	window                time.Duration
	windowSec             int64
	agg                   string
	fwd                   *jFwd
	scopeDown             matcher
	keys                  []customKey
}

type jCustomKey struct {
	Header, Cookie, QueryArgument *struct {
		Name                string
		TextTransformations []jTextTransformation
	}
	QueryString, UriPath        *struct{ TextTransformations []jTextTransformation }
	HTTPMethod, ForwardedIP, IP *struct{}
	LabelNamespace              *struct{ Namespace string }
}

func (c *compiler) rateStatement(body json.RawMessage, path, ruleName string) (*rateMatch, error) {
	var s struct {
		Limit               int64
		EvaluationWindowSec int64
		AggregateKeyType    string
		ScopeDownStatement  json.RawMessage
		ForwardedIPConfig   *jFwd
		CustomKeys          []jCustomKey
	}
	if err := decodeStrict(body, &s, path); err != nil {
		return nil, err
	}
	if s.Limit < 10 || s.Limit > 2000000000 {
		return nil, fmt.Errorf("%s.Limit: %d is outside 10–2,000,000,000", path, s.Limit)
	}
	m := &rateMatch{path: path, ruleName: ruleName, limit: s.Limit, agg: s.AggregateKeyType, fwd: s.ForwardedIPConfig,
		scope: c.aclARN + "|" + ruleName + "|"}
	var err error
	if m.window, m.windowSec, err = windowOf(s.EvaluationWindowSec, path); err != nil {
		return nil, err
	}
	if err := checkFwd(s.ForwardedIPConfig, path+".ForwardedIPConfig", false); err != nil {
		return nil, err
	}
	needFwd := s.AggregateKeyType == "FORWARDED_IP"
	switch s.AggregateKeyType {
	case "IP", "FORWARDED_IP", "CONSTANT":
		if len(s.CustomKeys) > 0 {
			return nil, fmt.Errorf("%s.CustomKeys: only with AggregateKeyType CUSTOM_KEYS", path)
		}
	case "CUSTOM_KEYS":
		if len(s.CustomKeys) == 0 || len(s.CustomKeys) > 5 {
			return nil, fmt.Errorf("%s.CustomKeys: 1 to 5 keys are required", path)
		}
		for i, k := range s.CustomKeys {
			kp := fmt.Sprintf("%s.CustomKeys[%d]", path, i)
			ck, err := compileCustomKey(k, kp)
			if err != nil {
				return nil, err
			}
			if ck.kind == "ForwardedIP" {
				needFwd = true
			}
			m.keys = append(m.keys, ck)
		}
	default:
		return nil, fmt.Errorf("%s.AggregateKeyType: must be IP, FORWARDED_IP, CUSTOM_KEYS or CONSTANT, not %q", path, s.AggregateKeyType)
	}
	if needFwd && m.fwd == nil {
		return nil, fmt.Errorf("%s.ForwardedIPConfig: required for forwarded IP aggregation", path)
	}
	if s.AggregateKeyType == "CONSTANT" && s.ScopeDownStatement == nil {
		return nil, fmt.Errorf("%s.ScopeDownStatement: required with AggregateKeyType CONSTANT", path)
	}
	if s.ScopeDownStatement != nil {
		if m.scopeDown, err = c.statement(s.ScopeDownStatement, path+".ScopeDownStatement"); err != nil {
			return nil, err
		}
	}
	c.hasRate = true
	return m, nil
}

func compileCustomKey(k jCustomKey, p string) (customKey, error) {
	var out customKey
	n := 0
	named := func(kind string, v *struct {
		Name                string
		TextTransformations []jTextTransformation
	}) error {
		n++
		out.kind = kind
		if v.Name == "" {
			return fmt.Errorf("%s.%s.Name: required", p, kind)
		}
		out.name = v.Name
		if kind == "Header" {
			out.name = strings.ToLower(v.Name)
		}
		var err error
		out.tfs, _, err = compileTransforms(v.TextTransformations, p+"."+kind)
		return err
	}
	var err error
	if k.Header != nil {
		err = named("Header", k.Header)
	}
	if k.Cookie != nil && err == nil {
		err = named("Cookie", k.Cookie)
	}
	if k.QueryArgument != nil && err == nil {
		err = named("QueryArgument", k.QueryArgument)
	}
	if err != nil {
		return out, err
	}
	for _, u := range []struct {
		kind string
		v    *struct{ TextTransformations []jTextTransformation }
	}{{"QueryString", k.QueryString}, {"UriPath", k.UriPath}} {
		if u.v != nil {
			n++
			out.kind = u.kind
			if out.tfs, _, err = compileTransforms(u.v.TextTransformations, p+"."+u.kind); err != nil {
				return out, err
			}
		}
	}
	if k.HTTPMethod != nil {
		n++
		out.kind = "HTTPMethod"
	}
	if k.ForwardedIP != nil {
		n++
		out.kind = "ForwardedIP"
	}
	if k.IP != nil {
		n++
		out.kind = "IP"
	}
	if k.LabelNamespace != nil {
		n++
		out.kind = "LabelNamespace"
		out.name = k.LabelNamespace.Namespace
		if !strings.HasSuffix(out.name, ":") {
			return out, fmt.Errorf("%s.LabelNamespace.Namespace: must end with ':'", p)
		}
	}
	if n != 1 {
		return out, fmt.Errorf("%s: exactly one key type is required", p)
	}
	return out, nil
}

func (m *rateMatch) forwardedIP(e *evalCtx) (string, bool) {
	hv := e.r.Header.Get(m.fwd.HeaderName)
	if hv == "" {
		return "", false
	}
	first, _, _ := strings.Cut(hv, ",")
	a, err := netip.ParseAddr(strings.TrimSpace(first))
	if err != nil {
		return "", false
	}
	return a.Unmap().String(), true
}

// key builds the aggregation key; false means the request lacks a component.
func (m *rateMatch) key(e *evalCtx) (string, string, bool) {
	switch m.agg {
	case "IP":
		ip, ok := e.clientIP()
		if !ok {
			return "", "", false
		}
		s := ip.String()
		return m.scope + s, s, true
	case "FORWARDED_IP":
		s, ok := m.forwardedIP(e)
		return m.scope + s, s, ok
	case "CONSTANT":
		return m.scope, "", true
	}
	var sb strings.Builder
	sb.WriteString(m.scope)
	for i, k := range m.keys {
		if i > 0 {
			sb.WriteByte(0)
		}
		var v string
		found := true
		switch k.kind {
		case "Header":
			vs := e.r.Header.Values(k.name)
			found = len(vs) > 0
			if found {
				v = vs[0]
			}
		case "Cookie":
			found = false
			for _, c := range e.cookies() {
				if c.k == k.name {
					v, found = c.v, true
					break
				}
			}
		case "QueryArgument":
			found = false
			for _, a := range e.queryArgs() {
				if strings.EqualFold(a.k, k.name) {
					v, found = a.v, true
					break
				}
			}
		case "QueryString":
			v, found = e.r.RawQuery, e.r.RawQuery != ""
		case "UriPath":
			v = e.r.URIPath
		case "HTTPMethod":
			v = e.r.Method
		case "IP":
			ip, ok := e.clientIP()
			v, found = ip.String(), ok
		case "ForwardedIP":
			v, found = m.forwardedIP(e)
		case "LabelNamespace":
			found = false
			for _, l := range e.labels {
				if strings.HasPrefix(l, k.name) {
					v, found = l, true
					break
				}
			}
		}
		if !found {
			return "", "", false
		}
		sb.WriteString(applyTransforms(k.tfs, v))
	}
	s := sb.String()
	return s, strings.ReplaceAll(s[len(m.scope):], "\x00", ","), true
}

func (m *rateMatch) match(e *evalCtx) (bool, error) {
	if m.scopeDown != nil {
		ok, err := m.scopeDown.match(e)
		if err != nil || !ok {
			return false, err
		}
	}
	key, shown, ok := m.key(e)
	if !ok {
		return false, nil
	}
	n, err := e.rates.Add(e.ctx, key, m.window, e.now)
	if err != nil {
		return false, fmt.Errorf("waf: rate counter for rule %s: %w", m.ruleName, err)
	}
	if n <= m.limit {
		return false, nil
	}
	e.rateV = RateBasedEntry{RuleName: m.ruleName, LimitKey: m.agg, MaxRateAllowed: m.limit, EvaluationWindowSec: m.windowSec, LimitValue: shown, Count: n}
	e.rateHit = &e.rateV
	e.setDetail(m.path, "RateBasedStatement", "", shown, strconv.FormatInt(n, 10)+" requests in "+strconv.FormatInt(m.windowSec, 10)+"s > limit "+strconv.FormatInt(m.limit, 10), false)
	return true, nil
}

// MemoryRateCounter is an in-process RateCounter: per key, a ring of one-second buckets with a
// running total, giving an exact sliding window at one-second resolution. Safe for concurrent
// use. Keys idle for longer than their window are swept.
type MemoryRateCounter struct {
	mu   sync.Mutex
	m    map[string]*window
	adds int
}

type window struct {
	secs  []int64
	last  int64
	total int64
}

// NewMemoryRateCounter returns an empty counter.
func NewMemoryRateCounter() *MemoryRateCounter {
	return &MemoryRateCounter{m: map[string]*window{}}
}

// Add implements RateCounter.
func (c *MemoryRateCounter) Add(_ context.Context, key string, win time.Duration, now time.Time) (int64, error) {
	w64 := int64(win / time.Second)
	if w64 < 1 {
		w64 = 1
	}
	s := now.Unix()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]*window{}
	}
	c.adds++
	if c.adds%4096 == 0 {
		for k, w := range c.m {
			if s-w.last >= int64(len(w.secs)) {
				delete(c.m, k)
			}
		}
	}
	w := c.m[key]
	if w == nil || int64(len(w.secs)) != w64 {
		w = &window{secs: make([]int64, w64), last: s}
		c.m[key] = w
	}
	switch {
	case s-w.last >= w64:
		clear(w.secs)
		w.total = 0
		w.last = s
	case s > w.last:
		for t := w.last + 1; t <= s; t++ {
			i := ((t % w64) + w64) % w64
			w.total -= w.secs[i]
			w.secs[i] = 0
		}
		w.last = s
	}
	// A clock that goes backwards counts in the latest bucket.
	w.secs[((w.last%w64)+w64)%w64]++
	w.total++
	return w.total, nil
}
