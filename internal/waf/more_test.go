package waf

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestRateBased(t *testing.T) {
	rate := func(extra string) string {
		return `{"RateBasedStatement":{"Limit":10,"EvaluationWindowSec":60` + extra + `}}`
	}
	tests := []struct {
		name  string
		stmt  string
		mkReq func(i int) *Request
		// blocked[i] says whether request i (one per second) is blocked.
		blockedFrom int
		want        string // LimitValue of the first block
	}{
		{"ip", rate(`,"AggregateKeyType":"IP"`), func(i int) *Request { return req("GET", "/") }, 10, "192.0.2.1"},
		{"forwarded", rate(`,"AggregateKeyType":"FORWARDED_IP","ForwardedIPConfig":{"HeaderName":"X-Forwarded-For","FallbackBehavior":"MATCH"}`),
			func(i int) *Request { return req("GET", "/", "X-Forwarded-For", "198.51.100.1, 10.0.0.1") }, 10, "198.51.100.1"},
		{"constant scoped", rate(`,"AggregateKeyType":"CONSTANT","ScopeDownStatement":` + byteMatch(`{"Method":{}}`, "POST", "EXACTLY")),
			func(i int) *Request { return req("POST", "/") }, 10, ""},
		{"custom keys", rate(`,"AggregateKeyType":"CUSTOM_KEYS","CustomKeys":[{"Header":{"Name":"X-Api-Key","TextTransformations":[{"Priority":0,"Type":"LOWERCASE"}]}},{"HTTPMethod":{}}]`),
			func(i int) *Request {
				k := "ABC"
				if i%2 == 0 {
					k = "abc"
				}
				return req("GET", "/", "X-Api-Key", k)
			}, 10, "abc,GET"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := acl(t, "", ruleJSON("rate", 0, block, tt.stmt, `"RuleLabels":[{"Name":"rl"}]`))
			rc := NewMemoryRateCounter()
			start := time.Unix(1700000000, 0)
			for i := 0; i < 15; i++ {
				r := tt.mkReq(i)
				r.Now = start.Add(time.Duration(i) * time.Second)
				res, err := a.Evaluate(context.Background(), r, rc)
				if err != nil {
					t.Fatal(err)
				}
				if got, want := res.Action == "BLOCK", i >= tt.blockedFrom; got != want {
					t.Fatalf("request %d: blocked=%v, want %v", i, got, want)
				}
				if i == tt.blockedFrom {
					want := []RateBasedEntry{{RuleName: "rate", LimitKey: res.RateBasedRuleList[0].LimitKey, MaxRateAllowed: 10, EvaluationWindowSec: 60, LimitValue: tt.want, Count: 11}}
					if d := cmp.Diff(want, res.RateBasedRuleList); d != "" {
						t.Errorf("rate list (-want +got):\n%s", d)
					}
					if res.TerminatingRuleType != "RATE_BASED" || len(res.Labels) != 1 {
						t.Errorf("result %+v", res)
					}
				}
			}
			// After the window has passed, the key is below the limit again.
			r := tt.mkReq(0)
			r.Now = start.Add(80 * time.Second)
			if res, _ := a.Evaluate(context.Background(), r, rc); res.Action != "ALLOW" {
				t.Errorf("after the window: %s", res.Action)
			}
		})
	}
	// Scope-down excludes, missing key components are not counted.
	a := acl(t, "", ruleJSON("rate", 0, block, rate(`,"AggregateKeyType":"CUSTOM_KEYS","CustomKeys":[{"QueryArgument":{"Name":"user","TextTransformations":[{"Priority":0,"Type":"NONE"}]}}]`)))
	rc := NewMemoryRateCounter()
	for i := 0; i < 30; i++ {
		if res, _ := a.Evaluate(context.Background(), req("GET", "/?other=1"), rc); res.Action != "ALLOW" {
			t.Fatal("request without the key must not be rate limited")
		}
	}
	if _, err := a.Evaluate(context.Background(), req("GET", "/"), nil); err != ErrNoRateCounter {
		t.Errorf("nil counter: %v", err)
	}
}

func TestMemoryRateCounterWindow(t *testing.T) {
	c := NewMemoryRateCounter()
	t0 := time.Unix(1000, 0)
	ctx := context.Background()
	add := func(d time.Duration) int64 { n, _ := c.Add(ctx, "k", 10*time.Second, t0.Add(d)); return n }
	for i := 0; i < 5; i++ {
		add(0)
	}
	if n := add(5 * time.Second); n != 6 {
		t.Errorf("at 5s: %d", n)
	}
	if n := add(10 * time.Second); n != 2 { // the 5 at t0 fell out of (0s,10s]
		t.Errorf("at 10s: %d", n)
	}
	if n := add(9 * time.Second); n != 3 { // clock going back counts in the latest bucket
		t.Errorf("backwards: %d", n)
	}
	if n := add(100 * time.Second); n != 1 {
		t.Errorf("at 100s: %d", n)
	}
	if n, _ := c.Add(ctx, "k", 10*time.Second, time.Unix(-50, 0)); n < 1 {
		t.Errorf("negative time: %d", n)
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name string
		acl  json.RawMessage
		want string
	}{
		{"unknown statement", aclJSON("", ruleJSON("r", 0, block, `{"FooStatement":{}}`)), "WebACL.Rules[0].Statement.FooStatement: statement type FooStatement is not supported"},
		{"unknown field", aclJSON("", ruleJSON("r", 0, block, `{"GeoMatchStatement":{"CountryCodes":["US"],"Bogus":1}}`)), `WebACL.Rules[0].Statement.GeoMatchStatement: json: unknown field "Bogus"`},
		{"bad regex", aclJSON("", ruleJSON("r", 0, block, `{"RegexMatchStatement":{"RegexString":"(a","FieldToMatch":{"UriPath":{}},"TextTransformations":[{"Priority":0,"Type":"NONE"}]}}`)), "WebACL.Rules[0].Statement.RegexMatchStatement.RegexString: error parsing regexp"},
		{"unknown ip set", aclJSON("", ruleJSON("r", 0, block, `{"IPSetReferenceStatement":{"ARN":"arn:nope"}}`)), `WebACL.Rules[0].Statement.IPSetReferenceStatement.ARN: IP set "arn:nope" is not defined`},
		{"managed", aclJSON("", `{"Name":"m","Priority":0,"OverrideAction":{"None":{}},"Statement":{"ManagedRuleGroupStatement":{"VendorName":"AWS","Name":"AWSManagedRulesXYZ"}},"VisibilityConfig":{}}`), "managed rule group AWSManagedRulesXYZ is not supported"},
		{"transformation", aclJSON("", ruleJSON("r", 0, block, byteMatch(`{"UriPath":{}}`, "x", "EXACTLY", "CMD_LINE_WIN"))), `text transformation "CMD_LINE_WIN" is not supported`},
		{"dup priority", aclJSON("", ruleJSON("a", 0, block, byteMatch(`{"UriPath":{}}`, "x", "EXACTLY")), ruleJSON("b", 0, block, byteMatch(`{"UriPath":{}}`, "x", "EXACTLY"))), "WebACL.Rules[1].Priority: 0 is also the priority of rule \"a\""},
		{"nested rate", aclJSON("", ruleJSON("r", 0, block, `{"NotStatement":{"Statement":{"RateBasedStatement":{"Limit":100,"AggregateKeyType":"IP"}}}}`)), "cannot be nested"},
		{"bad window", aclJSON("", ruleJSON("r", 0, block, `{"RateBasedStatement":{"Limit":100,"AggregateKeyType":"IP","EvaluationWindowSec":30}}`)), "EvaluationWindowSec: 30"},
		{"two actions", aclJSON("", ruleJSON("r", 0, `{"Block":{},"Allow":{}}`, byteMatch(`{"UriPath":{}}`, "x", "EXACTLY"))), "WebACL.Rules[0].Action: exactly one of"},
		{"bad position", aclJSON("", ruleJSON("r", 0, block, byteMatch(`{"UriPath":{}}`, "x", "SOMEWHERE"))), "PositionalConstraint"},
		{"unknown field to match", aclJSON("", ruleJSON("r", 0, block, byteMatch(`{"UriFragment":{}}`, "x", "EXACTLY"))), "FieldToMatch UriFragment is not supported"},
		{"missing body key", aclJSON("", ruleJSON("r", 0, `{"Block":{"CustomResponse":{"ResponseCode":403,"CustomResponseBodyKey":"nope"}}}`, byteMatch(`{"UriPath":{}}`, "x", "EXACTLY"))), `"nope" is not in CustomResponseBodies`},
		{"bad default", aclJSON(`{"Count":{}}`), "DefaultAction: must be Allow or Block"},
		{"not json", json.RawMessage(`{`), "WebACL: unexpected EOF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compile(tt.acl, testSets)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	// A bad CIDR in a referenced IP set.
	sets := Sets{IPSets: map[string]json.RawMessage{"arn:x": json.RawMessage(`{"Name":"x","Id":"1","ARN":"arn:x","IPAddressVersion":"IPV4","Addresses":["10.0.0.0/33"]}`)}}
	_, err := Compile(aclJSON("", ruleJSON("r", 0, block, `{"IPSetReferenceStatement":{"ARN":"arn:x"}}`)), sets)
	if err == nil || !strings.Contains(err.Error(), "IPSet arn:x.Addresses[0]") {
		t.Errorf("bad CIDR: %v", err)
	}
}

type fakeManaged struct{}

type fakeEval struct{}

func (fakeManaged) CompileManaged(vendor, name, version string, _ json.RawMessage) (ManagedEvaluator, error) {
	return fakeEval{}, nil
}

func (fakeEval) Evaluate(r *Request) []ManagedRuleMatch {
	if strings.Contains(r.URIPath, "..") {
		return []ManagedRuleMatch{{RuleName: "GenericLFI_URIPATH", Action: "BLOCK", Labels: []string{"awswaf:managed:aws:core-rule-set:GenericLFI_URIPath"}}}
	}
	return nil
}

func TestManagedHook(t *testing.T) {
	raw := aclJSON("", `{"Name":"AWS-AWSManagedRulesCommonRuleSet","Priority":0,"OverrideAction":{"None":{}},"Statement":{"ManagedRuleGroupStatement":{"VendorName":"AWS","Name":"AWSManagedRulesCommonRuleSet"}},"VisibilityConfig":{}}`)
	a, err := CompileWithOptions(raw, testSets, Options{Managed: fakeManaged{}})
	if err != nil {
		t.Fatal(err)
	}
	res := eval(t, a, req("GET", "/prod/../etc/passwd"))
	if res.Action != "BLOCK" || res.TerminatingRuleType != "MANAGED_RULE_GROUP" || res.RuleGroupList[0].RuleGroupID != "AWS#AWSManagedRulesCommonRuleSet" ||
		res.RuleGroupList[0].TerminatingRule.RuleID != "GenericLFI_URIPATH" {
		t.Errorf("%+v", res)
	}
}

func TestLogJSON(t *testing.T) {
	a := acl(t, "", ruleJSON("sqli", 0, block, `{"SqliMatchStatement":{"FieldToMatch":{"AllQueryArguments":{}},"TextTransformations":[{"Priority":0,"Type":"URL_DECODE"}]}}`, `"RuleLabels":[{"Name":"sqli"}]`))
	r := req("GET", "/prod/pets?id=1%27%20OR%201%3D1--", "Host", "a1b2c3d4e5.execute-api.localhost")
	res := eval(t, a, r)
	got := string(res.LogJSON(r, LogInfo{HTTPSourceID: "a1b2c3d4e5:prod", RequestID: "req-1"}))
	want := `{"timestamp":1700000000000,"formatVersion":1,"webaclId":"` + aclARN + `","terminatingRuleId":"sqli","terminatingRuleType":"REGULAR","action":"BLOCK",` +
		`"terminatingRuleMatchDetails":[{"conditionType":"SQL_INJECTION","location":"ALLQUERYARGUMENTS","matchedData":["1'","OR","1=1--"]}],` +
		`"httpSourceName":"APIGW","httpSourceId":"a1b2c3d4e5:prod","ruleGroupList":[],"rateBasedRuleList":[],"nonTerminatingMatchingRules":[],"requestHeadersInserted":null,"responseCodeSent":null,` +
		`"httpRequest":{"clientIp":"192.0.2.1","country":"-","headers":[{"name":"Host","value":"a1b2c3d4e5.execute-api.localhost"}],"uri":"/prod/pets","args":"id=1%27%20OR%201%3D1--","httpVersion":"HTTP/1.1","httpMethod":"GET","requestId":"req-1"},` +
		`"labels":[{"name":"awswaf:123456789012:webacl:main:sqli"}]}`
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}
