package cognito_test

import (
	"strings"
	"testing"

	"github.com/portcullis/portcullis/internal/cognito"
	ct "github.com/portcullis/portcullis/internal/cognito/cognitotest"
)

// FuzzVerify: arbitrary identity-source values never panic, a refusal always explains itself,
// and an acceptance always carries a pool, a token use and claims.
func FuzzVerify(f *testing.F) {
	fx := fixtureOnce()
	good := ct.Sign(fx.key, idClaims())
	for _, s := range []string{
		"", "Bearer ", "allow", "a.b.c", "..", "...", good, "Bearer " + good, good + ".",
		ct.Sign(fx.key, accessClaims("pets/read")),
		ct.SignWithHeader(fx.key, map[string]any{"alg": "none", "kid": "key-1"}, idClaims()),
		"eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjF9.AAAA",
		"eyJ9.e30.", "bnVsbA.bnVsbA.", "e30.W10.",
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, token string, withScopes bool) {
		var scopes []string
		if withScopes {
			scopes = []string{"pets/read"}
		}
		r := fx.v.Verify(token, []string{ct.PoolARN, otherARN}, scopes)
		if r.OK {
			if r.Pool == nil || r.Claims == nil || (r.TokenUse != "id" && r.TokenUse != "access") || r.Detail != "" {
				t.Fatalf("inconsistent acceptance: %+v", r)
			}
			return
		}
		if r.Detail == "" || r.Claims != nil {
			t.Fatalf("refusal without detail or with claims: %+v", r)
		}
		if len(token) >= 40 && strings.Contains(r.Detail, token) {
			t.Fatalf("detail contains the token: %q", r.Detail)
		}
	})
}

// FuzzLoadJWKS: arbitrary documents never panic; every key returned is usable RSA.
func FuzzLoadJWKS(f *testing.F) {
	fx := fixtureOnce()
	for _, s := range []string{
		string(ct.JWKS(fx.key)), string(ct.JWKS(fx.key, fx.key2)), string(ct.JWKS()),
		`{}`, `{"keys":null}`, `{"keys":[{}]}`, `{"keys":[{"kid":"a","kty":"RSA","n":"AQAB","e":"AQAB"}]}`,
		`{"keys":[{"kid":"a","kty":"RSA","n":"` + strings.Repeat("_", 200) + `","e":"AQAB"}]}`,
		`[`, `null`, `"x"`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		keys, err := cognito.LoadJWKS(data)
		if err != nil {
			if keys != nil {
				t.Fatal("keys returned with an error")
			}
			return
		}
		if len(keys) == 0 {
			t.Fatal("no keys and no error")
		}
		if _, err := cognito.NewPool(ct.PoolARN, "", data); err != nil {
			t.Fatalf("LoadJWKS accepted what NewPool refuses: %v", err)
		}
	})
}
