// Package waf reproduces AWS WAFv2 web ACL evaluation for API Gateway stages (DESIGN.md §2 step 3;
// facts file §1 WAF_FILTERED and §11 step 3). A web ACL, as `aws wafv2 get-web-acl` prints it
// (PascalCase JSON, with or without the {"WebACL": …, "LockToken": …} wrapper), is compiled once
// by Compile into an immutable *ACL; Evaluate then runs the rules in ascending Priority:
//
//   - the first terminating action (Allow, Block, Captcha, Challenge) ends evaluation;
//   - Count records a non-terminating match and continues;
//   - RuleLabels are added whenever a rule matches, whatever its action, and later rules see
//     them through LabelMatchStatement;
//   - rule groups (RuleGroupReferenceStatement) run their own rules with ExcludedRules,
//     RuleActionOverrides and the web ACL rule's OverrideAction (None or Count);
//   - when no rule terminates, DefaultAction (Allow, or Block with a CustomResponse) applies.
//
// Captcha and Challenge: API clients cannot solve them. AWS WAF answers a request with a missing
// token with HTTP 405 (CAPTCHA) or 202 (CHALLENGE) and the header x-amzn-waf-action: captcha |
// challenge (AWS WAF Developer Guide, "CAPTCHA and Challenge action behavior"); Result carries
// that as its CustomResponse. Portcullis never holds a valid token, so both always terminate.
//
// A Block result without a CustomResponse is API Gateway's WAF_FILTERED gateway response (403,
// {"message":"Forbidden"}, ForbiddenException; facts §1.1); a WAF custom response takes precedence
// over gateway responses (facts §1.2 item 4). Mapping Result to HTTP is the caller's job.
package waf

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// Sets holds the objects a web ACL refers to, keyed by ARN, each as the raw PascalCase JSON that
// `aws wafv2 get-ip-set` / `get-regex-pattern-set` / `get-rule-group` print.
type Sets struct {
	IPSets           map[string]json.RawMessage
	RegexPatternSets map[string]json.RawMessage
	RuleGroups       map[string]json.RawMessage
}

// Options tunes Compile. The zero value is what API Gateway does.
type Options struct {
	// SearchStringBase64 makes ByteMatchStatement.SearchString base64, as the WAFv2 API and
	// `aws wafv2 get-web-acl` print it (a blob). By default SearchString is plain text, as in
	// CloudFormation; SearchStringBase64 is always base64.
	SearchStringBase64 bool
	// CountryHeader names the request header that GeoMatchStatement reads the client's ISO
	// country code from (there is no geolocation database here). Default
	// "CloudFront-Viewer-Country". Country, when set, takes precedence.
	CountryHeader string
	// Country resolves an IP address to an ISO 3166 alpha-2 code (e.g. a MaxMind reader). It is
	// used for GeoMatchStatement with ForwardedIPConfig, and for the client IP when the country
	// header is absent.
	Country func(ip string) (string, bool)
	// Managed compiles ManagedRuleGroupStatement. Nil: every managed rule group is a Compile
	// error ("managed rule group AWSManagedRulesXYZ is not supported").
	Managed ManagedRuleGroups
}

// ManagedRuleGroups is the hook for managed rule groups (e.g. AWSManagedRulesCommonRuleSet mapped
// to the OWASP CRS). Compile calls it once per statement; the returned evaluator is pure.
type ManagedRuleGroups interface {
	CompileManaged(vendor, name, version string, configs json.RawMessage) (ManagedEvaluator, error)
}

// ManagedEvaluator evaluates a managed rule group's rules, in their order, and returns each rule
// that matched with its default action ("BLOCK", "COUNT", "ALLOW", "CAPTCHA", "CHALLENGE") and
// its fully qualified labels. Overrides and OverrideAction are applied by this package.
type ManagedEvaluator interface {
	Evaluate(r *Request) []ManagedRuleMatch
}

// ManagedRuleMatch is one matching rule of a managed rule group.
type ManagedRuleMatch struct {
	RuleName string
	Action   string
	Labels   []string
}

// Request is what WAF inspects. URIPath is the path as the client sent it (with the stage, not
// decoded); RawQuery is without '?'. SourceIP is the TCP peer (the IP aggregate and
// IPSetReferenceStatement without forwarded config use it).
type Request struct {
	Method   string
	URIPath  string
	RawQuery string
	Header   http.Header
	Body     []byte
	SourceIP string
	Now      time.Time
}

// CustomResponse is a Block action's CustomResponse (with its body resolved from
// CustomResponseBodies), or the CAPTCHA/CHALLENGE answer.
type CustomResponse struct {
	StatusCode  int
	Headers     [][2]string
	Body        []byte
	ContentType string // "text/plain", "text/html", "application/json" or ""
}

// RuleMatch is one matching rule, as in the WAF log's nonTerminatingMatchingRules.
type RuleMatch struct {
	RuleID string
	Action string
	Match  *MatchDetail
}

// RuleGroupEntry is one element of the WAF log's ruleGroupList.
type RuleGroupEntry struct {
	RuleGroupID                 string
	TerminatingRule             *RuleMatch
	NonTerminatingMatchingRules []RuleMatch
	ExcludedRules               []string
}

// RateBasedEntry is one element of the WAF log's rateBasedRuleList.
type RateBasedEntry struct {
	RuleName            string
	LimitKey            string
	MaxRateAllowed      int64
	EvaluationWindowSec int64
	LimitValue          string
	Count               int64
}

// MatchDetail says why a statement matched, for the decision record.
type MatchDetail struct {
	StatementPath string // JSON path, e.g. Rules[2].Statement.AndStatement.Statements[0].ByteMatchStatement
	Statement     string // ByteMatchStatement, IPSetReferenceStatement, …
	FieldToMatch  string // e.g. SingleHeader{user-agent}; empty for IP, geo, label, rate statements
	Value         string // the transformed value that matched, at most 200 bytes
	Oversize      bool   // the match came from OversizeHandling MATCH
	Pattern       string // the search string, regex, set ARN, CIDR, label or country that matched
}

// Result is the outcome of one evaluation.
type Result struct {
	WebACLArn             string
	Action                string // ALLOW, BLOCK, CAPTCHA or CHALLENGE
	TerminatingRuleID     string // rule name, or "Default_Action"
	TerminatingRuleType   string // REGULAR, RATE_BASED, GROUP, MANAGED_RULE_GROUP
	RuleGroupList         []RuleGroupEntry
	RateBasedRuleList     []RateBasedEntry
	Labels                []string
	NonTerminatingMatches []RuleMatch
	CustomResponse        *CustomResponse
	// InsertedHeaders are CustomRequestHandling headers of Allow/Count/Captcha/Challenge rules that
	// matched, already prefixed with "x-amzn-waf-" as AWS inserts them.
	InsertedHeaders [][2]string
	Match           *MatchDetail
}

// Blocked reports whether the request must not reach the integration.
func (r Result) Blocked() bool { return r.Action != "ALLOW" }

// decodeStrict decodes raw into v rejecting unknown fields and trailing data; errors name path.
func decodeStrict(raw json.RawMessage, v any, path string) error {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if d.More() {
		return fmt.Errorf("%s: trailing data after the object", path)
	}
	return nil
}

// unwrap removes the {"WebACL": {…}, "LockToken": "…"} wrapper the CLI prints.
func unwrap(raw json.RawMessage, key string) json.RawMessage {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return raw
	}
	inner, ok := m[key]
	if !ok {
		return raw
	}
	_, lock := m["LockToken"]
	if len(m) == 1 || len(m) == 2 && lock {
		return inner
	}
	return raw
}
