package cognito

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Verifier checks Cognito tokens against the configured user pools. It is safe for concurrent
// use once built.
type Verifier struct {
	// Pools are every configured user pool (config cognito.userPools). An authorizer uses the
	// ones its providerARNs name.
	Pools []*Pool
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Leeway is the clock skew tolerated for exp, nbf and iat. AWS documents none, so the
	// default is zero [UNCONFIRMED: API Gateway's leeway is not published].
	Leeway time.Duration
}

// Token uses.
const (
	TokenUseID     = "id"
	TokenUseAccess = "access"
)

// Result is the outcome of one verification. When OK is false the gateway answers 401
// UNAUTHORIZED and Detail says which rule failed; Detail never contains the token.
type Result struct {
	OK bool
	// Claims are the token's claims as API Gateway hands them to $context.authorizer.claims.*
	// and the Lambda proxy event's requestContext.authorizer.claims (FlattenClaims). Set only
	// when OK.
	Claims map[string]string
	// Pool is the user pool whose key signed the token (nil when no key matched).
	Pool *Pool
	// TokenUse is "id" or "access" once the payload is read.
	TokenUse string
	// Scopes are the access token's "scope" values.
	Scopes []string
	// ExpiresAt is the token's exp (zero when unknown); an authorizer cache must not outlive it.
	ExpiresAt time.Time
	// Bearer reports that the value carried a "Bearer " prefix, which was stripped.
	Bearer bool
	// Detail says why the token was refused, for the decision record.
	Detail string
}

// Verify checks token (the identity source's value) for a COGNITO_USER_POOLS authorizer with
// these providerARNs, on a method with these authorizationScopes. The rules, in order:
//
//  1. The value is a JWS compact serialisation (three unpadded base64url parts); an optional
//     "Bearer " prefix is accepted (Cognito docs: apps "add them as bearer tokens to an
//     Authorization header"; AWS's own examples send the bare token) [UNCONFIRMED for REST].
//  2. The header's alg is RS256 and its kid is a key of one of the providerARNs' pools.
//  3. The RSASSA-PKCS1-v1_5 SHA-256 signature is valid.
//  4. iss equals that pool's issuer (KC: "The user pool ID matches the issuer of the token").
//  5. token_use is "id" or "access".
//  6. exp is in the future; nbf (if present) and iat are not (Verifier.Leeway allowed).
//  7. An ID token carries aud, an access token client_id.
//  8. Scopes (KC: "If there are no additional scopes configured on the API Gateway method, make
//     sure that you're using a valid ID token. If you configure additional scopes …, make sure
//     that you use a valid access token."): with no method scopes only an ID token passes; with
//     scopes only an access token whose "scope" holds at least one of them passes.
func (v *Verifier) Verify(token string, providerARNs []string, scopes []string) Result {
	var r Result
	fail := func(format string, args ...any) Result {
		r.OK = false
		r.Claims = nil
		r.Detail = fmt.Sprintf(format, args...)
		return r
	}

	if rest, ok := cutBearer(token); ok {
		token, r.Bearer = rest, true
	}
	if token == "" {
		return fail("no token in the identity source")
	}
	h64, rest, ok1 := strings.Cut(token, ".")
	p64, s64, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || strings.Contains(s64, ".") {
		return fail("not a JWT: want three dot-separated parts, got %d", strings.Count(token, ".")+1)
	}
	headerJSON, err := base64.RawURLEncoding.DecodeString(h64)
	if err != nil {
		return fail("not a JWT: header is not unpadded base64url (%v)", err)
	}
	payloadJSON, err := base64.RawURLEncoding.DecodeString(p64)
	if err != nil {
		return fail("not a JWT: payload is not unpadded base64url (%v)", err)
	}
	sig, err := base64.RawURLEncoding.DecodeString(s64)
	if err != nil {
		return fail("not a JWT: signature is not unpadded base64url (%v)", err)
	}
	var header struct {
		Alg *string `json:"alg"`
		Kid *string `json:"kid"`
	}
	if err := json.Unmarshal(headerJSON, &header); err != nil {
		return fail("not a JWT: header is not a JSON object (%v)", err)
	}
	claims, err := decodeObject(payloadJSON)
	if err != nil {
		return fail("not a JWT: payload is not a JSON object (%v)", err)
	}
	if s, ok := claims["token_use"].(string); ok {
		r.TokenUse = s
	}
	iss, _ := claims["iss"].(string)

	switch {
	case header.Alg == nil:
		return fail(`JWT header has no "alg"; Cognito tokens are RS256`)
	case *header.Alg != "RS256":
		return fail("JWT alg %q is not RS256", *header.Alg)
	case header.Kid == nil || *header.Kid == "":
		return fail(`JWT header has no "kid"`)
	}
	kid := *header.Kid

	pools, unknown := v.pools(providerARNs)
	if len(pools) == 0 {
		return fail("none of the authorizer's providerARNs %v is a configured user pool (cognito.userPools)", providerARNs)
	}
	var key *rsa.PublicKey
	for _, p := range pools {
		if k := p.key(kid); k != nil {
			r.Pool, key = p, k
			break
		}
	}
	if key == nil {
		return fail("%s", v.unknownKid(kid, iss, pools, unknown))
	}

	digest := sha256.Sum256([]byte(token[:len(h64)+1+len(p64)]))
	if err := rsa.VerifyPKCS1v15(key, crypto.SHA256, digest[:], sig); err != nil {
		return fail("signature invalid for kid %q of user pool %s", kid, r.Pool.ARN)
	}

	switch {
	case claims["iss"] == nil:
		return fail(`token has no "iss"; user pool %s issues %q`, r.Pool.ARN, r.Pool.Issuer)
	case iss != r.Pool.Issuer:
		return fail("issuer %q is not %q (user pool %s)", printable(claims["iss"]), r.Pool.Issuer, r.Pool.ARN)
	}

	switch r.TokenUse {
	case TokenUseID, TokenUseAccess:
	default:
		if claims["token_use"] == nil {
			return fail(`token has no "token_use"; want "id" or "access"`)
		}
		return fail(`token_use %q is neither "id" nor "access"`, printable(claims["token_use"]))
	}

	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	exp, ok, err := numericDate(claims, "exp")
	switch {
	case err != nil:
		return fail("%v", err)
	case !ok:
		return fail(`token has no "exp"`)
	}
	r.ExpiresAt = exp
	if !now.Before(exp.Add(v.Leeway)) {
		return fail("token expired at %s (now %s)", stamp(exp), stamp(now))
	}
	if nbf, ok, err := numericDate(claims, "nbf"); err != nil {
		return fail("%v", err)
	} else if ok && nbf.After(now.Add(v.Leeway)) {
		return fail("token not valid before %s (now %s)", stamp(nbf), stamp(now))
	}
	if iat, ok, err := numericDate(claims, "iat"); err != nil {
		return fail("%v", err)
	} else if ok && iat.After(now.Add(v.Leeway)) {
		return fail("token issued in the future, at %s (now %s)", stamp(iat), stamp(now))
	}

	if r.TokenUse == TokenUseID {
		if !present(claims["aud"]) {
			return fail(`ID token has no "aud" (app client ID)`)
		}
	} else {
		if !present(claims["client_id"]) {
			return fail(`access token has no "client_id"`)
		}
		if s, ok := claims["scope"].(string); ok {
			r.Scopes = strings.Fields(s)
		}
	}

	if len(scopes) == 0 {
		if r.TokenUse != TokenUseID {
			return fail("access token sent to a method without authorizationScopes: only an ID token is accepted there")
		}
	} else {
		if r.TokenUse != TokenUseAccess {
			return fail("ID token sent to a method with authorizationScopes %v: only an access token is accepted there", scopes)
		}
		if !slices.ContainsFunc(scopes, func(s string) bool { return slices.Contains(r.Scopes, s) }) {
			return fail("scope missing: wanted one of %v, token has %v", scopes, r.Scopes)
		}
	}

	r.OK = true
	r.Claims = FlattenClaims(claims)
	return r
}

