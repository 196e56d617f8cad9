package domain

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// route is the part of a Match the tables compare (Detail is checked separately).
type route struct {
	OK                      bool
	API, Stage              string
	StageFromPath           bool
	BasePathMatched, RuleID string
	Path                    string
}

func summary(m Match) route {
	return route{OK: m.OK, API: m.RestAPIID, Stage: m.Stage, StageFromPath: m.StageFromPath,
		BasePathMatched: m.BasePathMatched, RuleID: m.RoutingRuleID, Path: m.Path}
}

func mustCompile(t *testing.T, mode string, mappings []Mapping, rules []Rule) *Domain {
	t.Helper()
	d, err := Compile("api.example.test", mode, mappings, rules)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return d
}

func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

// The facts §8.1 example domain: several levels under "orders", a sibling, and the empty mapping.
var exampleMappings = []Mapping{
	{BasePath: "(none)", RestAPIID: "rootapi001", Stage: "prod"},
	{BasePath: "orders", RestAPIID: "ordersapi1", Stage: "prod"},
	{BasePath: "orders/v1", RestAPIID: "ordersv1ap", Stage: "v1"},
	{BasePath: "orders/v1/items", RestAPIID: "itemsapi01", Stage: "live"},
	{BasePath: "v2", RestAPIID: "v2api00001", Stage: "beta"},
}

func TestRouteAPIMappings(t *testing.T) {
	d := mustCompile(t, "", exampleMappings, nil)
	tests := []struct {
		path string
		want route
	}{
		// Longest matching path wins (facts §8.1's example).
		{"/orders/v1/items/123", route{OK: true, API: "itemsapi01", Stage: "live", BasePathMatched: "orders/v1/items", Path: "/123"}},
		{"/orders/v1/items", route{OK: true, API: "itemsapi01", Stage: "live", BasePathMatched: "orders/v1/items", Path: "/"}},
		{"/orders/v1/items/", route{OK: true, API: "itemsapi01", Stage: "live", BasePathMatched: "orders/v1/items", Path: "/"}},
		{"/orders/v1/other", route{OK: true, API: "ordersv1ap", Stage: "v1", BasePathMatched: "orders/v1", Path: "/other"}},
		{"/orders/v2/items", route{OK: true, API: "ordersapi1", Stage: "prod", BasePathMatched: "orders", Path: "/v2/items"}},
		{"/orders", route{OK: true, API: "ordersapi1", Stage: "prod", BasePathMatched: "orders", Path: "/"}},
		{"/orders/", route{OK: true, API: "ordersapi1", Stage: "prod", BasePathMatched: "orders", Path: "/"}},
		{"/orders//x", route{OK: true, API: "ordersapi1", Stage: "prod", BasePathMatched: "orders", Path: "//x"}},
		// Whole segments only: "ordersX" is not "orders", "orders/v1items" is not "orders/v1".
		{"/ordersX", route{OK: true, API: "rootapi001", Stage: "prod", BasePathMatched: "(none)", Path: "/ordersX"}},
		{"/orders/v1items", route{OK: true, API: "ordersapi1", Stage: "prod", BasePathMatched: "orders", Path: "/v1items"}},
		// Case-sensitive.
		{"/Orders/v1", route{OK: true, API: "rootapi001", Stage: "prod", BasePathMatched: "(none)", Path: "/Orders/v1"}},
		// Empty mapping catches the rest, root included.
		{"/", route{OK: true, API: "rootapi001", Stage: "prod", BasePathMatched: "(none)", Path: "/"}},
		{"", route{OK: true, API: "rootapi001", Stage: "prod", BasePathMatched: "(none)", Path: "/"}},
		{"/pets", route{OK: true, API: "rootapi001", Stage: "prod", BasePathMatched: "(none)", Path: "/pets"}},
		{"//orders", route{OK: true, API: "rootapi001", Stage: "prod", BasePathMatched: "(none)", Path: "//orders"}},
		// Percent-encoded segments compare decoded; the API still sees the raw rest.
		{"/%6Frders/v1/a%20b", route{OK: true, API: "ordersv1ap", Stage: "v1", BasePathMatched: "orders/v1", Path: "/a%20b"}},
		{"/v2?x=1", route{OK: true, API: "rootapi001", Stage: "prod", BasePathMatched: "(none)", Path: "/v2?x=1"}},
		{"/v2/x", route{OK: true, API: "v2api00001", Stage: "beta", BasePathMatched: "v2", Path: "/x"}},
	}
	for _, tt := range tests {
		got := d.Route(tt.path, nil)
		if diff := cmp.Diff(tt.want, summary(got)); diff != "" {
			t.Errorf("Route(%q) mismatch (-want +got):\n%s\ndetail: %s", tt.path, diff, got.Detail)
		}
		if got.Detail == "" || got.RoutingRuleID != "" {
			t.Errorf("Route(%q): detail %q, rule id %q", tt.path, got.Detail, got.RoutingRuleID)
		}
	}
}

