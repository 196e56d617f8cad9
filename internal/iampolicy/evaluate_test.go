package iampolicy

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func resourcePolicy(principal string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":` + principal +
		`,"Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}`
}

func TestPrincipalForms(t *testing.T) {
	anon := Principal{Anonymous: true}
	root := Principal{ARN: "arn:aws:iam::123456789012:root", Account: "123456789012", Type: "Account"}
	bob := Principal{ARN: "arn:aws:iam::123456789012:user/bob"} // account derived from the ARN
	tests := []struct {
		name      string
		principal string
		caller    Principal
		want      bool
	}{
		{"star matches user", `"*"`, alice(), true},
		{"star matches anonymous", `"*"`, anon, true},
		{"AWS star matches anonymous", `{"AWS":"*"}`, anon, true},
		{"AWS star in list", `{"AWS":["arn:aws:iam::999999999999:root","*"]}`, ciSession(), true},
		{"account ID matches user", `{"AWS":"123456789012"}`, alice(), true},
		{"account ID matches root", `{"AWS":"123456789012"}`, root, true},
		{"account ID from ARN", `{"AWS":"123456789012"}`, bob, true},
		{"account root ARN matches user", `{"AWS":"arn:aws:iam::123456789012:root"}`, alice(), true},
		{"account root ARN other account", `{"AWS":"arn:aws:iam::123456789012:root"}`, ciSession(), false},
		{"account does not match anonymous", `{"AWS":"123456789012"}`, anon, false},
		{"user ARN", `{"AWS":"arn:aws:iam::123456789012:user/alice"}`, alice(), true},
		{"other user ARN", `{"AWS":"arn:aws:iam::123456789012:user/alice"}`, bob, false},
		{"role ARN matches its sessions", `{"AWS":"arn:aws:iam::111122223333:role/ci"}`, ciSession(), true},
		{"session ARN", `{"AWS":"arn:aws:sts::111122223333:assumed-role/ci/b7"}`, ciSession(), true},
		{"other session ARN", `{"AWS":"arn:aws:sts::111122223333:assumed-role/ci/other"}`, ciSession(), false},
		{"wildcard inside ARN is literal", `{"AWS":"arn:aws:iam::123456789012:user/*"}`, alice(), false},
		{"user unique ID", `{"AWS":"AIDAEXAMPLEALICE"}`, alice(), true},
		{"role unique ID matches session", `{"AWS":"AROAEXAMPLECIROLE01"}`, ciSession(), true},
		{"other unique ID", `{"AWS":"AIDAEXAMPLEBOB00"}`, alice(), false},
		{"service principal never matches", `{"Service":"lambda.amazonaws.com"}`, alice(), false},
		{"list OR", `{"AWS":["arn:aws:iam::123456789012:user/bob","arn:aws:iam::123456789012:user/alice"]}`, alice(), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := mustParse(t, resourcePolicy(tc.principal), resourceOpts)
			res := p.Evaluate(invoke(tc.caller, nil))
			if got := res.Effect == Allow; got != tc.want {
				t.Errorf("Principal %s, caller %+v: allow = %v, want %v (%s)", tc.principal, tc.caller, got, tc.want, res.Statements[0].Detail)
			}
			if !tc.want && res.Statements[0].Failed != "Principal" {
				t.Errorf("Failed = %q, want Principal", res.Statements[0].Failed)
			}
		})
	}
}

