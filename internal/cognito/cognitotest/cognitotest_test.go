package cognitotest_test

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	ct "github.com/portcullis/portcullis/internal/cognito/cognitotest"
)

func TestSignRoundTrip(t *testing.T) {
	k := ct.NewKey("fresh")
	if k.Private.N.BitLen() != 2048 {
		t.Errorf("key is %d bits, want 2048", k.Private.N.BitLen())
	}
	now := time.Unix(1700000000, 0)
	tok := ct.Sign(k, ct.AccessClaims(ct.Issuer, ct.ClientID, "u1", now, "a/b", "c"))
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("%d parts", len(parts))
	}
	var header map[string]string
	decode(t, parts[0], &header)
	if diff := cmp.Diff(map[string]string{"alg": "RS256", "kid": "fresh"}, header); diff != "" {
		t.Errorf("header (-want +got):\n%s", diff)
	}
	var claims map[string]any
	decode(t, parts[1], &claims)
	if claims["scope"] != "a/b c" || claims["token_use"] != "access" || claims["exp"] != float64(1700003600) {
		t.Errorf("claims = %v", claims)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		t.Fatal(err)
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(&k.Private.PublicKey, crypto.SHA256, digest[:], sig); err != nil {
		t.Errorf("signature: %v", err)
	}
}

func TestFixedKeysAreStableAndDistinct(t *testing.T) {
	claims := ct.IDClaims(ct.Issuer, ct.ClientID, "u1", time.Unix(1700000000, 0), "g")
	seen := map[string]bool{}
	for n := range ct.FixedKeys {
		a := ct.Sign(ct.FixedKey(n, "k"), claims)
		if b := ct.Sign(ct.FixedKey(n, "k"), claims); a != b {
			t.Errorf("key %d: tokens differ between two signings", n)
		}
		if seen[a] {
			t.Errorf("key %d repeats another key", n)
		}
		seen[a] = true
	}
	defer func() {
		if recover() == nil {
			t.Error("FixedKey(FixedKeys) did not panic")
		}
	}()
	ct.FixedKey(ct.FixedKeys, "k")
}

func TestJWKSShape(t *testing.T) {
	var doc struct {
		Keys []map[string]string `json:"keys"`
	}
	if err := json.Unmarshal(ct.JWKS(ct.FixedKey(0, "k0")), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Keys) != 1 || doc.Keys[0]["e"] != "AQAB" || doc.Keys[0]["kty"] != "RSA" || doc.Keys[0]["use"] != "sig" || len(doc.Keys[0]["n"]) != 342 {
		t.Errorf("JWKS = %v", doc)
	}
	if got := string(ct.JWKS()); got != `{"keys":[]}` {
		t.Errorf("empty JWKS = %s", got)
	}
}

func decode(t *testing.T, seg string, v any) {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}
