package domain

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Limits and restrictions Compile enforces (facts §8.1, §8.2; rest-api-routing-rules.html
// "Restrictions"; the apigatewayv2 RoutingRule shapes).
const (
	MaxMappings            = 200     // API mappings per domain (facts §8.1, 2025 limits)
	MaxMappingBasePathLen  = 300     // "the path is at most 300 characters" (facts §8.1)
	MaxRules               = 50      // routing rules per domain (facts §8.2)
	MinPriority            = 1       // "You can set the priority from 1-1,000,000"
	MaxPriority            = 1000000 //
	MaxHeaderConditions    = 2       // "up to two matchHeaders conditions"
	MaxBasePathConditions  = 1       // "and one matchBasePaths conditions"
	MaxHeaderNameLen       = 39      // "The header name must be less than 40 characters"
	MaxHeaderGlobLen       = 127     // "The header glob value must be less than 128 characters"
	MaxInfixGlobLen        = 40      // infix globs: docs say "less than 40"; the CDK observed 40 accepted, 41 rejected
	MaxRuleBasePathLen     = 127     // "The base path length must be less than 128 characters"
	MaxStageNameLen        = 128     // InvokeApi.Stage "A string with a length between [1-128]"
	routingRulesDocSection = "rest-api-routing-rules.html#rest-api-routing-rules-restrictions"
)

// Header names AWS does not accept in routing rule conditions (rest-api-routing-rules.html
// "Restrictions"), lower-case; and the prefixes.
var (
	restrictedHeaders = map[string]bool{
		"authorization": true, "connection": true, "content-encoding": true, "content-length": true,
		"content-location": true, "forwarded": true, "keep-alive": true, "origin": true,
		"proxy-authenticate": true, "proxy-authorization": true, "te": true, "trailers": true,
		"transfer-encoding": true, "upgrade": true, "x-apigw-api-id": true, "x-forwarded-for": true,
		"x-forwarded-host": true, "x-forwarded-proto": true, "x-restapi": true, "via": true,
	}
	restrictedHeaderPrefixes = []string{"access-control-", "apigw-", "x-amz-", "x-amzn-"}
)

// NormalizeMode maps a routing mode, in its apigatewayv2 or v1 spelling, to the apigatewayv2
// name; "" is the default API_MAPPING_ONLY (facts §8.2).
func NormalizeMode(mode string) (string, error) {
	switch mode {
	case "", ModeAPIMappingOnly, "BASE_PATH_MAPPING_ONLY":
		return ModeAPIMappingOnly, nil
	case ModeRoutingRuleOnly:
		return ModeRoutingRuleOnly, nil
	case ModeRoutingRuleThenAPIMapping, "ROUTING_RULE_THEN_BASE_PATH_MAPPING":
		return ModeRoutingRuleThenAPIMapping, nil
	}
	return "", fmt.Errorf("%w: routing mode %q is not one of API_MAPPING_ONLY (BASE_PATH_MAPPING_ONLY), ROUTING_RULE_ONLY, ROUTING_RULE_THEN_API_MAPPING (ROUTING_RULE_THEN_BASE_PATH_MAPPING)", ErrInvalid, mode)
}

// Compile validates a custom domain's routing configuration and indexes it. Every problem is
// reported (joined); each wraps ErrInvalid and names the domain and the offending entry.
func Compile(name, mode string, mappings []Mapping, rules []Rule) (*Domain, error) {
	d := &Domain{name: name, mappings: make(map[string]*Mapping, len(mappings))}
	var errs []error
	fail := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: domain %s: %s", ErrInvalid, name, fmt.Sprintf(format, args...)))
	}
	if name == "" {
		fail("the domain name is empty")
	}
	m, err := NormalizeMode(mode)
	if err != nil {
		errs = append(errs, fmt.Errorf("domain %s: %w", name, err))
	}
	d.mode = m

	if len(mappings) > MaxMappings {
		fail("%d API mappings; at most %d are allowed per domain", len(mappings), MaxMappings)
	}
	for i, mp := range mappings {
		where := fmt.Sprintf("apiMappings[%d] (base path %q)", i, mp.BasePath)
		bp := mp.BasePath
		if bp == EmptyBasePath {
			bp = ""
		}
		if msg := checkBasePath(bp, MaxMappingBasePathLen); msg != "" {
			fail("%s: %s", where, msg)
			continue
		}
		if mp.RestAPIID == "" {
			fail("%s: restApiId is empty", where)
		}
		stage := mp.Stage
		if stage == EmptyBasePath {
			stage = ""
		}
		if _, dup := d.mappings[bp]; dup {
			fail("%s: Base path already exists for this domain name", where)
			continue
		}
		c := Mapping{BasePath: bp, RestAPIID: mp.RestAPIID, Stage: stage}
		if bp == "" {
			c.BasePath = EmptyBasePath
		}
		d.mappings[bp] = &c
		if bp != "" {
			d.maxDepth = max(d.maxDepth, strings.Count(bp, "/")+1)
		}
	}

	if len(rules) > MaxRules {
		fail("%d routing rules; at most %d are allowed per domain", len(rules), MaxRules)
	}
	priorities := map[int]int{}
	ids := map[string]int{}
	for i, r := range rules {
		where := fmt.Sprintf("routingRules[%d] (priority %d)", i, r.Priority)
		cr, msgs := compileRule(r)
		for _, msg := range msgs {
			fail("%s: %s", where, msg)
		}
		if j, dup := priorities[r.Priority]; dup {
			fail("%s: routingRules[%d] has the same priority; rules can't have the same priority", where, j)
		} else {
			priorities[r.Priority] = i
		}
		if r.ID != "" {
			if j, dup := ids[r.ID]; dup {
				fail("%s: routingRules[%d] has the same id %q", where, j, r.ID)
			} else {
				ids[r.ID] = i
			}
		}
		if len(msgs) == 0 {
			d.rules = append(d.rules, cr)
		}
	}
	sort.SliceStable(d.rules, func(a, b int) bool { return d.rules[a].Priority < d.rules[b].Priority })

	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	switch d.mode {
	case ModeAPIMappingOnly:
		if len(rules) > 0 {
			d.warnings = append(d.warnings, fmt.Sprintf("domain %s: %d routing rules are ignored in routing mode API_MAPPING_ONLY", name, len(rules)))
		}
		if len(mappings) == 0 {
			d.warnings = append(d.warnings, fmt.Sprintf("domain %s: no API mappings; every request is answered 403 Forbidden", name))
		}
	case ModeRoutingRuleOnly:
		if len(mappings) > 0 {
			d.warnings = append(d.warnings, fmt.Sprintf("domain %s: %d API mappings are ignored in routing mode ROUTING_RULE_ONLY", name, len(mappings)))
		}
		if len(rules) == 0 {
			d.warnings = append(d.warnings, fmt.Sprintf("domain %s: no routing rules; every request is answered 403 Forbidden", name))
		}
	case ModeRoutingRuleThenAPIMapping:
		if len(rules) == 0 && len(mappings) == 0 {
			d.warnings = append(d.warnings, fmt.Sprintf("domain %s: no routing rules and no API mappings; every request is answered 403 Forbidden", name))
		}
	}
	return d, nil
}

