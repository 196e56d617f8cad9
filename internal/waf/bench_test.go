package waf

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// benchACL is a 10-rule web ACL: an IP set, byte matches on several fields with
// transformations, a regex, a size constraint, a rate rule, SQLi and XSS on query arguments.
func benchACL(tb testing.TB) *ACL {
	return acl(tb, "",
		ruleJSON("ip", 0, block, `{"IPSetReferenceStatement":{"ARN":"`+ipSetARN+`"}}`),
		ruleJSON("ua", 1, block, byteMatch(`{"SingleHeader":{"Name":"User-Agent"}}`, "sqlmap", "CONTAINS", "LOWERCASE")),
		ruleJSON("path", 2, block, byteMatch(`{"UriPath":{}}`, "/admin", "STARTS_WITH", "URL_DECODE", "NORMALIZE_PATH", "LOWERCASE")),
		ruleJSON("method", 3, block, byteMatch(`{"Method":{}}`, "TRACE", "EXACTLY")),
		ruleJSON("cookie", 4, count, byteMatch(`{"Cookies":{"MatchPattern":{"All":{}},"MatchScope":"VALUE","OversizeHandling":"CONTINUE"}}`, "debug", "CONTAINS_WORD", "LOWERCASE")),
		ruleJSON("regex", 5, block, `{"RegexMatchStatement":{"RegexString":"(?i)\\.(php|asp|jsp)$","FieldToMatch":{"UriPath":{}},"TextTransformations":[{"Priority":0,"Type":"NONE"}]}}`),
		ruleJSON("size", 6, block, `{"SizeConstraintStatement":{"FieldToMatch":{"QueryString":{}},"ComparisonOperator":"GT","Size":2048,"TextTransformations":[{"Priority":0,"Type":"NONE"}]}}`),
		ruleJSON("rate", 7, block, `{"RateBasedStatement":{"Limit":2000000000,"AggregateKeyType":"IP"}}`),
		ruleJSON("sqli", 8, block, `{"SqliMatchStatement":{"FieldToMatch":{"AllQueryArguments":{}},"TextTransformations":[{"Priority":0,"Type":"URL_DECODE"}]}}`),
		ruleJSON("xss", 9, block, `{"XssMatchStatement":{"FieldToMatch":{"AllQueryArguments":{}},"TextTransformations":[{"Priority":0,"Type":"URL_DECODE"},{"Priority":1,"Type":"HTML_ENTITY_DECODE"}]}}`),
	)
}

func BenchmarkEvaluate(b *testing.B) {
	a := benchACL(b)
	rc := NewMemoryRateCounter()
	r := &Request{Method: "GET", URIPath: "/prod/pets/42", RawQuery: "limit=10&sort=name&q=brown+dog",
		Header:   http.Header{"User-Agent": {"Mozilla/5.0 (X11; Linux x86_64)"}, "Accept": {"application/json"}, "Cookie": {"session=abc123; theme=dark"}},
		SourceIP: "192.0.2.10", Now: time.Unix(1700000000, 0)}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		res, err := a.Evaluate(ctx, r, rc)
		if err != nil || res.Action != "ALLOW" {
			b.Fatal(res.Action, err)
		}
	}
}
