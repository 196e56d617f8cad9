package iampolicy

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// TestParseErrors checks each rejection and its position: "§" in doc marks the character the
// error must point at (it is removed before parsing).
func TestParseErrors(t *testing.T) {
	tests := []struct {
		name      string
		doc       string
		opts      ParseOptions
		path, msg string
	}{
		{"syntax error", "{\n  \"Statement\": [\n    {\"Effect\": \"Allow\",§,}\n  ]\n}", ParseOptions{},
			"Statement[0]", "invalid JSON: invalid character ',' looking for beginning of object key string"},
		{"bad literal", `{"Statement": t§ru}`, ParseOptions{}, "Statement", "invalid JSON: invalid character '}' in literal true (expecting 'e')"},
		{"truncated", `{"Statement": [§`, ParseOptions{}, "Statement", "invalid JSON: unexpected end of document"},
		{"trailing data", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}} §x`, ParseOptions{},
			"", "unexpected data after the policy document"},
		{"not an object", `§[]`, ParseOptions{}, "", "policy must be a JSON object, not an array"},
		{"duplicate key in statement", "{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"*\",\n §\"Effect\": \"Deny\", \"Resource\": \"*\"}}", ParseOptions{},
			"Statement", `duplicate key "Effect"`},
		{"duplicate top-level key", `{"Version":"2012-10-17",§"Version":"2012-10-17"}`, ParseOptions{}, "", `duplicate key "Version"`},
		{"duplicate condition key", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"k":"true"},§"Bool":{}}}}`, ParseOptions{},
			"Statement.Condition", `duplicate key "Bool"`},
		{"bad version", `{"Version":§"2012-10-18","Statement":[]}`, ParseOptions{}, "Version", `must be "2012-10-17" or "2008-10-17"`},
		{"version not string", `{"Version":§20121017,"Statement":[]}`, ParseOptions{}, "Version", `must be "2012-10-17" or "2008-10-17"`},
		{"unknown top-level", `{§"Statment":[]}`, ParseOptions{}, "Statment", `unknown policy element; want "Version", "Id" or "Statement"`},
		{"missing statement", `§{"Version":"2012-10-17"}`, ParseOptions{}, "", `missing "Statement"`},
		{"statement string", `{"Statement":§"x"}`, ParseOptions{}, "Statement", "must be an object or an array, not a string"},
		{"empty statement list", `{"Statement":§[]}`, ParseOptions{}, "Statement", "has no statements"},
		{"statement not object", `{"Statement":[§1]}`, ParseOptions{}, "Statement[0]", "statement must be an object, not a number"},
		{"bad effect", `{"Statement":{"Effect":§"allow","Action":"*","Resource":"*"}}`, ParseOptions{}, "Statement.Effect", `must be "Allow" or "Deny"`},
		{"missing effect", `{"Statement":[§{"Action":"*","Resource":"*"}]}`, ParseOptions{}, "Statement[0]", `missing "Effect"`},
		{"sid not string", `{"Statement":[{"Sid":§1,"Effect":"Allow","Action":"*","Resource":"*"}]}`, ParseOptions{}, "Statement[0].Sid", "must be a string, not a number"},
		{"unknown element", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*",§"Conditions":{}}]}`, ParseOptions{},
			"Statement[0].Conditions", "unknown statement element"},
		{"missing action", `{"Statement":§{"Effect":"Allow","Resource":"*"}}`, ParseOptions{}, "Statement", `missing "Action" or "NotAction"`},
		{"action and notaction", `{"Statement":{"Effect":"Allow","Action":"*",§"NotAction":"*","Resource":"*"}}`, ParseOptions{},
			"Statement.NotAction", `a statement cannot have both "Action" and "NotAction"`},
		{"bad action", `{"Statement":{"Effect":"Allow","Action":["execute-api:Invoke",§"Invoke"],"Resource":"*"}}`, ParseOptions{},
			"Statement.Action", `invalid action "Invoke": want "service:Action", e.g. "execute-api:Invoke"`},
		{"empty action list", `{"Statement":{"Effect":"Allow","Action":§[],"Resource":"*"}}`, ParseOptions{}, "Statement.Action", "empty list"},
		{"action not string", `{"Statement":{"Effect":"Allow","Action":[§1],"Resource":"*"}}`, ParseOptions{}, "Statement.Action[0]", "must be a string, not a number"},
		{"action object", `{"Statement":{"Effect":"Allow","Action":§{},"Resource":"*"}}`, ParseOptions{}, "Statement.Action", "must be a string or an array of strings, not an object"},
		{"missing resource", `{"Statement":§{"Effect":"Allow","Action":"*"}}`, ParseOptions{}, "Statement", `missing "Resource" or "NotResource"`},
		{"resource and notresource", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*",§"NotResource":"*"}}`, ParseOptions{},
			"Statement.NotResource", `a statement cannot have both "Resource" and "NotResource"`},
		{"bad resource", `{"Statement":{"Effect":"Allow","Action":"*","Resource":§"pets"}}`, ParseOptions{},
			"Statement.Resource", `invalid resource "pets": want "*", an ARN, or "execute-api:/stage/VERB/path"`},
		{"shorthand without API", `{"Statement":{"Effect":"Allow","Action":"*","Resource":§"execute-api:/*"}}`, ParseOptions{},
			"Statement.Resource", `shorthand "execute-api:/*" needs the API's region, account and ID to expand`},
		{"principal in identity policy", `{"Statement":{"Effect":"Allow",§"Principal":"*","Action":"*","Resource":"*"}}`, ParseOptions{Kind: Identity},
			"Statement.Principal", "an identity-based policy cannot name a principal"},
		{"no principal in resource policy", `{"Statement":§{"Effect":"Allow","Action":"*","Resource":"*"}}`, resourceOpts,
			"Statement", `a resource policy statement needs "Principal" or "NotPrincipal"`},
		{"principal and notprincipal", `{"Statement":{"Effect":"Deny","Principal":"*",§"NotPrincipal":"*","Action":"*","Resource":"*"}}`, resourceOpts,
			"Statement.NotPrincipal", `a statement cannot have both "Principal" and "NotPrincipal"`},
		{"principal string", `{"Statement":{"Effect":"Allow","Principal":§"123456789012","Action":"*","Resource":"*"}}`, resourceOpts,
			"Statement.Principal", `must be "*" or an object such as {"AWS": "arn:aws:iam::123456789012:root"}`},
		{"principal array", `{"Statement":{"Effect":"Allow","Principal":§["*"],"Action":"*","Resource":"*"}}`, resourceOpts,
			"Statement.Principal", `must be "*" or an object, not an array`},
		{"principal empty object", `{"Statement":{"Effect":"Allow","Principal":§{},"Action":"*","Resource":"*"}}`, resourceOpts,
			"Statement.Principal", "must name at least one principal"},
		{"principal type", `{"Statement":{"Effect":"Allow","Principal":{§"IAM":"*"},"Action":"*","Resource":"*"}}`, resourceOpts,
			"Statement.Principal.IAM", `unknown principal type; use "AWS", "Service", "Federated" or "CanonicalUser"`},
		{"principal value", `{"Statement":{"Effect":"Allow","Principal":{"AWS":§"alice"},"Action":"*","Resource":"*"}}`, resourceOpts,
			"Statement.Principal.AWS", `invalid principal "alice": want "*", a 12-digit account ID, an ARN or a unique ID`},
		{"condition not object", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":§[]}}`, ParseOptions{},
			"Statement.Condition", "must be an object, not an array"},
		{"unknown operator", "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\",\n\"Condition\":{§\"StringEqual\":{\"k\":\"v\"}}}}", ParseOptions{},
			"Statement.Condition.StringEqual", `unknown condition operator "StringEqual"`},
		{"operator case-sensitive", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{§"stringequals":{"k":"v"}}}}`, ParseOptions{},
			"Statement.Condition.stringequals", `unknown condition operator "stringequals"`},
		{"bad set operator", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{§"ForSomeValues:StringEquals":{"k":"v"}}}}`, ParseOptions{},
			"Statement.Condition.ForSomeValues:StringEquals", `unknown condition operator "ForSomeValues:StringEquals"`},
		{"NullIfExists", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{§"NullIfExists":{"k":"true"}}}}`, ParseOptions{},
			"Statement.Condition.NullIfExists", "the Null operator cannot take the IfExists suffix"},
		{"operator not object", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":§"true"}}}`, ParseOptions{},
			"Statement.Condition.Bool", "must be an object of condition keys, not a string"},
		{"operator without keys", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":§{}}}}`, ParseOptions{},
			"Statement.Condition.Bool", "names no condition key"},
		{"bad CIDR", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/8",§"10.0.0.0/33"]}}}}`, ParseOptions{},
			"Statement.Condition.IpAddress.aws:SourceIp", `invalid value "10.0.0.0/33" for IpAddress: want an IPv4 or IPv6 address or CIDR block`},
		{"bad number", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NumericLessThan":{"k":§"NaN"}}}}`, ParseOptions{},
			"Statement.Condition.NumericLessThan.k", `invalid value "NaN" for NumericLessThan: want a number`},
		{"bad date", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateLessThan":{"k":§"tomorrow"}}}}`, ParseOptions{},
			"Statement.Condition.DateLessThan.k", `invalid value "tomorrow" for DateLessThan: want an ISO 8601 date-time or epoch seconds`},
		{"bad bool", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"k":§"yes"}}}}`, ParseOptions{},
			"Statement.Condition.Bool.k", `invalid value "yes" for Bool: want "true" or "false"`},
		{"two Null values", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Null":{"k":["true",§"false"]}}}}`, ParseOptions{},
			"Statement.Condition.Null.k", "the Null operator takes exactly one value"},
		{"bad base64", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"BinaryEquals":{"k":§"!!"}}}}`, ParseOptions{},
			"Statement.Condition.BinaryEquals.k", `invalid value "!!" for BinaryEquals: want base64`},
		{"null condition value", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"k":§null}}}}`, ParseOptions{},
			"Statement.Condition.StringEquals.k", "condition value must be a string, number or boolean, not null"},
		{"nested condition value", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"k":["a",§["b"]]}}}}`, ParseOptions{},
			"Statement.Condition.StringEquals.k[1]", "condition value must be a string, number or boolean, not an array"},
		{"empty condition values", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"k":§[]}}}}`, ParseOptions{},
			"Statement.Condition.StringEquals.k", "empty list of condition values"},
		{"empty condition key", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{§"":"v"}}}}`, ParseOptions{},
			"Statement.Condition.StringEquals.", "empty condition key"},
		{"condition keys differ only in case", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpc":"a",§"AWS:SOURCEVPC":"b"}}}}`, ParseOptions{},
			"Statement.Condition.StringEquals.AWS:SOURCEVPC", `condition key "AWS:SOURCEVPC" repeated (keys are case-insensitive)`},
		{"too deep", `{"Id":[[[[[[[[[[[[[[[§[]]]]]]]]]]]]]]]]}`, ParseOptions{}, "Id[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]", "nested more than 16 levels deep"},
		{"column counts characters", "{\"Id\":\"é\",\"Statement\":{\"Effect\":§\"Nope\",\"Action\":\"*\",\"Resource\":\"*\"}}", ParseOptions{},
			"Statement.Effect", `must be "Allow" or "Deny"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			at := strings.Index(tc.doc, "§")
			if at < 0 {
				t.Fatal("test doc has no § marker")
			}
			before := tc.doc[:at]
			want := ParseError{
				Line:   strings.Count(before, "\n") + 1,
				Column: utf8.RuneCountInString(before[strings.LastIndex(before, "\n")+1:]) + 1,
				Path:   tc.path, Msg: tc.msg,
			}
			_, err := Parse([]byte(strings.Replace(tc.doc, "§", "", 1)), tc.opts)
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse: got %v, want *ParseError", err)
			}
			if diff := cmp.Diff(want, *pe); diff != "" {
				t.Errorf("ParseError (-want +got):\n%s", diff)
			}
		})
	}
}

// TestParseErrorPositionAbsolute pins one position by hand, independently of the § helper.
func TestParseErrorPositionAbsolute(t *testing.T) {
	_, err := Parse([]byte("{\"Id\":\"é\",\"Statement\":{\"Effect\":\"Nope\",\"Action\":\"*\",\"Resource\":\"*\"}}"), ParseOptions{})
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Line != 1 || pe.Column != 33 {
		t.Errorf("got %v, want position 1:33", err)
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