// pools returns the configured pools the ARNs name, in the ARNs' order, and the ARNs that name
// no configured pool.
func (v *Verifier) pools(arns []string) (found []*Pool, unknown []string) {
	for _, arn := range arns {
		i := slices.IndexFunc(v.Pools, func(p *Pool) bool { return p.ARN == arn })
		if i < 0 {
			unknown = append(unknown, arn)
			continue
		}
		if !slices.Contains(found, v.Pools[i]) {
			found = append(found, v.Pools[i])
		}
	}
	return found, unknown
}

// unknownKid explains a kid that no providerARN pool has, naming the likeliest mistake.
func (v *Verifier) unknownKid(kid, iss string, pools []*Pool, unknown []string) string {
	arns := make([]string, len(pools))
	for i, p := range pools {
		arns[i] = p.ARN
	}
	msg := fmt.Sprintf("kid %q unknown to the authorizer's user pools %v", kid, arns)
	for _, p := range v.Pools {
		if p.key(kid) != nil {
			return msg + fmt.Sprintf("; it is a key of user pool %s, which is not in the authorizer's providerARNs", p.ARN)
		}
	}
	for _, p := range pools {
		if iss != "" && iss == p.Issuer {
			return msg + fmt.Sprintf("; the token's issuer is user pool %s, whose JWKS has kids %v (rotated keys or a stale JWKS file?)", p.ARN, p.KeyIDs())
		}
	}
	if len(unknown) > 0 {
		msg += fmt.Sprintf("; providerARNs %v are not configured user pools", unknown)
	}
	if iss != "" {
		msg += fmt.Sprintf("; the token's issuer is %q", iss)
	}
	return msg
}

// cutBearer strips a case-insensitive "Bearer " prefix.
func cutBearer(s string) (string, bool) {
	const p = "bearer "
	if len(s) >= len(p) && strings.EqualFold(s[:len(p)], p) {
		return strings.TrimLeft(s[len(p):], " "), true
	}
	return s, false
}

// decodeObject decodes a JSON object keeping numbers as json.Number, rejecting trailing data.
func decodeObject(b []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, fmt.Errorf("null")
	}
	if dec.More() {
		return nil, fmt.Errorf("trailing data after the object")
	}
	return m, nil
}

// numericDate reads a NumericDate claim (seconds since the epoch, RFC 7519 §2).
func numericDate(claims map[string]any, name string) (t time.Time, ok bool, err error) {
	v, present := claims[name]
	if !present || v == nil {
		return time.Time{}, false, nil
	}
	n, isNum := v.(json.Number)
	if !isNum {
		return time.Time{}, false, fmt.Errorf("%q is %s, not a number of seconds", name, printable(v))
	}
	f, err := n.Float64()
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 1e11 {
		return time.Time{}, false, fmt.Errorf("%q is %s, not a sane number of seconds", name, n)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), true, nil
}

// present reports whether a claim is there and not empty.
func present(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case string:
		return v != ""
	case []any:
		return len(v) > 0
	default:
		return true
	}
}

// printable renders a claim value for a Detail, shortened.
func printable(v any) string {
	var s string
	if str, ok := v.(string); ok {
		s = str
	} else {
		b, _ := json.Marshal(v)
		s = string(b)
	}
	if len(s) > 200 {
		s = strings.ToValidUTF8(s[:200], "") + "…"
	}
	return s
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }
