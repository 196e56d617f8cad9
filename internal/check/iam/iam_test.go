package iam

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/portcullis/portcullis/internal/config"
	"github.com/portcullis/portcullis/internal/pipeline"
)

const def = `openapi: 3.0.1
info: {title: t, version: "1"}
paths:
  /pets/{id}:
    get:
      security: [{sigv4: []}]
      x-amazon-apigateway-integration: {type: mock}
components:
  securitySchemes:
    sigv4: {type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authtype: awsSigv4}
`

// A five-statement resource policy, as the benchmark asks for.
const cfg = `accountId: "123456789012"
region: us-east-1
errorMessageStyle: STYLE
restApis:
  - id: benchapi01
    definition: def.yaml
    policy:
      Version: "2012-10-17"
      Statement:
        - {Sid: DenyNet, Effect: Deny, Principal: "*", Action: execute-api:Invoke, Resource: execute-api:/*, Condition: {IpAddress: {"aws:SourceIp": ["203.0.113.0/24", "198.51.100.0/24"]}}}
        - {Sid: DenyAdmin, Effect: Deny, Principal: {AWS: "arn:aws:iam::123456789012:user/mallory"}, Action: "execute-api:*", Resource: execute-api:/*/*/admin/*}
        - {Sid: AllowAccount, Effect: Allow, Principal: {AWS: "123456789012"}, Action: execute-api:Invoke, Resource: execute-api:/prod/GET/pets/*}
        - {Sid: AllowPartner, Effect: Allow, Principal: {AWS: "arn:aws:iam::210987654321:root"}, Action: execute-api:Invoke, Resource: execute-api:/prod/GET/pets/*, Condition: {StringLike: {"aws:UserAgent": "partner/*"}}}
        - {Sid: AllowTagged, Effect: Allow, Principal: "*", Action: execute-api:Invoke, Resource: execute-api:/*, Condition: {StringEquals: {"aws:PrincipalTag/team": pets}, Bool: {"aws:SecureTransport": "true"}}}
    stages: [{stageName: prod}]
iam:
  users:
    - userName: alice
      accessKeys: [{accessKeyId: AKIAALICE00000000001, secretAccessKey: secret}]
    - userName: eve
      accountId: "210987654321"
      accessKeys: [{accessKeyId: AKIAEVE0000000000001, secretAccessKey: secret}]
      policies: [{Version: "2012-10-17", Statement: [{Effect: Allow, Action: "execute-api:Invoke", Resource: "*"}]}]
`

func world(t testing.TB, style string) *config.World {
	t.Helper()
	fsys := fstest.MapFS{"p.yaml": {Data: []byte(strings.Replace(cfg, "STYLE", style, 1))}, "def.yaml": {Data: []byte(def)}}
	w, err := config.LoadFS(fsys, "p.yaml", config.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

var signedAt = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// request builds the pipeline request as the endpoint and route checks leave it.
func request(t testing.TB, w *config.World, akid, ua string) *pipeline.Request {
	t.Helper()
	hr := httptest.NewRequest(http.MethodGet, "http://benchapi01.execute-api.localhost/prod/pets/7", nil)
	hr.Header.Set("User-Agent", ua)
	if akid != "" {
		sum := sha256.Sum256(nil)
		err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: akid, SecretAccessKey: "secret"},
			hr, hex.EncodeToString(sum[:]), "execute-api", "us-east-1", signedAt)
		if err != nil {
			t.Fatal(err)
		}
	}
	api := w.APIs["benchapi01"]
	st := api.Stages["prod"]
	return &pipeline.Request{HTTP: hr, World: w, Now: signedAt.Add(time.Second), SourceIP: "192.0.2.10", API: api, Stage: st,
		StagePath: "/pets/7", Match: st.Deployment.Router.Match("/pets/7", "GET")}
}