func TestNotPrincipal(t *testing.T) {
	deny := func(list string) string {
		return `{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"},
			{"Sid":"OnlyListed","Effect":"Deny","NotPrincipal":{"AWS":` + list + `},"Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}`
	}
	tests := []struct {
		name   string
		list   string
		caller Principal
		want   Effect
	}{
		{"user with account exempt", `["arn:aws:iam::123456789012:user/alice","arn:aws:iam::123456789012:root"]`, alice(), Allow},
		{"user without account not exempt", `["arn:aws:iam::123456789012:user/alice"]`, alice(), Deny},
		{"account only does not exempt its users", `["123456789012"]`, alice(), Deny},
		{"other user denied", `["arn:aws:iam::123456789012:user/bob","123456789012"]`, alice(), Deny},
		{"session role account exempt", `["arn:aws:sts::111122223333:assumed-role/ci/b7","arn:aws:iam::111122223333:role/ci","111122223333"]`, ciSession(), Allow},
		{"session without role not exempt", `["arn:aws:sts::111122223333:assumed-role/ci/b7","111122223333"]`, ciSession(), Deny},
		{"anonymous never exempt", `["arn:aws:iam::123456789012:user/alice","123456789012"]`, Principal{Anonymous: true}, Deny},
		{"star exempts everyone", `"*"`, Principal{Anonymous: true}, Allow},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := mustParse(t, deny(tc.list), resourceOpts).Evaluate(invoke(tc.caller, nil))
			if res.Effect != tc.want {
				t.Errorf("effect = %q, want %q; statement 1: %+v", res.Effect, tc.want, res.Statements[1])
			}
			if tc.want == Allow && res.Statements[1].Failed != "NotPrincipal" {
				t.Errorf("Failed = %q, want NotPrincipal", res.Statements[1].Failed)
			}
		})
	}
}

func TestActionsAndResources(t *testing.T) {
	tests := []struct {
		name     string
		elements string // Action/NotAction and Resource/NotResource members
		req      Request
		want     Effect
		failed   string
	}{
		{"exact action", `"Action":"execute-api:Invoke","Resource":"*"`, Request{Action: "execute-api:Invoke"}, Allow, ""},
		{"action case-insensitive", `"Action":"EXECUTE-API:invoke","Resource":"*"`, Request{Action: "execute-api:Invoke"}, Allow, ""},
		{"action service star", `"Action":"execute-api:*","Resource":"*"`, Request{Action: "execute-api:InvalidateCache"}, Allow, ""},
		{"action prefix glob", `"Action":"execute-api:Inv*","Resource":"*"`, Request{Action: "execute-api:Invoke"}, Allow, ""},
		{"action question glob", `"Action":"execute-api:Invok?","Resource":"*"`, Request{Action: "execute-api:Invoke"}, Allow, ""},
		{"action star", `"Action":"*","Resource":"*"`, Request{Action: "execute-api:Invoke"}, Allow, ""},
		{"other action", `"Action":["execute-api:InvalidateCache","s3:*"],"Resource":"*"`, Request{Action: "execute-api:Invoke"}, Neither, "Action"},
		{"NotAction excludes", `"NotAction":"execute-api:Invoke","Resource":"*"`, Request{Action: "execute-api:Invoke"}, Neither, "NotAction"},
		{"NotAction other", `"NotAction":"execute-api:InvalidateCache","Resource":"*"`, Request{Action: "execute-api:Invoke"}, Allow, ""},
		{"resource exact", `"Action":"*","Resource":"` + testARN + `"`, Request{Resource: testARN}, Allow, ""},
		{"resource star crosses slash", `"Action":"*","Resource":"arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/*"`, Request{Resource: testARN}, Allow, ""},
		{"resource star crosses colon", `"Action":"*","Resource":"arn:aws:execute-api:*"`, Request{Resource: testARN}, Allow, ""},
		{"resource stars per field", `"Action":"*","Resource":"arn:aws:execute-api:*:*:*"`, Request{Resource: testARN}, Allow, ""},
		{"resource method glob", `"Action":"*","Resource":"arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/*/GET/pets/*"`, Request{Resource: testARN}, Allow, ""},
		{"resource case-sensitive", `"Action":"*","Resource":"arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/*/get/pets/*"`, Request{Resource: testARN}, Neither, "Resource"},
		{"resource path too short", `"Action":"*","Resource":"arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/*/GET/pets"`, Request{Resource: testARN}, Neither, "Resource"},
		{"resource question", `"Action":"*","Resource":"arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/GET/pets/?"`, Request{Resource: testARN}, Allow, ""},
		{"NotResource excludes", `"Action":"*","NotResource":"arn:aws:execute-api:*:*:*/prod/*"`, Request{Resource: testARN}, Neither, "NotResource"},
		{"NotResource other", `"Action":"*","NotResource":"arn:aws:execute-api:*:*:*/dev/*"`, Request{Resource: testARN}, Allow, ""},
		{"resource variable", `"Action":"*","Resource":"arn:aws:execute-api:*:*:a1b2c3d4e5/*/GET/users/${aws:username}"`,
			Request{Principal: alice(), Resource: "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/GET/users/alice"}, Allow, ""},
		{"resource variable other user", `"Action":"*","Resource":"arn:aws:execute-api:*:*:a1b2c3d4e5/*/GET/users/${aws:username}"`,
			Request{Principal: alice(), Resource: "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/GET/users/bob"}, Neither, "Resource"},
		{"resource variable value is literal", `"Action":"*","Resource":"arn:aws:execute-api:*:*:a1b2c3d4e5/*/GET/users/${aws:username}"`,
			Request{Principal: Principal{ARN: "arn:aws:iam::123456789012:user/x", Username: "*"}, Resource: "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/GET/users/bob"}, Neither, "Resource"},
		{"resource variable missing", `"Action":"*","Resource":"arn:aws:execute-api:*:*:a1b2c3d4e5/*/GET/users/${aws:username}"`,
			Request{Principal: ciSession(), Resource: "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/GET/users/"}, Neither, "Resource"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := `{"Version":"2012-10-17","Statement":{"Effect":"Allow",` + tc.elements + `}}`
			res := mustParse(t, doc, ParseOptions{}).Evaluate(&tc.req)
			if res.Effect != tc.want || res.Statements[0].Failed != tc.failed {
				t.Errorf("got effect %q failed %q, want %q %q (%s)", res.Effect, res.Statements[0].Failed, tc.want, tc.failed, res.Statements[0].Detail)
			}
		})
	}
}

