// Package cognito reproduces API Gateway's COGNITO_USER_POOLS authorizer for REST APIs
// (facts §4.1, §5.3, §11 step 7; AWS docs "Integrate a REST API with an Amazon Cognito user
// pool" and the Knowledge Center article "How do I troubleshoot 401 Unauthorized errors from an
// API Gateway REST API endpoint after I've set up an Amazon Cognito user pool?").
//
// The identity source (usually the Authorization header) carries a Cognito ID or access token:
// an RS256 JWT. Verify checks it against the user pools named by the authorizer's providerARNs
// and says exactly which rule failed. Every failure is a 401 UNAUTHORIZED
// ({"message":"Unauthorized"}) for the gateway (facts §1.1, §11 step 7); the caller maps it.
//
// Everything here is pure: keys are loaded once (LoadJWKS, NewPool), Verify does no I/O and
// takes its clock from Verifier.Now, so the CLI can replay a decision offline. The raw token
// never appears in a Result.
package cognito

import (
	"crypto"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
)

// Pool is one Cognito user pool: its ARN
// (arn:aws:cognito-idp:REGION:ACCOUNT:userpool/REGION_xxxx), the issuer its tokens carry in
// "iss", and its signing keys by kid (the pool's /.well-known/jwks.json). A Pool is immutable.
type Pool struct {
	ARN    string
	Issuer string
	// Region, Account and ID are the ARN's parts (ID is the user pool ID, e.g. us-east-1_AbC123).
	Region, Account, ID string

	keys map[string]*rsa.PublicKey
}

// KeyIDs returns the pool's key IDs, sorted.
func (p *Pool) KeyIDs() []string {
	ids := make([]string, 0, len(p.keys))
	for kid := range p.keys {
		ids = append(ids, kid)
	}
	slices.Sort(ids)
	return ids
}

// key returns the pool's key with this kid, or nil.
func (p *Pool) key(kid string) *rsa.PublicKey { return p.keys[kid] }

// NewPool compiles one user pool. When issuer is "", it is derived from the ARN the way Cognito
// issues tokens: https://cognito-idp.REGION.amazonaws.com/POOLID (".amazonaws.com.cn" in the
// aws-cn partition). jwks is the pool's JWKS document (LoadJWKS).
func NewPool(arn, issuer string, jwks []byte) (*Pool, error) {
	partition, region, account, id, err := ParseARN(arn)
	if err != nil {
		return nil, err
	}
	if issuer == "" {
		issuer = DefaultIssuer(partition, region, id)
	}
	keys, err := LoadJWKS(jwks)
	if err != nil {
		return nil, fmt.Errorf("user pool %s: %w", arn, err)
	}
	p := &Pool{ARN: arn, Issuer: issuer, Region: region, Account: account, ID: id,
		keys: make(map[string]*rsa.PublicKey, len(keys))}
	for kid, k := range keys {
		p.keys[kid] = k.(*rsa.PublicKey) // LoadJWKS returns only RSA keys
	}
	return p, nil
}

// DefaultIssuer is the "iss" Cognito puts in a pool's tokens.
func DefaultIssuer(partition, region, poolID string) string {
	suffix := "amazonaws.com"
	if partition == "aws-cn" {
		suffix = "amazonaws.com.cn"
	}
	return "https://cognito-idp." + region + "." + suffix + "/" + poolID
}

// ParseARN splits a user pool ARN, arn:PARTITION:cognito-idp:REGION:ACCOUNT:userpool/POOLID.
// A pool ID is REGION_ followed by its own characters, as Cognito assigns them.
func ParseARN(arn string) (partition, region, account, poolID string, err error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" {
		return "", "", "", "", fmt.Errorf("user pool ARN %q: want arn:aws:cognito-idp:REGION:ACCOUNT:userpool/POOL_ID", arn)
	}
	partition, service, region, account, resource := parts[1], parts[2], parts[3], parts[4], parts[5]
	switch {
	case partition == "":
		return "", "", "", "", fmt.Errorf("user pool ARN %q: empty partition", arn)
	case service != "cognito-idp":
		return "", "", "", "", fmt.Errorf("user pool ARN %q: service is %q, want cognito-idp", arn, service)
	case region == "":
		return "", "", "", "", fmt.Errorf("user pool ARN %q: empty region", arn)
	case len(account) != 12 || strings.Trim(account, "0123456789") != "":
		return "", "", "", "", fmt.Errorf("user pool ARN %q: account %q is not 12 digits", arn, account)
	}
	poolID, ok := strings.CutPrefix(resource, "userpool/")
	if !ok || poolID == "" || strings.Contains(poolID, "/") {
		return "", "", "", "", fmt.Errorf("user pool ARN %q: resource %q, want userpool/POOL_ID", arn, resource)
	}
	if !strings.HasPrefix(poolID, region+"_") || len(poolID) == len(region)+1 {
		return "", "", "", "", fmt.Errorf("user pool ARN %q: pool ID %q does not start with the region (%s_…)", arn, poolID, region)
	}
	return partition, region, account, poolID, nil
}

