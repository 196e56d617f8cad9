package waf

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const aclARN = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/main/11111111-2222-3333-4444-555555555555"
const ipSetARN = "arn:aws:wafv2:us-east-1:123456789012:regional/ipset/blocked/aaaa"
const regexSetARN = "arn:aws:wafv2:us-east-1:123456789012:regional/regexpatternset/bad/bbbb"
const groupARN = "arn:aws:wafv2:us-east-1:123456789012:regional/rulegroup/grp/cccc"

var testSets = Sets{
	IPSets: map[string]json.RawMessage{
		ipSetARN: json.RawMessage(`{"IPSet":{"Name":"blocked","Id":"aaaa","ARN":"` + ipSetARN + `","IPAddressVersion":"IPV4","Addresses":["203.0.113.0/24","198.51.100.7/32"]},"LockToken":"x"}`),
	},
	RegexPatternSets: map[string]json.RawMessage{
		regexSetARN: json.RawMessage(`{"Name":"bad","Id":"bbbb","ARN":"` + regexSetARN + `","RegularExpressionList":[{"RegexString":"^/admin"},{"RegexString":"\\.php$"}]}`),
	},
	RuleGroups: map[string]json.RawMessage{
		groupARN: json.RawMessage(`{"Name":"grp","Id":"cccc","ARN":"` + groupARN + `","Capacity":10,
		 "LabelNamespace":"awswaf:123456789012:rulegroup:grp:",
		 "CustomResponseBodies":{"g":{"ContentType":"TEXT_PLAIN","Content":"group says no"}},
		 "Rules":[
		  {"Name":"g-count","Priority":0,"Action":{"Count":{}},"RuleLabels":[{"Name":"seen"}],
		   "Statement":{"ByteMatchStatement":{"SearchString":"/g","FieldToMatch":{"UriPath":{}},"TextTransformations":[{"Priority":0,"Type":"NONE"}],"PositionalConstraint":"STARTS_WITH"}},
		   "VisibilityConfig":{"SampledRequestsEnabled":true,"CloudWatchMetricsEnabled":true,"MetricName":"g"}},
		  {"Name":"g-block","Priority":1,"Action":{"Block":{"CustomResponse":{"ResponseCode":418,"CustomResponseBodyKey":"g"}}},
		   "Statement":{"ByteMatchStatement":{"SearchString":"evil","FieldToMatch":{"UriPath":{}},"TextTransformations":[{"Priority":0,"Type":"LOWERCASE"}],"PositionalConstraint":"CONTAINS"}},
		   "VisibilityConfig":{"SampledRequestsEnabled":true,"CloudWatchMetricsEnabled":true,"MetricName":"g2"}}
		 ]}`),
	},
}

func acl(t testing.TB, def string, rules ...string) *ACL {
	t.Helper()
	a, err := Compile(aclJSON(def, rules...), testSets)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return a
}

func aclJSON(def string, rules ...string) json.RawMessage {
	if def == "" {
		def = `{"Allow":{}}`
	}
	return json.RawMessage(`{"Name":"main","Id":"1111","ARN":"` + aclARN + `","DefaultAction":` + def + `,
	 "CustomResponseBodies":{"blocked":{"ContentType":"APPLICATION_JSON","Content":"{\"error\":\"blocked\"}"}},
	 "VisibilityConfig":{"SampledRequestsEnabled":true,"CloudWatchMetricsEnabled":true,"MetricName":"main"},
	 "Rules":[` + strings.Join(rules, ",") + `]}`)
}

// ruleJSON builds a rule with the given priority, action and statement.
func ruleJSON(name string, prio int, act, stmt string, extra ...string) string {
	s := `{"Name":"` + name + `","Priority":` + itoa(int64(prio)) + `,"Action":` + act + `,"Statement":` + stmt
	for _, e := range extra {
		s += "," + e
	}
	return s + `,"VisibilityConfig":{"SampledRequestsEnabled":false,"CloudWatchMetricsEnabled":false,"MetricName":"` + name + `"}}`
}

