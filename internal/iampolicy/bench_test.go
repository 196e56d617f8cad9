package iampolicy

import "testing"

// benchPolicy is a typical five-statement resource policy.
const benchPolicy = `{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "AllowAccount", "Effect": "Allow", "Principal": {"AWS": ["123456789012", "arn:aws:iam::111122223333:role/ci"]},
     "Action": "execute-api:Invoke", "Resource": ["execute-api:/prod/GET/pets/*", "execute-api:/prod/POST/pets"]},
    {"Sid": "DenyOutsideOffice", "Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke",
     "Resource": "execute-api:/*", "Condition": {"NotIpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:db8::/32"]}}},
    {"Sid": "DenyInsecure", "Effect": "Deny", "Principal": "*", "Action": "execute-api:*",
     "Resource": "execute-api:/*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
    {"Sid": "AllowVpce", "Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
     "Resource": "execute-api:/*/GET/*", "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-0abc"}, "DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}}},
    {"Sid": "DenyAdmin", "Effect": "Deny", "NotPrincipal": {"AWS": ["arn:aws:iam::123456789012:user/admin", "123456789012"]},
     "Action": "execute-api:Invoke", "Resource": "execute-api:/*/*/admin/*"}
  ]
}`

func BenchmarkEvaluate(b *testing.B) {
	p := mustParse(b, benchPolicy, resourceOpts)
	r := invoke(alice(), ctx{"aws:sourceip": {"203.0.113.7"}, "aws:securetransport": {"true"}, "aws:currenttime": {"2026-05-01T12:00:00Z"}})
	b.ReportAllocs()
	for b.Loop() {
		res := p.Evaluate(r)
		if res.Effect != Allow {
			b.Fatal(res.Effect)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse([]byte(benchPolicy), resourceOpts); err != nil {
			b.Fatal(err)
		}
	}
}

// TestEvaluateAllocs pins the allocation budget (DESIGN: compile once, evaluate cheaply).
func TestEvaluateAllocs(t *testing.T) {
	p := mustParse(t, benchPolicy, resourceOpts)
	r := invoke(alice(), ctx{"aws:sourceip": {"203.0.113.7"}, "aws:securetransport": {"true"}, "aws:currenttime": {"2026-05-01T12:00:00Z"}})
	if n := testing.AllocsPerRun(100, func() { p.Evaluate(r) }); n >= 10 {
		t.Errorf("Evaluate allocates %v times per run, want < 10", n)
	}
}
