package domain

import (
	"fmt"
	"net/http"
	"strings"
)

// glob is a compiled header value glob (facts §8.2; rest-api-routing-rules.html "Using wildcards
// with header conditions": "*prefix-match", "suffix-match*", "*contains*", or "*" alone; "*" is the
// only wildcard, "?" is literal).
type glob struct {
	lit               string
	leading, trailing bool // a "*" at the start / end
}

func compileGlob(s string) glob {
	g := glob{lit: s}
	if s == "*" {
		return glob{leading: true}
	}
	if strings.HasPrefix(g.lit, "*") {
		g.leading, g.lit = true, g.lit[1:]
	}
	if strings.HasSuffix(g.lit, "*") {
		g.trailing, g.lit = true, g.lit[:len(g.lit)-1]
	}
	return g
}

// match reports whether the glob matches the whole value, case-sensitively.
func (g glob) match(v string) bool {
	switch {
	case g.leading && g.trailing:
		return strings.Contains(v, g.lit)
	case g.leading:
		return strings.HasSuffix(v, g.lit)
	case g.trailing:
		return strings.HasPrefix(v, g.lit)
	default:
		return v == g.lit
	}
}

type headerAlt struct {
	name string // as configured
	glob glob
	src  string // the ValueGlob as configured
}

type compiledRule struct {
	Rule
	headerConds [][]headerAlt // AND between conditions, AnyOf inside
	basePaths   [][]string    // AnyOf; each split into segments (at most one condition)
	hasBasePath bool
}

// label names the rule in details.
func (r *compiledRule) label() string {
	if r.ID != "" {
		return fmt.Sprintf("routing rule %s (priority %d)", r.ID, r.Priority)
	}
	return fmt.Sprintf("routing rule with priority %d", r.Priority)
}

// routeRules evaluates the rules by ascending priority; the first whose conditions all hold wins
// and no other rule is evaluated (facts §8.2). On no match, Detail lists why each rule failed.
func (d *Domain) routeRules(path string, segs []segment, header http.Header) (Match, bool) {
	if len(d.rules) == 0 {
		return Match{Detail: fmt.Sprintf("the domain %s has no routing rules", d.name)}, false
	}
	var why []string
	for i := range d.rules {
		r := &d.rules[i]
		n, reason, ok := r.eval(segs, header)
		if !ok {
			why = append(why, r.label()+": "+reason)
			continue
		}
		apiPath := path
		if r.StripBasePath && n > 0 {
			apiPath = rest(path, segs, n)
		}
		return Match{
			OK: true, RestAPIID: r.APIID, Stage: r.Stage, RoutingRuleID: r.ID, Path: apiPath,
			Detail: fmt.Sprintf("%s matched (%s): API %s stage %s, the API sees %s", r.label(), reason, r.APIID, r.Stage, apiPath),
		}, true
	}
	return Match{Detail: "no routing rule matched (" + strings.Join(why, "; ") + ")"}, false
}

// eval checks every condition of the rule. It returns the number of path segments the matched
// base path covers (0 without a base path condition), and a reason: what matched, or the first
// condition that failed.
func (r *compiledRule) eval(segs []segment, header http.Header) (int, string, bool) {
	var matched []string
	for _, cond := range r.headerConds {
		hit := ""
		for _, alt := range cond {
			if v, ok := headerMatches(header, alt); ok {
				hit = fmt.Sprintf("header %s: %q matches %q", alt.name, v, alt.src)
				break
			}
		}
		if hit == "" {
			return 0, "no header matches " + describeHeaderCond(cond), false
		}
		matched = append(matched, hit)
	}
	n := 0
	if r.hasBasePath {
		best := -1
		for _, bp := range r.basePaths {
			if matchBasePath(bp, segs) && len(bp) > best {
				best = len(bp)
			}
		}
		if best < 0 {
			return 0, "the path does not start with base path " + quoteJoin(r.basePaths), false
		}
		n = best
		matched = append(matched, fmt.Sprintf("base path %q", prefixKey(segs, n)))
	}
	if len(matched) == 0 {
		return 0, "no conditions: catch-all", true
	}
	return n, strings.Join(matched, " and "), true
}

// headerMatches reports whether any line of the named header (name compared case-insensitively)
// matches the glob, and which value matched.
func headerMatches(h http.Header, alt headerAlt) (string, bool) {
	for k, vs := range h {
		if !strings.EqualFold(k, alt.name) {
			continue
		}
		for _, v := range vs {
			if alt.glob.match(v) {
				return v, true
			}
		}
	}
	return "", false
}

func describeHeaderCond(cond []headerAlt) string {
	parts := make([]string, len(cond))
	for i, a := range cond {
		parts[i] = fmt.Sprintf("%s:%s", a.name, a.src)
	}
	return strings.Join(parts, " or ")
}

func quoteJoin(paths [][]string) string {
	parts := make([]string, len(paths))
	for i, p := range paths {
		parts[i] = fmt.Sprintf("%q", strings.Join(p, "/"))
	}
	return strings.Join(parts, " or ")
}
