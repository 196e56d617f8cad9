package waf

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
)

// DefaultBodyInspectionLimit is API Gateway's default WAF body inspection limit, 16 KB.
// AssociationConfig.RequestBody.API_GATEWAY.DefaultSizeInspectionLimit raises it to 32/48/64 KB.
const DefaultBodyInspectionLimit = 16384

// ACL is a compiled, immutable web ACL. It is safe for concurrent use.
type ACL struct {
	name, arn string
	labelNS   string
	def       action
	rules     []*rule
	bodyLimit int
	opts      Options
	hasRate   bool
}

// ARN returns the web ACL's ARN.
func (a *ACL) ARN() string { return a.arn }

// Name returns the web ACL's name.
func (a *ACL) Name() string { return a.name }

type ruleKind int

const (
	kindRegular ruleKind = iota
	kindRate
	kindGroup
	kindManaged
)

var ruleTypeNames = [...]string{"REGULAR", "RATE_BASED", "GROUP", "MANAGED_RULE_GROUP"}

type action struct {
	kind   string // ALLOW BLOCK COUNT CAPTCHA CHALLENGE
	resp   *CustomResponse
	insert [][2]string
}

type rule struct {
	name     string
	priority int64
	path     string
	kind     ruleKind
	stmt     matcher
	action   action
	labels   []string
	rate     *rateMatch

	// rule groups and managed rule groups
	groupID       string
	group         []*rule
	managed       ManagedEvaluator
	scopeDown     matcher
	overrideCount bool
	excluded      map[string]bool
	overrides     map[string]action
}

type jHeader struct{ Name, Value string }

type jCRH struct{ InsertHeaders []jHeader }

type jCustomResponse struct {
	ResponseCode          int
	CustomResponseBodyKey string
	ResponseHeaders       []jHeader
}

type jRuleAction struct {
	Allow     *struct{ CustomRequestHandling *jCRH }
	Block     *struct{ CustomResponse *jCustomResponse }
	Count     *struct{ CustomRequestHandling *jCRH }
	Captcha   *struct{ CustomRequestHandling *jCRH }
	Challenge *struct{ CustomRequestHandling *jCRH }
}

type jOverrideAction struct {
	None  *struct{}
	Count *struct{ CustomRequestHandling *jCRH }
}

type jBody struct{ ContentType, Content string }

type jLabel struct{ Name string }

type jRule struct {
	Name             string
	Priority         int64
	Statement        json.RawMessage
	Action           *jRuleAction
	OverrideAction   *jOverrideAction
	RuleLabels       []jLabel
	VisibilityConfig json.RawMessage
	CaptchaConfig    json.RawMessage
	ChallengeConfig  json.RawMessage
}

type jWebACL struct {
	Name, Id, ARN, Description           string
	DefaultAction                        *jRuleAction
	Rules                                []json.RawMessage
	VisibilityConfig                     json.RawMessage
	Capacity                             int64
	LabelNamespace                       string
	CustomResponseBodies                 map[string]jBody
	ManagedByFirewallManager             bool
	RetrofittedByFirewallManager         bool
	PreProcessFirewallManagerRuleGroups  json.RawMessage
	PostProcessFirewallManagerRuleGroups json.RawMessage
	CaptchaConfig, ChallengeConfig       json.RawMessage
	TokenDomains                         []string
	AssociationConfig                    *struct {
		RequestBody map[string]struct{ DefaultSizeInspectionLimit string }
	}
	DataProtectionConfig         json.RawMessage
	OnSourceDDoSProtectionConfig json.RawMessage
	ApplicationConfig            json.RawMessage
}

type jRuleGroup struct {
	Name, Id, ARN, Description string
	Capacity                   int64
	Rules                      []json.RawMessage
	VisibilityConfig           json.RawMessage
	LabelNamespace             string
	CustomResponseBodies       map[string]jBody
	AvailableLabels            json.RawMessage
	ConsumedLabels             json.RawMessage
}

