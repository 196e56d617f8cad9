package iampolicy

import (
	"bytes"
	"encoding/base64"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Condition operators, reproducing the IAM User Guide's "IAM JSON policy elements: Condition
// operators" and "Single-valued vs. multivalued context keys" (facts §5.4 lists the keys API
// Gateway supplies):
//
//   - Several operators in one Condition block, and several keys under one operator, are ANDed;
//     several values for one key are ORed.
//   - A missing key makes a positive operator false and a negated operator (StringNotEquals,
//     StringNotLike, NumericNotEquals, DateNotEquals, NotIpAddress, ArnNotEquals, ArnNotLike,
//     StringNotEqualsIgnoreCase) true.
//   - The …IfExists suffix makes the condition true when the key is missing; when it is present
//     the operator applies as usual.
//   - ForAnyValue: true when at least one request value satisfies the operator; false when the
//     key is missing. ForAllValues: true when every request value satisfies it, and also when
//     the key is missing or empty (IAM's documented pitfall). For a negated operator "satisfies"
//     means "matches none of the policy values".
//   - Without a set operator a multivalued key behaves as "any request value matches any policy
//     value" and a negated operator is the complement of that.
//   - Null with "true" is true when the key is absent; with "false", when it is present.
//   - Policy variables are substituted in the values of String* and Arn* operators.
type condition struct {
	op       string // as written, e.g. "ForAnyValue:StringLikeIfExists"
	key      string // as written
	lkey     string // lower-cased
	kind     opKind
	cmp      cmpOp
	negate   bool
	ifExists bool
	set      setOp

	texts    []text
	nums     []float64
	times    []time.Time
	bools    []bool
	bins     [][]byte
	prefixes []netip.Prefix
	null     bool

	display string // `Condition IpAddress aws:SourceIp ["203.0.113.0/24"]`
}

type opKind uint8

const (
	opString opKind = iota + 1
	opStringIgnoreCase
	opStringLike
	opNumeric
	opDate
	opBool
	opBinary
	opIP
	opArn
	opNull
)

type cmpOp uint8

const (
	cmpEq cmpOp = iota
	cmpLt
	cmpLe
	cmpGt
	cmpGe
)

type setOp uint8

const (
	setNone setOp = iota
	setAny
	setAll
)

type opSpec struct {
	kind   opKind
	cmp    cmpOp
	negate bool
}

var operators = map[string]opSpec{
	"StringEquals":              {kind: opString},
	"StringNotEquals":           {kind: opString, negate: true},
	"StringEqualsIgnoreCase":    {kind: opStringIgnoreCase},
	"StringNotEqualsIgnoreCase": {kind: opStringIgnoreCase, negate: true},
	"StringLike":                {kind: opStringLike},
	"StringNotLike":             {kind: opStringLike, negate: true},
	"NumericEquals":             {kind: opNumeric},
	"NumericNotEquals":          {kind: opNumeric, negate: true},
	"NumericLessThan":           {kind: opNumeric, cmp: cmpLt},
	"NumericLessThanEquals":     {kind: opNumeric, cmp: cmpLe},
	"NumericGreaterThan":        {kind: opNumeric, cmp: cmpGt},
	"NumericGreaterThanEquals":  {kind: opNumeric, cmp: cmpGe},
	"DateEquals":                {kind: opDate},
	"DateNotEquals":             {kind: opDate, negate: true},
	"DateLessThan":              {kind: opDate, cmp: cmpLt},
	"DateLessThanEquals":        {kind: opDate, cmp: cmpLe},
	"DateGreaterThan":           {kind: opDate, cmp: cmpGt},
	"DateGreaterThanEquals":     {kind: opDate, cmp: cmpGe},
	"Bool":                      {kind: opBool},
	"BinaryEquals":              {kind: opBinary},
	"IpAddress":                 {kind: opIP},
	"NotIpAddress":              {kind: opIP, negate: true},
	"ArnEquals":                 {kind: opArn},
	"ArnLike":                   {kind: opArn},
	"ArnNotEquals":              {kind: opArn, negate: true},
	"ArnNotLike":                {kind: opArn, negate: true},
	"Null":                      {kind: opNull},
}

// compileConditions compiles a statement's Condition block, keeping document order.
func compileConditions(doc []byte, n *jnode, path string, vars bool) ([]condition, error) {
	if n.kind != jsonObject {
		return nil, newParseError(doc, n.off, path, "must be an object, not "+n.kind.String())
	}
	var out []condition
	for _, om := range n.members {
		opPath := path + "." + om.key
		spec, set, ifExists, ok := parseOperator(om.key)
		if !ok {
			return nil, newParseError(doc, om.keyOff, opPath, "unknown condition operator "+quote(om.key))
		}
		if spec.kind == opNull && ifExists {
			return nil, newParseError(doc, om.keyOff, opPath, "the Null operator cannot take the IfExists suffix")
		}
		if om.val.kind != jsonObject {
			return nil, newParseError(doc, om.val.off, opPath, "must be an object of condition keys, not "+om.val.kind.String())
		}
		if len(om.val.members) == 0 {
			return nil, newParseError(doc, om.val.off, opPath, "names no condition key")
		}
		seen := map[string]bool{}
		for _, km := range om.val.members {
			kp := opPath + "." + km.key
			lk := strings.ToLower(km.key)
			if km.key == "" {
				return nil, newParseError(doc, km.keyOff, kp, "empty condition key")
			}
			if seen[lk] {
				return nil, newParseError(doc, km.keyOff, kp, "condition key "+quote(km.key)+" repeated (keys are case-insensitive)")
			}
			seen[lk] = true
			vals, err := conditionValues(doc, km.val, kp)
			if err != nil {
				return nil, err
			}
			c := condition{
				op: om.key, key: km.key, lkey: lk,
				kind: spec.kind, cmp: spec.cmp, negate: spec.negate, ifExists: ifExists, set: set,
			}
			if err := c.compileValues(doc, vals, kp, vars); err != nil {
				return nil, err
			}
			c.display = "Condition " + om.key + " " + km.key + " " + compactJSON(km.val)
			out = append(out, c)
		}
	}
	return out, nil
}

func parseOperator(op string) (spec opSpec, set setOp, ifExists, ok bool) {
	name := op
	if rest, found := strings.CutPrefix(name, "ForAnyValue:"); found {
		name, set = rest, setAny
	} else if rest, found := strings.CutPrefix(name, "ForAllValues:"); found {
		name, set = rest, setAll
	}
	if rest, found := strings.CutSuffix(name, "IfExists"); found {
		name, ifExists = rest, true
	}
	spec, ok = operators[name]
	return spec, set, ifExists, ok
}

// conditionValues accepts a string, number or boolean, or a non-empty array of them.
func conditionValues(doc []byte, n *jnode, path string) ([]posString, error) {
	scalar := func(e *jnode, p string) (posString, error) {
		switch e.kind {
		case jsonString, jsonNumber, jsonBool:
			return posString{s: e.str, off: e.off}, nil
		}
		return posString{}, newParseError(doc, e.off, p, "condition value must be a string, number or boolean, not "+e.kind.String())
	}
	if n.kind != jsonArray {
		v, err := scalar(n, path)
		if err != nil {
			return nil, err
		}
		return []posString{v}, nil
	}
	if len(n.elems) == 0 {
		return nil, newParseError(doc, n.off, path, "empty list of condition values")
	}
	out := make([]posString, 0, len(n.elems))
	for i, e := range n.elems {
		v, err := scalar(e, path+"["+strconv.Itoa(i)+"]")
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func (c *condition) compileValues(doc []byte, vals []posString, path string, vars bool) error {
	bad := func(v posString, want string) error {
		return newParseError(doc, v.off, path, "invalid value "+quote(v.s)+" for "+c.op+": want "+want)
	}
	for _, v := range vals {
		switch c.kind {
		case opString, opStringIgnoreCase, opStringLike, opArn:
			c.texts = append(c.texts, compileText(v.s, vars))
		case opNumeric:
			f, ok := parseNumber(v.s)
			if !ok {
				return bad(v, "a number")
			}
			c.nums = append(c.nums, f)
		case opDate:
			t, ok := parseDate(v.s)
			if !ok {
				return bad(v, "an ISO 8601 date-time or epoch seconds")
			}
			c.times = append(c.times, t)
		case opBool:
			b, ok := parseBool(v.s)
			if !ok {
				return bad(v, `"true" or "false"`)
			}
			c.bools = append(c.bools, b)
		case opNull:
			b, ok := parseBool(v.s)
			if !ok {
				return bad(v, `"true" or "false"`)
			}
			if len(vals) > 1 {
				return newParseError(doc, vals[1].off, path, "the Null operator takes exactly one value")
			}
			c.null = b
		case opBinary:
			b, err := base64.StdEncoding.DecodeString(v.s)
			if err != nil {
				return bad(v, "base64")
			}
			c.bins = append(c.bins, b)
		case opIP:
			p, ok := parsePrefix(v.s)
			if !ok {
				return bad(v, "an IPv4 or IPv6 address or CIDR block")
			}
			c.prefixes = append(c.prefixes, p)
		}
	}
	return nil
}

func parseNumber(s string) (float64, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

func parseBool(s string) (bool, bool) {
	switch {
	case strings.EqualFold(s, "true"):
		return true, true
	case strings.EqualFold(s, "false"):
		return false, true
	}
	return false, false
}

func parsePrefix(s string) (netip.Prefix, bool) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, false
		}
		if p.Addr().Is4In6() {
			bits := p.Bits() - 96
			if bits < 0 {
				return netip.Prefix{}, false
			}
			p = netip.PrefixFrom(p.Addr().Unmap(), bits)
		}
		return p.Masked(), true
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, false
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), true
}

// dateLayouts are the ISO 8601 forms IAM accepts for Date operators and aws:CurrentTime.
var dateLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"20060102T150405Z07:00",
	"20060102T150405Z",
	"2006-01-02",
}