func byteMatch(field, s, pos string, tts ...string) string {
	if len(tts) == 0 {
		tts = []string{"NONE"}
	}
	var tt []string
	for i, x := range tts {
		tt = append(tt, `{"Priority":`+itoa(int64(i))+`,"Type":"`+x+`"}`)
	}
	b, _ := json.Marshal(s)
	return `{"ByteMatchStatement":{"SearchString":` + string(b) + `,"FieldToMatch":` + field + `,"TextTransformations":[` + strings.Join(tt, ",") + `],"PositionalConstraint":"` + pos + `"}}`
}

const block = `{"Block":{}}`
const count = `{"Count":{}}`
const allow = `{"Allow":{}}`

func req(method, target string, hdr ...string) *Request {
	path, q, _ := strings.Cut(target, "?")
	r := &Request{Method: method, URIPath: path, RawQuery: q, Header: http.Header{}, SourceIP: "192.0.2.1", Now: time.Unix(1700000000, 0)}
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Add(hdr[i], hdr[i+1])
	}
	return r
}

func eval(t testing.TB, a *ACL, r *Request) Result {
	t.Helper()
	res, err := a.Evaluate(context.Background(), r, NewMemoryRateCounter())
	if err != nil {
		t.Fatalf("Evaluate: %v", err)
	}
	return res
}