func TestShorthandExpansion(t *testing.T) {
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke",
		"Resource":["execute-api:/prod/GET/pets/*","execute-api:/*/POST/orders"]}]}`
	p := mustParse(t, doc, resourceOpts)
	for _, tc := range []struct {
		resource string
		want     Effect
	}{
		{testARN, Allow},
		{"arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/dev/POST/orders", Allow},
		{"arn:aws:execute-api:us-east-1:123456789012:zzzzzzzzzz/prod/GET/pets/1", Neither},
		{"arn:aws:execute-api:us-west-2:123456789012:a1b2c3d4e5/prod/GET/pets/1", Neither},
		{"arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/DELETE/pets/1", Neither},
	} {
		if got := p.Evaluate(&Request{Action: "execute-api:Invoke", Resource: tc.resource}).Effect; got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.resource, got, tc.want)
		}
	}
	res := p.Evaluate(&Request{Action: "execute-api:Invoke", Resource: "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/PUT/x"})
	want := `Resource ["arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/GET/pets/*","arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/*/POST/orders"] did not match "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/PUT/x"`
	if got := res.Statements[0].Detail; got != want {
		t.Errorf("Detail\n got %s\nwant %s", got, want)
	}

	cn := mustParse(t, `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"execute-api:/*"}}`,
		ParseOptions{Kind: Resource, Region: "cn-north-1", AccountID: testAccount, APIID: testAPI})
	if got := cn.Evaluate(&Request{Action: "execute-api:Invoke", Resource: "arn:aws-cn:execute-api:cn-north-1:123456789012:a1b2c3d4e5/prod/GET/"}).Effect; got != Allow {
		t.Errorf("aws-cn partition: got %q", got)
	}
}

// TestEvaluateResult checks the whole Result for a typical resource policy: an allow for the
// account, an IP deny, and a statement for another API.
func TestEvaluateResult(t *testing.T) {
	doc := `{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "AllowAccount", "Effect": "Allow", "Principal": {"AWS": "123456789012"},
     "Action": "execute-api:Invoke", "Resource": "execute-api:/*"},
    {"Sid": "DenyOutsideOffice", "Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke",
     "Resource": "execute-api:/*", "Condition": {"NotIpAddress": {"aws:SourceIp": ["203.0.113.0/24"]}}},
    {"Sid": "Other", "Effect": "Allow", "Principal": "*", "Action": "execute-api:InvalidateCache", "Resource": "*"}
  ]
}`
	p := mustParse(t, doc, resourceOpts)

	inOffice := p.Evaluate(invoke(alice(), ctx{"aws:sourceip": {"203.0.113.7"}}))
	want := Result{Effect: Allow, Deciding: []int{0}, Statements: []StatementResult{
		{Index: 0, Sid: "AllowAccount", Effect: "Allow", Applies: true},
		{Index: 1, Sid: "DenyOutsideOffice", Effect: "Deny", Failed: "Condition",
			Detail: `Condition NotIpAddress aws:SourceIp ["203.0.113.0/24"] did not match "203.0.113.7"`},
		{Index: 2, Sid: "Other", Effect: "Allow", Failed: "Action",
			Detail: `Action "execute-api:InvalidateCache" did not match "execute-api:Invoke"`},
	}}
	if diff := cmp.Diff(want, inOffice); diff != "" {
		t.Errorf("in office (-want +got):\n%s", diff)
	}

	outside := p.Evaluate(invoke(Principal{Anonymous: true}, ctx{"aws:sourceip": {"192.0.2.1"}}))
	want = Result{Effect: Deny, Deciding: []int{1}, Statements: []StatementResult{
		{Index: 0, Sid: "AllowAccount", Effect: "Allow", Failed: "Principal",
			Detail: `Principal {"AWS":"123456789012"} did not match "anonymous"`},
		{Index: 1, Sid: "DenyOutsideOffice", Effect: "Deny", Applies: true},
		{Index: 2, Sid: "Other", Effect: "Allow", Failed: "Action",
			Detail: `Action "execute-api:InvalidateCache" did not match "execute-api:Invoke"`},
	}}
	if diff := cmp.Diff(want, outside); diff != "" {
		t.Errorf("outside (-want +got):\n%s", diff)
	}
}

func TestDecidingLists(t *testing.T) {
	doc := `{"Statement":[
		{"Effect":"Allow","Action":"*","Resource":"*"},
		{"Effect":"Deny","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:*:*/prod/*"},
		{"Effect":"Allow","Action":"execute-api:*","Resource":"*"},
		{"Effect":"Deny","Action":"*","Resource":"arn:*/GET/*"}]}`
	p := mustParse(t, doc, ParseOptions{})
	res := p.Evaluate(&Request{Action: "execute-api:Invoke", Resource: testARN})
	if res.Effect != Deny || !cmp.Equal(res.Deciding, []int{1, 3}) {
		t.Errorf("got %q %v, want Deny [1 3]", res.Effect, res.Deciding)
	}
	res = p.Evaluate(&Request{Action: "execute-api:Invoke", Resource: "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/dev/POST/x"})
	if res.Effect != Allow || !cmp.Equal(res.Deciding, []int{0, 2}) {
		t.Errorf("got %q %v, want Allow [0 2]", res.Effect, res.Deciding)
	}
	res = p.Evaluate(&Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k"})
	if res.Effect != Allow || !cmp.Equal(res.Deciding, []int{0}) {
		t.Errorf("got %q %v, want Allow [0]", res.Effect, res.Deciding)
	}
}

func TestEvaluateNil(t *testing.T) {
	var p *Policy
	if got := p.Evaluate(&Request{}); got.Effect != Neither || got.Statements != nil {
		t.Errorf("nil policy: %+v", got)
	}
	q := mustParse(t, `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, ParseOptions{})
	// A nil request is an empty one, which "*" matches.
	if got := q.Evaluate(nil).Effect; got != Allow {
		t.Errorf("nil request: %q, want Allow", got)
	}
}
