package iampolicy

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		opts ParseOptions
		want ParseError
	}{
		{"syntax error", "{\n  \"Statement\": [\n    {\"Effect\": \"Allow\",,}\n  ]\n}", ParseOptions{},
			ParseError{Line: 3, Column: 24, Path: "Statement[0]", Msg: "invalid JSON: invalid character ',' looking for beginning of object key string"}},
		{"truncated", `{"Statement": [`, ParseOptions{},
			ParseError{Line: 1, Column: 16, Path: "Statement", Msg: "invalid JSON: unexpected end of document"}},
		{"trailing data", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}} x`, ParseOptions{},
			ParseError{Line: 1, Column: 62, Msg: "unexpected data after the policy document"}},
		{"not an object", `[]`, ParseOptions{},
			ParseError{Line: 1, Column: 1, Msg: "policy must be a JSON object, not an array"}},
		{"duplicate key in statement", "{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"*\",\n \"Effect\": \"Deny\", \"Resource\": \"*\"}}", ParseOptions{},
			ParseError{Line: 2, Column: 2, Path: "Statement", Msg: `duplicate key "Effect"`}},
		{"duplicate top-level key", `{"Version":"2012-10-17","Version":"2012-10-17"}`, ParseOptions{},
			ParseError{Line: 1, Column: 25, Msg: `duplicate key "Version"`}},
		{"bad version", `{"Version":"2012-10-18","Statement":[]}`, ParseOptions{},
			ParseError{Line: 1, Column: 12, Path: "Version", Msg: `must be "2012-10-17" or "2008-10-17"`}},
		{"unknown top-level", `{"Statment":[]}`, ParseOptions{},
			ParseError{Line: 1, Column: 2, Path: "Statment", Msg: `unknown policy element; want "Version", "Id" or "Statement"`}},
		{"missing statement", `{"Version":"2012-10-17"}`, ParseOptions{},
			ParseError{Line: 1, Column: 1, Msg: `missing "Statement"`}},
		{"empty statement list", `{"Statement":[]}`, ParseOptions{},
			ParseError{Line: 1, Column: 14, Path: "Statement", Msg: "has no statements"}},
		{"bad effect", `{"Statement":{"Effect":"allow","Action":"*","Resource":"*"}}`, ParseOptions{},
			ParseError{Line: 1, Column: 24, Path: "Statement.Effect", Msg: `must be "Allow" or "Deny"`}},
		{"missing effect", `{"Statement":[{"Action":"*","Resource":"*"}]}`, ParseOptions{},
			ParseError{Line: 1, Column: 15, Path: "Statement[0]", Msg: `missing "Effect"`}},
		{"unknown element", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Conditions":{}}]}`, ParseOptions{},
			ParseError{Line: 1, Column: 61, Path: "Statement[0].Conditions", Msg: "unknown statement element"}},
		{"missing action", `{"Statement":{"Effect":"Allow","Resource":"*"}}`, ParseOptions{},
			ParseError{Line: 1, Column: 14, Path: "Statement", Msg: `missing "Action" or "NotAction"`}},
		{"action and notaction", `{"Statement":{"Effect":"Allow","Action":"*","NotAction":"*","Resource":"*"}}`, ParseOptions{},
			ParseError{Line: 1, Column: 45, Path: "Statement.NotAction", Msg: `a statement cannot have both "Action" and "NotAction"`}},
		{"bad action", `{"Statement":{"Effect":"Allow","Action":["execute-api:Invoke","Invoke"],"Resource":"*"}}`, ParseOptions{},
			ParseError{Line: 1, Column: 62, Path: "Statement.Action", Msg: `invalid action "Invoke": want "service:Action", e.g. "execute-api:Invoke"`}},
		{"empty action list", `{"Statement":{"Effect":"Allow","Action":[],"Resource":"*"}}`, ParseOptions{},
			ParseError{Line: 1, Column: 41, Path: "Statement.Action", Msg: "empty list"}},
		{"action not string", `{"Statement":{"Effect":"Allow","Action":[1],"Resource":"*"}}`, ParseOptions{},
			ParseError{Line: 1, Column: 42, Path: "Statement.Action[0]", Msg: "must be a string, not a number"}},
		{"missing resource", `{"Statement":{"Effect":"Allow","Action":"*"}}`, ParseOptions{},
			ParseError{Line: 1, Column: 14, Path: "Statement", Msg: `missing "Resource" or "NotResource"`}},
		{"bad resource", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"pets"}}`, ParseOptions{},
			ParseError{Line: 1, Column: 56, Path: "Statement.Resource", Msg: `invalid resource "pets": want "*", an ARN, or "execute-api:/stage/VERB/path"`}},
		{"shorthand without API", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"execute-api:/*"}}`, ParseOptions{},
			ParseError{Line: 1, Column: 56, Path: "Statement.Resource", Msg: `shorthand "execute-api:/*" needs the API's region, account and ID to expand`}},
		{"principal in identity policy", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}`, ParseOptions{Kind: Identity},
			ParseError{Line: 1, Column: 31, Path: "Statement.Principal", Msg: "an identity-based policy cannot name a principal"}},
		{"no principal in resource policy", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, resourceOpts,
			ParseError{Line: 1, Column: 14, Path: "Statement", Msg: `a resource policy statement needs "Principal" or "NotPrincipal"`}},
		{"principal and notprincipal", `{"Statement":{"Effect":"Deny","Principal":"*","NotPrincipal":"*","Action":"*","Resource":"*"}}`, resourceOpts,
			ParseError{Line: 1, Column: 46, Path: "Statement.NotPrincipal", Msg: `a statement cannot have both "Principal" and "NotPrincipal"`}},
		{"principal string", `{"Statement":{"Effect":"Allow","Principal":"123456789012","Action":"*","Resource":"*"}}`, resourceOpts,
			ParseError{Line: 1, Column: 43, Path: "Statement.Principal", Msg: `must be "*" or an object such as {"AWS": "arn:aws:iam::123456789012:root"}`}},
		{"principal type", `{"Statement":{"Effect":"Allow","Principal":{"IAM":"*"},"Action":"*","Resource":"*"}}`, resourceOpts,
			ParseError{Line: 1, Column: 44, Path: "Statement.Principal.IAM", Msg: `unknown principal type; use "AWS", "Service", "Federated" or "CanonicalUser"`}},
		{"principal value", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"alice"},"Action":"*","Resource":"*"}}`, resourceOpts,
			ParseError{Line: 1, Column: 50, Path: "Statement.Principal.AWS", Msg: `invalid principal "alice": want "*", a 12-digit account ID or an ARN`}},
		{"unknown operator", "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\",\n\"Condition\":{\"StringEqual\":{\"k\":\"v\"}}}}", ParseOptions{},
			ParseError{Line: 2, Column: 14, Path: "Statement.Condition.StringEqual", Msg: `unknown condition operator "StringEqual"`}},
		{"operator case-sensitive", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"stringequals":{"k":"v"}}}}`, ParseOptions{},
			ParseError{Line: 1, Column: 73, Path: "Statement.Condition.stringequals", Msg: `unknown condition operator "stringequals"`}},
		{"NullIfExists", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NullIfExists":{"k":"true"}}}}`, ParseOptions{},
			ParseError{Line: 1, Column: 73, Path: "Statement.Condition.NullIfExists", Msg: "the Null operator cannot take the IfExists suffix"}},
		{"bad CIDR", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","10.0.0.0/33"]}}}}`, ParseOptions{},
			ParseError{Line: 1, Column: 115, Path: "Statement.Condition.IpAddress.aws:SourceIp", Msg: `invalid value "10.0.0.0/33" for IpAddress: want an IPv4 or IPv6 address or CIDR block`}},
		{"bad number", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NumericLessThan":{"k":"NaN"}}}}`, ParseOptions{},
			ParseError{Line: 1, Column: 95, Path: "Statement.Condition.NumericLessThan.k", Msg: `invalid value "NaN" for NumericLessThan: want a number`}},
		{"bad date", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateLessThan":{"k":"tomorrow"}}}}`, ParseOptions{},
			ParseError{Line: 1, Column: 92, Path: "Statement.Condition.DateLessThan.k", Msg: `invalid value "tomorrow" for DateLessThan: want an ISO 8601 date-time or epoch seconds`}},
		{"bad bool", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"k":"yes"}}}}`, ParseOptions{},
			ParseError{Line: 1, Column: 84, Path: "Statement.Condition.Bool.k", Msg: `invalid value "yes" for Bool: want "true" or "false"`}},
		{"bad base64", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"BinaryEquals":{"k":"!!"}}}}`, ParseOptions{},
			ParseError{Line: 1, Column: 92, Path: "Statement.Condition.BinaryEquals.k", Msg: `invalid value "!!" for BinaryEquals: want base64`}},
		{"null condition value", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"k":null}}}}`, ParseOptions{},
			ParseError{Line: 1, Column: 92, Path: "Statement.Condition.StringEquals.k", Msg: "condition value must be a string, number or boolean, not null"}},
		{"empty condition values", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"k":[]}}}}`, ParseOptions{},
			ParseError{Line: 1, Column: 92, Path: "Statement.Condition.StringEquals.k", Msg: "empty list of condition values"}},
		{"condition keys differ only in case", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpc":"a","AWS:SOURCEVPC":"b"}}}}`, ParseOptions{},
			ParseError{Line: 1, Column: 107, Path: "Statement.Condition.StringEquals.AWS:SOURCEVPC", Msg: `condition key "AWS:SOURCEVPC" repeated (keys are case-insensitive)`}},
		{"column counts characters", "{\"Id\":\"é\",\"Statement\":{\"Effect\":\"Nope\",\"Action\":\"*\",\"Resource\":\"*\"}}", ParseOptions{},
			ParseError{Line: 1, Column: 34, Path: "Statement.Effect", Msg: `must be "Allow" or "Deny"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.doc), tc.opts)
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse: got %v, want *ParseError", err)
			}
			if diff := cmp.Diff(tc.want, *pe); diff != "" {
				t.Errorf("ParseError (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseErrorString(t *testing.T) {
	e := &ParseError{Line: 3, Column: 7, Path: "Statement[0].Effect", Msg: `must be "Allow" or "Deny"`}
	if got, want := e.Error(), `policy 3:7: Statement[0].Effect: must be "Allow" or "Deny"`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestSizeLimit(t *testing.T) {
	// A policy of exactly 8192 characters (not counting whitespace between tokens) is accepted;
	// one more character is refused.
	build := func(n int) string {
		head := `{"Id":"`
		tail := `","Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}`
		return head + strings.Repeat("x", n-len(head)-len(tail)) + tail
	}
	ok := build(8192)
	if _, err := Parse([]byte(ok), resourceOpts); err != nil {
		t.Fatalf("8192 characters: %v", err)
	}
	pretty := strings.Replace(ok, `,"Statement":`, ",\n    \"Statement\" :  ", 1)
	if _, err := Parse([]byte(pretty), resourceOpts); err != nil {
		t.Fatalf("8192 characters plus whitespace: %v", err)
	}
	_, err := Parse([]byte(build(8193)), resourceOpts)
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("8193 characters: got %v", err)
	}
	want := ParseError{Line: 1, Column: 8193, Msg: "policy is 8193 characters, over the 8192-character limit for API Gateway resource policies"}
	if diff := cmp.Diff(want, *pe); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// Identity policies have no default limit; MaxChars sets one; negative disables it.
	idDoc := strings.Replace(build(9000), `"Principal":"*",`, "", 1)
	if _, err := Parse([]byte(idDoc), ParseOptions{Kind: Identity}); err != nil {
		t.Errorf("identity policy: %v", err)
	}
	if _, err := Parse([]byte(idDoc), ParseOptions{Kind: Identity, MaxChars: 100}); err == nil {
		t.Errorf("MaxChars 100: want error")
	}
	if _, err := Parse([]byte(build(9000)), ParseOptions{Kind: Resource, MaxChars: -1}); err != nil {
		t.Errorf("MaxChars -1: %v", err)
	}
}

