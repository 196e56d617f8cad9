package cognito_test

import (
	"encoding/base64"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/portcullis/portcullis/internal/cognito"
	ct "github.com/portcullis/portcullis/internal/cognito/cognitotest"
)

const (
	otherARN    = "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_Other999"
	otherIssuer = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other999"
	missingARN  = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Missing1"
)

// now is the fixed clock: 2023-04-04T17:39:39Z, the instant of the re:Post sample.
var now = time.Unix(1680629979, 0).UTC()

type fixture struct {
	key, key2, otherKey, stranger *ct.Key
	pool, other                   *cognito.Pool
	v                             *cognito.Verifier
}

var fixtureOnce = sync.OnceValue(func() *fixture {
	f := &fixture{
		key:      ct.FixedKey(0, "key-1"),
		key2:     ct.FixedKey(1, "key-2"),
		otherKey: ct.FixedKey(2, "other-1"),
		stranger: ct.FixedKey(3, "stranger"),
	}
	var err error
	if f.pool, err = cognito.NewPool(ct.PoolARN, "", ct.JWKS(f.key, f.key2)); err != nil {
		panic(err)
	}
	if f.other, err = cognito.NewPool(otherARN, "", ct.JWKS(f.otherKey)); err != nil {
		panic(err)
	}
	f.v = &cognito.Verifier{Pools: []*cognito.Pool{f.pool, f.other}, Now: func() time.Time { return now }}
	return f
})

func idClaims() map[string]any {
	return ct.IDClaims(ct.Issuer, ct.ClientID, "0f6b1a8e-3c2d-4e5f-8a9b-1c2d3e4f5a6b", now, "admins", "ops")
}

func accessClaims(scopes ...string) map[string]any {
	return ct.AccessClaims(ct.Issuer, ct.ClientID, "0f6b1a8e-3c2d-4e5f-8a9b-1c2d3e4f5a6b", now, scopes...)
}

func with(c map[string]any, kv ...any) map[string]any {
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(c, kv[i].(string))
			continue
		}
		c[kv[i].(string)] = kv[i+1]
	}
	return c
}

func TestVerifyIDTokenClaimsGolden(t *testing.T) {
	f := fixtureOnce()
	tok := ct.Sign(f.key, idClaims())
	got := f.v.Verify(tok, []string{ct.PoolARN}, nil)
	if !got.OK {
		t.Fatalf("Verify: %s", got.Detail)
	}
	want := map[string]string{
		"sub":              "0f6b1a8e-3c2d-4e5f-8a9b-1c2d3e4f5a6b",
		"email_verified":   "true",
		"iss":              ct.Issuer,
		"cognito:username": "alice",
		"cognito:groups":   "admins,ops",
		"origin_jti":       "5d2c9c2e-7b9f-4a55-9e38-2f1b8f2c0a11",
		"aud":              ct.ClientID,
		"event_id":         "0b5f6c7d-8e9f-4a0b-9c1d-2e3f4a5b6c7d",
		"token_use":        "id",
		"auth_time":        "1680629979",
		"exp":              "Tue Apr 04 18:39:39 UTC 2023",
		"iat":              "Tue Apr 04 17:39:39 UTC 2023",
		"jti":              "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f",
		"email":            "alice@example.com",
	}
	if diff := cmp.Diff(want, got.Claims); diff != "" {
		t.Errorf("claims (-want +got):\n%s", diff)
	}
	if got.Pool != f.pool || got.TokenUse != "id" || got.Bearer || got.Detail != "" {
		t.Errorf("Result = pool %v, tokenUse %q, bearer %v, detail %q", got.Pool.ARN, got.TokenUse, got.Bearer, got.Detail)
	}
	if !got.ExpiresAt.Equal(now.Add(time.Hour)) {
		t.Errorf("ExpiresAt = %v, want %v", got.ExpiresAt, now.Add(time.Hour))
	}
}