func TestRouteNoMapping(t *testing.T) {
	d := mustCompile(t, "", exampleMappings[1:], nil)
	got := d.Route("/pets", nil)
	if got.OK {
		t.Fatalf("Route(/pets) = %+v, want no match", got)
	}
	for _, want := range []string{"no API mapping", "/pets", "orders/v1/items", "(none)"} {
		if !strings.Contains(got.Detail, want) {
			t.Errorf("detail %q lacks %q", got.Detail, want)
		}
	}
	empty := mustCompile(t, "", nil, nil)
	if got := empty.Route("/x", nil); got.OK || !strings.Contains(got.Detail, "has no API mappings") {
		t.Errorf("Route on a domain without mappings = %+v", got)
	}
}

func TestStagelessMapping(t *testing.T) {
	d := mustCompile(t, "BASE_PATH_MAPPING_ONLY", []Mapping{
		{BasePath: "shop", RestAPIID: "shopapi001", Stage: "(none)"},
		{BasePath: "", RestAPIID: "rootapi001"},
	}, nil)
	tests := []struct {
		path string
		want route
	}{
		{"/shop/prod/pets/1", route{OK: true, API: "shopapi001", Stage: "prod", StageFromPath: true, BasePathMatched: "shop", Path: "/pets/1"}},
		{"/shop/prod", route{OK: true, API: "shopapi001", Stage: "prod", StageFromPath: true, BasePathMatched: "shop", Path: "/"}},
		{"/shop/prod/", route{OK: true, API: "shopapi001", Stage: "prod", StageFromPath: true, BasePathMatched: "shop", Path: "/"}},
		{"/shop", route{OK: true, API: "shopapi001", Stage: "", StageFromPath: true, BasePathMatched: "shop", Path: "/"}},
		{"/dev/x", route{OK: true, API: "rootapi001", Stage: "dev", StageFromPath: true, BasePathMatched: "(none)", Path: "/x"}},
	}
	for _, tt := range tests {
		got := d.Route(tt.path, nil)
		if diff := cmp.Diff(tt.want, summary(got)); diff != "" {
			t.Errorf("Route(%q) mismatch (-want +got):\n%s", tt.path, diff)
		}
		if StageInPath(got) {
			t.Errorf("StageInPath(%q) = true for a stage-less mapping", tt.path)
		}
	}
}

func TestStageInPath(t *testing.T) {
	d := mustCompile(t, "", []Mapping{{BasePath: "(none)", RestAPIID: "a1b2c3d4e5", Stage: "prod"}}, nil)
	tests := []struct {
		path string
		want bool
	}{
		{"/prod/pets", true}, // seed row 16: the URL repeats the mapped stage
		{"/prod", true},
		{"/prod/", true},
		{"/pr%6Fd/pets", true},
		{"/pets", false},
		{"/production/pets", false},
		{"/Prod/pets", false},
		{"/", false},
	}
	for _, tt := range tests {
		if got := StageInPath(d.Route(tt.path, nil)); got != tt.want {
			t.Errorf("StageInPath(Route(%q)) = %v, want %v", tt.path, got, tt.want)
		}
	}
	if StageInPath(Match{}) {
		t.Error("StageInPath(no match) = true")
	}
}