func TestParseAccepts(t *testing.T) {
	docs := []string{
		// Statement as an object, no Version.
		`{"Statement":{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}}`,
		// Everything as arrays, Id, Sid, both versions.
		`{"Version":"2008-10-17","Id":"p1","Statement":[{"Sid":"s","Effect":"Deny","NotPrincipal":{"AWS":["123456789012"]},"NotAction":["s3:*"],"NotResource":["arn:aws:s3:::*"]}]}`,
		// Condition values of every JSON scalar type, set operators, IfExists.
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*","Service":["apigateway.amazonaws.com"]},"Action":"*","Resource":"*",
		  "Condition":{"NumericLessThan":{"k":[1,2.5]},"Bool":{"b":true},"ForAllValues:StringLikeIfExists":{"t":"x*"},
		  "DateGreaterThan":{"d":["2020-01-01","2020-01-01T10:00Z","20200101T100000Z",1577836800]},"Null":{"n":"true"},
		  "IpAddress":{"i":["::1","10.0.0.0/8","::ffff:10.0.0.0/104"]}}}]}`,
	}
	for _, d := range docs {
		p, err := Parse([]byte(d), resourceOpts)
		if err != nil {
			t.Errorf("Parse(%s): %v", d, err)
			continue
		}
		if p.Len() == 0 || p.Kind() != Resource {
			t.Errorf("Parse(%s): %d statements, kind %v", d, p.Len(), p.Kind())
		}
	}
	p := mustParse(t, docs[1], resourceOpts)
	if p.Version() != "2008-10-17" || p.ID() != "p1" {
		t.Errorf("Version %q Id %q", p.Version(), p.ID())
	}
}