type jIPSet struct {
	Name, Id, ARN, Description string
	IPAddressVersion           string
	Addresses                  []string
}

type jRegexPatternSet struct {
	Name, Id, ARN, Description string
	RegularExpressionList      []struct{ RegexString string }
}

// compiler carries what statement compilation needs.
type compiler struct {
	sets    Sets
	opts    Options
	bodies  map[string]jBody // of the entity being compiled (web ACL or rule group)
	ipSets  map[string]*ipSet
	regexes map[string][]*regexp.Regexp
	aclARN  string
	hasRate bool
}

// Compile compiles a web ACL. It is strict: unknown fields, unknown statement types, bad regexes
// and CIDRs, unknown set ARNs, unsupported text transformations and managed rule groups without
// a hook are errors naming the JSON path.
func Compile(webACL json.RawMessage, sets Sets) (*ACL, error) {
	return CompileWithOptions(webACL, sets, Options{})
}

// CompileWithOptions is Compile with Options.
func CompileWithOptions(webACL json.RawMessage, sets Sets, opts Options) (*ACL, error) {
	var w jWebACL
	if err := decodeStrict(unwrap(webACL, "WebACL"), &w, "WebACL"); err != nil {
		return nil, err
	}
	if opts.CountryHeader == "" {
		opts.CountryHeader = "CloudFront-Viewer-Country"
	}
	a := &ACL{name: w.Name, arn: w.ARN, bodyLimit: DefaultBodyInspectionLimit, opts: opts}
	a.labelNS = w.LabelNamespace
	if a.labelNS == "" {
		a.labelNS = fmt.Sprintf("awswaf:%s:webacl:%s:", arnAccount(w.ARN), w.Name)
	}
	if !strings.HasSuffix(a.labelNS, ":") {
		a.labelNS += ":"
	}
	if ac := w.AssociationConfig; ac != nil {
		for k, v := range ac.RequestBody {
			if k != "API_GATEWAY" {
				continue
			}
			switch v.DefaultSizeInspectionLimit {
			case "KB_16", "":
			case "KB_32":
				a.bodyLimit = 32 * 1024
			case "KB_48":
				a.bodyLimit = 48 * 1024
			case "KB_64":
				a.bodyLimit = 64 * 1024
			default:
				return nil, fmt.Errorf("WebACL.AssociationConfig.RequestBody.API_GATEWAY.DefaultSizeInspectionLimit: unknown value %q", v.DefaultSizeInspectionLimit)
			}
		}
	}
	c := &compiler{sets: sets, opts: opts, bodies: w.CustomResponseBodies, ipSets: map[string]*ipSet{}, regexes: map[string][]*regexp.Regexp{}, aclARN: w.ARN}
	if err := checkBodies(w.CustomResponseBodies, "WebACL.CustomResponseBodies"); err != nil {
		return nil, err
	}
	if w.DefaultAction == nil {
		return nil, fmt.Errorf("WebACL.DefaultAction: required")
	}
	def, err := c.action(w.DefaultAction, "WebACL.DefaultAction")
	if err != nil {
		return nil, err
	}
	if def.kind != "ALLOW" && def.kind != "BLOCK" {
		return nil, fmt.Errorf("WebACL.DefaultAction: must be Allow or Block, not %s", def.kind)
	}
	a.def = def
	a.rules, err = c.rules(w.Rules, "WebACL.Rules", a.labelNS, true)
	if err != nil {
		return nil, err
	}
	a.hasRate = c.hasRate
	return a, nil
}

func arnAccount(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) == 6 {
		return parts[4]
	}
	return ""
}

func checkBodies(b map[string]jBody, path string) error {
	for k, v := range b {
		if contentType(v.ContentType) == "" {
			return fmt.Errorf("%s.%s.ContentType: unknown value %q (TEXT_PLAIN, TEXT_HTML, APPLICATION_JSON)", path, k, v.ContentType)
		}
	}
	return nil
}