func TestStatements(t *testing.T) {
	ua := `{"SingleHeader":{"Name":"User-Agent"}}`
	tests := []struct {
		name string
		stmt string
		r    *Request
		want bool
	}{
		{"exactly", byteMatch(`{"UriPath":{}}`, "/prod/pets", "EXACTLY"), req("GET", "/prod/pets"), true},
		{"exactly no", byteMatch(`{"UriPath":{}}`, "/prod/pets", "EXACTLY"), req("GET", "/prod/pets/1"), false},
		{"starts", byteMatch(`{"UriPath":{}}`, "/prod", "STARTS_WITH"), req("GET", "/prod/pets"), true},
		{"ends", byteMatch(`{"UriPath":{}}`, "pets", "ENDS_WITH"), req("GET", "/prod/pets"), true},
		{"contains header", byteMatch(ua, "badbot", "CONTAINS", "LOWERCASE"), req("GET", "/", "User-Agent", "Mozilla BadBot/1.0"), true},
		{"contains header case", byteMatch(ua, "badbot", "CONTAINS"), req("GET", "/", "User-Agent", "Mozilla BadBot/1.0"), false},
		{"missing header", byteMatch(ua, "x", "CONTAINS"), req("GET", "/"), false},
		{"contains word", byteMatch(`{"QueryString":{}}`, "drop", "CONTAINS_WORD"), req("GET", "/?q=drop+table"), true},
		{"contains word no", byteMatch(`{"QueryString":{}}`, "drop", "CONTAINS_WORD"), req("GET", "/?q=dropped"), false},
		{"contains word later", byteMatch(`{"QueryString":{}}`, "drop", "CONTAINS_WORD"), req("GET", "/?a=dropx&q=drop"), true},
		{"single arg ci", byteMatch(`{"SingleQueryArgument":{"Name":"USER"}}`, "admin", "EXACTLY"), req("GET", "/?user=admin"), true},
		{"single arg raw", byteMatch(`{"SingleQueryArgument":{"Name":"q"}}`, "a b", "EXACTLY"), req("GET", "/?q=a%20b"), false},
		{"single arg url decoded", byteMatch(`{"SingleQueryArgument":{"Name":"q"}}`, "a b", "EXACTLY", "URL_DECODE"), req("GET", "/?q=a%20b"), true},
		{"all args", byteMatch(`{"AllQueryArguments":{}}`, "x", "EXACTLY"), req("GET", "/?a=1&b=x"), true},
		{"method", byteMatch(`{"Method":{}}`, "DELETE", "EXACTLY"), req("DELETE", "/"), true},
		{"headers keys", byteMatch(`{"Headers":{"MatchPattern":{"All":{}},"MatchScope":"KEY","OversizeHandling":"CONTINUE"}}`, "x-debug", "EXACTLY"), req("GET", "/", "X-Debug", "1"), true},
		{"headers values excluded", byteMatch(`{"Headers":{"MatchPattern":{"ExcludedHeaders":["X-Debug"]},"MatchScope":"VALUE","OversizeHandling":"CONTINUE"}}`, "1", "EXACTLY"), req("GET", "/", "X-Debug", "1"), false},
		{"headers included", byteMatch(`{"Headers":{"MatchPattern":{"IncludedHeaders":["x-debug"]},"MatchScope":"ALL","OversizeHandling":"CONTINUE"}}`, "1", "EXACTLY"), req("GET", "/", "X-Debug", "1"), true},
		{"cookies", byteMatch(`{"Cookies":{"MatchPattern":{"IncludedCookies":["session"]},"MatchScope":"VALUE","OversizeHandling":"CONTINUE"}}`, "stolen", "EXACTLY"), req("GET", "/", "Cookie", "a=1; session=stolen"), true},
		{"cookies excluded", byteMatch(`{"Cookies":{"MatchPattern":{"ExcludedCookies":["session"]},"MatchScope":"VALUE","OversizeHandling":"CONTINUE"}}`, "stolen", "EXACTLY"), req("GET", "/", "Cookie", "a=1; session=stolen"), false},
		{"regex", `{"RegexMatchStatement":{"RegexString":"^/prod/(admin|root)","FieldToMatch":{"UriPath":{}},"TextTransformations":[{"Priority":0,"Type":"NONE"}]}}`, req("GET", "/prod/admin/x"), true},
		{"regex set", `{"RegexPatternSetReferenceStatement":{"ARN":"` + regexSetARN + `","FieldToMatch":{"UriPath":{}},"TextTransformations":[{"Priority":0,"Type":"NONE"}]}}`, req("GET", "/x/index.php"), true},
		{"regex set no", `{"RegexPatternSetReferenceStatement":{"ARN":"` + regexSetARN + `","FieldToMatch":{"UriPath":{}},"TextTransformations":[{"Priority":0,"Type":"NONE"}]}}`, req("GET", "/x/index.html"), false},
		{"size gt", `{"SizeConstraintStatement":{"FieldToMatch":{"QueryString":{}},"ComparisonOperator":"GT","Size":5,"TextTransformations":[{"Priority":0,"Type":"NONE"}]}}`, req("GET", "/?abcdef"), true},
		{"size le", `{"SizeConstraintStatement":{"FieldToMatch":{"QueryString":{}},"ComparisonOperator":"LE","Size":5,"TextTransformations":[{"Priority":0,"Type":"NONE"}]}}`, req("GET", "/?abcdef"), false},
		{"size eq", `{"SizeConstraintStatement":{"FieldToMatch":{"Method":{}},"ComparisonOperator":"EQ","Size":3,"TextTransformations":[{"Priority":0,"Type":"NONE"}]}}`, req("GET", "/"), true},
		{"size ne", `{"SizeConstraintStatement":{"FieldToMatch":{"Method":{}},"ComparisonOperator":"NE","Size":3,"TextTransformations":[{"Priority":0,"Type":"NONE"}]}}`, req("GET", "/"), false},
		{"size lt ge", `{"AndStatement":{"Statements":[{"SizeConstraintStatement":{"FieldToMatch":{"Method":{}},"ComparisonOperator":"LT","Size":4,"TextTransformations":[{"Priority":0,"Type":"NONE"}]}},{"SizeConstraintStatement":{"FieldToMatch":{"Method":{}},"ComparisonOperator":"GE","Size":3,"TextTransformations":[{"Priority":0,"Type":"NONE"}]}}]}}`, req("GET", "/"), true},
		{"ip set", `{"IPSetReferenceStatement":{"ARN":"` + ipSetARN + `"}}`, func() *Request { r := req("GET", "/"); r.SourceIP = "203.0.113.9"; return r }(), true},
		{"ip set /32", `{"IPSetReferenceStatement":{"ARN":"` + ipSetARN + `"}}`, func() *Request { r := req("GET", "/"); r.SourceIP = "198.51.100.7"; return r }(), true},
		{"ip set no", `{"IPSetReferenceStatement":{"ARN":"` + ipSetARN + `"}}`, req("GET", "/"), false},
		{"ip set fwd first", `{"IPSetReferenceStatement":{"ARN":"` + ipSetARN + `","IPSetForwardedIPConfig":{"HeaderName":"X-Forwarded-For","FallbackBehavior":"NO_MATCH","Position":"FIRST"}}}`, req("GET", "/", "X-Forwarded-For", "203.0.113.5, 10.0.0.1"), true},
		{"ip set fwd last", `{"IPSetReferenceStatement":{"ARN":"` + ipSetARN + `","IPSetForwardedIPConfig":{"HeaderName":"X-Forwarded-For","FallbackBehavior":"NO_MATCH","Position":"LAST"}}}`, req("GET", "/", "X-Forwarded-For", "203.0.113.5, 10.0.0.1"), false},
		{"ip set fwd any", `{"IPSetReferenceStatement":{"ARN":"` + ipSetARN + `","IPSetForwardedIPConfig":{"HeaderName":"X-Forwarded-For","FallbackBehavior":"NO_MATCH","Position":"ANY"}}}`, req("GET", "/", "X-Forwarded-For", "10.0.0.1, 203.0.113.5"), true},
		{"ip set fwd fallback match", `{"IPSetReferenceStatement":{"ARN":"` + ipSetARN + `","IPSetForwardedIPConfig":{"HeaderName":"X-Forwarded-For","FallbackBehavior":"MATCH","Position":"FIRST"}}}`, req("GET", "/", "X-Forwarded-For", "garbage"), true},
		{"ip set fwd missing header", `{"IPSetReferenceStatement":{"ARN":"` + ipSetARN + `","IPSetForwardedIPConfig":{"HeaderName":"X-Forwarded-For","FallbackBehavior":"MATCH","Position":"FIRST"}}}`, req("GET", "/"), false},
		{"geo", `{"GeoMatchStatement":{"CountryCodes":["KP","IR"]}}`, req("GET", "/", "CloudFront-Viewer-Country", "kp"), true},
		{"geo no", `{"GeoMatchStatement":{"CountryCodes":["KP","IR"]}}`, req("GET", "/", "CloudFront-Viewer-Country", "US"), false},
		{"sqli", `{"SqliMatchStatement":{"FieldToMatch":{"AllQueryArguments":{}},"TextTransformations":[{"Priority":0,"Type":"URL_DECODE"}]}}`, req("GET", "/?id=1%27%20OR%20%271%27%3D%271"), true},
		{"sqli benign", `{"SqliMatchStatement":{"FieldToMatch":{"AllQueryArguments":{}},"TextTransformations":[{"Priority":0,"Type":"URL_DECODE"}]}}`, req("GET", "/?id=42&name=O%27Brien"), false},
		{"xss", `{"XssMatchStatement":{"FieldToMatch":{"AllQueryArguments":{}},"TextTransformations":[{"Priority":0,"Type":"URL_DECODE"},{"Priority":1,"Type":"HTML_ENTITY_DECODE"}]}}`, req("GET", "/?q=%3Cscript%3Ealert(1)%3C/script%3E"), true},
		{"xss benign", `{"XssMatchStatement":{"FieldToMatch":{"AllQueryArguments":{}},"TextTransformations":[{"Priority":0,"Type":"URL_DECODE"}]}}`, req("GET", "/?q=fish+%26+chips"), false},
		{"and", `{"AndStatement":{"Statements":[` + byteMatch(`{"Method":{}}`, "POST", "EXACTLY") + `,` + byteMatch(`{"UriPath":{}}`, "/login", "ENDS_WITH") + `]}}`, req("POST", "/prod/login"), true},
		{"and no", `{"AndStatement":{"Statements":[` + byteMatch(`{"Method":{}}`, "POST", "EXACTLY") + `,` + byteMatch(`{"UriPath":{}}`, "/login", "ENDS_WITH") + `]}}`, req("GET", "/prod/login"), false},
		{"or", `{"OrStatement":{"Statements":[` + byteMatch(`{"Method":{}}`, "POST", "EXACTLY") + `,` + byteMatch(`{"UriPath":{}}`, "/login", "ENDS_WITH") + `]}}`, req("GET", "/prod/login"), true},
		{"not", `{"NotStatement":{"Statement":` + byteMatch(`{"Method":{}}`, "GET", "EXACTLY") + `}}`, req("GET", "/"), false},
		{"not not", `{"NotStatement":{"Statement":{"NotStatement":{"Statement":` + byteMatch(`{"Method":{}}`, "GET", "EXACTLY") + `}}}}`, req("GET", "/"), true},
		{"nested", `{"AndStatement":{"Statements":[{"NotStatement":{"Statement":{"IPSetReferenceStatement":{"ARN":"` + ipSetARN + `"}}}},{"OrStatement":{"Statements":[` + byteMatch(`{"UriPath":{}}`, "/a", "EXACTLY") + `,` + byteMatch(`{"UriPath":{}}`, "/b", "EXACTLY") + `]}}]}}`, req("GET", "/b"), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := acl(t, "", ruleJSON("r", 0, block, tt.stmt))
			res := eval(t, a, tt.r)
			if got := res.Action == "BLOCK"; got != tt.want {
				t.Fatalf("matched = %v, want %v (result %+v)", got, tt.want, res)
			}
			if tt.want && res.Match == nil {
				t.Errorf("no match detail")
			}
		})
	}
}