func TestReserved(t *testing.T) {
	for path, want := range map[string]bool{
		"/ping": true, "/sping": true, "/ping/": true,
		"/pings": false, "/ping/x": false, "/v1/ping": false, "/": false, "": false, "ping": false,
	} {
		if got := Reserved(path); got != want {
			t.Errorf("Reserved(%q) = %v, want %v", path, got, want)
		}
	}
}

// The rules of the first example in rest-api-routing-rules-examples.html (facts §8.2).
var exampleRules = []Rule{
	{ID: "efg456", Priority: 100, APIID: "targetapi3", Stage: "prod"},
	{ID: "abc123", Priority: 10, APIID: "targetapi1", Stage: "prod",
		Conditions: []Condition{{MatchHeaders: &MatchHeaders{AnyOf: []HeaderMatch{{Header: "Hello", ValueGlob: "World"}}}}}},
	{ID: "zzz000", Priority: 50, APIID: "targetapi2", Stage: "prod", Conditions: []Condition{
		// The doc writes "Accept:image/webp", but "/" is not among the characters a glob value
		// may hold (same page, Restrictions), so the suffix glob stands in for it.
		{MatchHeaders: &MatchHeaders{AnyOf: []HeaderMatch{{Header: "Accept", ValueGlob: "*webp"}}}},
		{MatchHeaders: &MatchHeaders{AnyOf: []HeaderMatch{{Header: "Pet", ValueGlob: "Dog-*"}}}},
		{MatchBasePaths: &MatchBasePaths{AnyOf: []string{"PetStoreShopper"}}},
	}},
}

func TestRouteRulesExample1(t *testing.T) {
	d := mustCompile(t, "ROUTING_RULE_ONLY", nil, exampleRules)
	tests := []struct {
		name   string
		path   string
		header http.Header
		want   route
	}{
		{"header match", "/", hdr("Hello", "World"),
			route{OK: true, API: "targetapi1", Stage: "prod", RuleID: "abc123", Path: "/"}},
		{"first priority wins", "/PetStoreShopper", hdr("Hello", "World", "Pet", "Dog-Bella", "Accept", "image/webp"),
			route{OK: true, API: "targetapi1", Stage: "prod", RuleID: "abc123", Path: "/PetStoreShopper"}},
		{"glob and base path, no strip", "/PetStoreShopper", hdr("Pet", "Dog-Bella", "Accept", "image/webp"),
			route{OK: true, API: "targetapi2", Stage: "prod", RuleID: "zzz000", Path: "/PetStoreShopper"}},
		{"missing second header falls to catch-all", "/PetStoreShopper", hdr("Pet", "Dog-Bella"),
			route{OK: true, API: "targetapi3", Stage: "prod", RuleID: "efg456", Path: "/PetStoreShopper"}},
		{"header name case-insensitive", "/", hdr("hello", "World"),
			route{OK: true, API: "targetapi1", Stage: "prod", RuleID: "abc123", Path: "/"}},
		{"header value case-sensitive", "/", hdr("Hello", "world"),
			route{OK: true, API: "targetapi3", Stage: "prod", RuleID: "efg456", Path: "/"}},
		{"base path case-sensitive", "/petstoreshopper", hdr("Pet", "Dog-Bella", "Accept", "image/webp"),
			route{OK: true, API: "targetapi3", Stage: "prod", RuleID: "efg456", Path: "/petstoreshopper"}},
		{"base path whole segment", "/PetStoreShopperX", hdr("Pet", "Dog-Bella", "Accept", "image/webp"),
			route{OK: true, API: "targetapi3", Stage: "prod", RuleID: "efg456", Path: "/PetStoreShopperX"}},
		{"base path prefix of longer path", "/PetStoreShopper/dogs", hdr("Pet", "Dog-Bella", "Accept", "image/webp"),
			route{OK: true, API: "targetapi2", Stage: "prod", RuleID: "zzz000", Path: "/PetStoreShopper/dogs"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := d.Route(tt.path, tt.header)
			if diff := cmp.Diff(tt.want, summary(got)); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s\ndetail: %s", diff, got.Detail)
			}
		})
	}
}

