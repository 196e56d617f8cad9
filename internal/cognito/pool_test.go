package cognito_test

import (
	"crypto/rsa"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/portcullis/portcullis/internal/cognito"
	ct "github.com/portcullis/portcullis/internal/cognito/cognitotest"
)

func TestParseARN(t *testing.T) {
	tests := []struct {
		arn                         string
		partition, region, acct, id string
		err                         string
	}{
		{arn: ct.PoolARN, partition: "aws", region: "us-east-1", acct: "123456789012", id: "us-east-1_AbCdEf123"},
		{arn: "arn:aws-cn:cognito-idp:cn-north-1:123456789012:userpool/cn-north-1_X1", partition: "aws-cn", region: "cn-north-1", acct: "123456789012", id: "cn-north-1_X1"},
		{arn: "", err: `user pool ARN "": want arn:aws:cognito-idp:REGION:ACCOUNT:userpool/POOL_ID`},
		{arn: "us-east-1_AbCdEf123", err: "want arn:aws:cognito-idp"},
		{arn: "arn::cognito-idp:us-east-1:123456789012:userpool/us-east-1_A", err: "empty partition"},
		{arn: "arn:aws:cognito-identity:us-east-1:123456789012:userpool/us-east-1_A", err: `service is "cognito-identity", want cognito-idp`},
		{arn: "arn:aws:cognito-idp::123456789012:userpool/us-east-1_A", err: "empty region"},
		{arn: "arn:aws:cognito-idp:us-east-1:1234:userpool/us-east-1_A", err: `account "1234" is not 12 digits`},
		{arn: "arn:aws:cognito-idp:us-east-1:123456789012:identitypool/us-east-1_A", err: `resource "identitypool/us-east-1_A", want userpool/POOL_ID`},
		{arn: "arn:aws:cognito-idp:us-east-1:123456789012:userpool/", err: "want userpool/POOL_ID"},
		{arn: "arn:aws:cognito-idp:us-east-1:123456789012:userpool/a/b", err: "want userpool/POOL_ID"},
		{arn: "arn:aws:cognito-idp:us-east-1:123456789012:userpool/eu-west-1_A", err: `pool ID "eu-west-1_A" does not start with the region (us-east-1_…)`},
		{arn: "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_", err: "does not start with the region"},
		{arn: "arn:aws:cognito-idp:us-east-1:123456789012:userpool/${stageVariables.pool}", err: "does not start with the region"},
	}
	for _, tt := range tests {
		t.Run(tt.arn, func(t *testing.T) {
			p, r, a, id, err := cognito.ParseARN(tt.arn)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{tt.partition, tt.region, tt.acct, tt.id}, []string{p, r, a, id}); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestNewPool(t *testing.T) {
	f := fixtureOnce()
	if f.pool.Issuer != ct.Issuer || f.pool.ID != ct.PoolID || f.pool.Region != ct.Region || f.pool.Account != ct.Account {
		t.Errorf("pool = %+v", f.pool)
	}
	if diff := cmp.Diff([]string{"key-1", "key-2"}, f.pool.KeyIDs()); diff != "" {
		t.Errorf("KeyIDs (-want +got):\n%s", diff)
	}
	cn, err := cognito.NewPool("arn:aws-cn:cognito-idp:cn-north-1:123456789012:userpool/cn-north-1_X1", "", ct.JWKS(f.key))
	if err != nil {
		t.Fatal(err)
	}
	if want := "https://cognito-idp.cn-north-1.amazonaws.com.cn/cn-north-1_X1"; cn.Issuer != want {
		t.Errorf("aws-cn issuer = %q, want %q", cn.Issuer, want)
	}
	custom, err := cognito.NewPool(ct.PoolARN, "http://127.0.0.1:9229/us-east-1_AbCdEf123", ct.JWKS(f.key))
	if err != nil {
		t.Fatal(err)
	}
	if custom.Issuer != "http://127.0.0.1:9229/us-east-1_AbCdEf123" {
		t.Errorf("explicit issuer ignored: %q", custom.Issuer)
	}
	if _, err := cognito.NewPool(ct.PoolARN, "", []byte(`{"keys":[]}`)); err == nil ||
		err.Error() != `user pool `+ct.PoolARN+`: JWKS: "keys" is empty` {
		t.Errorf("empty JWKS: err = %v", err)
	}
	if _, err := cognito.NewPool("nope", "", ct.JWKS(f.key)); err == nil {
		t.Error("bad ARN accepted")
	}
}

// TestLoadJWKSFile reads a JWKS written to disk, as the config's jwksFile will.
func TestLoadJWKSFile(t *testing.T) {
	f := fixtureOnce()
	path := filepath.Join(t.TempDir(), "jwks.json")
	if err := os.WriteFile(path, ct.JWKS(f.key, f.key2), 0o600); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := cognito.LoadJWKS(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 {
		t.Fatalf("%d keys, want 2", len(keys))
	}
	got := keys["key-2"].(*rsa.PublicKey)
	if !got.Equal(&f.key2.Private.PublicKey) {
		t.Error("key-2 does not round-trip")
	}
}

func TestLoadJWKSErrors(t *testing.T) {
	f := fixtureOnce()
	good := f.key.JWK()
	withKey := func(kv ...string) string {
		k := map[string]string{}
		for n, v := range good {
			k[n] = v
		}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == "-" {
				delete(k, kv[i])
			} else {
				k[kv[i]] = kv[i+1]
			}
		}
		b, _ := json.Marshal(map[string]any{"keys": []any{k}})
		return string(b)
	}
	twice, _ := json.Marshal(map[string]any{"keys": []any{good, good}})
	tests := []struct {
		name, doc, want string
	}{
		{"not JSON", `{`, "JWKS: unexpected end of JSON input"},
		{"array", `[]`, "JWKS: json: cannot unmarshal array into Go value of type struct { Keys *[]json.RawMessage \"json:\\\"keys\\\"\" }"},
		{"no keys", `{}`, `JWKS: no "keys" array`},
		{"keys null", `{"keys":null}`, `JWKS: no "keys" array`},
		{"keys empty", `{"keys":[]}`, `JWKS: "keys" is empty`},
		{"key not an object", `{"keys":[1]}`, "JWKS key 0: json: cannot unmarshal number into Go value of type cognito.jwk"},
		{"no kid", withKey("kid", "-"), `JWKS key 0: no "kid"`},
		{"duplicate kid", string(twice), `JWKS key 1 (kid "key-1"): duplicate kid`},
		{"EC key", withKey("kty", "EC"), `JWKS key 0 (kid "key-1"): kty "EC", want "RSA" (Cognito signs with RS256)`},
		{"alg RS512", withKey("alg", "RS512"), `JWKS key 0 (kid "key-1"): alg "RS512", want "RS256"`},
		{"use enc", withKey("use", "enc"), `JWKS key 0 (kid "key-1"): use "enc", want "sig"`},
		{"no n", withKey("n", "-"), `JWKS key 0 (kid "key-1"): "n": missing`},
		{"n padded", withKey("n", good["n"]+"="), `JWKS key 0 (kid "key-1"): "n": not unpadded base64url: illegal base64 data at input byte 342`},
		{"n standard base64", withKey("n", "ab+/"), `JWKS key 0 (kid "key-1"): "n": not unpadded base64url: illegal base64 data at input byte 2`},
		{"n too small", withKey("n", "AQAB"), `JWKS key 0 (kid "key-1"): modulus is 17 bits, want at least 1024`},
		{"no e", withKey("e", "-"), `JWKS key 0 (kid "key-1"): "e": missing`},
		{"e even", withKey("e", "AQAA"), `JWKS key 0 (kid "key-1"): exponent 65536 is not an odd number from 3 to 2^31-1`},
		{"e one", withKey("e", "AQ"), `JWKS key 0 (kid "key-1"): exponent 1 is not an odd number from 3 to 2^31-1`},
		{"e huge", withKey("e", "AQAAAAAAAAAB"), `JWKS key 0 (kid "key-1"): exponent 18446744073709551617 is not an odd number from 3 to 2^31-1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys, err := cognito.LoadJWKS([]byte(tt.doc))
			if err == nil {
				t.Fatalf("accepted: %v", keys)
			}
			if err.Error() != tt.want {
				t.Errorf("err\n got %s\nwant %s", err, tt.want)
			}
		})
	}
	// Optional members may be absent, as in some JWKS documents.
	if _, err := cognito.LoadJWKS([]byte(withKey("alg", "-", "use", "-"))); err != nil {
		t.Errorf("key without alg/use: %v", err)
	}
}
