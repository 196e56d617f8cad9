package domain

import (
	"net/http"
	"strings"
	"testing"
)

// checkInvariants holds for every Route result: a match names an API and stage (unless the
// stage comes from the path), the API sees a path that starts with "/" and is either "/" or a
// suffix of the request path, and only one of BasePathMatched / RoutingRuleID is set.
func checkInvariants(t *testing.T, path string, m Match) {
	t.Helper()
	if m.Detail == "" {
		t.Fatalf("Route(%q): empty detail", path)
	}
	if !m.OK {
		if m.RestAPIID != "" || m.Path != "" {
			t.Fatalf("Route(%q): no match but %+v", path, m)
		}
		return
	}
	if m.RestAPIID == "" || (m.Stage == "" && !m.StageFromPath) {
		t.Fatalf("Route(%q): match without API or stage: %+v", path, m)
	}
	if !strings.HasPrefix(m.Path, "/") {
		t.Fatalf("Route(%q): API path %q does not start with /", path, m.Path)
	}
	if m.Path != "/" && !strings.HasSuffix(normPath(path), m.Path) {
		t.Fatalf("Route(%q): API path %q is not a suffix of the request path", path, m.Path)
	}
	if (m.BasePathMatched == "") == (m.RoutingRuleID == "") {
		t.Fatalf("Route(%q): basePathMatched %q, routingRuleId %q: want exactly one", path, m.BasePathMatched, m.RoutingRuleID)
	}
}

func FuzzRoute(f *testing.F) {
	for _, s := range []struct{ path, version string }{
		{"/orders/v1/items/123", ""}, {"/orders", "beta"}, {"/", ""}, {"", ""}, {"//", "b"},
		{"/PetStoreShopper/dogs", "beta"}, {"/%6Frders/v1", ""}, {"/%zz/%2F", "*"}, {"/prod/pets", "alpha"},
		{"/shop/prod/x", ""}, {"orders/v1", "b"}, {"/orders/v1/items/", "beta-1"},
	} {
		f.Add(s.path, s.version)
	}
	stageless := []Mapping{{BasePath: "shop", RestAPIID: "shopapi001"}}
	rules := append([]Rule{{ID: "strip", Priority: 20, APIID: "stripapi01", Stage: "s", StripBasePath: true, Conditions: []Condition{
		{MatchHeaders: &MatchHeaders{AnyOf: []HeaderMatch{{Header: "x-version", ValueGlob: "b*"}}}},
		{MatchBasePaths: &MatchBasePaths{AnyOf: []string{"orders/v1"}}},
	}}}, exampleRules[1:3]...)
	var domains []*Domain
	for _, mode := range []string{ModeAPIMappingOnly, ModeRoutingRuleOnly, ModeRoutingRuleThenAPIMapping} {
		d, err := Compile("fuzz.example.test", mode, append(append([]Mapping(nil), exampleMappings[1:]...), stageless...), rules)
		if err != nil {
			f.Fatal(err)
		}
		domains = append(domains, d)
	}
	withRoot := mustCompileF(f, exampleMappings)
	f.Fuzz(func(t *testing.T, path, version string) {
		h := http.Header{"X-Version": {version}, "Pet": {version}}
		for _, d := range append(domains, withRoot) {
			m := d.Route(path, h)
			checkInvariants(t, path, m)
			_ = StageInPath(m)
		}
		if !withRoot.Route(path, nil).OK {
			t.Fatalf("Route(%q) on a domain with a (none) mapping did not match", path)
		}
		_ = Reserved(path)
	})
}

func mustCompileF(f *testing.F, mappings []Mapping) *Domain {
	d, err := Compile("fuzz.example.test", "", mappings, nil)
	if err != nil {
		f.Fatal(err)
	}
	return d
}

// FuzzCompile feeds arbitrary base paths, header names and globs to the validators. Compile must
// never panic; when it accepts a base path, a request for that base path must reach the mapping,
// and when it accepts a header glob without wildcards the literal value must match it.
func FuzzCompile(f *testing.F) {
	for _, s := range []struct{ bp, header, glob string }{
		{"v1", "x-version", "beta"}, {"orders/v1/items", "Hello", "World"}, {"(none)", "Pet", "Dog-*"},
		{"", "a", "*"}, {"a//b", "Authorization", "x"}, {"/v1", "x-amz-date", "*a*"}, {"$-_.+!*'()", "h", "a*b"},
		{"a b", "x:y", "**"}, {"%2F", "é", "*é*"}, {strings.Repeat("a", 301), strings.Repeat("h", 40), strings.Repeat("g", 128)},
	} {
		f.Add(s.bp, s.header, s.glob)
	}
	f.Fuzz(func(t *testing.T, bp, header, glob string) {
		d, err := Compile("fuzz.example.test", "", []Mapping{{BasePath: bp, RestAPIID: "api", Stage: "s"}}, nil)
		if err == nil {
			want, path := bp, "/"+bp+"/tail"
			if bp == "" || bp == EmptyBasePath {
				want, path = EmptyBasePath, "/tail"
			}
			m := d.Route(path, nil)
			if !m.OK || m.BasePathMatched != want || m.Path != "/tail" {
				t.Fatalf("base path %q accepted, but Route(%q) = %+v", bp, path, m)
			}
		}
		rule := Rule{ID: "r", Priority: 1, APIID: "api", Stage: "s", Conditions: []Condition{
			{MatchHeaders: &MatchHeaders{AnyOf: []HeaderMatch{{Header: header, ValueGlob: glob}}}},
			{MatchBasePaths: &MatchBasePaths{AnyOf: []string{bp}}},
		}}
		d, err = Compile("fuzz.example.test", ModeRoutingRuleOnly, nil, []Rule{rule})
		if err != nil {
			return
		}
		value := strings.Trim(glob, "*")
		m := d.Route("/"+bp, http.Header{header: {value}})
		if !m.OK || m.RoutingRuleID != "r" {
			t.Fatalf("rule %+v accepted, but Route(/%s, %s: %s) = %+v", rule, bp, header, value, m)
		}
		checkInvariants(t, "/"+bp, m)
	})
}
