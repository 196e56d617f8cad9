// Package domain routes a request that arrives on a custom domain name to a REST API stage: API
// mappings (v1 base path mappings, facts §8.1) and routing rules (facts §8.2). Compile validates
// and indexes a domain once; Route is pure, does no I/O and is safe for concurrent use.
//
// Behaviour reproduced:
//
//   - API mappings: "API Gateway routes requests to the API mapping that has the longest matching
//     path. API Gateway considers only the paths configured for API mappings, and not API routes
//     … If no path matches the request, API Gateway sends the request to the API that you've
//     mapped to the empty path (none)" (facts §8.1). A base path matches whole path segments,
//     case-sensitively: "/orders/v1/items/123" matches "orders/v1/items", "/ordersX" does not match
//     "orders". The API sees the rest of the path ("/123"; "/" when nothing is left). With no
//     match and no "(none)" mapping there is no match: the gateway answers
//     custom-domain-no-mapping (403 Forbidden, facts §11 step 2).
//   - A v1 base path mapping without a stage ("(none)" or empty) makes the caller name the stage
//     after the base path (botocore CreateBasePathMapping "stage": "Specify '(none)' if you want
//     callers to explicitly specify the stage name after any base path name"); Route then takes
//     the stage from the first remaining segment.
//   - Routing rules (facts §8.2, rest-api-routing-rules.html): evaluated "from the lowest value
//     to the highest value" of priority, first match wins, a rule without conditions is a
//     catch-all; all conditions of a rule must hold (up to two matchHeaders conditions and one
//     matchBasePaths condition, AND between them); inside one condition AnyOf. Header names match
//     case-insensitively, header glob values case-sensitively against each header line as a
//     whole ("Accept: application/json,text/xml" on one line does not match "*json"), with "*"
//     only as "*suffix", "prefix*", "*contains*" or "*". A base path condition matches like an API
//     mapping; StripBasePath removes it from the path the API sees, otherwise the API sees the
//     whole request path.
//   - Routing modes: API_MAPPING_ONLY (the default; v1 BASE_PATH_MAPPING_ONLY) ignores rules,
//     ROUTING_RULE_ONLY ignores mappings, ROUTING_RULE_THEN_API_MAPPING (v1
//     ROUTING_RULE_THEN_BASE_PATH_MAPPING) falls back to mappings when no rule matches.
//   - $context.customDomain.basePathMatched and $context.customDomain.routingRuleIdMatched: "API
//     Gateway only populates the context variable for the routing mechanism it used, otherwise
//     the context variable is -" (rest-api-routing-rules-troubleshooting). So a rule match leaves
//     BasePathMatched empty and a mapping match leaves RoutingRuleID empty.
//
// Base paths are compared segment by segment after percent-decoding each request segment (as the
// route package compares literal segments); a segment that decodes to something containing "/"
// is compared as written.
package domain

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
)

// Routing modes (facts §8.2). The v1 (apigateway) names are accepted as aliases by Compile and
// normalised to these apigatewayv2 names.
const (
	ModeAPIMappingOnly            = "API_MAPPING_ONLY"
	ModeRoutingRuleOnly           = "ROUTING_RULE_ONLY"
	ModeRoutingRuleThenAPIMapping = "ROUTING_RULE_THEN_API_MAPPING"
)

// EmptyBasePath is how AWS writes the empty base path of an API mapping (facts §8.1). It is also
// what Match.BasePathMatched holds when the empty mapping was used [UNCONFIRMED: the value AWS
// logs for $context.customDomain.basePathMatched on the empty mapping is not in the sources].
const EmptyBasePath = "(none)"

// ErrInvalid is wrapped by every validation error Compile returns.
var ErrInvalid = errors.New("invalid custom domain routing")

// Mapping is one API mapping (a v1 base path mapping or an apigatewayv2 API mapping).
type Mapping struct {
	// BasePath is "(none)" or "" for the empty path, else e.g. "v1" or "orders/v1/items"
	// (multi-level).
	BasePath  string
	RestAPIID string
	// Stage is the mapped stage; "" or "(none)" makes callers name the stage in the path.
	Stage string
}

// MultiLevel reports whether the mapping's base path has more than one segment. AWS requires a
// Regional domain with a TLS 1.2 security policy for these (facts §8.1); Compile cannot check that
// because it does not see the domain's endpoint type, so the config layer should.
func (m Mapping) MultiLevel() bool { return strings.Contains(m.BasePath, "/") }

// HeaderMatch is the apigatewayv2 RoutingRuleMatchHeaderValue shape.
type HeaderMatch struct {
	Header    string // case-insensitive header name
	ValueGlob string // case-sensitive glob over one whole header line
}

// MatchHeaders is the apigatewayv2 RoutingRuleMatchHeaders shape.
type MatchHeaders struct{ AnyOf []HeaderMatch }

// MatchBasePaths is the apigatewayv2 RoutingRuleMatchBasePaths shape.
type MatchBasePaths struct{ AnyOf []string }

// Condition is the apigatewayv2 RoutingRuleCondition shape: either or both fields may be set; all
// set fields must match.
type Condition struct {
	MatchHeaders   *MatchHeaders
	MatchBasePaths *MatchBasePaths
}