func TestMatchDetail(t *testing.T) {
	a := acl(t, "", ruleJSON("bad-ua", 3, block, `{"AndStatement":{"Statements":[`+byteMatch(`{"Method":{}}`, "GET", "EXACTLY")+`,`+byteMatch(`{"SingleHeader":{"Name":"User-Agent"}}`, "badbot", "CONTAINS", "LOWERCASE")+`]}}`))
	res := eval(t, a, req("GET", "/", "User-Agent", "XBadBot"))
	want := &MatchDetail{StatementPath: "WebACL.Rules[0].Statement.AndStatement.Statements[1].ByteMatchStatement", Statement: "ByteMatchStatement",
		FieldToMatch: "SingleHeader{user-agent}", Value: "xbadbot", Pattern: "badbot"}
	if d := cmp.Diff(want, res.Match); d != "" {
		t.Errorf("match detail (-want +got):\n%s", d)
	}
	if res.TerminatingRuleID != "bad-ua" || res.TerminatingRuleType != "REGULAR" {
		t.Errorf("terminating = %s/%s", res.TerminatingRuleID, res.TerminatingRuleType)
	}
}

func TestRuleOrderCountLabels(t *testing.T) {
	a := acl(t, "",
		// Declared out of order: priority decides.
		ruleJSON("block-flagged", 20, block, `{"LabelMatchStatement":{"Scope":"LABEL","Key":"flag:suspicious"}}`),
		ruleJSON("flag", 10, count, byteMatch(`{"UriPath":{}}`, "/admin", "STARTS_WITH"), `"RuleLabels":[{"Name":"flag:suspicious"}]`),
		ruleJSON("allow-health", 5, allow, byteMatch(`{"UriPath":{}}`, "/admin/health", "EXACTLY"), `"RuleLabels":[{"Name":"health"}]`),
		ruleJSON("ns", 30, block, `{"LabelMatchStatement":{"Scope":"NAMESPACE","Key":"awswaf:123456789012:webacl:main:other"}}`),
	)
	res := eval(t, a, req("GET", "/admin/users"))
	want := Result{WebACLArn: aclARN, Action: "BLOCK", TerminatingRuleID: "block-flagged", TerminatingRuleType: "REGULAR",
		Labels: []string{"awswaf:123456789012:webacl:main:flag:suspicious"},
		NonTerminatingMatches: []RuleMatch{{RuleID: "flag", Action: "COUNT", Match: &MatchDetail{StatementPath: "WebACL.Rules[1].Statement.ByteMatchStatement",
			Statement: "ByteMatchStatement", FieldToMatch: "UriPath", Value: "/admin/users", Pattern: "/admin"}}},
		Match: &MatchDetail{StatementPath: "WebACL.Rules[0].Statement.LabelMatchStatement", Statement: "LabelMatchStatement",
			Value: "awswaf:123456789012:webacl:main:flag:suspicious", Pattern: "flag:suspicious"}}
	if d := cmp.Diff(want, res); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	// The Allow at priority 5 wins before the Count; its label is still added.
	res = eval(t, a, req("GET", "/admin/health"))
	if res.Action != "ALLOW" || res.TerminatingRuleID != "allow-health" || !cmp.Equal(res.Labels, []string{"awswaf:123456789012:webacl:main:health"}) {
		t.Errorf("health: %+v", res)
	}
	res = eval(t, a, req("GET", "/other"))
	if res.Action != "ALLOW" || res.TerminatingRuleID != "Default_Action" || res.TerminatingRuleType != "REGULAR" {
		t.Errorf("default: %+v", res)
	}
}