func TestRouteRulesDetail(t *testing.T) {
	d := mustCompile(t, "ROUTING_RULE_ONLY", nil, exampleRules[1:2])
	got := d.Route("/x", hdr("Hello", "Mars"))
	if got.OK {
		t.Fatalf("got a match: %+v", got)
	}
	for _, want := range []string{"abc123", "priority 10", "Hello:World", "ROUTING_RULE_ONLY"} {
		if !strings.Contains(got.Detail, want) {
			t.Errorf("detail %q lacks %q", got.Detail, want)
		}
	}
	anon := mustCompile(t, "ROUTING_RULE_ONLY", nil, []Rule{{Priority: 9, APIID: "a", Stage: "s",
		Conditions: []Condition{{MatchBasePaths: &MatchBasePaths{AnyOf: []string{"v1"}}}}}})
	if got := anon.Route("/v2", nil); !strings.Contains(got.Detail, `routing rule with priority 9: the path does not start with base path "v1"`) {
		t.Errorf("detail for a rule without id = %q", got.Detail)
	}
	got = d.Route("/x", hdr("Hello", "World"))
	if !strings.Contains(got.Detail, `header Hello: "World" matches "World"`) {
		t.Errorf("detail %q does not say which header matched", got.Detail)
	}
}

// TestHeaderGlobs reproduces the wildcard table of rest-api-routing-rules.html.
func TestHeaderGlobs(t *testing.T) {
	values := []string{"account", "alpha", "backup", "beta", "users"}
	tests := []struct {
		globs []string // one matchHeaders condition each (AND)
		match []string
	}{
		{[]string{"a*"}, []string{"account", "alpha"}},
		{[]string{"*a"}, []string{"alpha", "beta"}},
		{[]string{"*a*"}, []string{"account", "alpha", "backup", "beta"}},
		{[]string{"*a*", "*b*"}, []string{"backup", "beta"}},
		{[]string{"b*", "*a"}, []string{"beta"}},
		{[]string{"*"}, values},
		{[]string{"beta"}, []string{"beta"}},
	}
	for _, tt := range tests {
		r := Rule{ID: "r", Priority: 1, APIID: "api", Stage: "s"}
		for _, g := range tt.globs {
			r.Conditions = append(r.Conditions, Condition{MatchHeaders: &MatchHeaders{AnyOf: []HeaderMatch{{Header: "x-version", ValueGlob: g}}}})
		}
		d := mustCompile(t, ModeRoutingRuleOnly, nil, []Rule{r})
		var got []string
		for _, v := range values {
			if d.Route("/", hdr("X-Version", v)).OK {
				got = append(got, v)
			}
		}
		if diff := cmp.Diff(tt.match, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("globs %v: matching values (-want +got):\n%s", tt.globs, diff)
		}
		if d.Route("/", nil).OK {
			t.Errorf("globs %v match a request without the header", tt.globs)
		}
	}
}

// TestHeaderGlobLiteral reproduces the doc's second table: a glob matches each header line as a
// whole, so a comma-joined value does not end in "json".
func TestHeaderGlobLiteral(t *testing.T) {
	rule := func(g string) []Rule {
		return []Rule{{ID: "r", Priority: 1, APIID: "api", Stage: "s", Conditions: []Condition{
			{MatchHeaders: &MatchHeaders{AnyOf: []HeaderMatch{{Header: "Accept", ValueGlob: g}}}}}}}
	}
	twoLines := hdr("Accept", "application/json", "Accept", "text/xml")
	oneLine := hdr("Accept", "application/json,text/xml")
	suffix := mustCompile(t, ModeRoutingRuleOnly, nil, rule("*json"))
	if !suffix.Route("/", twoLines).OK || suffix.Route("/", oneLine).OK {
		t.Error(`"*json": want a match on two lines and none on one comma-joined line`)
	}
	contains := mustCompile(t, ModeRoutingRuleOnly, nil, rule("*json*"))
	if !contains.Route("/", twoLines).OK || !contains.Route("/", oneLine).OK {
		t.Error(`"*json*": want a match on both forms`)
	}
	q := mustCompile(t, ModeRoutingRuleOnly, nil, rule("a?c"))
	if !q.Route("/", hdr("Accept", "a?c")).OK || q.Route("/", hdr("Accept", "abc")).OK {
		t.Error(`"?" must be literal`)
	}
}

