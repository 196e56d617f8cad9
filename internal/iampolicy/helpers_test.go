package iampolicy

import (
	"testing"
)

const (
	testRegion  = "us-east-1"
	testAccount = "123456789012"
	testAPI     = "a1b2c3d4e5"
	testARN     = "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/GET/pets/1"
)

var resourceOpts = ParseOptions{Kind: Resource, Region: testRegion, AccountID: testAccount, APIID: testAPI}

func mustParse(t testing.TB, doc string, opts ParseOptions) *Policy {
	t.Helper()
	p, err := Parse([]byte(doc), opts)
	if err != nil {
		t.Fatalf("Parse(%s): %v", doc, err)
	}
	return p
}

// alice is a same-account IAM user.
func alice() Principal {
	return Principal{
		ARN: "arn:aws:iam::123456789012:user/alice", Account: "123456789012",
		UserID: "AIDAEXAMPLEALICE", Username: "alice", Type: "User",
		Tags: map[string]string{"Team": "pets"},
	}
}

// ciSession is a session of role ci in another account.
func ciSession() Principal {
	return Principal{
		ARN: "arn:aws:sts::111122223333:assumed-role/ci/b7", Account: "111122223333",
		UserID: "AROAEXAMPLECIROLE01:b7", Type: "AssumedRole",
		RoleARN: "arn:aws:iam::111122223333:role/ci",
	}
}

func invoke(p Principal, ctx map[string][]string) *Request {
	return &Request{Principal: p, Action: "execute-api:Invoke", Resource: testARN, Context: ctx}
}