func TestVerifyAccepts(t *testing.T) {
	f := fixtureOnce()
	tests := []struct {
		name      string
		token     string
		arns      []string
		scopes    []string
		wantPool  *cognito.Pool
		wantUse   string
		wantScope []string
		bearer    bool
	}{
		{"id token, no scopes", ct.Sign(f.key, idClaims()), []string{ct.PoolARN}, nil, f.pool, "id", nil, false},
		{"second key of the pool", ct.Sign(f.key2, idClaims()), []string{ct.PoolARN}, nil, f.pool, "id", nil, false},
		{"Bearer prefix", "Bearer " + ct.Sign(f.key, idClaims()), []string{ct.PoolARN}, nil, f.pool, "id", nil, true},
		{"bearer prefix lower case", "bearer " + ct.Sign(f.key, idClaims()), []string{ct.PoolARN}, nil, f.pool, "id", nil, true},
		{"access token with one of the scopes", ct.Sign(f.key, accessClaims("openid", "pets/read")),
			[]string{ct.PoolARN}, []string{"pets/write", "pets/read"}, f.pool, "access", []string{"openid", "pets/read"}, false},
		{"second pool of the authorizer", ct.Sign(f.otherKey, with(idClaims(), "iss", otherIssuer)),
			[]string{ct.PoolARN, otherARN}, nil, f.other, "id", nil, false},
		{"unconfigured ARN beside a configured one", ct.Sign(f.key, idClaims()), []string{missingARN, ct.PoolARN}, nil, f.pool, "id", nil, false},
		{"aud as an array", ct.Sign(f.key, with(idClaims(), "aud", []string{ct.ClientID})), []string{ct.PoolARN}, nil, f.pool, "id", nil, false},
		{"exp one second ahead", ct.Sign(f.key, with(idClaims(), "exp", now.Unix()+1)), []string{ct.PoolARN}, nil, f.pool, "id", nil, false},
		{"nbf now", ct.Sign(f.key, with(idClaims(), "nbf", now.Unix())), []string{ct.PoolARN}, nil, f.pool, "id", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := f.v.Verify(tt.token, tt.arns, tt.scopes)
			if !got.OK {
				t.Fatalf("Verify refused: %s", got.Detail)
			}
			if got.Pool != tt.wantPool || got.TokenUse != tt.wantUse || got.Bearer != tt.bearer {
				t.Errorf("pool %s use %q bearer %v; want %s %q %v", got.Pool.ARN, got.TokenUse, got.Bearer, tt.wantPool.ARN, tt.wantUse, tt.bearer)
			}
			if diff := cmp.Diff(tt.wantScope, got.Scopes, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("scopes (-want +got):\n%s", diff)
			}
			if len(got.Claims) == 0 {
				t.Error("no claims")
			}
		})
	}
}