// TestStripBasePath reproduces the strip table of rest-api-routing-rules.html.
func TestStripBasePath(t *testing.T) {
	tests := []struct {
		base  string
		strip bool
		path  string
		want  string
	}{
		{"PetStoreShopper/dogs", true, "/PetStoreShopper/dogs", "/"},
		{"PetStoreShopper/dogs", false, "/PetStoreShopper/dogs", "/PetStoreShopper/dogs"},
		{"PetStoreShopper", true, "/PetStoreShopper/dogs", "/dogs"},
		{"PetStoreShopper", false, "/PetStoreShopper/dogs", "/PetStoreShopper/dogs"},
		{"PetStoreShopper", true, "/PetStoreShopper", "/"},
		{"PetStoreShopper", false, "/PetStoreShopper", "/PetStoreShopper"},
	}
	for _, tt := range tests {
		d := mustCompile(t, ModeRoutingRuleOnly, nil, []Rule{{ID: "r1", Priority: 5, APIID: "api", Stage: "s", StripBasePath: tt.strip,
			Conditions: []Condition{{MatchBasePaths: &MatchBasePaths{AnyOf: []string{tt.base}}}}}})
		got := d.Route(tt.path, nil)
		if !got.OK || got.Path != tt.want || got.BasePathMatched != "" || got.RoutingRuleID != "r1" {
			t.Errorf("base %q strip %v path %q: got %+v, want path %q", tt.base, tt.strip, tt.path, got, tt.want)
		}
	}
	// StripBasePath without a base path condition changes nothing.
	d := mustCompile(t, ModeRoutingRuleOnly, nil, []Rule{{ID: "r", Priority: 1, APIID: "api", Stage: "s", StripBasePath: true}})
	if got := d.Route("/a/b", nil); got.Path != "/a/b" {
		t.Errorf("catch-all with strip: path %q, want /a/b", got.Path)
	}
}

func TestRoutingModes(t *testing.T) {
	mappings := []Mapping{{BasePath: "v1", RestAPIID: "mappedapi1", Stage: "prod"}}
	rules := []Rule{{ID: "beta", Priority: 1, APIID: "ruleapi001", Stage: "beta",
		Conditions: []Condition{{MatchHeaders: &MatchHeaders{AnyOf: []HeaderMatch{{Header: "x-version", ValueGlob: "beta"}}}}}}}
	beta := hdr("X-Version", "beta")
	ruleHit := route{OK: true, API: "ruleapi001", Stage: "beta", RuleID: "beta", Path: "/v1/pets"}
	mapHit := route{OK: true, API: "mappedapi1", Stage: "prod", BasePathMatched: "v1", Path: "/pets"}
	tests := []struct {
		mode   string
		header http.Header
		want   route
	}{
		{"", beta, mapHit}, // API_MAPPING_ONLY ignores rules
		{"API_MAPPING_ONLY", beta, mapHit},
		{"BASE_PATH_MAPPING_ONLY", nil, mapHit},
		{"ROUTING_RULE_ONLY", beta, ruleHit},
		{"ROUTING_RULE_ONLY", nil, route{Path: ""}}, // no fallback
		{"ROUTING_RULE_THEN_API_MAPPING", beta, ruleHit},
		{"ROUTING_RULE_THEN_API_MAPPING", nil, mapHit},
		{"ROUTING_RULE_THEN_BASE_PATH_MAPPING", nil, mapHit},
	}
	for _, tt := range tests {
		d := mustCompile(t, tt.mode, mappings, rules)
		got := d.Route("/v1/pets", tt.header)
		if diff := cmp.Diff(tt.want, summary(got)); diff != "" {
			t.Errorf("mode %q header %v (-want +got):\n%s\ndetail: %s", tt.mode, tt.header, diff, got.Detail)
		}
	}
	d := mustCompile(t, "ROUTING_RULE_THEN_API_MAPPING", mappings, rules)
	if got := d.Route("/other", nil); got.OK || !strings.Contains(got.Detail, "no routing rule matched") || !strings.Contains(got.Detail, "no API mapping") {
		t.Errorf("fallback miss detail = %q", got.Detail)
	}
	if d.Mode() != ModeRoutingRuleThenAPIMapping || d.Name() != "api.example.test" {
		t.Errorf("Mode/Name = %q/%q", d.Mode(), d.Name())
	}
}