func run(t testing.TB, r *pipeline.Request) pipeline.Result {
	for _, c := range []pipeline.Check{PreAuth{}, Authenticate{}, Authorize{}} {
		res, err := c.Check(r)
		if err != nil {
			t.Fatal(err)
		}
		if res.Denial != nil {
			return res
		}
	}
	return pipeline.Result{}
}

func TestMessages(t *testing.T) {
	const arn = "arn:aws:execute-api:us-east-1:********9012:benchapi01/prod/GET/pets/7"
	tests := []struct {
		style, akid, ua, want string
	}{
		{"seed", "AKIAALICE00000000001", "curl", ""},
		{"seed", "AKIAEVE0000000000001", "curl", "User: arn:aws:iam::210987654321:user/eve is not authorized to perform: execute-api:Invoke on resource: " + arn},
		{"current", "AKIAEVE0000000000001", "curl", "User: arn:aws:iam::210987654321:user/eve is not authorized to perform: execute-api:Invoke on resource: " + arn + " because no resource-based policy allows the execute-api:Invoke action"},
		{"seed", "AKIAEVE0000000000001", "partner/1.0", ""},
	}
	for _, tt := range tests {
		w := world(t, tt.style)
		r := request(t, w, tt.akid, tt.ua)
		res := run(t, r)
		got := ""
		if res.Denial != nil {
			got = res.Denial.Message
		}
		if got != tt.want {
			t.Errorf("%s %s %s:\n got %q\nwant %q", tt.style, tt.akid, tt.ua, got, tt.want)
		}
	}
	// The caller is recorded for $context.identity and the Lambda event.
	r := request(t, world(t, "seed"), "AKIAALICE00000000001", "curl")
	run(t, r)
	if r.Caller == nil || r.Caller.Principal.ARN != "arn:aws:iam::123456789012:user/alice" || r.Caller.AccessKeyID != "AKIAALICE00000000001" {
		t.Errorf("caller = %+v", r.Caller)
	}
}

func TestMethodARN(t *testing.T) {
	w := world(t, "seed")
	r := request(t, w, "", "")
	if got := MethodARN(r); got != "arn:aws:execute-api:us-east-1:123456789012:benchapi01/prod/GET/pets/7" {
		t.Errorf("MethodARN = %s", got)
	}
	r.StagePath, r.MethodARN = "", ""
	if got := MethodARN(r); !strings.HasSuffix(got, "/prod/GET/") {
		t.Errorf("root MethodARN = %s", got)
	}
}

// BenchmarkIAM measures SigV4 verification plus identity and five-statement resource policy
// evaluation per request (issue #3: target under 20 µs and 40 allocations on this machine).
func BenchmarkIAM(b *testing.B) {
	w := world(b, "seed")
	r := request(b, w, "AKIAALICE00000000001", "curl")
	b.ReportAllocs()
	for b.Loop() {
		r.Caller = nil
		if res := run(b, r); res.Denial != nil {
			b.Fatal(res.Denial.Reason)
		}
	}
}

// A malformed algorithm or credential is IncompleteSignatureException (the catalogue's
// incomplete-signature), not a scope mismatch; an expired session keeps AWS's
// ExpiredTokenException.
func TestAuthenticateErrorTypes(t *testing.T) {
	w := world(t, "seed")
	r := request(t, w, "", "curl")
	r.HTTP.Header.Set("X-Amz-Date", signedAt.Format("20060102T150405Z"))
	r.HTTP.Header.Set("Authorization", "AWS4-HMAC-SHA512 Credential=AKIAALICE00000000001/20261126/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=00")
	res, err := Authenticate{}.Check(r)
	if err != nil || res.Denial == nil || res.Denial.Cause != "incomplete-signature" {
		t.Fatalf("SHA512: %+v %v", res.Denial, err)
	}
	r.HTTP.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAALICE00000000001/20261126/us-east-1, SignedHeaders=host;x-amz-date, Signature=00")
	res, _ = Authenticate{}.Check(r)
	if res.Denial == nil || res.Denial.Cause != "incomplete-signature" {
		t.Fatalf("short credential: %+v", res.Denial)
	}
}