// checkBasePath validates a non-empty base path: AWS's characters "$-_.+!*'()/" besides letters
// and digits (facts §8.1), the length limit, and no empty segment (a leading, trailing or doubled
// "/"), which no request path could address. It returns "" when the path is valid.
func checkBasePath(bp string, maxLen int) string {
	if bp == "" {
		return ""
	}
	if len(bp) > maxLen {
		return fmt.Sprintf("the base path is %d characters; at most %d are allowed", len(bp), maxLen)
	}
	for _, c := range bp {
		if !isBasePathChar(c) {
			return fmt.Sprintf("the base path contains %q; only letters, digits and $-_.+!*'()/ are allowed", c)
		}
	}
	if strings.HasPrefix(bp, "/") || strings.HasSuffix(bp, "/") || strings.Contains(bp, "//") {
		return "the base path has an empty segment (a leading, trailing or doubled \"/\")"
	}
	return ""
}

func isBasePathChar(c rune) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("$-_.+!*'()/", c)
}

// isTokenChar reports the characters AWS allows in routing-rule header names and glob values:
// "a-z, A-Z, 0-9, and the following special characters: *?-!#$%&'.^_`|~".
func isTokenChar(c rune) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("*?-!#$%&'.^_`|~", c)
}

func compileRule(r Rule) (compiledRule, []string) {
	cr := compiledRule{Rule: r}
	var msgs []string
	if r.Priority < MinPriority || r.Priority > MaxPriority {
		msgs = append(msgs, fmt.Sprintf("priority must be between %d and %d", MinPriority, MaxPriority))
	}
	if r.APIID == "" {
		msgs = append(msgs, "the InvokeApi action has no apiId")
	}
	if l := len(r.Stage); l < 1 || l > MaxStageNameLen {
		msgs = append(msgs, fmt.Sprintf("the InvokeApi action's stage must be 1 to %d characters", MaxStageNameLen))
	}
	nh, nb := 0, 0
	for i, c := range r.Conditions {
		where := fmt.Sprintf("conditions[%d]", i)
		if c.MatchHeaders == nil && c.MatchBasePaths == nil {
			msgs = append(msgs, where+": the condition has neither matchHeaders nor matchBasePaths")
		}
		if mh := c.MatchHeaders; mh != nil {
			nh++
			if len(mh.AnyOf) != 1 {
				msgs = append(msgs, fmt.Sprintf("%s.matchHeaders.anyOf has %d entries; each anyOf condition can only contain one header value", where, len(mh.AnyOf)))
			}
			var alts []headerAlt
			for j, hm := range mh.AnyOf {
				w := fmt.Sprintf("%s.matchHeaders.anyOf[%d]", where, j)
				if msg := checkHeaderName(hm.Header); msg != "" {
					msgs = append(msgs, w+".header: "+msg)
				}
				if msg := checkGlob(hm.ValueGlob); msg != "" {
					msgs = append(msgs, w+".valueGlob: "+msg)
				}
				alts = append(alts, headerAlt{name: hm.Header, glob: compileGlob(hm.ValueGlob), src: hm.ValueGlob})
			}
			cr.headerConds = append(cr.headerConds, alts)
		}
		if mb := c.MatchBasePaths; mb != nil {
			nb++
			cr.hasBasePath = true
			if len(mb.AnyOf) != 1 {
				msgs = append(msgs, fmt.Sprintf("%s.matchBasePaths.anyOf has %d entries; a base path condition can be created for only one base path", where, len(mb.AnyOf)))
			}
			for j, bp := range mb.AnyOf {
				if bp == "" {
					msgs = append(msgs, fmt.Sprintf("%s.matchBasePaths.anyOf[%d]: the base path is empty", where, j))
					continue
				}
				if msg := checkBasePath(bp, MaxRuleBasePathLen); msg != "" {
					msgs = append(msgs, fmt.Sprintf("%s.matchBasePaths.anyOf[%d]: %s", where, j, msg))
					continue
				}
				cr.basePaths = append(cr.basePaths, strings.Split(bp, "/"))
			}
		}
	}
	if nh > MaxHeaderConditions {
		msgs = append(msgs, fmt.Sprintf("%d matchHeaders conditions; at most %d are allowed", nh, MaxHeaderConditions))
	}
	if nb > MaxBasePathConditions {
		msgs = append(msgs, fmt.Sprintf("%d matchBasePaths conditions; at most %d is allowed", nb, MaxBasePathConditions))
	}
	return cr, msgs
}