func TestVerifyRefuses(t *testing.T) {
	f := fixtureOnce()
	good := ct.Sign(f.key, idClaims())
	parts := strings.Split(good, ".")
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	flipped := []byte(parts[2])
	flipped[10] ^= 'A' ^ 'B'
	if flipped[10] == parts[2][10] {
		t.Fatal("flip did nothing")
	}
	// The signature of another token, pasted onto this one's header and payload.
	forged := parts[0] + "." + parts[1] + "." + strings.Split(ct.Sign(f.key, accessClaims()), ".")[2]

	pool := []string{ct.PoolARN}
	tests := []struct {
		name   string
		token  string
		arns   []string
		scopes []string
		want   string // exact Detail
		use    string // TokenUse expected on the refusal
	}{
		{"empty", "", pool, nil, "no token in the identity source", ""},
		{"Bearer alone", "Bearer ", pool, nil, "no token in the identity source", ""},
		{"not a JWT", "allow", pool, nil, "not a JWT: want three dot-separated parts, got 1", ""},
		{"four parts", good + ".x", pool, nil, "not a JWT: want three dot-separated parts, got 4", ""},
		{"space inside", parts[0] + ". " + parts[1] + "." + parts[2], pool, nil,
			"not a JWT: payload is not unpadded base64url (illegal base64 data at input byte 0)", ""},
		{"padded header", parts[0] + "=." + parts[1] + "." + parts[2], pool, nil,
			"not a JWT: header is not unpadded base64url (illegal base64 data at input byte " + strconv.Itoa(len(parts[0])) + ")", ""},
		{"header not JSON", b64("hello") + "." + parts[1] + "." + parts[2], pool, nil,
			"not a JWT: header is not a JSON object (invalid character 'h' looking for beginning of value)", ""},
		{"payload array", parts[0] + "." + b64("[1]") + "." + parts[2], pool, nil,
			"not a JWT: payload is not a JSON object (json: cannot unmarshal array into Go value of type map[string]interface {})", ""},
		{"payload null", parts[0] + "." + b64("null") + "." + parts[2], pool, nil,
			"not a JWT: payload is not a JSON object (null)", ""},
		{"no alg", ct.SignWithHeader(f.key, map[string]any{"kid": "key-1"}, idClaims()), pool, nil,
			`JWT header has no "alg"; Cognito tokens are RS256`, "id"},
		{"alg none", ct.SignWithHeader(f.key, map[string]any{"kid": "key-1", "alg": "none"}, idClaims()), pool, nil,
			`JWT alg "none" is not RS256`, "id"},
		{"alg HS256", ct.SignWithHeader(f.key, map[string]any{"kid": "key-1", "alg": "HS256"}, idClaims()), pool, nil,
			`JWT alg "HS256" is not RS256`, "id"},
		{"no kid", ct.SignWithHeader(f.key, map[string]any{"alg": "RS256"}, idClaims()), pool, nil,
			`JWT header has no "kid"`, "id"},
		{"no configured pool", good, []string{missingARN}, nil,
			"none of the authorizer's providerARNs [" + missingARN + "] is a configured user pool (cognito.userPools)", "id"},
		{"kid unknown, issuer is the pool (stale JWKS)", ct.Sign(f.stranger, idClaims()), pool, nil,
			`kid "stranger" unknown to the authorizer's user pools [` + ct.PoolARN + `]; the token's issuer is user pool ` + ct.PoolARN +
				`, whose JWKS has kids [key-1 key-2] (rotated keys or a stale JWKS file?)`, "id"},
		{"kid unknown, foreign issuer", ct.Sign(f.stranger, with(idClaims(), "iss", "https://example.com")), []string{ct.PoolARN, missingARN}, nil,
			`kid "stranger" unknown to the authorizer's user pools [` + ct.PoolARN + `]; providerARNs [` + missingARN +
				`] are not configured user pools; the token's issuer is "https://example.com"`, "id"},
		{"kid of a pool outside providerARNs", ct.Sign(f.otherKey, with(idClaims(), "iss", otherIssuer)), pool, nil,
			`kid "other-1" unknown to the authorizer's user pools [` + ct.PoolARN + `]; it is a key of user pool ` + otherARN +
				`, which is not in the authorizer's providerARNs`, "id"},
		{"signature bit flipped", parts[0] + "." + parts[1] + "." + string(flipped), pool, nil,
			`signature invalid for kid "key-1" of user pool ` + ct.PoolARN, "id"},
		{"signature of another token", forged, pool, nil, `signature invalid for kid "key-1" of user pool ` + ct.PoolARN, "id"},
		{"signed by another key under our kid", ct.SignWithHeader(f.stranger, map[string]any{"kid": "key-1", "alg": "RS256"}, idClaims()), pool, nil,
			`signature invalid for kid "key-1" of user pool ` + ct.PoolARN, "id"},
		{"wrong issuer", ct.Sign(f.key, with(idClaims(), "iss", otherIssuer)), pool, nil,
			`issuer "` + otherIssuer + `" is not "` + ct.Issuer + `" (user pool ` + ct.PoolARN + `)`, "id"},
		{"no issuer", ct.Sign(f.key, with(idClaims(), "iss", nil)), pool, nil,
			`token has no "iss"; user pool ` + ct.PoolARN + ` issues "` + ct.Issuer + `"`, "id"},
		{"issuer a number", ct.Sign(f.key, with(idClaims(), "iss", 7)), pool, nil,
			`issuer "7" is not "` + ct.Issuer + `" (user pool ` + ct.PoolARN + `)`, "id"},
		{"no token_use", ct.Sign(f.key, with(idClaims(), "token_use", nil)), pool, nil,
			`token has no "token_use"; want "id" or "access"`, ""},
		{"token_use refresh", ct.Sign(f.key, with(idClaims(), "token_use", "refresh")), pool, nil,
			`token_use "refresh" is neither "id" nor "access"`, "refresh"},
		{"expired", ct.Sign(f.key, with(idClaims(), "exp", now.Unix()-1)), pool, nil,
			"token expired at 2023-04-04T17:39:38Z (now 2023-04-04T17:39:39Z)", "id"},
		{"expires exactly now", ct.Sign(f.key, with(idClaims(), "exp", now.Unix())), pool, nil,
			"token expired at 2023-04-04T17:39:39Z (now 2023-04-04T17:39:39Z)", "id"},
		{"no exp", ct.Sign(f.key, with(idClaims(), "exp", nil)), pool, nil, `token has no "exp"`, "id"},
		{"exp a string", ct.Sign(f.key, with(idClaims(), "exp", "tomorrow")), pool, nil,
			`"exp" is tomorrow, not a number of seconds`, "id"},
		{"exp absurd", ct.Sign(f.key, with(idClaims(), "exp", 1e300)), pool, nil,
			`"exp" is 1e+300, not a sane number of seconds`, "id"},
		{"nbf in the future", ct.Sign(f.key, with(idClaims(), "nbf", now.Unix()+60)), pool, nil,
			"token not valid before 2023-04-04T17:40:39Z (now 2023-04-04T17:39:39Z)", "id"},
		{"iat in the future", ct.Sign(f.key, with(idClaims(), "iat", now.Unix()+60)), pool, nil,
			"token issued in the future, at 2023-04-04T17:40:39Z (now 2023-04-04T17:39:39Z)", "id"},
		{"id token without aud", ct.Sign(f.key, with(idClaims(), "aud", nil)), pool, nil,
			`ID token has no "aud" (app client ID)`, "id"},
		{"id token with empty aud", ct.Sign(f.key, with(idClaims(), "aud", "")), pool, nil,
			`ID token has no "aud" (app client ID)`, "id"},
		{"access token without client_id", ct.Sign(f.key, with(accessClaims("pets/read"), "client_id", nil)), pool, []string{"pets/read"},
			`access token has no "client_id"`, "access"},
		{"access token, method without scopes", ct.Sign(f.key, accessClaims("aws.cognito.signin.user.admin")), pool, nil,
			"access token sent to a method without authorizationScopes: only an ID token is accepted there", "access"},
		{"id token, method with scopes", good, pool, []string{"pets/read"},
			"ID token sent to a method with authorizationScopes [pets/read]: only an access token is accepted there", "id"},
		{"scope missing", ct.Sign(f.key, accessClaims("openid", "email")), pool, []string{"pets/read", "pets/write"},
			"scope missing: wanted one of [pets/read pets/write], token has [openid email]", "access"},
		{"no scope claim", ct.Sign(f.key, with(accessClaims(), "scope", nil)), pool, []string{"pets/read"},
			"scope missing: wanted one of [pets/read], token has []", "access"},
		{"scope prefix is not a match", ct.Sign(f.key, accessClaims("pets/readonly")), pool, []string{"pets/read"},
			"scope missing: wanted one of [pets/read], token has [pets/readonly]", "access"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := f.v.Verify(tt.token, tt.arns, tt.scopes)
			if got.OK {
				t.Fatal("Verify accepted the token")
			}
			if got.Detail != tt.want {
				t.Errorf("Detail\n got %s\nwant %s", got.Detail, tt.want)
			}
			if got.TokenUse != tt.use {
				t.Errorf("TokenUse = %q, want %q", got.TokenUse, tt.use)
			}
			if got.Claims != nil {
				t.Errorf("Claims set on a refusal: %v", got.Claims)
			}
			assertNoToken(t, tt.token, got.Detail)
		})
	}
}

// assertNoToken checks that no segment of the token leaked into the detail.
func assertNoToken(t *testing.T, token, detail string) {
	t.Helper()
	for _, seg := range strings.Split(strings.TrimPrefix(token, "Bearer "), ".") {
		if len(seg) >= 16 && strings.Contains(detail, seg) {
			t.Errorf("Detail contains a token segment: %q", detail)
		}
	}
}

func TestVerifyLeewayAndClock(t *testing.T) {
	f := fixtureOnce()
	tok := ct.Sign(f.key, with(idClaims(), "exp", now.Unix()-30))
	strict := &cognito.Verifier{Pools: f.v.Pools, Now: f.v.Now}
	if r := strict.Verify(tok, []string{ct.PoolARN}, nil); r.OK {
		t.Error("expired token accepted with no leeway")
	}
	lenient := &cognito.Verifier{Pools: f.v.Pools, Now: f.v.Now, Leeway: time.Minute}
	if r := lenient.Verify(tok, []string{ct.PoolARN}, nil); !r.OK {
		t.Errorf("leeway of a minute refused a token 30s past exp: %s", r.Detail)
	}
	// A nil Now means the real clock: a token minted now is valid, one from 2023 is not.
	real := &cognito.Verifier{Pools: f.v.Pools}
	fresh := ct.Sign(f.key, ct.IDClaims(ct.Issuer, ct.ClientID, "u", time.Now()))
	if r := real.Verify(fresh, []string{ct.PoolARN}, nil); !r.OK {
		t.Errorf("fresh token refused by the real clock: %s", r.Detail)
	}
	if r := real.Verify(tok, []string{ct.PoolARN}, nil); r.OK || !strings.HasPrefix(r.Detail, "token expired at 2023-04-04T17:39:09Z") {
		t.Errorf("old token: %+v", r)
	}
}