func TestWarnings(t *testing.T) {
	mappings := []Mapping{{BasePath: "v1", RestAPIID: "a", Stage: "s"}}
	rules := []Rule{{ID: "r", Priority: 1, APIID: "a", Stage: "s"}}
	tests := []struct {
		mode     string
		mappings []Mapping
		rules    []Rule
		want     []string
	}{
		{"", mappings, rules, []string{"1 routing rules are ignored in routing mode API_MAPPING_ONLY"}},
		{"ROUTING_RULE_ONLY", mappings, rules, []string{"1 API mappings are ignored in routing mode ROUTING_RULE_ONLY"}},
		{"ROUTING_RULE_ONLY", nil, nil, []string{"no routing rules; every request is answered 403 Forbidden"}},
		{"", nil, nil, []string{"no API mappings; every request is answered 403 Forbidden"}},
		{"ROUTING_RULE_THEN_API_MAPPING", nil, nil, []string{"no routing rules and no API mappings"}},
		{"ROUTING_RULE_THEN_API_MAPPING", mappings, rules, nil},
	}
	for _, tt := range tests {
		w := mustCompile(t, tt.mode, tt.mappings, tt.rules).Warnings()
		if len(w) != len(tt.want) {
			t.Errorf("mode %q: warnings %q, want %d", tt.mode, w, len(tt.want))
			continue
		}
		for i := range w {
			if !strings.Contains(w[i], tt.want[i]) {
				t.Errorf("mode %q: warning %q lacks %q", tt.mode, w[i], tt.want[i])
			}
		}
	}
}

func TestMultiLevel(t *testing.T) {
	if (Mapping{BasePath: "v1"}).MultiLevel() || !(Mapping{BasePath: "orders/v1"}).MultiLevel() {
		t.Error("MultiLevel")
	}
}

