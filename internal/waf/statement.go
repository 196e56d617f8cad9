package waf

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"regexp"
	"strings"

	"github.com/corazawaf/libinjection-go"
)

// matcher is a compiled statement. match reports whether the request matches; the error is only
// ever the rate counter's.
type matcher interface {
	match(e *evalCtx) (bool, error)
}

// tester tests one transformed value; pattern names what matched (for MatchDetail).
type tester interface {
	test(v string) (ok bool, pattern string)
}

// inspect is the common part of the statements that inspect a FieldToMatch with transformations.
type inspect struct {
	path, stmt string
	field      *field
	tfs        []transformFn
	t          tester
}

func (in *inspect) match(e *evalCtx) (bool, error) {
	vals, forced := in.field.collect(e)
	switch forced {
	case forceMatch:
		e.setDetail(in.path, in.stmt, in.field.desc, "", "", true)
		return true, nil
	case forceNoMatch:
		return false, nil
	}
	for _, v := range vals {
		tv := applyTransforms(in.tfs, v)
		if ok, pat := in.t.test(tv); ok {
			e.setDetail(in.path, in.stmt, in.field.desc, tv, pat, false)
			return true, nil
		}
	}
	return false, nil
}

type byteTest struct {
	s   string
	pos string
}

func isWordChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// test implements PositionalConstraint. CONTAINS_WORD: the search string must be bounded on
// each side by the start/end of the value or a character that is not alphanumeric or underscore
// (AWS docs, ByteMatchStatement).
func (b *byteTest) test(v string) (bool, string) {
	switch b.pos {
	case "EXACTLY":
		return v == b.s, b.s
	case "STARTS_WITH":
		return strings.HasPrefix(v, b.s), b.s
	case "ENDS_WITH":
		return strings.HasSuffix(v, b.s), b.s
	case "CONTAINS":
		return strings.Contains(v, b.s), b.s
	case "CONTAINS_WORD":
		for off := 0; off <= len(v)-len(b.s); {
			i := strings.Index(v[off:], b.s)
			if i < 0 {
				break
			}
			i += off
			j := i + len(b.s)
			if (i == 0 || !isWordChar(v[i-1])) && (j == len(v) || !isWordChar(v[j])) {
				return true, b.s
			}
			off = i + 1
		}
	}
	return false, ""
}

type regexTest struct{ res []*regexp.Regexp }

func (r *regexTest) test(v string) (bool, string) {
	for _, re := range r.res {
		if re.MatchString(v) {
			return true, re.String()
		}
	}
	return false, ""
}

type sizeTest struct {
	op   string
	size int64
}

func (s *sizeTest) test(v string) (bool, string) {
	n := int64(len(v))
	var ok bool
	switch s.op {
	case "EQ":
		ok = n == s.size
	case "NE":
		ok = n != s.size
	case "LE":
		ok = n <= s.size
	case "LT":
		ok = n < s.size
	case "GE":
		ok = n >= s.size
	case "GT":
		ok = n > s.size
	}
	return ok, fmt.Sprintf("size %d %s %d", n, s.op, s.size)
}

type sqliTest struct{}

func (sqliTest) test(v string) (bool, string) {
	ok, fp := libinjection.IsSQLi(v)
	return ok, fp
}

type xssTest struct{}

func (xssTest) test(v string) (bool, string) { return libinjection.IsXSS(v), "" }

type andMatch struct{ ms []matcher }