func TestLabelMatchScopes(t *testing.T) {
	labels := []string{"awswaf:111:webacl:w:ns1:ns2:name"}
	tests := []struct {
		scope, key string
		want       bool
	}{
		{"LABEL", "name", true},
		{"LABEL", "ns2:name", true},
		{"LABEL", "awswaf:111:webacl:w:ns1:ns2:name", true},
		{"LABEL", "me", false},
		{"LABEL", "ns1:name", false},
		{"NAMESPACE", "ns2:", true},
		{"NAMESPACE", "ns1:ns2:", true},
		{"NAMESPACE", "ns1:", false},
		{"NAMESPACE", "s2:", false},
		{"NAMESPACE", "awswaf:111:webacl:w:ns1:ns2", true},
	}
	for _, tt := range tests {
		key := tt.key
		if tt.scope == "NAMESPACE" && !strings.HasSuffix(key, ":") {
			key += ":"
		}
		m := &labelMatch{scope: tt.scope, key: key}
		e := &evalCtx{labels: labels}
		if got, _ := m.match(e); got != tt.want {
			t.Errorf("%s %q = %v, want %v", tt.scope, tt.key, got, tt.want)
		}
	}
}

func TestCustomResponsesAndActions(t *testing.T) {
	a := acl(t, `{"Block":{"CustomResponse":{"ResponseCode":451,"ResponseHeaders":[{"Name":"x-why","Value":"default"}]}}}`,
		ruleJSON("custom", 0, `{"Block":{"CustomResponse":{"ResponseCode":429,"CustomResponseBodyKey":"blocked","ResponseHeaders":[{"Name":"Retry-After","Value":"60"}]}}}`, byteMatch(`{"UriPath":{}}`, "/custom", "EXACTLY")),
		ruleJSON("captcha", 1, `{"Captcha":{}}`, byteMatch(`{"UriPath":{}}`, "/captcha", "EXACTLY")),
		ruleJSON("challenge", 2, `{"Challenge":{}}`, byteMatch(`{"UriPath":{}}`, "/challenge", "EXACTLY")),
		ruleJSON("tag", 3, `{"Count":{"CustomRequestHandling":{"InsertHeaders":[{"Name":"tagged","Value":"yes"}]}}}`, byteMatch(`{"UriPath":{}}`, "/tag", "EXACTLY")),
		ruleJSON("allow", 4, allow, byteMatch(`{"UriPath":{}}`, "/tag", "EXACTLY")),
	)
	tests := []struct {
		path   string
		action string
		resp   *CustomResponse
		insert [][2]string
	}{
		{"/custom", "BLOCK", &CustomResponse{StatusCode: 429, Headers: [][2]string{{"Retry-After", "60"}}, Body: []byte(`{"error":"blocked"}`), ContentType: "application/json"}, nil},
		{"/captcha", "CAPTCHA", &CustomResponse{StatusCode: 405, Headers: [][2]string{{"x-amzn-waf-action", "captcha"}}}, nil},
		{"/challenge", "CHALLENGE", &CustomResponse{StatusCode: 202, Headers: [][2]string{{"x-amzn-waf-action", "challenge"}}}, nil},
		{"/tag", "ALLOW", nil, [][2]string{{"x-amzn-waf-tagged", "yes"}}},
		{"/none", "BLOCK", &CustomResponse{StatusCode: 451, Headers: [][2]string{{"x-why", "default"}}}, nil},
	}
	for _, tt := range tests {
		res := eval(t, a, req("GET", tt.path))
		if res.Action != tt.action {
			t.Errorf("%s: action %s, want %s", tt.path, res.Action, tt.action)
		}
		if d := cmp.Diff(tt.resp, res.CustomResponse); d != "" {
			t.Errorf("%s: response (-want +got):\n%s", tt.path, d)
		}
		if d := cmp.Diff(tt.insert, res.InsertedHeaders); d != "" {
			t.Errorf("%s: inserted (-want +got):\n%s", tt.path, d)
		}
	}
}

