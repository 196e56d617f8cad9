package iampolicy

import (
	"strings"
	"testing"
	"unicode/utf8"
)

var fuzzSeeds = []string{
	`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}}`,
	`{"Version":"2012-10-17","Statement":[{"Sid":"a","Effect":"Deny","NotPrincipal":{"AWS":["123456789012","arn:aws:iam::123456789012:user/alice"]},"NotAction":"s3:*","NotResource":"arn:aws:s3:::*"}]}`,
	`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"*","Resource":"arn:aws:execute-api:*:*:*/*/GET/users/${aws:username}",
	  "Condition":{"ForAnyValue:StringLikeIfExists":{"aws:TagKeys":["a*","${*}?"]},"NotIpAddress":{"aws:SourceIp":["10.0.0.0/8","::1"]},
	  "DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"},"NumericGreaterThan":{"k":1.5},"Bool":{"aws:SecureTransport":true},
	  "Null":{"aws:TokenIssueTime":"true"},"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::${aws:PrincipalAccount}:role/*"},
	  "BinaryEquals":{"b":"QmluYXJ5"},"ForAllValues:StringNotEqualsIgnoreCase":{"t":"X"}}}]}`,
	`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},]}`,
	`{"Statement":{"Effect":"Allow","Effect":"Deny"}}`,
	"{\"Id\":\"\xff\xfe\"}",
	`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`,
	`{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:Referer":"${aws:username, 'x'}${"}}}}`,
	``,
}

// FuzzParse checks that Parse never panics, and that what it accepts evaluates without panic
// for both kinds.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s), true)
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, doc []byte, resource bool) {
		opts := ParseOptions{Kind: Identity}
		if resource {
			opts = resourceOpts
		}
		p, err := Parse(doc, opts)
		if err != nil {
			pe, ok := err.(*ParseError)
			if !ok {
				t.Fatalf("error %T is not *ParseError: %v", err, err)
			}
			if pe.Line < 1 || pe.Column < 1 {
				t.Fatalf("bad position %d:%d", pe.Line, pe.Column)
			}
			return
		}
		res := p.Evaluate(invoke(alice(), ctx{"aws:sourceip": {"10.1.2.3"}}))
		if len(res.Statements) != p.Len() {
			t.Fatalf("%d statement results for %d statements", len(res.Statements), p.Len())
		}
	})
}

// FuzzEvaluate evaluates a fixed, feature-rich policy against fuzzed requests and checks the
// result is consistent: Deny iff some Deny applies, else Allow iff some Allow applies.
func FuzzEvaluate(f *testing.F) {
	p, err := Parse([]byte(fuzzSeeds[2]), resourceOpts)
	if err != nil {
		f.Fatal(err)
	}
	q, err := Parse([]byte(`{"Statement":[{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::123456789012:role/ci"},"Action":"execute-api:Inv?ke","Resource":"arn:aws:execute-api:*:*:*/*/D*"},
		{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringLike":{"aws:Referer":"*a*b*c*d*"},"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}}]}`), resourceOpts)
	if err != nil {
		f.Fatal(err)
	}
	f.Add("execute-api:Invoke", testARN, "alice", "10.0.0.1", "2026-01-01T00:00:00Z", "a/b", "x,y")
	f.Add("EXECUTE-API:INVOKE", "arn:aws:execute-api:us-east-1:1:a/prod/DELETE/x", "*", "::ffff:1.2.3.4", "1700000000", "aXbXcXd", "")
	f.Add("", "", "", "", "", "", "")
	f.Fuzz(func(t *testing.T, action, resource, username, ip, now, referer, tags string) {
		r := &Request{
			Principal: Principal{ARN: "arn:aws:sts::123456789012:assumed-role/ci/" + username, RoleARN: "arn:aws:iam::123456789012:role/ci", Username: username},
			Action:    action, Resource: resource,
			Context: ctx{"aws:sourceip": {ip}, "aws:currenttime": {now}, "aws:referer": {referer}, "aws:tagkeys": strings.Split(tags, ",")},
		}
		for _, pol := range []*Policy{p, q} {
			res := pol.Evaluate(r)
			var allow, deny bool
			for _, s := range res.Statements {
				if s.Applies {
					allow = allow || s.Effect == "Allow"
					deny = deny || s.Effect == "Deny"
				} else if s.Failed == "" || s.Detail == "" {
					t.Fatalf("statement %d neither applies nor says why: %+v", s.Index, s)
				}
			}
			want := Neither
			if deny {
				want = Deny
			} else if allow {
				want = Allow
			}
			if res.Effect != want {
				t.Fatalf("effect %q, statements say %q", res.Effect, want)
			}
		}
	})
}

// FuzzGlob checks the glob matcher against a simple recursive reference.
func FuzzGlob(f *testing.F) {
	f.Add("a*b?c", "aXXbYc")
	f.Add("*/GET/*", "x/GET/y/z")
	f.Add(`\*a`, "*a")
	f.Add("**?", "")
	f.Fuzz(func(t *testing.T, p, s string) {
		if len(p) > 12 || len(s) > 24 || !utf8.ValidString(p) || !utf8.ValidString(s) {
			return
		}
		if got, want := globMatch(p, s, false), refGlob(p, s); got != want {
			t.Fatalf("globMatch(%q, %q) = %v, reference %v", p, s, got, want)
		}
	})
}

// refGlob is an obviously correct, exponential matcher over valid UTF-8: '*' consumes whole
// runes, '?' exactly one rune.
func refGlob(p, s string) bool {
	if p == "" {
		return s == ""
	}
	switch p[0] {
	case '*':
		for i := range s {
			if refGlob(p[1:], s[i:]) {
				return true
			}
		}
		return refGlob(p[1:], "")
	case '?':
		if s == "" {
			return false
		}
		_, n := utf8.DecodeRuneInString(s)
		return refGlob(p[1:], s[n:])
	case '\\':
		if len(p) > 1 {
			return s != "" && s[0] == p[1] && refGlob(p[2:], s[1:])
		}
	}
	return s != "" && s[0] == p[0] && refGlob(p[1:], s[1:])
}