// Rule is one routing rule (apigatewayv2 RoutingRule with its single InvokeApi action flattened).
type Rule struct {
	ID         string // RoutingRuleId; $context.customDomain.routingRuleIdMatched
	Priority   int    // 1–1,000,000, unique in the domain
	Conditions []Condition
	// The InvokeApi action.
	APIID         string
	Stage         string
	StripBasePath bool
}

// Match is the outcome of routing one request.
type Match struct {
	OK        bool
	RestAPIID string
	Stage     string
	// StageFromPath is set when a stage-less v1 mapping matched: Stage is then the first segment
	// after the base path ("" when there is none) and Path the rest.
	StageFromPath bool
	// BasePathMatched is $context.customDomain.basePathMatched: the matched mapping's base path
	// ("(none)" for the empty mapping); empty when a routing rule matched.
	BasePathMatched string
	// RoutingRuleID is $context.customDomain.routingRuleIdMatched; empty when a mapping matched.
	RoutingRuleID string
	// Path is the (raw) path the API sees, always starting with "/".
	Path string
	// Detail says which mapping or rule matched, or why none did, for the decision record.
	Detail string
}

// Domain is a compiled custom domain. The zero value is not usable; build one with Compile.
type Domain struct {
	name     string
	mode     string
	mappings map[string]*Mapping // by base path ("" for the empty mapping)
	maxDepth int                 // most segments in any mapping's base path
	rules    []compiledRule      // sorted by priority
	warnings []string
}

// Name returns the domain name given to Compile.
func (d *Domain) Name() string { return d.name }

// Mode returns the normalised routing mode.
func (d *Domain) Mode() string { return d.mode }

// Warnings lists configuration that compiles but has no effect (mappings under
// ROUTING_RULE_ONLY, rules under API_MAPPING_ONLY), for `portcullis check`.
func (d *Domain) Warnings() []string { return append([]string(nil), d.warnings...) }

// Route picks the API and stage for a request path (raw, as received) and its headers.
func (d *Domain) Route(path string, header http.Header) Match {
	path = normPath(path)
	segs := splitSegments(path)
	var ruleDetail string
	if d.mode != ModeAPIMappingOnly {
		m, ok := d.routeRules(path, segs, header)
		if ok {
			return m
		}
		ruleDetail = m.Detail
		if d.mode == ModeRoutingRuleOnly {
			return Match{Detail: ruleDetail + "; routing mode ROUTING_RULE_ONLY does not fall back to API mappings"}
		}
	}
	m := d.routeMappings(path, segs)
	if ruleDetail != "" {
		m.Detail = ruleDetail + "; then " + m.Detail
	}
	return m
}

// StageInPath reports whether the path the API sees repeats the stage the mapping already
// selects: it is "/{stage}" or starts with "/{stage}/". The gateway uses it to explain
// custom-domain-stage-in-path (seed row 16, "Invoking an API with custom domain enabled when the
// domain URL includes the stage": the API mapping selects the stage, so the URL must not name it).
func StageInPath(m Match) bool {
	if !m.OK || m.StageFromPath || m.Stage == "" {
		return false
	}
	rest, ok := strings.CutPrefix(m.Path, "/")
	if !ok {
		return false
	}
	first, _, _ := strings.Cut(rest, "/")
	return first == m.Stage || decodeSegment(first) == m.Stage
}

// Reserved reports whether path is one of the paths API Gateway keeps for its health check on
// custom domains: "The /ping and /sping paths are reserved for the service health check. Use of
// these for API root-level resources with custom domains will fail to produce the expected
// result." (facts §8.1, known issues). A trailing slash is ignored.
func Reserved(path string) bool {
	p := strings.TrimSuffix(path, "/")
	return p == "/ping" || p == "/sping"
}

// normPath makes path start with "/" ("" is "/").
func normPath(path string) string {
	if !strings.HasPrefix(path, "/") {
		return "/" + path
	}
	return path
}

// segment is one request path segment: its raw form and the form base paths are compared with.
type segment struct {
	end int    // index in the path just past the segment
	key string // decoded segment (raw when decoding fails or yields "/")
}

// splitSegments splits a path that starts with "/" into its segments.
func splitSegments(path string) []segment {
	var segs []segment
	start := 1
	for start <= len(path) {
		i := strings.IndexByte(path[start:], '/')
		end := len(path)
		if i >= 0 {
			end = start + i
		}
		segs = append(segs, segment{end: end, key: decodeSegment(path[start:end])})
		if i < 0 {
			break
		}
		start = end + 1
	}
	return segs
}

func decodeSegment(s string) string {
	if !strings.ContainsRune(s, '%') {
		return s
	}
	d, err := url.PathUnescape(s)
	if err != nil || strings.Contains(d, "/") {
		return s
	}
	return d
}

// prefixKey joins the keys of the first n segments with "/".
func prefixKey(segs []segment, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte('/')
		}
		b.WriteString(segs[i].key)
	}
	return b.String()
}

// rest returns what the API sees after the first n segments: "/" when nothing is left.
func rest(path string, segs []segment, n int) string {
	if n == 0 {
		return path
	}
	r := path[segs[n-1].end:]
	if r == "" {
		return "/"
	}
	return r
}

// matchBasePath reports whether the base path (split into segments) matches the request's first
// segments.
func matchBasePath(base []string, segs []segment) bool {
	if len(base) > len(segs) {
		return false
	}
	for i, b := range base {
		if segs[i].key != b {
			return false
		}
	}
	return true
}