func contentType(t string) string {
	switch t {
	case "TEXT_PLAIN":
		return "text/plain"
	case "TEXT_HTML":
		return "text/html"
	case "APPLICATION_JSON":
		return "application/json"
	}
	return ""
}

func (c *compiler) crh(h *jCRH) [][2]string {
	if h == nil {
		return nil
	}
	out := make([][2]string, 0, len(h.InsertHeaders))
	for _, x := range h.InsertHeaders {
		out = append(out, [2]string{"x-amzn-waf-" + x.Name, x.Value})
	}
	return out
}

func (c *compiler) action(a *jRuleAction, path string) (action, error) {
	var out action
	n := 0
	if a.Allow != nil {
		n++
		out = action{kind: "ALLOW", insert: c.crh(a.Allow.CustomRequestHandling)}
	}
	if a.Count != nil {
		n++
		out = action{kind: "COUNT", insert: c.crh(a.Count.CustomRequestHandling)}
	}
	if a.Captcha != nil {
		n++
		out = action{kind: "CAPTCHA", insert: c.crh(a.Captcha.CustomRequestHandling),
			resp: &CustomResponse{StatusCode: 405, Headers: [][2]string{{"x-amzn-waf-action", "captcha"}}}}
	}
	if a.Challenge != nil {
		n++
		out = action{kind: "CHALLENGE", insert: c.crh(a.Challenge.CustomRequestHandling),
			resp: &CustomResponse{StatusCode: 202, Headers: [][2]string{{"x-amzn-waf-action", "challenge"}}}}
	}
	if a.Block != nil {
		n++
		out = action{kind: "BLOCK"}
		if cr := a.Block.CustomResponse; cr != nil {
			if cr.ResponseCode < 200 || cr.ResponseCode > 599 {
				return out, fmt.Errorf("%s.Block.CustomResponse.ResponseCode: %d is outside 200–599", path, cr.ResponseCode)
			}
			resp := &CustomResponse{StatusCode: cr.ResponseCode}
			for _, h := range cr.ResponseHeaders {
				resp.Headers = append(resp.Headers, [2]string{h.Name, h.Value})
			}
			if cr.CustomResponseBodyKey != "" {
				b, ok := c.bodies[cr.CustomResponseBodyKey]
				if !ok {
					return out, fmt.Errorf("%s.Block.CustomResponse.CustomResponseBodyKey: %q is not in CustomResponseBodies", path, cr.CustomResponseBodyKey)
				}
				resp.Body = []byte(b.Content)
				resp.ContentType = contentType(b.ContentType)
			}
			out.resp = resp
		}
	}
	if n != 1 {
		return out, fmt.Errorf("%s: exactly one of Allow, Block, Count, Captcha, Challenge is required", path)
	}
	return out, nil
}

// rules compiles a Rules array, sorted by Priority (unique within the array, as AWS requires).
func (c *compiler) rules(raws []json.RawMessage, path, labelNS string, top bool) ([]*rule, error) {
	out := make([]*rule, 0, len(raws))
	names := map[string]bool{}
	prios := map[int64]string{}
	for i, raw := range raws {
		p := fmt.Sprintf("%s[%d]", path, i)
		var jr jRule
		if err := decodeStrict(raw, &jr, p); err != nil {
			return nil, err
		}
		if jr.Name == "" {
			return nil, fmt.Errorf("%s.Name: required", p)
		}
		if names[jr.Name] {
			return nil, fmt.Errorf("%s.Name: rule name %q is used twice", p, jr.Name)
		}
		names[jr.Name] = true
		if other, dup := prios[jr.Priority]; dup {
			return nil, fmt.Errorf("%s.Priority: %d is also the priority of rule %q", p, jr.Priority, other)
		}
		prios[jr.Priority] = jr.Name
		r, err := c.rule(&jr, p, labelNS, top)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].priority < out[j].priority })
	return out, nil
}

