package config

import (
	"crypto/sha256"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const iamConfig = `accountId: "123456789012"
region: us-east-1
restApis:
  - id: abcdefghij
    definition: min.oas30.yaml
    policy:
      Version: "2012-10-17"
      Statement:
        - Effect: Allow
          Principal: "*"
          Action: execute-api:Invoke
          Resource: execute-api:/*
iam:
  users:
    - userName: alice
      accessKeys:
        - {accessKeyId: AKIAALICE00000000001, secretAccessKey: s1}
        - {accessKeyId: AKIAALICE00000000002, secretAccessKey: s2, status: Inactive}
      policies:
        - Version: "2012-10-17"
          Statement: [{Effect: Allow, Action: "execute-api:Invoke", Resource: "*"}]
    - userName: bob
      accountId: "210987654321"
      path: /team/
      accessKeys: [{accessKeyId: AKIABOB0000000000001, secretAccessKey: s3}]
  roles:
    - roleName: ci
      sessions:
        - {accessKeyId: ASIACI00000000000001, secretAccessKey: s4, sessionToken: tok, roleSessionName: b7, expiration: "2030-01-01T00:00:00Z"}
`

func TestIAMCompile(t *testing.T) {
	dir := writeFiles(t, map[string]string{"portcullis.yaml": iamConfig, "min.oas30.yaml": readTestdata(t, "min.oas30.yaml")})
	w, err := Load(filepath.Join(dir, "portcullis.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if w.APIs["abcdefghij"].ResourcePolicy == nil {
		t.Error("resource policy not parsed")
	}
	alice := w.Credentials["AKIAALICE00000000001"]
	if alice == nil || !alice.Active || alice.Principal.ARN != "arn:aws:iam::123456789012:user/alice" ||
		alice.Principal.Type != "User" || len(alice.Principal.Policies) != 1 || !strings.HasPrefix(alice.Principal.UserID, "AIDA") {
		t.Errorf("alice = %+v %+v", alice, alice.Principal)
	}
	if w.Credentials["AKIAALICE00000000002"].Active {
		t.Error("Inactive key is active")
	}
	if bob := w.Credentials["AKIABOB0000000000001"].Principal; bob.ARN != "arn:aws:iam::210987654321:user/team/bob" || bob.Account != "210987654321" {
		t.Errorf("bob = %+v", bob)
	}
	ci := w.Credentials["ASIACI00000000000001"]
	if ci.SessionToken != "tok" || ci.Expiration.Year() != 2030 || ci.Principal.ARN != "arn:aws:sts::123456789012:assumed-role/ci/b7" ||
		ci.Principal.RoleARN != "arn:aws:iam::123456789012:role/ci" || !strings.HasSuffix(ci.Principal.UserID, ":b7") {
		t.Errorf("ci = %+v %+v", ci, ci.Principal)
	}
}

func TestIAMErrors(t *testing.T) {
	tests := []struct{ name, edit, want string }{
		{"bad effect in the resource policy", "        - Effect: Allow\n          Principal", `:9:19: restApis[0].policy.Statement[0].Effect: invalid policy: must be "Allow" or "Deny"`},
		{"duplicate access key", "AKIABOB0000000000001", `:25:34: iam.users[1].accessKeys[0].accessKeyId: duplicate access key id "AKIAALICE00000000001"`},
		{"bad expiration", "2030-01-01T00:00:00Z", ": iam.roles[0].sessions[0].expiration: must be an RFC 3339 time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := iamConfig
			switch tt.name {
			case "bad effect in the resource policy":
				cfg = strings.Replace(cfg, tt.edit, "        - Effect: Maybe\n          Principal", 1)
			case "duplicate access key":
				cfg = strings.Replace(cfg, tt.edit, "AKIAALICE00000000001", 1)
			case "bad expiration":
				cfg = strings.Replace(cfg, tt.edit, "next year", 1)
			}
			dir := writeFiles(t, map[string]string{"portcullis.yaml": cfg, "min.oas30.yaml": readTestdata(t, "min.oas30.yaml")})
			_, err := Load(filepath.Join(dir, "portcullis.yaml"))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestPlansCompile(t *testing.T) {
	cfg := `accountId: "123456789012"
region: us-east-1
accountThrottle: {rateLimit: 50, burstLimit: 10}
restApis:
  - id: abcdefghij
    definition: min.oas30.yaml
    stages: [{stageName: prod}, {stageName: dev}]
apiKeys:
  - {id: k1, name: partner, value: "0123456789abcdefghij"}
  - {id: k2, name: off, value: "abcdefghij0123456789", enabled: false}
usagePlans:
  - id: gold
    apiStages: [{apiId: abcdefghij, stage: prod, throttle: {"/pets/GET": {rateLimit: 5, burstLimit: 2}}}]
    throttle: {rateLimit: 100, burstLimit: 200}
    quota: {limit: 1000, offset: 10, period: DAY}
    apiKeyIds: [k1, k2]
`
	dir := writeFiles(t, map[string]string{"portcullis.yaml": cfg, "min.oas30.yaml": readTestdata(t, "min.oas30.yaml")})
	w, err := Load(filepath.Join(dir, "portcullis.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if k := w.APIKeysByHash[sha256.Sum256([]byte("0123456789abcdefghij"))]; k == nil || k.ID != "k1" || !k.Enabled {
		t.Errorf("k1 = %+v", k)
	}
	if w.APIKeys["k2"].Enabled {
		t.Error("k2 should be disabled")
	}
	if w.AccountThrottle != (Throttle{Rate: 50, Burst: 10}) || w.RedisUnavailable != "fail-open" {
		t.Errorf("account throttle %+v, redis %q", w.AccountThrottle, w.RedisUnavailable)
	}
	st := w.APIs["abcdefghij"].Stages["prod"]
	ps := st.KeyPlans["k1"]
	if ps == nil || ps.Plan.ID != "gold" || *ps.Plan.Quota != (Quota{Limit: 1000, Offset: 10, Period: "DAY"}) ||
		*ps.Plan.Throttle != (Throttle{Rate: 100, Burst: 200}) || *ps.Methods["/pets/GET"] != (Throttle{Rate: 5, Burst: 2}) {
		t.Errorf("prod plan for k1 = %+v", ps)
	}
	if w.APIs["abcdefghij"].Stages["dev"].KeyPlans["k1"] != nil {
		t.Error("dev has no plan")
	}
}

// A user pool's JWKS comes from a file next to the config or from jwksUrl (fetched once at load).
func TestUserPools(t *testing.T) {
	jwks, err := os.ReadFile("../../testdata/scenarios/worlds/cognito/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(jwks) }))
	defer srv.Close()
	const arn1 = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbCdEf123"
	const arn2 = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Second"
	cfg := `accountId: "123456789012"
region: us-east-1
restApis: [{id: abcdefghij, definition: min.oas30.yaml}]
cognito:
  userPools:
    - {arn: "` + arn1 + `", jwksFile: jwks.json}
    - {arn: "` + arn2 + `", jwksUrl: "` + srv.URL + `/.well-known/jwks.json"}
`
	dir := writeFiles(t, map[string]string{"portcullis.yaml": cfg, "min.oas30.yaml": readTestdata(t, "min.oas30.yaml"), "jwks.json": string(jwks)})
	w, err := Load(filepath.Join(dir, "portcullis.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, arn := range []string{arn1, arn2} {
		if p := w.UserPools[arn]; p == nil || len(p.KeyIDs()) != 1 {
			t.Errorf("pool %s = %+v", arn, p)
		}
	}
	bad := strings.Replace(cfg, "jwksFile: jwks.json", "jwksFile: missing.json", 1)
	dir = writeFiles(t, map[string]string{"portcullis.yaml": bad, "min.oas30.yaml": readTestdata(t, "min.oas30.yaml")})
	if _, err := Load(filepath.Join(dir, "portcullis.yaml")); err == nil || !strings.Contains(err.Error(), "cognito.userPools[0]: jwksFile:") {
		t.Errorf("missing jwks file: %v", err)
	}
}

// A caching REQUEST authorizer needs identity sources: they are its cache key (facts §4.1).
func TestRequestAuthorizerNeedsIdentitySource(t *testing.T) {
	def := `openapi: 3.0.1
info: {title: t, version: "1"}
paths:
  /x:
    get:
      security: [{auth: []}]
      x-amazon-apigateway-integration: {type: mock}
components:
  securitySchemes:
    auth:
      type: apiKey
      name: Unused
      in: header
      x-amazon-apigateway-authtype: custom
      x-amazon-apigateway-authorizer:
        type: request
        authorizerUri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:a/invocations
        TTL
`
	cfg := "accountId: \"123456789012\"\nregion: us-east-1\nrestApis: [{id: abcdefghij, definition: d.yaml}]\n"
	for ttl, wantErr := range map[string]bool{"": true, "authorizerResultTtlInSeconds: 300": true, "authorizerResultTtlInSeconds: 0": false} {
		d := strings.Replace(def, "TTL", ttl, 1)
		dir := writeFiles(t, map[string]string{"portcullis.yaml": cfg, "d.yaml": d})
		_, err := Load(filepath.Join(dir, "portcullis.yaml"))
		if got := err != nil && strings.Contains(err.Error(), "identitySource is required"); got != wantErr {
			t.Errorf("ttl %q: err = %v", ttl, err)
		}
	}
}