// jwk is one key of a JWKS document (RFC 7517) as Cognito publishes it:
// {"alg":"RS256","e":"AQAB","kid":"…","kty":"RSA","n":"…","use":"sig"}.
type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
	Use string `json:"use"`
	N   string `json:"n"`
	E   string `json:"e"`
}

// minRSABits is the smallest modulus accepted. Cognito's keys are 2048-bit.
const minRSABits = 1024

// LoadJWKS parses a JWKS document ({"keys":[…]}) into RSA public keys by kid. Every key must be
// an RSA signing key (kty "RSA", alg absent or RS256, use absent or "sig") with a unique,
// non-empty kid; n and e are unpadded base64url big-endian integers. Each error names the key.
func LoadJWKS(data []byte) (map[string]crypto.PublicKey, error) {
	var doc struct {
		Keys *[]json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("JWKS: %w", err)
	}
	if doc.Keys == nil {
		return nil, errors.New(`JWKS: no "keys" array`)
	}
	if len(*doc.Keys) == 0 {
		return nil, errors.New(`JWKS: "keys" is empty`)
	}
	out := make(map[string]crypto.PublicKey, len(*doc.Keys))
	for i, raw := range *doc.Keys {
		var k jwk
		if err := json.Unmarshal(raw, &k); err != nil {
			return nil, fmt.Errorf("JWKS key %d: %w", i, err)
		}
		name := fmt.Sprintf("JWKS key %d", i)
		if k.Kid == "" {
			return nil, fmt.Errorf(`%s: no "kid"`, name)
		}
		name = fmt.Sprintf("JWKS key %d (kid %q)", i, k.Kid)
		if _, dup := out[k.Kid]; dup {
			return nil, fmt.Errorf("%s: duplicate kid", name)
		}
		switch {
		case k.Kty != "RSA":
			return nil, fmt.Errorf(`%s: kty %q, want "RSA" (Cognito signs with RS256)`, name, k.Kty)
		case k.Alg != "" && k.Alg != "RS256":
			return nil, fmt.Errorf(`%s: alg %q, want "RS256"`, name, k.Alg)
		case k.Use != "" && k.Use != "sig":
			return nil, fmt.Errorf(`%s: use %q, want "sig"`, name, k.Use)
		}
		n, err := b64Int(k.N)
		if err != nil {
			return nil, fmt.Errorf(`%s: "n": %w`, name, err)
		}
		e, err := b64Int(k.E)
		if err != nil {
			return nil, fmt.Errorf(`%s: "e": %w`, name, err)
		}
		if n.BitLen() < minRSABits {
			return nil, fmt.Errorf(`%s: modulus is %d bits, want at least %d`, name, n.BitLen(), minRSABits)
		}
		if !e.IsInt64() || e.Int64() < 3 || e.Int64() > 1<<31-1 || e.Bit(0) == 0 {
			return nil, fmt.Errorf(`%s: exponent %s is not an odd number from 3 to 2^31-1`, name, e.String())
		}
		out[k.Kid] = &rsa.PublicKey{N: n, E: int(e.Int64())}
	}
	return out, nil
}

// b64Int decodes an unpadded base64url big-endian unsigned integer.
func b64Int(s string) (*big.Int, error) {
	if s == "" {
		return nil, errors.New("missing")
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("not unpadded base64url: %w", err)
	}
	return new(big.Int).SetBytes(b), nil
}