func checkHeaderName(h string) string {
	if h == "" {
		return "the header name is empty"
	}
	if len(h) > MaxHeaderNameLen {
		return fmt.Sprintf("the header name must be less than %d characters", MaxHeaderNameLen+1)
	}
	for _, c := range h {
		if !isTokenChar(c) {
			return fmt.Sprintf("the header name contains %q; only letters, digits and *?-!#$%%&'.^_`|~ are allowed", c)
		}
	}
	lower := strings.ToLower(h)
	if restrictedHeaders[lower] {
		return fmt.Sprintf("%s is not supported as a routing rule condition (%s)", h, routingRulesDocSection)
	}
	for _, p := range restrictedHeaderPrefixes {
		if strings.HasPrefix(lower, p) {
			return fmt.Sprintf("%s* headers are not supported as routing rule conditions (%s)", p, routingRulesDocSection)
		}
	}
	return ""
}

// checkGlob validates a header value glob: characters, length, and "*" only as "*suffix",
// "prefix*", "*contains*" or "*" ("You can't use * in the middle of a header glob value").
func checkGlob(g string) string {
	if g == "" {
		return "the header glob value is empty"
	}
	if len(g) > MaxHeaderGlobLen {
		return fmt.Sprintf("the header glob value must be less than %d characters", MaxHeaderGlobLen+1)
	}
	for _, c := range g {
		if !isTokenChar(c) {
			return fmt.Sprintf("the header glob value contains %q; only letters, digits and *?-!#$%%&'.^_`|~ are allowed", c)
		}
	}
	if g == "*" {
		return ""
	}
	inner := strings.TrimSuffix(strings.TrimPrefix(g, "*"), "*")
	if strings.Contains(inner, "*") || inner == "" {
		return "a wildcard must be *prefix-match, suffix-match* or *contains*; it can't be used in the middle of a header glob value"
	}
	if strings.HasPrefix(g, "*") && strings.HasSuffix(g, "*") && len(g) > MaxInfixGlobLen {
		return fmt.Sprintf("the header glob value for an infix match must be at most %d characters", MaxInfixGlobLen)
	}
	return ""
}

// sortBasePaths orders base paths longest first, then alphabetically.
func sortBasePaths(bps []string) {
	sort.Slice(bps, func(i, j int) bool {
		if len(bps[i]) != len(bps[j]) {
			return len(bps[i]) > len(bps[j])
		}
		return bps[i] < bps[j]
	})
}