// parseDate accepts ISO 8601 (a missing zone means UTC) or epoch seconds.
func parseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	if isEpoch(s) {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) || math.Abs(f) > 1e13 {
			return time.Time{}, false
		}
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(frac*1e9)).UTC(), true
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func isEpoch(s string) bool {
	dot := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
		case c == '-' && i == 0 && len(s) > 1:
		case c == '.' && !dot:
			dot = true
		default:
			return false
		}
	}
	return true
}

// eval reports whether the condition is satisfied by the request.
func (c *condition) eval(ev *evalCtx) bool {
	vals, present := ev.values(c.lkey)
	if c.kind == opNull {
		return present != c.null
	}
	if !present {
		switch {
		case c.ifExists:
			return true
		case c.set == setAll:
			return true
		case c.set == setAny:
			return false
		}
		return c.negate
	}
	n := vals.len()
	switch c.set {
	case setAny:
		for i := 0; i < n; i++ {
			if c.matchAny(ev, vals.at(i)) != c.negate {
				return true
			}
		}
		return false
	case setAll:
		for i := 0; i < n; i++ {
			if c.matchAny(ev, vals.at(i)) == c.negate {
				return false
			}
		}
		return true
	}
	for i := 0; i < n; i++ {
		if c.matchAny(ev, vals.at(i)) {
			return !c.negate
		}
	}
	return c.negate
}

