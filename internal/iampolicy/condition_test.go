package iampolicy

import (
	"fmt"
	"testing"
)

type ctx = map[string][]string

// TestConditionOperators checks every operator, modifier and missing-key rule against the IAM
// User Guide's condition operator pages.
func TestConditionOperators(t *testing.T) {
	tests := []struct {
		name string
		cond string // the value of "Condition"
		ctx  ctx
		want bool
	}{
		// String.
		{"StringEquals match", `{"StringEquals":{"aws:SourceVpc":"vpc-1"}}`, ctx{"aws:sourcevpc": {"vpc-1"}}, true},
		{"StringEquals case-sensitive", `{"StringEquals":{"aws:SourceVpc":"VPC-1"}}`, ctx{"aws:sourcevpc": {"vpc-1"}}, false},
		{"StringEquals no glob", `{"StringEquals":{"aws:SourceVpc":"vpc-*"}}`, ctx{"aws:sourcevpc": {"vpc-1"}}, false},
		{"StringEquals values OR", `{"StringEquals":{"aws:SourceVpc":["vpc-0","vpc-1"]}}`, ctx{"aws:sourcevpc": {"vpc-1"}}, true},
		{"StringEquals missing", `{"StringEquals":{"aws:SourceVpc":"vpc-1"}}`, nil, false},
		{"StringNotEquals differs", `{"StringNotEquals":{"aws:SourceVpc":"vpc-1"}}`, ctx{"aws:sourcevpc": {"vpc-2"}}, true},
		{"StringNotEquals equal", `{"StringNotEquals":{"aws:SourceVpc":"vpc-1"}}`, ctx{"aws:sourcevpc": {"vpc-1"}}, false},
		{"StringNotEquals missing is true", `{"StringNotEquals":{"aws:SourceVpc":"vpc-1"}}`, nil, true},
		{"StringNotEquals any of list", `{"StringNotEquals":{"aws:SourceVpc":["vpc-1","vpc-2"]}}`, ctx{"aws:sourcevpc": {"vpc-2"}}, false},
		{"StringEqualsIgnoreCase", `{"StringEqualsIgnoreCase":{"aws:SourceVpc":"VPC-1"}}`, ctx{"aws:sourcevpc": {"vpc-1"}}, true},
		{"StringNotEqualsIgnoreCase equal", `{"StringNotEqualsIgnoreCase":{"aws:SourceVpc":"VPC-1"}}`, ctx{"aws:sourcevpc": {"vpc-1"}}, false},
		{"StringNotEqualsIgnoreCase missing", `{"StringNotEqualsIgnoreCase":{"aws:SourceVpc":"VPC-1"}}`, nil, true},
		{"StringLike star", `{"StringLike":{"aws:UserAgent":"curl/*"}}`, ctx{"aws:useragent": {"curl/8.5.0"}}, true},
		{"StringLike question", `{"StringLike":{"aws:UserAgent":"curl/?.5.0"}}`, ctx{"aws:useragent": {"curl/8.5.0"}}, true},
		{"StringLike case-sensitive", `{"StringLike":{"aws:UserAgent":"Curl/*"}}`, ctx{"aws:useragent": {"curl/8.5.0"}}, false},
		{"StringLike literal star via ${*}", `{"StringLike":{"aws:Referer":"a${*}"}}`, ctx{"aws:referer": {"ab"}}, false},
		{"StringLike literal star matches star", `{"StringLike":{"aws:Referer":"a${*}"}}`, ctx{"aws:referer": {"a*"}}, true},
		{"StringNotLike", `{"StringNotLike":{"aws:UserAgent":"curl/*"}}`, ctx{"aws:useragent": {"Mozilla/5.0"}}, true},
		{"StringNotLike match", `{"StringNotLike":{"aws:UserAgent":"curl/*"}}`, ctx{"aws:useragent": {"curl/8"}}, false},
		{"StringNotLike missing", `{"StringNotLike":{"aws:UserAgent":"curl/*"}}`, nil, true},

		// Numeric.
		{"NumericEquals", `{"NumericEquals":{"aws:MultiFactorAuthAge":"3600"}}`, ctx{"aws:multifactorauthage": {"3600"}}, true},
		{"NumericEquals decimal", `{"NumericEquals":{"aws:MultiFactorAuthAge":"1.50"}}`, ctx{"aws:multifactorauthage": {"1.5"}}, true},
		{"NumericEquals JSON number", `{"NumericEquals":{"aws:MultiFactorAuthAge":3600}}`, ctx{"aws:multifactorauthage": {"3600"}}, true},
		{"NumericNotEquals", `{"NumericNotEquals":{"aws:MultiFactorAuthAge":"3600"}}`, ctx{"aws:multifactorauthage": {"3601"}}, true},
		{"NumericNotEquals missing", `{"NumericNotEquals":{"aws:MultiFactorAuthAge":"3600"}}`, nil, true},
		{"NumericLessThan true", `{"NumericLessThan":{"aws:MultiFactorAuthAge":"3600"}}`, ctx{"aws:multifactorauthage": {"3599"}}, true},
		{"NumericLessThan equal", `{"NumericLessThan":{"aws:MultiFactorAuthAge":"3600"}}`, ctx{"aws:multifactorauthage": {"3600"}}, false},
		{"NumericLessThanEquals equal", `{"NumericLessThanEquals":{"aws:MultiFactorAuthAge":"3600"}}`, ctx{"aws:multifactorauthage": {"3600"}}, true},
		{"NumericGreaterThan", `{"NumericGreaterThan":{"aws:MultiFactorAuthAge":"10"}}`, ctx{"aws:multifactorauthage": {"11"}}, true},
		{"NumericGreaterThan equal", `{"NumericGreaterThan":{"aws:MultiFactorAuthAge":"10"}}`, ctx{"aws:multifactorauthage": {"10"}}, false},
		{"NumericGreaterThanEquals", `{"NumericGreaterThanEquals":{"aws:MultiFactorAuthAge":"10"}}`, ctx{"aws:multifactorauthage": {"10"}}, true},
		{"Numeric request not a number", `{"NumericLessThan":{"aws:MultiFactorAuthAge":"10"}}`, ctx{"aws:multifactorauthage": {"ten"}}, false},
		{"Numeric missing", `{"NumericLessThan":{"aws:MultiFactorAuthAge":"10"}}`, nil, false},

		// Date.
		{"DateLessThan ISO", `{"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}`, ctx{"aws:currenttime": {"2026-05-01T12:00:00Z"}}, true},
		{"DateLessThan after", `{"DateLessThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}`, ctx{"aws:currenttime": {"2026-05-01T12:00:00Z"}}, false},
		{"DateGreaterThan epoch policy", `{"DateGreaterThan":{"aws:CurrentTime":"1577836800"}}`, ctx{"aws:currenttime": {"2026-05-01T12:00:00Z"}}, true},
		{"DateGreaterThan epoch request", `{"DateGreaterThan":{"aws:EpochTime":"2020-01-01T00:00:00Z"}}`, ctx{"aws:epochtime": {"1777636800"}}, true},
		{"DateEquals zone offset", `{"DateEquals":{"aws:CurrentTime":"2026-05-01T14:00:00+02:00"}}`, ctx{"aws:currenttime": {"2026-05-01T12:00:00Z"}}, true},
		{"DateEquals date only", `{"DateEquals":{"aws:CurrentTime":"2026-05-01"}}`, ctx{"aws:currenttime": {"2026-05-01T00:00:00Z"}}, true},
		{"DateNotEquals", `{"DateNotEquals":{"aws:CurrentTime":"2026-05-01"}}`, ctx{"aws:currenttime": {"2026-05-02T00:00:00Z"}}, true},
		{"DateLessThanEquals equal", `{"DateLessThanEquals":{"aws:CurrentTime":"2026-05-01T00:00:00Z"}}`, ctx{"aws:currenttime": {"2026-05-01T00:00:00Z"}}, true},
		{"DateGreaterThanEquals equal", `{"DateGreaterThanEquals":{"aws:CurrentTime":"2026-05-01T00:00:00Z"}}`, ctx{"aws:currenttime": {"2026-05-01T00:00:00Z"}}, true},
		{"DateGreaterThan fractional", `{"DateGreaterThan":{"aws:CurrentTime":"2026-05-01T00:00:00Z"}}`, ctx{"aws:currenttime": {"2026-05-01T00:00:00.5Z"}}, true},
		{"Date request garbage", `{"DateGreaterThan":{"aws:CurrentTime":"2026-05-01T00:00:00Z"}}`, ctx{"aws:currenttime": {"yesterday"}}, false},

		// Bool.
		{"Bool true", `{"Bool":{"aws:SecureTransport":"true"}}`, ctx{"aws:securetransport": {"true"}}, true},
		{"Bool JSON bool", `{"Bool":{"aws:SecureTransport":false}}`, ctx{"aws:securetransport": {"false"}}, true},
		{"Bool case-insensitive", `{"Bool":{"aws:SecureTransport":"True"}}`, ctx{"aws:securetransport": {"TRUE"}}, true},
		{"Bool mismatch", `{"Bool":{"aws:SecureTransport":"true"}}`, ctx{"aws:securetransport": {"false"}}, false},
		{"Bool missing", `{"Bool":{"aws:MultiFactorAuthPresent":"false"}}`, nil, false},
		{"BoolIfExists missing", `{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}`, nil, true},
		{"BoolIfExists present false", `{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}`, ctx{"aws:multifactorauthpresent": {"true"}}, false},

		// Binary.
		{"BinaryEquals base64", `{"BinaryEquals":{"k":"QmluYXJ5"}}`, ctx{"k": {"QmluYXJ5"}}, true},
		{"BinaryEquals raw", `{"BinaryEquals":{"k":"QmluYXJ5"}}`, ctx{"k": {"Binary"}}, true},
		{"BinaryEquals differs", `{"BinaryEquals":{"k":"QmluYXJ5"}}`, ctx{"k": {"binary"}}, false},

		// IP.
		{"IpAddress v4 CIDR", `{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, ctx{"aws:sourceip": {"203.0.113.9"}}, true},
		{"IpAddress v4 outside", `{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, ctx{"aws:sourceip": {"192.0.2.1"}}, false},
		{"IpAddress single address", `{"IpAddress":{"aws:SourceIp":"192.0.2.1"}}`, ctx{"aws:sourceip": {"192.0.2.1"}}, true},
		{"IpAddress unmasked CIDR", `{"IpAddress":{"aws:SourceIp":"203.0.113.77/24"}}`, ctx{"aws:sourceip": {"203.0.113.9"}}, true},
		{"IpAddress v6", `{"IpAddress":{"aws:SourceIp":"2001:db8::/32"}}`, ctx{"aws:sourceip": {"2001:db8:1::5"}}, true},
		{"IpAddress v4-mapped request", `{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, ctx{"aws:sourceip": {"::ffff:203.0.113.9"}}, true},
		{"IpAddress v6 vs v4 range", `{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, ctx{"aws:sourceip": {"2001:db8::1"}}, false},
		{"IpAddress list", `{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","203.0.113.0/24"]}}`, ctx{"aws:sourceip": {"203.0.113.9"}}, true},
		{"IpAddress garbage request", `{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}`, ctx{"aws:sourceip": {"nope"}}, false},
		{"NotIpAddress outside", `{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, ctx{"aws:sourceip": {"192.0.2.1"}}, true},
		{"NotIpAddress inside", `{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, ctx{"aws:sourceip": {"203.0.113.1"}}, false},
		{"NotIpAddress missing", `{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, nil, true},
		{"NotIpAddressIfExists present", `{"NotIpAddressIfExists":{"aws:VpcSourceIp":"10.0.0.0/8"}}`, ctx{"aws:vpcsourceip": {"10.1.1.1"}}, false},

		// ARN.
		{"ArnEquals", `{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::123456789012:user/alice"}}`, nil, true},
		{"ArnLike wildcard", `{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/*"}}`, nil, true},
		{"ArnLike star stays in component", `{"ArnLike":{"aws:SourceArn":"arn:*:iam::123456789012:user/alice"}}`, ctx{"aws:sourcearn": {"arn:aws:x:iam::123456789012:user/alice"}}, false},
		{"ArnLike component wildcard", `{"ArnLike":{"aws:SourceArn":"arn:*:iam::123456789012:user/alice"}}`, ctx{"aws:sourcearn": {"arn:aws-cn:iam::123456789012:user/alice"}}, true},
		{"ArnLike short pattern", `{"ArnLike":{"aws:PrincipalArn":"*"}}`, nil, true},
		{"ArnLike not an ARN", `{"ArnLike":{"aws:SourceArn":"arn:aws:iam::*:user/*"}}`, ctx{"aws:sourcearn": {"user/alice"}}, false},
		{"ArnEquals case-sensitive", `{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::123456789012:user/Alice"}}`, nil, false},
		{"ArnNotEquals", `{"ArnNotEquals":{"aws:PrincipalArn":"arn:aws:iam::123456789012:user/bob"}}`, nil, true},
		{"ArnNotLike matching", `{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::123456789012:*"}}`, nil, false},
		{"ArnNotLike missing", `{"ArnNotLike":{"aws:SourceArn":"arn:aws:iam::123456789012:*"}}`, nil, true},

		// Null.
		{"Null true absent", `{"Null":{"aws:TokenIssueTime":"true"}}`, nil, true},
		{"Null true present", `{"Null":{"aws:TokenIssueTime":"true"}}`, ctx{"aws:tokenissuetime": {"2026-01-01T00:00:00Z"}}, false},
		{"Null false present", `{"Null":{"aws:TokenIssueTime":false}}`, ctx{"aws:tokenissuetime": {"2026-01-01T00:00:00Z"}}, true},
		{"Null false absent", `{"Null":{"aws:TokenIssueTime":"false"}}`, nil, false},
		{"Null empty list is absent", `{"Null":{"aws:TokenIssueTime":"true"}}`, ctx{"aws:tokenissuetime": {}}, true},
		{"Null derived key present", `{"Null":{"aws:username":"false"}}`, nil, true},

		// IfExists.
		{"StringEqualsIfExists missing", `{"StringEqualsIfExists":{"aws:SourceVpc":"vpc-1"}}`, nil, true},
		{"StringEqualsIfExists present wrong", `{"StringEqualsIfExists":{"aws:SourceVpc":"vpc-1"}}`, ctx{"aws:sourcevpc": {"vpc-2"}}, false},
		{"StringNotEqualsIfExists missing", `{"StringNotEqualsIfExists":{"aws:SourceVpc":"vpc-1"}}`, nil, true},
		{"StringNotEqualsIfExists present same", `{"StringNotEqualsIfExists":{"aws:SourceVpc":"vpc-1"}}`, ctx{"aws:sourcevpc": {"vpc-1"}}, false},
		{"NumericLessThanIfExists missing", `{"NumericLessThanIfExists":{"aws:MultiFactorAuthAge":"1"}}`, nil, true},
		{"IpAddressIfExists missing", `{"IpAddressIfExists":{"aws:SourceIp":"10.0.0.0/8"}}`, nil, true},
		{"DateLessThanIfExists present", `{"DateLessThanIfExists":{"aws:TokenIssueTime":"2020-01-01T00:00:00Z"}}`, ctx{"aws:tokenissuetime": {"2026-01-01T00:00:00Z"}}, false},

		// Set operators.
		{"ForAnyValue one matches", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["a","b"]}}`, ctx{"aws:tagkeys": {"x", "b"}}, true},
		{"ForAnyValue none match", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["a","b"]}}`, ctx{"aws:tagkeys": {"x", "y"}}, false},
		{"ForAnyValue missing", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["a"]}}`, nil, false},
		{"ForAnyValue negated missing", `{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["a"]}}`, nil, false},
		{"ForAnyValue negated one differs", `{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["a"]}}`, ctx{"aws:tagkeys": {"a", "z"}}, true},
		{"ForAnyValue negated all listed", `{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["a","z"]}}`, ctx{"aws:tagkeys": {"a", "z"}}, false},
		{"ForAnyValueIfExists missing", `{"ForAnyValue:StringEqualsIfExists":{"aws:TagKeys":["a"]}}`, nil, true},
		{"ForAllValues subset", `{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b","c"]}}`, ctx{"aws:tagkeys": {"a", "c"}}, true},
		{"ForAllValues not subset", `{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b"]}}`, ctx{"aws:tagkeys": {"a", "z"}}, false},
		{"ForAllValues missing is true", `{"ForAllValues:StringEquals":{"aws:TagKeys":["a"]}}`, nil, true},
		{"ForAllValues empty is true", `{"ForAllValues:StringEquals":{"aws:TagKeys":["a"]}}`, ctx{"aws:tagkeys": {}}, true},
		{"ForAllValues negated disjoint", `{"ForAllValues:StringNotEquals":{"aws:TagKeys":["a","b"]}}`, ctx{"aws:tagkeys": {"x", "y"}}, true},
		{"ForAllValues negated overlap", `{"ForAllValues:StringNotEquals":{"aws:TagKeys":["a","b"]}}`, ctx{"aws:tagkeys": {"x", "a"}}, false},
		{"ForAllValues StringLike", `{"ForAllValues:StringLike":{"aws:TagKeys":["team-*"]}}`, ctx{"aws:tagkeys": {"team-a", "team-b"}}, true},
		{"ForAnyValue IpAddress", `{"ForAnyValue:IpAddress":{"k":"10.0.0.0/8"}}`, ctx{"k": {"192.0.2.1", "10.2.3.4"}}, true},
		{"unqualified multivalued any", `{"StringEquals":{"aws:TagKeys":"b"}}`, ctx{"aws:tagkeys": {"a", "b"}}, true},
		{"unqualified multivalued negated", `{"StringNotEquals":{"aws:TagKeys":"b"}}`, ctx{"aws:tagkeys": {"a", "b"}}, false},

		// AND / OR structure.
		{"keys ANDed", `{"StringEquals":{"aws:SourceVpc":"vpc-1","aws:SourceVpce":"vpce-1"}}`, ctx{"aws:sourcevpc": {"vpc-1"}, "aws:sourcevpce": {"vpce-2"}}, false},
		{"keys ANDed both", `{"StringEquals":{"aws:SourceVpc":"vpc-1","aws:SourceVpce":"vpce-1"}}`, ctx{"aws:sourcevpc": {"vpc-1"}, "aws:sourcevpce": {"vpce-1"}}, true},
		{"operators ANDed", `{"Bool":{"aws:SecureTransport":"true"},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, ctx{"aws:securetransport": {"true"}, "aws:sourceip": {"192.0.2.1"}}, false},
		{"empty condition block", `{}`, nil, true},

		// Key names are case-insensitive.
		{"key mixed case in policy", `{"StringEquals":{"AWS:SOURCEVPC":"vpc-1"}}`, ctx{"aws:sourcevpc": {"vpc-1"}}, true},
		{"key mixed case in request", `{"StringEquals":{"aws:SourceVpc":"vpc-1"}}`, ctx{"aws:SourceVpc": {"vpc-1"}}, true},

		// Principal-derived keys.
		{"derived username", `{"StringEquals":{"aws:username":"alice"}}`, nil, true},
		{"derived userid", `{"StringEquals":{"aws:userid":"AIDAEXAMPLEALICE"}}`, nil, true},
		{"derived account", `{"StringEquals":{"aws:PrincipalAccount":"123456789012"}}`, nil, true},
		{"derived type", `{"StringEquals":{"aws:PrincipalType":"User"}}`, nil, true},
		{"derived tag case-insensitive key", `{"StringEquals":{"aws:PrincipalTag/team":"pets"}}`, nil, true},
		{"derived tag missing", `{"StringEquals":{"aws:PrincipalTag/cost":"x"}}`, nil, false},
		{"context overrides derived", `{"StringEquals":{"aws:username":"alice"}}`, ctx{"aws:username": {"mallory"}}, false},

		// Policy variables in condition values.
		{"variable in StringEquals", `{"StringEquals":{"aws:Referer":"https://${aws:username}.example.com"}}`, ctx{"aws:referer": {"https://alice.example.com"}}, true},
		{"variable in StringLike stays literal", `{"StringLike":{"aws:Referer":"${aws:Referer2}x"}}`, ctx{"aws:referer": {"abx"}, "aws:referer2": {"*"}}, false},
		{"variable missing", `{"StringEquals":{"aws:Referer":"${aws:SourceVpce}"}}`, ctx{"aws:referer": {""}}, false},
		{"variable default", `{"StringEquals":{"aws:Referer":"${aws:SourceVpce, 'none'}"}}`, ctx{"aws:referer": {"none"}}, true},
		{"variable in ArnLike", `{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::${aws:PrincipalAccount}:user/*"}}`, nil, true},
		{"escape dollar", `{"StringEquals":{"aws:Referer":"${$}5"}}`, ctx{"aws:referer": {"$5"}}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := fmt.Sprintf(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":%s}}`, tc.cond)
			p := mustParse(t, doc, ParseOptions{Kind: Identity})
			res := p.Evaluate(invoke(alice(), tc.ctx))
			if got := res.Effect == Allow; got != tc.want {
				t.Errorf("condition %s with %v: applies = %v, want %v (%s)", tc.cond, tc.ctx, got, tc.want, res.Statements[0].Detail)
			}
			if !tc.want && res.Statements[0].Failed != "Condition" {
				t.Errorf("Failed = %q, want Condition", res.Statements[0].Failed)
			}
		})
	}
}

// TestVariablesLiteralIn2008 checks that without Version 2012-10-17 "${…}" is literal text.
func TestVariablesLiteralIn2008(t *testing.T) {
	for _, version := range []string{`"Version":"2008-10-17",`, ``} {
		doc := `{` + version + `"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:Referer":"${aws:username}"}}}}`
		p := mustParse(t, doc, ParseOptions{})
		if got := p.Evaluate(invoke(alice(), ctx{"aws:referer": {"${aws:username}"}})).Effect; got != Allow {
			t.Errorf("%s: literal ${aws:username} should match itself, got %q", version, got)
		}
		if got := p.Evaluate(invoke(alice(), ctx{"aws:referer": {"alice"}})).Effect; got != Neither {
			t.Errorf("%s: variable must not be substituted, got %q", version, got)
		}
	}
}

func TestConditionDetail(t *testing.T) {
	tests := []struct {
		cond string
		ctx  ctx
		want string
	}{
		{`{"IpAddress":{"aws:SourceIp":["203.0.113.0/24"]}}`, ctx{"aws:sourceip": {"192.0.2.1"}},
			`Condition IpAddress aws:SourceIp ["203.0.113.0/24"] did not match "192.0.2.1"`},
		{`{"StringEquals":{"aws:SourceVpce":"vpce-1"}}`, nil,
			`Condition StringEquals aws:SourceVpce "vpce-1" did not match: aws:SourceVpce is not in the request`},
		{`{"Null":{"aws:username":"true"}}`, nil,
			`Condition Null aws:username "true" did not match: aws:username is present`},
		{`{"ForAnyValue:StringEquals":{"aws:TagKeys":["a"]}}`, ctx{"aws:tagkeys": {"x", "y\""}},
			`Condition ForAnyValue:StringEquals aws:TagKeys ["a"] did not match ["x","y\""]`},
		{`{"StringEquals":{"aws:UserAgent":"x"}}`, ctx{"aws:useragent": {"Mozilla \"5\""}},
			`Condition StringEquals aws:UserAgent "x" did not match "Mozilla \"5\""`},
	}
	for _, tc := range tests {
		doc := `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":` + tc.cond + `}}`
		res := mustParse(t, doc, ParseOptions{}).Evaluate(invoke(alice(), tc.ctx))
		if got := res.Statements[0].Detail; got != tc.want {
			t.Errorf("Detail\n got %s\nwant %s", got, tc.want)
		}
	}
}
