package iampolicy

import (
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// Statement building blocks for generated resource policies.
var (
	genPrincipals = []string{
		`"Principal":"*"`,
		`"Principal":{"AWS":"123456789012"}`,
		`"Principal":{"AWS":"arn:aws:iam::123456789012:user/alice"}`,
		`"Principal":{"AWS":["arn:aws:iam::111122223333:role/ci","arn:aws:iam::999999999999:root"]}`,
		`"NotPrincipal":{"AWS":["arn:aws:iam::123456789012:user/alice","123456789012"]}`,
	}
	genActions = []string{
		`"Action":"*"`, `"Action":"execute-api:Invoke"`, `"Action":"execute-api:Inv*"`,
		`"Action":["execute-api:InvalidateCache"]`, `"NotAction":"execute-api:InvalidateCache"`,
	}
	genResources = []string{
		`"Resource":"execute-api:/*"`, `"Resource":"execute-api:/prod/GET/*"`,
		`"Resource":["arn:aws:execute-api:*:*:*/dev/*","arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/*/POST/*"]`,
		`"NotResource":"execute-api:/prod/DELETE/*"`,
		`"Resource":"execute-api:/*/GET/users/${aws:username}"`,
	}
	genConditions = []string{
		``,
		`,"Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`,
		`,"Condition":{"NotIpAddress":{"aws:SourceIp":["10.0.0.0/8","203.0.113.0/24"]}}`,
		`,"Condition":{"StringEqualsIfExists":{"aws:SourceVpce":"vpce-1"}}`,
		`,"Condition":{"Bool":{"aws:SecureTransport":"false"}}`,
		`,"Condition":{"ForAllValues:StringLike":{"aws:TagKeys":["team-*"]},"StringNotEquals":{"aws:PrincipalType":"Anonymous"}}`,
	}
	genCallers   = []Principal{alice(), ciSession(), {Anonymous: true}, {ARN: "arn:aws:iam::123456789012:user/bob", Username: "bob"}}
	genARNs      = []string{testARN, "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/dev/POST/orders", "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/DELETE/pets/1", "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/GET/users/alice"}
	genActionsIn = []string{"execute-api:Invoke", "execute-api:InvalidateCache", "EXECUTE-API:INVOKE"}
	genIPs       = []string{"10.1.2.3", "203.0.113.9", "192.0.2.1"}
)

func genStatement(t *rapid.T, label string, effect string) string {
	if effect == "" {
		effect = rapid.SampledFrom([]string{"Allow", "Deny"}).Draw(t, label+"effect")
	}
	return `{"Effect":"` + effect + `",` +
		rapid.SampledFrom(genPrincipals).Draw(t, label+"principal") + "," +
		rapid.SampledFrom(genActions).Draw(t, label+"action") + "," +
		rapid.SampledFrom(genResources).Draw(t, label+"resource") +
		rapid.SampledFrom(genConditions).Draw(t, label+"condition") + "}"
}

func genPolicy(t *rapid.T) []string {
	n := rapid.IntRange(0, 6).Draw(t, "n")
	stmts := make([]string, n)
	for i := range stmts {
		stmts[i] = genStatement(t, "s"+string(rune('0'+i)), "")
	}
	return stmts
}

func genRequest(t *rapid.T) *Request {
	c := ctx{"aws:sourceip": {rapid.SampledFrom(genIPs).Draw(t, "ip")}}
	if rapid.Bool().Draw(t, "secure") {
		c["aws:securetransport"] = []string{"true"}
	} else {
		c["aws:securetransport"] = []string{"false"}
	}
	if rapid.Bool().Draw(t, "vpce") {
		c["aws:sourcevpce"] = []string{rapid.SampledFrom([]string{"vpce-1", "vpce-2"}).Draw(t, "vpceid")}
	}
	if rapid.Bool().Draw(t, "tags") {
		c["aws:tagkeys"] = rapid.SliceOfN(rapid.SampledFrom([]string{"team-a", "cost"}), 0, 3).Draw(t, "tagkeys")
	}
	return &Request{
		Principal: rapid.SampledFrom(genCallers).Draw(t, "caller"),
		Action:    rapid.SampledFrom(genActionsIn).Draw(t, "reqaction"),
		Resource:  rapid.SampledFrom(genARNs).Draw(t, "reqresource"),
		Context:   c,
	}
}

func evalStatements(t *rapid.T, stmts []string, r *Request) Result {
	doc := `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`
	if len(stmts) == 0 {
		// A policy needs a statement; one that never applies stands in for "no statements".
		doc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"none:None","Resource":"*"}]}`
	}
	p, err := Parse([]byte(doc), resourceOpts)
	if err != nil {
		t.Fatalf("generated policy does not parse: %v\n%s", err, doc)
	}
	return p.Evaluate(r)
}

// TestPropertyAddDeny: adding a Deny statement never turns a Deny into an Allow; the result is
// either unchanged or Deny.
func TestPropertyAddDeny(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		stmts := genPolicy(t)
		r := genRequest(t)
		before := evalStatements(t, stmts, r).Effect
		extra := genStatement(t, "extra", "Deny")
		at := rapid.IntRange(0, len(stmts)).Draw(t, "at")
		after := evalStatements(t, slices.Insert(slices.Clone(stmts), at, extra), r).Effect
		if after != before && after != Deny {
			t.Fatalf("adding a Deny changed %q into %q", before, after)
		}
	})
}

// TestPropertyAddAllow: adding an Allow statement never turns an explicit Deny into an Allow.
func TestPropertyAddAllow(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		stmts := genPolicy(t)
		r := genRequest(t)
		before := evalStatements(t, stmts, r).Effect
		extra := genStatement(t, "extra", "Allow")
		at := rapid.IntRange(0, len(stmts)).Draw(t, "at")
		after := evalStatements(t, slices.Insert(slices.Clone(stmts), at, extra), r).Effect
		if before == Deny && after != Deny {
			t.Fatalf("adding an Allow changed Deny into %q", after)
		}
		if before == Allow && after != Allow {
			t.Fatalf("adding an Allow changed Allow into %q", after)
		}
	})
}

// TestPropertyOrder: statement order never changes the effect, and the deciding statements are
// the same statements.
func TestPropertyOrder(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		stmts := genPolicy(t)
		if len(stmts) == 0 {
			return
		}
		r := genRequest(t)
		perm := rapid.Permutation(stmts).Draw(t, "perm")
		a, b := evalStatements(t, stmts, r), evalStatements(t, perm, r)
		if a.Effect != b.Effect {
			t.Fatalf("effect %q became %q when reordered", a.Effect, b.Effect)
		}
		deciding := func(res Result, ss []string) []string {
			var out []string
			for _, i := range res.Deciding {
				out = append(out, ss[i])
			}
			slices.Sort(out)
			return out
		}
		if da, db := deciding(a, stmts), deciding(b, perm); !slices.Equal(da, db) {
			t.Fatalf("deciding statements differ:\n%v\n%v", da, db)
		}
	})
}