func (a *andMatch) match(e *evalCtx) (bool, error) {
	for _, m := range a.ms {
		ok, err := m.match(e)
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

type orMatch struct{ ms []matcher }

func (o *orMatch) match(e *evalCtx) (bool, error) {
	for _, m := range o.ms {
		ok, err := m.match(e)
		if err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

type notMatch struct {
	path string
	m    matcher
}

func (n *notMatch) match(e *evalCtx) (bool, error) {
	saved := e.detail
	ok, err := n.m.match(e)
	if err != nil {
		return false, err
	}
	e.detail = saved
	if !ok {
		e.setDetail(n.path, "NotStatement", "", "", "", false)
	}
	return !ok, nil
}

// labelMatch is LabelMatchStatement. Scope LABEL: Key is the label name with any number of its
// preceding namespaces, up to the fully qualified name, so it matches a label equal to Key or
// ending in ":"+Key. Scope NAMESPACE: Key is a run of namespaces ending in ':' that a label's
// namespace equals or ends with (AWS docs, LabelMatchStatement).
type labelMatch struct {
	path, scope, key string
}

func (l *labelMatch) match(e *evalCtx) (bool, error) {
	for _, lab := range e.labels {
		var ok bool
		if l.scope == "LABEL" {
			ok = lab == l.key || strings.HasSuffix(lab, l.key) && lab[len(lab)-len(l.key)-1] == ':'
		} else {
			i := strings.LastIndexByte(lab, ':')
			ns := lab[:i+1]
			ok = ns == l.key || strings.HasSuffix(ns, l.key) && len(ns) > len(l.key) && ns[len(ns)-len(l.key)-1] == ':'
		}
		if ok {
			e.setDetail(l.path, "LabelMatchStatement", "", lab, l.key, false)
			return true, nil
		}
	}
	return false, nil
}

type jFwd struct {
	HeaderName       string
	FallbackBehavior string
	Position         string
}

func checkFwd(f *jFwd, path string, withPosition bool) error {
	if f == nil {
		return nil
	}
	if f.HeaderName == "" {
		return fmt.Errorf("%s.HeaderName: required", path)
	}
	if f.FallbackBehavior != "MATCH" && f.FallbackBehavior != "NO_MATCH" {
		return fmt.Errorf("%s.FallbackBehavior: must be MATCH or NO_MATCH, not %q", path, f.FallbackBehavior)
	}
	if withPosition && f.Position != "FIRST" && f.Position != "LAST" && f.Position != "ANY" {
		return fmt.Errorf("%s.Position: must be FIRST, LAST or ANY, not %q", path, f.Position)
	}
	if !withPosition && f.Position != "" {
		return fmt.Errorf("%s: unknown field \"Position\"", path)
	}
	return nil
}

// ipSetMatch is IPSetReferenceStatement. With IPSetForwardedIPConfig the addresses come from the
// named header (comma separated; Position FIRST, LAST or ANY of at most 10); a missing header
// never matches, a malformed address applies FallbackBehavior (AWS docs, "Forwarded IP address").
type ipSetMatch struct {
	path string
	set  *ipSet
	fwd  *jFwd
}

func (m *ipSetMatch) match(e *evalCtx) (bool, error) {
	if m.fwd == nil {
		ip, ok := e.clientIP()
		if !ok {
			return false, nil
		}
		if cidr, hit := m.set.contains(ip); hit {
			e.setDetail(m.path, "IPSetReferenceStatement", "", ip.String(), m.set.arn+" "+cidr, false)
			return true, nil
		}
		return false, nil
	}
	hv := e.r.Header.Get(m.fwd.HeaderName)
	if hv == "" {
		return false, nil
	}
	parts := strings.Split(hv, ",")
	switch m.fwd.Position {
	case "FIRST":
		parts = parts[:1]
	case "LAST":
		parts = parts[len(parts)-1:]
	default:
		if len(parts) > 10 {
			parts = parts[:10]
		}
	}
	for _, p := range parts {
		ip, err := netip.ParseAddr(strings.TrimSpace(p))
		if err != nil {
			if m.fwd.FallbackBehavior == "MATCH" {
				e.setDetail(m.path, "IPSetReferenceStatement", "SingleHeader{"+strings.ToLower(m.fwd.HeaderName)+"}", strings.TrimSpace(p), "FallbackBehavior MATCH", false)
				return true, nil
			}
			return false, nil
		}
		if cidr, hit := m.set.contains(ip.Unmap()); hit {
			e.setDetail(m.path, "IPSetReferenceStatement", "SingleHeader{"+strings.ToLower(m.fwd.HeaderName)+"}", ip.String(), m.set.arn+" "+cidr, false)
			return true, nil
		}
	}
	return false, nil
}

// geoMatch is GeoMatchStatement. The country is not derived from a database: it is read from
// Options.Country (when set) or from the request header Options.CountryHeader (default
// CloudFront-Viewer-Country). Evaluating the statement adds AWS's label
// awswaf:clientip:geo:country:<CC> (awswaf:forwardedip:geo:country:<CC> with ForwardedIPConfig).
type geoMatch struct {
	path      string
	countries map[string]bool
	fwd       *jFwd
	header    string
	resolve   func(string) (string, bool)
}

func (g *geoMatch) match(e *evalCtx) (bool, error) {
	var cc, labelPrefix string
	if g.fwd != nil {
		hv := e.r.Header.Get(g.fwd.HeaderName)
		if hv == "" {
			return false, nil
		}
		first := strings.TrimSpace(strings.Split(hv, ",")[0])
		if _, err := netip.ParseAddr(first); err != nil {
			return g.fwd.FallbackBehavior == "MATCH", nil
		}
		labelPrefix = "awswaf:forwardedip:geo:country:"
		if g.resolve != nil {
			cc, _ = g.resolve(first)
		} else {
			cc = e.r.Header.Get(g.header)
		}
	} else {
		labelPrefix = "awswaf:clientip:geo:country:"
		if g.resolve != nil {
			if ip, ok := e.clientIP(); ok {
				cc, _ = g.resolve(ip.String())
			}
		}
		if cc == "" {
			cc = e.r.Header.Get(g.header)
		}
	}
	cc = strings.ToUpper(strings.TrimSpace(cc))
	if cc == "" {
		return false, nil
	}
	e.addLabel(labelPrefix + cc)
	if g.countries[cc] {
		e.setDetail(g.path, "GeoMatchStatement", "", cc, cc, false)
		return true, nil
	}
	return false, nil
}

type jInspect struct {
	FieldToMatch        json.RawMessage
	TextTransformations []jTextTransformation
}

func (c *compiler) inspect(path, stmt string, ji jInspect, t tester) (*inspect, error) {
	f, err := c.field(ji.FieldToMatch, path+".FieldToMatch")
	if err != nil {
		return nil, err
	}
	tfs, _, err := compileTransforms(ji.TextTransformations, path)
	if err != nil {
		return nil, err
	}
	return &inspect{path: path, stmt: stmt, field: f, tfs: tfs, t: t}, nil
}

func (c *compiler) statementBody(kind string, body json.RawMessage, path string) (matcher, error) {
	switch kind {
	case "ByteMatchStatement":
		var s struct {
			jInspect
			SearchString, SearchStringBase64, PositionalConstraint string
		}
		if err := decodeStrict(body, &s, path); err != nil {
			return nil, err
		}
		ss, err := c.searchString(s.SearchString, s.SearchStringBase64, path)
		if err != nil {
			return nil, err
		}
		switch s.PositionalConstraint {
		case "EXACTLY", "STARTS_WITH", "ENDS_WITH", "CONTAINS", "CONTAINS_WORD":
		default:
			return nil, fmt.Errorf("%s.PositionalConstraint: unknown value %q", path, s.PositionalConstraint)
		}
		return c.inspect(path, kind, s.jInspect, &byteTest{s: ss, pos: s.PositionalConstraint})
	case "RegexMatchStatement":
		var s struct {
			jInspect
			RegexString string
		}
		if err := decodeStrict(body, &s, path); err != nil {
			return nil, err
		}
		re, err := regexp.Compile(s.RegexString)
		if err != nil {
			return nil, fmt.Errorf("%s.RegexString: %w", path, err)
		}
		return c.inspect(path, kind, s.jInspect, &regexTest{res: []*regexp.Regexp{re}})
	case "RegexPatternSetReferenceStatement":
		var s struct {
			jInspect
			ARN string
		}
		if err := decodeStrict(body, &s, path); err != nil {
			return nil, err
		}
		res, err := c.regexSet(s.ARN, path)
		if err != nil {
			return nil, err
		}
		return c.inspect(path, kind, s.jInspect, &regexTest{res: res})
	case "SizeConstraintStatement":
		var s struct {
			jInspect
			ComparisonOperator string
			Size               int64
		}
		if err := decodeStrict(body, &s, path); err != nil {
			return nil, err
		}
		switch s.ComparisonOperator {
		case "EQ", "NE", "LE", "LT", "GE", "GT":
		default:
			return nil, fmt.Errorf("%s.ComparisonOperator: unknown value %q", path, s.ComparisonOperator)
		}
		if s.Size < 0 {
			return nil, fmt.Errorf("%s.Size: must not be negative", path)
		}
		return c.inspect(path, kind, s.jInspect, &sizeTest{op: s.ComparisonOperator, size: s.Size})
	case "SqliMatchStatement":
		var s struct {
			jInspect
			SensitivityLevel string
		}
		if err := decodeStrict(body, &s, path); err != nil {
			return nil, err
		}
		if s.SensitivityLevel != "" && s.SensitivityLevel != "LOW" && s.SensitivityLevel != "HIGH" {
			return nil, fmt.Errorf("%s.SensitivityLevel: must be LOW or HIGH, not %q", path, s.SensitivityLevel)
		}
		return c.inspect(path, kind, s.jInspect, sqliTest{})
	case "XssMatchStatement":
		var s jInspect
		if err := decodeStrict(body, &s, path); err != nil {
			return nil, err
		}
		return c.inspect(path, kind, s, xssTest{})
	case "IPSetReferenceStatement":
		var s struct {
			ARN                    string
			IPSetForwardedIPConfig *jFwd
		}
		if err := decodeStrict(body, &s, path); err != nil {
			return nil, err
		}
		if err := checkFwd(s.IPSetForwardedIPConfig, path+".IPSetForwardedIPConfig", true); err != nil {
			return nil, err
		}
		set, err := c.ipSet(s.ARN, path)
		if err != nil {
			return nil, err
		}
		return &ipSetMatch{path: path, set: set, fwd: s.IPSetForwardedIPConfig}, nil
	case "GeoMatchStatement":
		var s struct {
			CountryCodes      []string
			ForwardedIPConfig *jFwd
		}
		if err := decodeStrict(body, &s, path); err != nil {
			return nil, err
		}
		if err := checkFwd(s.ForwardedIPConfig, path+".ForwardedIPConfig", false); err != nil {
			return nil, err
		}
		if len(s.CountryCodes) == 0 {
			return nil, fmt.Errorf("%s.CountryCodes: at least one is required", path)
		}
		g := &geoMatch{path: path, countries: map[string]bool{}, fwd: s.ForwardedIPConfig, header: c.opts.CountryHeader, resolve: c.opts.Country}
		for i, cc := range s.CountryCodes {
			if len(cc) != 2 || strings.ToUpper(cc) != cc {
				return nil, fmt.Errorf("%s.CountryCodes[%d]: %q is not an ISO 3166 alpha-2 code", path, i, cc)
			}
			g.countries[cc] = true
		}
		return g, nil
	case "LabelMatchStatement":
		var s struct{ Scope, Key string }
		if err := decodeStrict(body, &s, path); err != nil {
			return nil, err
		}
		if s.Key == "" {
			return nil, fmt.Errorf("%s.Key: required", path)
		}
		switch s.Scope {
		case "LABEL":
		case "NAMESPACE":
			if !strings.HasSuffix(s.Key, ":") {
				s.Key += ":"
			}
		default:
			return nil, fmt.Errorf("%s.Scope: must be LABEL or NAMESPACE, not %q", path, s.Scope)
		}
		return &labelMatch{path: path, scope: s.Scope, key: s.Key}, nil
	case "AndStatement", "OrStatement":
		var s struct{ Statements []json.RawMessage }
		if err := decodeStrict(body, &s, path); err != nil {
			return nil, err
		}
		if len(s.Statements) < 1 {
			return nil, fmt.Errorf("%s.Statements: at least one statement is required", path)
		}
		ms := make([]matcher, len(s.Statements))
		for i, raw := range s.Statements {
			m, err := c.statement(raw, fmt.Sprintf("%s.Statements[%d]", path, i))
			if err != nil {
				return nil, err
			}
			ms[i] = m
		}
		if kind == "AndStatement" {
			return &andMatch{ms: ms}, nil
		}
		return &orMatch{ms: ms}, nil
	case "NotStatement":
		var s struct{ Statement json.RawMessage }
		if err := decodeStrict(body, &s, path); err != nil {
			return nil, err
		}
		m, err := c.statement(s.Statement, path+".Statement")
		if err != nil {
			return nil, err
		}
		return &notMatch{path: path, m: m}, nil
	case "RateBasedStatement":
		return nil, fmt.Errorf("%s: a rate-based statement cannot be nested", path)
	case "RuleGroupReferenceStatement", "ManagedRuleGroupStatement":
		return nil, fmt.Errorf("%s: a rule group reference cannot be nested", path)
	}
	return nil, fmt.Errorf("%s: statement type %s is not supported", path, kind)
}

func (c *compiler) regexSet(arn, path string) ([]*regexp.Regexp, error) {
	if res, ok := c.regexes[arn]; ok {
		return res, nil
	}
	raw, ok := c.sets.RegexPatternSets[arn]
	if !ok {
		return nil, fmt.Errorf("%s.ARN: regex pattern set %q is not defined", path, arn)
	}
	var s jRegexPatternSet
	if err := decodeStrict(unwrap(raw, "RegexPatternSet"), &s, "RegexPatternSet "+arn); err != nil {
		return nil, err
	}
	res := make([]*regexp.Regexp, 0, len(s.RegularExpressionList))
	for i, r := range s.RegularExpressionList {
		re, err := regexp.Compile(r.RegexString)
		if err != nil {
			return nil, fmt.Errorf("RegexPatternSet %s.RegularExpressionList[%d].RegexString: %w", arn, i, err)
		}
		res = append(res, re)
	}
	c.regexes[arn] = res
	return res, nil
}

func (c *compiler) ipSet(arn, path string) (*ipSet, error) {
	if s, ok := c.ipSets[arn]; ok {
		return s, nil
	}
	raw, ok := c.sets.IPSets[arn]
	if !ok {
		return nil, fmt.Errorf("%s.ARN: IP set %q is not defined", path, arn)
	}
	var j jIPSet
	if err := decodeStrict(unwrap(raw, "IPSet"), &j, "IPSet "+arn); err != nil {
		return nil, err
	}
	s, err := newIPSet(arn, j.IPAddressVersion, j.Addresses, "IPSet "+arn)
	if err != nil {
		return nil, err
	}
	c.ipSets[arn] = s
	return s, nil
}