func (c *compiler) rule(jr *jRule, p, labelNS string, top bool) (*rule, error) {
	r := &rule{name: jr.Name, priority: jr.Priority, path: p}
	for i, l := range jr.RuleLabels {
		if l.Name == "" || strings.HasPrefix(l.Name, "awswaf:") || strings.HasPrefix(l.Name, ":") || strings.HasSuffix(l.Name, ":") {
			return nil, fmt.Errorf("%s.RuleLabels[%d].Name: invalid label %q", p, i, l.Name)
		}
		r.labels = append(r.labels, labelNS+l.Name)
	}
	stmtKey, body, err := oneKey(jr.Statement, p+".Statement")
	if err != nil {
		return nil, err
	}
	sp := p + ".Statement." + stmtKey
	switch stmtKey {
	case "RuleGroupReferenceStatement", "ManagedRuleGroupStatement":
		if !top {
			return nil, fmt.Errorf("%s: a rule group cannot reference another rule group", sp)
		}
		if jr.Action != nil || jr.OverrideAction == nil {
			return nil, fmt.Errorf("%s.OverrideAction: a rule group reference takes OverrideAction (None or Count), not Action", p)
		}
		switch {
		case jr.OverrideAction.None != nil && jr.OverrideAction.Count == nil:
		case jr.OverrideAction.Count != nil && jr.OverrideAction.None == nil:
			r.overrideCount = true
		default:
			return nil, fmt.Errorf("%s.OverrideAction: exactly one of None or Count is required", p)
		}
		if stmtKey == "RuleGroupReferenceStatement" {
			return r, c.groupRef(r, body, sp)
		}
		return r, c.managedRef(r, body, sp)
	}
	if jr.OverrideAction != nil || jr.Action == nil {
		return nil, fmt.Errorf("%s.Action: required (OverrideAction is only for rule groups)", p)
	}
	if r.action, err = c.action(jr.Action, p+".Action"); err != nil {
		return nil, err
	}
	if stmtKey == "RateBasedStatement" {
		rm, err := c.rateStatement(body, sp, r.name)
		if err != nil {
			return nil, err
		}
		r.kind, r.stmt, r.rate = kindRate, rm, rm
		return r, nil
	}
	r.stmt, err = c.statementBody(stmtKey, body, sp)
	return r, err
}

type jExcluded struct{ Name string }

type jOverride struct {
	Name        string
	ActionToUse *jRuleAction
}

func (c *compiler) overridesFor(r *rule, excl []jExcluded, ovr []jOverride, path string) error {
	r.excluded = map[string]bool{}
	r.overrides = map[string]action{}
	for _, e := range excl {
		r.excluded[e.Name] = true
	}
	for i, o := range ovr {
		if o.ActionToUse == nil {
			return fmt.Errorf("%s.RuleActionOverrides[%d].ActionToUse: required", path, i)
		}
		a, err := c.action(o.ActionToUse, fmt.Sprintf("%s.RuleActionOverrides[%d].ActionToUse", path, i))
		if err != nil {
			return err
		}
		r.overrides[o.Name] = a
	}
	return nil
}