func groupRule(override string, extra string) string {
	return `{"Name":"grp-ref","Priority":1,"OverrideAction":` + override + `,"Statement":{"RuleGroupReferenceStatement":{"ARN":"` + groupARN + `"` + extra + `}},"VisibilityConfig":{"SampledRequestsEnabled":false,"CloudWatchMetricsEnabled":false,"MetricName":"g"}}`
}

func TestRuleGroups(t *testing.T) {
	after := ruleJSON("after", 2, block, `{"LabelMatchStatement":{"Scope":"LABEL","Key":"rulegroup:grp:seen"}}`)
	tests := []struct {
		name     string
		override string
		extra    string
		path     string
		want     Result
	}{
		{"none blocks", `{"None":{}}`, "", "/g/evil", Result{Action: "BLOCK", TerminatingRuleID: "grp-ref", TerminatingRuleType: "GROUP",
			CustomResponse: &CustomResponse{StatusCode: 418, Body: []byte("group says no"), ContentType: "text/plain"},
			RuleGroupList: []RuleGroupEntry{{RuleGroupID: groupARN, NonTerminatingMatchingRules: []RuleMatch{{RuleID: "g-count", Action: "COUNT"}},
				TerminatingRule: &RuleMatch{RuleID: "g-block", Action: "BLOCK"}}},
			Labels: []string{"awswaf:123456789012:rulegroup:grp:seen"}}},
		{"override count continues", `{"Count":{}}`, "", "/g/evil", Result{Action: "BLOCK", TerminatingRuleID: "after", TerminatingRuleType: "REGULAR",
			RuleGroupList: []RuleGroupEntry{{RuleGroupID: groupARN, NonTerminatingMatchingRules: []RuleMatch{{RuleID: "g-count", Action: "COUNT"}},
				TerminatingRule: &RuleMatch{RuleID: "g-block", Action: "BLOCK"}}},
			NonTerminatingMatches: []RuleMatch{{RuleID: "grp-ref", Action: "COUNT"}},
			Labels:                []string{"awswaf:123456789012:rulegroup:grp:seen"}}},
		{"excluded", `{"None":{}}`, `,"ExcludedRules":[{"Name":"g-block"}]`, "/x/evil", Result{Action: "ALLOW", TerminatingRuleID: "Default_Action", TerminatingRuleType: "REGULAR",
			RuleGroupList: []RuleGroupEntry{{RuleGroupID: groupARN, NonTerminatingMatchingRules: []RuleMatch{{RuleID: "g-block", Action: "COUNT"}}, ExcludedRules: []string{"g-block"}}}}},
		{"action override", `{"None":{}}`, `,"RuleActionOverrides":[{"Name":"g-block","ActionToUse":{"Allow":{}}}]`, "/x/evil", Result{Action: "ALLOW", TerminatingRuleID: "grp-ref", TerminatingRuleType: "GROUP",
			RuleGroupList: []RuleGroupEntry{{RuleGroupID: groupARN, TerminatingRule: &RuleMatch{RuleID: "g-block", Action: "ALLOW"}}}}},
		{"no match", `{"None":{}}`, "", "/x/fine", Result{Action: "ALLOW", TerminatingRuleID: "Default_Action", TerminatingRuleType: "REGULAR"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := acl(t, "", groupRule(tt.override, tt.extra), after)
			res := eval(t, a, req("GET", tt.path))
			tt.want.WebACLArn = aclARN
			if d := cmp.Diff(tt.want, res, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Match" }, cmp.Ignore())); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func TestOversizeHandling(t *testing.T) {
	big := []byte(strings.Repeat("a", DefaultBodyInspectionLimit) + "evil")
	small := []byte("hello evil")
	tests := []struct {
		handling string
		body     []byte
		want     bool
	}{
		{"CONTINUE", big, false}, // "evil" is past the 16 KB the WAF sees
		{"MATCH", big, true},
		{"NO_MATCH", big, false},
		{"CONTINUE", small, true},
		{"MATCH", small, true},
		{"NO_MATCH", small, true},
	}
	for _, tt := range tests {
		a := acl(t, "", ruleJSON("body", 0, block, byteMatch(`{"Body":{"OversizeHandling":"`+tt.handling+`"}}`, "evil", "CONTAINS")))
		r := req("POST", "/")
		r.Body = tt.body
		if got := eval(t, a, r).Action == "BLOCK"; got != tt.want {
			t.Errorf("%s len %d: %v, want %v", tt.handling, len(tt.body), got, tt.want)
		}
	}
	// NotStatement inverts the oversize outcome too.
	a := acl(t, "", ruleJSON("body", 0, block, `{"NotStatement":{"Statement":`+byteMatch(`{"Body":{"OversizeHandling":"NO_MATCH"}}`, "zzz", "CONTAINS")+`}}`))
	r := req("POST", "/")
	r.Body = big
	if eval(t, a, r).Action != "BLOCK" {
		t.Error("NOT(NO_MATCH oversize) should match")
	}
	// A bigger inspection limit from AssociationConfig.
	raw := strings.Replace(string(aclJSON("", ruleJSON("body", 0, block, byteMatch(`{"Body":{"OversizeHandling":"CONTINUE"}}`, "evil", "CONTAINS")))), `"Rules"`,
		`"AssociationConfig":{"RequestBody":{"API_GATEWAY":{"DefaultSizeInspectionLimit":"KB_32"}}},"Rules"`, 1)
	a2, err := Compile(json.RawMessage(raw), testSets)
	if err != nil {
		t.Fatal(err)
	}
	r.Body = big
	if eval(t, a2, r).Action != "BLOCK" {
		t.Error("with KB_32 the tail should be inspected")
	}
	// Headers over 8 KB with OversizeHandling MATCH.
	a3 := acl(t, "", ruleJSON("h", 0, block, byteMatch(`{"Headers":{"MatchPattern":{"All":{}},"MatchScope":"VALUE","OversizeHandling":"MATCH"}}`, "nope", "EXACTLY")))
	if eval(t, a3, req("GET", "/", "X-Big", strings.Repeat("b", 9000))).Action != "BLOCK" {
		t.Error("oversize headers should match")
	}
	if eval(t, a3, req("GET", "/", "X-Small", "b")).Action != "ALLOW" {
		t.Error("small headers should not match")
	}
}

func TestJSONBody(t *testing.T) {
	body := []byte(`{"user":{"name":"alice","role":"admin"},"tags":["x","drop table"],"n":42,"ok":true}`)
	tests := []struct {
		field string
		s     string
		body  []byte
		want  bool
	}{
		{`{"JsonBody":{"MatchPattern":{"All":{}},"MatchScope":"VALUE"}}`, "admin", body, true},
		{`{"JsonBody":{"MatchPattern":{"All":{}},"MatchScope":"KEY"}}`, "admin", body, false},
		{`{"JsonBody":{"MatchPattern":{"All":{}},"MatchScope":"KEY"}}`, "role", body, true},
		{`{"JsonBody":{"MatchPattern":{"All":{}},"MatchScope":"ALL"}}`, "role", body, true},
		{`{"JsonBody":{"MatchPattern":{"IncludedPaths":["/tags"]},"MatchScope":"VALUE"}}`, "drop table", body, true},
		{`{"JsonBody":{"MatchPattern":{"IncludedPaths":["/tags"]},"MatchScope":"VALUE"}}`, "admin", body, false},
		{`{"JsonBody":{"MatchPattern":{"IncludedPaths":["/user/role"]},"MatchScope":"VALUE"}}`, "admin", body, true},
		{`{"JsonBody":{"MatchPattern":{"All":{}},"MatchScope":"VALUE"}}`, "42", body, true},
		{`{"JsonBody":{"MatchPattern":{"All":{}},"MatchScope":"VALUE","InvalidFallbackBehavior":"MATCH"}}`, "zzz", []byte(`{"a":`), true},
		{`{"JsonBody":{"MatchPattern":{"All":{}},"MatchScope":"VALUE","InvalidFallbackBehavior":"NO_MATCH"}}`, "zzz", []byte(`{"a":`), false},
		{`{"JsonBody":{"MatchPattern":{"All":{}},"MatchScope":"VALUE","InvalidFallbackBehavior":"EVALUATE_AS_STRING"}}`, "{\"a\":", []byte(`{"a":`), true},
	}
	for i, tt := range tests {
		a := acl(t, "", ruleJSON("j", 0, block, byteMatch(tt.field, tt.s, "EXACTLY")))
		r := req("POST", "/")
		r.Body = tt.body
		if got := eval(t, a, r).Action == "BLOCK"; got != tt.want {
			t.Errorf("%d %s %q: %v, want %v", i, tt.field, tt.s, got, tt.want)
		}
	}
}
