// Package cognitotest mints Cognito-shaped user pool keys, JWKS documents and RS256 tokens for
// tests and scenario fixtures (package cognito verifies them). Nothing here is for production.
package cognitotest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"embed"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"time"
)

// Fixture values for a realistic user pool.
const (
	Region   = "us-east-1"
	Account  = "123456789012"
	PoolID   = "us-east-1_AbCdEf123"
	ClientID = "7a8b9c0d1e2f3g4h5i6j7k8l9m"
	PoolARN  = "arn:aws:cognito-idp:" + Region + ":" + Account + ":userpool/" + PoolID
	Issuer   = "https://cognito-idp." + Region + ".amazonaws.com/" + PoolID
)

// Key is a user pool signing key.
type Key struct {
	KID     string
	Private *rsa.PrivateKey
}

// NewKey generates a 2048-bit RSA signing key (Cognito's size). It panics only if the system's
// random source fails.
func NewKey(kid string) *Key {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(fmt.Sprintf("cognitotest: generating an RSA key: %v", err))
	}
	return &Key{KID: kid, Private: k}
}

// JWK is the key's public half as Cognito publishes it in /.well-known/jwks.json.
func (k *Key) JWK() map[string]string {
	pub := k.Private.PublicKey
	return map[string]string{
		"alg": "RS256",
		"e":   base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
		"kid": k.KID,
		"kty": "RSA",
		"n":   base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"use": "sig",
	}
}

// JWKS returns a JWKS document ({"keys":[…]}) holding the keys' public halves.
func JWKS(keys ...*Key) []byte {
	doc := struct {
		Keys []map[string]string `json:"keys"`
	}{Keys: []map[string]string{}}
	for _, k := range keys {
		doc.Keys = append(doc.Keys, k.JWK())
	}
	b, err := json.Marshal(doc)
	if err != nil {
		panic(err)
	}
	return b
}

// Sign returns an RS256 JWT of claims with the header {"kid":…,"alg":"RS256"}, the header
// Cognito writes.
func Sign(key *Key, claims map[string]any) string {
	return SignWithHeader(key, map[string]any{"kid": key.KID, "alg": "RS256"}, claims)
}

// SignWithHeader returns a JWT of claims with this exact header, signed RS256 by key whatever
// the header says (to build tokens with a wrong alg or kid).
func SignWithHeader(key *Key, header, claims map[string]any) string {
	signingInput := segment(header) + "." + segment(claims)
	digest := sha256.Sum256([]byte(signingInput))
	sig, err := rsa.SignPKCS1v15(nil, key.Private, crypto.SHA256, digest[:])
	if err != nil {
		panic(fmt.Sprintf("cognitotest: signing: %v", err))
	}
	return signingInput + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func segment(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("cognitotest: encoding a JWT segment: %v", err))
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// IDClaims returns the claims of a Cognito ID token for user sub, issued at now and valid for
// an hour, with the usual attributes and groups.
func IDClaims(issuer, clientID, sub string, now time.Time, groups ...string) map[string]any {
	c := map[string]any{
		"sub":              sub,
		"email_verified":   true,
		"iss":              issuer,
		"cognito:username": "alice",
		"origin_jti":       "5d2c9c2e-7b9f-4a55-9e38-2f1b8f2c0a11",
		"aud":              clientID,
		"event_id":         "0b5f6c7d-8e9f-4a0b-9c1d-2e3f4a5b6c7d",
		"token_use":        "id",
		"auth_time":        now.Unix(),
		"exp":              now.Add(time.Hour).Unix(),
		"iat":              now.Unix(),
		"jti":              "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f",
		"email":            "alice@example.com",
	}
	if len(groups) > 0 {
		c["cognito:groups"] = groups
	}
	return c
}

// AccessClaims returns the claims of a Cognito access token for user sub with these OAuth
// scopes, issued at now and valid for an hour.
func AccessClaims(issuer, clientID, sub string, now time.Time, scopes ...string) map[string]any {
	scope := ""
	for i, s := range scopes {
		if i > 0 {
			scope += " "
		}
		scope += s
	}
	return map[string]any{
		"sub":        sub,
		"iss":        issuer,
		"client_id":  clientID,
		"origin_jti": "5d2c9c2e-7b9f-4a55-9e38-2f1b8f2c0a11",
		"event_id":   "0b5f6c7d-8e9f-4a0b-9c1d-2e3f4a5b6c7d",
		"token_use":  "access",
		"scope":      scope,
		"auth_time":  now.Unix(),
		"exp":        now.Add(time.Hour).Unix(),
		"iat":        now.Unix(),
		"jti":        "d2e3f4a5-b6c7-4d8e-9f0a-1b2c3d4e5f6a",
		"username":   "alice",
	}
}

//go:embed testkeys/*.pem
var fixedKeys embed.FS

// FixedKeys is the number of fixed keys FixedKey offers.
const FixedKeys = 4

// FixedKey returns fixed test key n (0 ≤ n < FixedKeys) under this kid. The keys are public
// test fixtures, so tokens signed with them are byte-for-byte reproducible in golden files, and
// they cost nothing to load. It panics when n is out of range.
func FixedKey(n int, kid string) *Key {
	data, err := fixedKeys.ReadFile(fmt.Sprintf("testkeys/fixed%d.pem", n))
	if err != nil {
		panic(fmt.Sprintf("cognitotest: no fixed key %d (want 0 to %d)", n, FixedKeys-1))
	}
	block, _ := pem.Decode(data)
	if block == nil {
		panic("cognitotest: fixed key is not PEM")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		panic(fmt.Sprintf("cognitotest: fixed key %d: %v", n, err))
	}
	return &Key{KID: kid, Private: k.(*rsa.PrivateKey)}
}