func TestCompileErrors(t *testing.T) {
	okRule := func(mut func(*Rule)) []Rule {
		r := Rule{ID: "r", Priority: 1, APIID: "api", Stage: "s"}
		mut(&r)
		return []Rule{r}
	}
	hc := func(h, g string) Condition {
		return Condition{MatchHeaders: &MatchHeaders{AnyOf: []HeaderMatch{{Header: h, ValueGlob: g}}}}
	}
	bc := func(bps ...string) Condition { return Condition{MatchBasePaths: &MatchBasePaths{AnyOf: bps}} }
	many := func(n int) []Mapping {
		var ms []Mapping
		for i := range n {
			ms = append(ms, Mapping{BasePath: "p" + strings.Repeat("x", i%3) + string(rune('a'+i%26)) + strings.Repeat("0", i/26), RestAPIID: "a", Stage: "s"})
		}
		return ms
	}
	manyRules := func(n int) []Rule {
		var rs []Rule
		for i := range n {
			rs = append(rs, Rule{Priority: i + 1, APIID: "a", Stage: "s"})
		}
		return rs
	}
	tests := []struct {
		name     string
		mode     string
		mappings []Mapping
		rules    []Rule
		want     string // "" means valid
	}{
		{"bad mode", "FANCY", nil, nil, `routing mode "FANCY"`},
		{"mapping chars", "", []Mapping{{BasePath: "v1 x", RestAPIID: "a", Stage: "s"}}, nil, `contains ' '`},
		{"mapping trailing slash", "", []Mapping{{BasePath: "v1/", RestAPIID: "a", Stage: "s"}}, nil, `empty segment`},
		{"mapping all allowed chars", "", []Mapping{{BasePath: "$-_.+!*'()/aZ9x", RestAPIID: "a", Stage: "s"}}, nil, ""},
		{"mapping 300", "", []Mapping{{BasePath: strings.Repeat("a", 300), RestAPIID: "a", Stage: "s"}}, nil, ""},
		{"mapping 301", "", []Mapping{{BasePath: strings.Repeat("a", 301), RestAPIID: "a", Stage: "s"}}, nil, "at most 300"},
		{"mapping leading slash", "", []Mapping{{BasePath: "/v1", RestAPIID: "a", Stage: "s"}}, nil, "empty segment"},
		{"mapping double slash", "", []Mapping{{BasePath: "a//b", RestAPIID: "a", Stage: "s"}}, nil, "empty segment"},
		{"mapping no api", "", []Mapping{{BasePath: "v1", Stage: "s"}}, nil, "restApiId is empty"},
		{"mapping duplicate", "", []Mapping{{BasePath: "v1", RestAPIID: "a", Stage: "s"}, {BasePath: "v1", RestAPIID: "b", Stage: "s"}}, nil, "Base path already exists for this domain name"},
		{"mapping duplicate empty", "", []Mapping{{BasePath: "", RestAPIID: "a", Stage: "s"}, {BasePath: "(none)", RestAPIID: "b", Stage: "s"}}, nil, "Base path already exists"},
		{"200 mappings", "", many(200), nil, ""},
		{"201 mappings", "", many(201), nil, "201 API mappings; at most 200"},
		{"50 rules", "ROUTING_RULE_ONLY", nil, manyRules(50), ""},
		{"51 rules", "ROUTING_RULE_ONLY", nil, manyRules(51), "51 routing rules; at most 50"},
		{"priority 0", "", nil, okRule(func(r *Rule) { r.Priority = 0 }), "priority must be between 1 and 1000000"},
		{"priority max", "", nil, okRule(func(r *Rule) { r.Priority = 1000000 }), ""},
		{"priority too big", "", nil, okRule(func(r *Rule) { r.Priority = 1000001 }), "priority must be between"},
		{"duplicate priority", "", nil, []Rule{{ID: "a", Priority: 7, APIID: "x", Stage: "s"}, {ID: "b", Priority: 7, APIID: "x", Stage: "s"}}, "can't have the same priority"},
		{"duplicate id", "", nil, []Rule{{ID: "a", Priority: 7, APIID: "x", Stage: "s"}, {ID: "a", Priority: 8, APIID: "x", Stage: "s"}}, `same id "a"`},
		{"no api", "", nil, okRule(func(r *Rule) { r.APIID = "" }), "no apiId"},
		{"no stage", "", nil, okRule(func(r *Rule) { r.Stage = "" }), "stage must be 1 to 128"},
		{"empty condition", "", nil, okRule(func(r *Rule) { r.Conditions = []Condition{{}} }), "neither matchHeaders nor matchBasePaths"},
		{"three header conditions", "", nil, okRule(func(r *Rule) { r.Conditions = []Condition{hc("a", "1"), hc("b", "2"), hc("c", "3")} }), "3 matchHeaders conditions; at most 2"},
		{"two base path conditions", "", nil, okRule(func(r *Rule) { r.Conditions = []Condition{bc("a"), bc("b")} }), "2 matchBasePaths conditions; at most 1"},
		{"two header anyOf", "", nil, okRule(func(r *Rule) {
			r.Conditions = []Condition{{MatchHeaders: &MatchHeaders{AnyOf: []HeaderMatch{{Header: "a", ValueGlob: "1"}, {Header: "b", ValueGlob: "2"}}}}}
		}), "can only contain one header value"},
		{"two base path anyOf", "", nil, okRule(func(r *Rule) { r.Conditions = []Condition{bc("a", "b")} }), "only one base path"},
		{"header and base path in one condition", "", nil, okRule(func(r *Rule) {
			r.Conditions = []Condition{{MatchHeaders: &MatchHeaders{AnyOf: []HeaderMatch{{Header: "a", ValueGlob: "1"}}}, MatchBasePaths: &MatchBasePaths{AnyOf: []string{"v1"}}}}
		}), ""},
		{"restricted header", "", nil, okRule(func(r *Rule) { r.Conditions = []Condition{hc("authorization", "x")} }), "authorization is not supported"},
		{"restricted prefix", "", nil, okRule(func(r *Rule) { r.Conditions = []Condition{hc("X-Amzn-Trace-Id", "x")} }), "x-amzn-* headers are not supported"},
		{"header name 39", "", nil, okRule(func(r *Rule) { r.Conditions = []Condition{hc(strings.Repeat("h", 39), "x")} }), ""},
		{"header name 40", "", nil, okRule(func(r *Rule) { r.Conditions = []Condition{hc(strings.Repeat("h", 40), "x")} }), "less than 40"},
		{"header name chars", "", nil, okRule(func(r *Rule) { r.Conditions = []Condition{hc("x:y", "x")} }), `contains ':'`},
		{"glob empty", "", nil, okRule(func(r *Rule) { r.Conditions = []Condition{hc("x", "")} }), "glob value is empty"},
		{"glob middle", "", nil, okRule(func(r *Rule) { r.Conditions = []Condition{hc("x", "a*b")} }), "can't be used in the middle"},
		{"glob double", "", nil, okRule(func(r *Rule) { r.Conditions = []Condition{hc("x", "**")} }), "can't be used in the middle"},
		{"glob slash", "", nil, okRule(func(r *Rule) { r.Conditions = []Condition{hc("x", "image/webp")} }), `contains '/'`},
		{"glob 127", "", nil, okRule(func(r *Rule) { r.Conditions = []Condition{hc("x", strings.Repeat("g", 127))} }), ""},
		{"glob 128", "", nil, okRule(func(r *Rule) { r.Conditions = []Condition{hc("x", strings.Repeat("g", 128))} }), "less than 128"},
		{"infix 40", "", nil, okRule(func(r *Rule) { r.Conditions = []Condition{hc("x", "*"+strings.Repeat("g", 38)+"*")} }), ""},
		{"infix 41", "", nil, okRule(func(r *Rule) { r.Conditions = []Condition{hc("x", "*"+strings.Repeat("g", 39)+"*")} }), "infix match must be at most 40"},
		{"rule base path empty", "", nil, okRule(func(r *Rule) { r.Conditions = []Condition{bc("")} }), "base path is empty"},
		{"rule base path 127", "", nil, okRule(func(r *Rule) { r.Conditions = []Condition{bc(strings.Repeat("b", 127))} }), ""},
		{"rule base path 128", "", nil, okRule(func(r *Rule) { r.Conditions = []Condition{bc(strings.Repeat("b", 128))} }), "at most 127"},
		{"rule base path backslash", "", nil, okRule(func(r *Rule) { r.Conditions = []Condition{bc(`a\b`)} }), `contains '\\'`},
		{"empty domain name", "", nil, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compile("api.example.test", tt.mode, tt.mappings, tt.rules)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Compile: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Compile succeeded, want an error containing %q", tt.want)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error %v does not wrap ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "api.example.test") {
				t.Errorf("error %q lacks %q or the domain name", err, tt.want)
			}
		})
	}
	if _, err := Compile("", "", nil, nil); err == nil || !strings.Contains(err.Error(), "domain name is empty") {
		t.Errorf("Compile with no name: %v", err)
	}
	// Every problem is reported, not only the first.
	_, err := Compile("d", "", []Mapping{{BasePath: "a b", RestAPIID: "x"}, {BasePath: "v1"}}, nil)
	if err == nil || !strings.Contains(err.Error(), "apiMappings[0]") || !strings.Contains(err.Error(), "apiMappings[1]") {
		t.Errorf("joined errors: %v", err)
	}
}

func TestConcurrentRoute(t *testing.T) {
	d := mustCompile(t, ModeRoutingRuleThenAPIMapping, exampleMappings, exampleRules)
	done := make(chan struct{})
	for range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for range 200 {
				d.Route("/orders/v1/items/1", hdr("Hello", "World"))
				d.Route("/x", nil)
			}
		}()
	}
	for range 4 {
		<-done
	}
}
