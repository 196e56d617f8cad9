package waf

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

func FuzzCompile(f *testing.F) {
	f.Add([]byte(aclJSON("", ruleJSON("r", 0, block, byteMatch(`{"UriPath":{}}`, "x", "CONTAINS", "URL_DECODE")))))
	f.Add([]byte(aclJSON(`{"Block":{}}`, groupRule(`{"None":{}}`, ""))))
	f.Add([]byte(aclJSON("", ruleJSON("r", 0, block, `{"RateBasedStatement":{"Limit":10,"AggregateKeyType":"CUSTOM_KEYS","CustomKeys":[{"HTTPMethod":{}}]}}`))))
	f.Add([]byte(`{"WebACL":{"Name":"x"},"LockToken":"y"}`))
	f.Add([]byte(`{"Rules":[{"Statement":{"AndStatement":{"Statements":[{}]}}}]}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		a, err := Compile(json.RawMessage(raw), testSets)
		if err != nil {
			return
		}
		if _, err := a.Evaluate(context.Background(), req("GET", "/x?a=1"), NewMemoryRateCounter()); err != nil {
			t.Fatal(err)
		}
	})
}

func FuzzEvaluate(f *testing.F) {
	a := benchACL(f)
	f.Add("GET", "/prod/pets", "id=1", "Mozilla", "203.0.113.4", []byte(`{"a":[1,"x"]}`))
	f.Add("POST", "/../a", "q=%3Cscript%3E&&=", "", "::ffff:1.2.3.4", []byte("{"))
	f.Add("", "", "%", "\x00", "1.2.3.4:99", []byte(nil))
	f.Fuzz(func(t *testing.T, method, path, query, ua, ip string, body []byte) {
		r := &Request{Method: method, URIPath: path, RawQuery: query, Header: http.Header{"User-Agent": {ua}, "Cookie": {ua}, "X-Forwarded-For": {ip}},
			Body: body, SourceIP: ip, Now: time.Unix(1700000000, 0)}
		res, err := a.Evaluate(context.Background(), r, NewMemoryRateCounter())
		if err != nil {
			t.Fatal(err)
		}
		if res.Action != "ALLOW" && res.Action != "BLOCK" && res.Action != "CAPTCHA" && res.Action != "CHALLENGE" {
			t.Fatalf("action %q", res.Action)
		}
		res.LogJSON(r, LogInfo{})
	})
}