// matchAny reports whether the request value v matches at least one policy value under the
// operator's positive form.
func (c *condition) matchAny(ev *evalCtx, v string) bool {
	switch c.kind {
	case opString, opStringIgnoreCase:
		for i := range c.texts {
			pv, ok := c.texts[i].literal(ev)
			if !ok {
				continue
			}
			if c.kind == opString && pv == v || c.kind == opStringIgnoreCase && strings.EqualFold(pv, v) {
				return true
			}
		}
	case opStringLike:
		for i := range c.texts {
			if c.texts[i].match(ev, v) {
				return true
			}
		}
	case opArn:
		for i := range c.texts {
			if p, ok := c.texts[i].resolve(ev); ok && arnLike(p, v) {
				return true
			}
		}
	case opNumeric:
		f, ok := parseNumber(v)
		if !ok {
			return false
		}
		for _, pv := range c.nums {
			if compare(cmpFloat(f, pv), c.cmp) {
				return true
			}
		}
	case opDate:
		t, ok := parseDate(v)
		if !ok {
			return false
		}
		for _, pv := range c.times {
			if compare(t.Compare(pv), c.cmp) {
				return true
			}
		}
	case opBool:
		b, ok := parseBool(v)
		if !ok {
			return false
		}
		for _, pv := range c.bools {
			if b == pv {
				return true
			}
		}
	case opBinary:
		raw := []byte(v)
		if dec, err := base64.StdEncoding.DecodeString(v); err == nil {
			raw = dec
		}
		for _, pv := range c.bins {
			if bytes.Equal(raw, pv) {
				return true
			}
		}
	case opIP:
		a, err := netip.ParseAddr(strings.TrimSpace(v))
		if err != nil {
			return false
		}
		a = a.Unmap().WithZone("")
		for _, p := range c.prefixes {
			if p.Contains(a) {
				return true
			}
		}
	}
	return false
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func compare(c int, op cmpOp) bool {
	switch op {
	case cmpLt:
		return c < 0
	case cmpLe:
		return c <= 0
	case cmpGt:
		return c > 0
	case cmpGe:
		return c >= 0
	}
	return c == 0
}

// arnLike reproduces ArnEquals/ArnLike: "Each of the six colon-delimited components of the ARN
// is checked separately and each can include multi-character match wildcards (*) or
// single-character match wildcards (?)" (IAM User Guide, "Amazon Resource Name (ARN) condition
// operators"). A pattern with fewer than six components is matched as a whole.
func arnLike(p, v string) bool {
	if strings.Count(p, ":") < 5 {
		return globMatch(p, v, false)
	}
	for i := 0; i < 5; i++ {
		pi := strings.IndexByte(p, ':')
		vi := strings.IndexByte(v, ':')
		if vi < 0 {
			return false
		}
		if !globMatch(p[:pi], v[:vi], false) {
			return false
		}
		p, v = p[pi+1:], v[vi+1:]
	}
	return globMatch(p, v, false)
}