func (c *compiler) groupRef(r *rule, body json.RawMessage, path string) error {
	var s struct {
		ARN                 string
		ExcludedRules       []jExcluded
		RuleActionOverrides []jOverride
	}
	if err := decodeStrict(body, &s, path); err != nil {
		return err
	}
	raw, ok := c.sets.RuleGroups[s.ARN]
	if !ok {
		return fmt.Errorf("%s.ARN: rule group %q is not defined", path, s.ARN)
	}
	var g jRuleGroup
	if err := decodeStrict(unwrap(raw, "RuleGroup"), &g, "RuleGroup "+s.ARN); err != nil {
		return err
	}
	if err := checkBodies(g.CustomResponseBodies, "RuleGroup "+s.ARN+".CustomResponseBodies"); err != nil {
		return err
	}
	ns := g.LabelNamespace
	if ns == "" {
		ns = fmt.Sprintf("awswaf:%s:rulegroup:%s:", arnAccount(g.ARN), g.Name)
	}
	if !strings.HasSuffix(ns, ":") {
		ns += ":"
	}
	saved := c.bodies
	c.bodies = g.CustomResponseBodies
	rules, err := c.rules(g.Rules, "RuleGroup "+s.ARN+".Rules", ns, false)
	c.bodies = saved
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	r.kind, r.group, r.groupID = kindGroup, rules, s.ARN
	if err := c.overridesFor(r, s.ExcludedRules, s.RuleActionOverrides, path); err != nil {
		return err
	}
	known := map[string]bool{}
	for _, gr := range rules {
		known[gr.name] = true
	}
	for n := range r.excluded {
		if !known[n] {
			return fmt.Errorf("%s.ExcludedRules: rule group has no rule %q", path, n)
		}
	}
	for n := range r.overrides {
		if !known[n] {
			return fmt.Errorf("%s.RuleActionOverrides: rule group has no rule %q", path, n)
		}
	}
	return nil
}

func (c *compiler) managedRef(r *rule, body json.RawMessage, path string) error {
	var s struct {
		VendorName, Name, Version string
		ExcludedRules             []jExcluded
		ScopeDownStatement        json.RawMessage
		ManagedRuleGroupConfigs   json.RawMessage
		RuleActionOverrides       []jOverride
	}
	if err := decodeStrict(body, &s, path); err != nil {
		return err
	}
	if c.opts.Managed == nil {
		return fmt.Errorf("%s: managed rule group %s is not supported", path, s.Name)
	}
	ev, err := c.opts.Managed.CompileManaged(s.VendorName, s.Name, s.Version, s.ManagedRuleGroupConfigs)
	if err != nil {
		return fmt.Errorf("%s: managed rule group %s: %w", path, s.Name, err)
	}
	if s.ScopeDownStatement != nil {
		if r.scopeDown, err = c.statement(s.ScopeDownStatement, path+".ScopeDownStatement"); err != nil {
			return err
		}
	}
	r.kind, r.managed, r.groupID = kindManaged, ev, s.VendorName+"#"+s.Name
	return c.overridesFor(r, s.ExcludedRules, s.RuleActionOverrides, path)
}

// oneKey decodes an object that must have exactly one member (a Statement or FieldToMatch).
func oneKey(raw json.RawMessage, path string) (string, json.RawMessage, error) {
	if len(raw) == 0 {
		return "", nil, fmt.Errorf("%s: required", path)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return "", nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(m) != 1 {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return "", nil, fmt.Errorf("%s: exactly one member is required, got %d %v", path, len(m), keys)
	}
	for k, v := range m {
		return k, v, nil
	}
	panic("unreachable")
}

func (c *compiler) statement(raw json.RawMessage, path string) (matcher, error) {
	k, body, err := oneKey(raw, path)
	if err != nil {
		return nil, err
	}
	return c.statementBody(k, body, path+"."+k)
}

func (c *compiler) searchString(s, b64 string, path string) (string, error) {
	switch {
	case s != "" && b64 != "":
		return "", fmt.Errorf("%s: SearchString and SearchStringBase64 are mutually exclusive", path)
	case b64 != "":
		d, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			return "", fmt.Errorf("%s.SearchStringBase64: %w", path, err)
		}
		return string(d), nil
	case c.opts.SearchStringBase64:
		d, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return "", fmt.Errorf("%s.SearchString: not base64: %w", path, err)
		}
		return string(d), nil
	case s == "":
		return "", fmt.Errorf("%s.SearchString: required", path)
	}
	return s, nil
}

func windowOf(sec int64, path string) (time.Duration, int64, error) {
	switch sec {
	case 0:
		return 300 * time.Second, 300, nil
	case 60, 120, 300, 600:
		return time.Duration(sec) * time.Second, sec, nil
	}
	return 0, 0, fmt.Errorf("%s.EvaluationWindowSec: %d is not one of 60, 120, 300, 600", path, sec)
}
