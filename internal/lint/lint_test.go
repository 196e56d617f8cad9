package lint

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portcullis/portcullis/internal/config"
)

// def builds an OpenAPI 3.0 definition; each path is "PATH VERB SECURITY" (SECURITY: none,
// sigv4, key, auth).
func def(ops ...string) string {
	var b strings.Builder
	b.WriteString("openapi: 3.0.1\ninfo: {title: t, version: \"1\"}\npaths:\n")
	byPath := map[string][]string{}
	var order []string
	for _, op := range ops {
		p := strings.Fields(op)[0]
		if _, ok := byPath[p]; !ok {
			order = append(order, p)
		}
		byPath[p] = append(byPath[p], op)
	}
	for _, p := range order {
		b.WriteString("  " + p + ":\n")
		for _, op := range byPath[p] {
			f := strings.Fields(op)
			b.WriteString("    " + f[1] + ":\n")
			if f[2] != "none" {
				b.WriteString("      security: [{" + f[2] + ": []}]\n")
			}
			b.WriteString("      x-amazon-apigateway-integration: {type: mock, requestTemplates: {application/json: '{\"statusCode\": 200}'}, responses: {default: {statusCode: \"200\"}}}\n")
		}
	}
	b.WriteString(`components:
  securitySchemes:
    sigv4: {type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authtype: awsSigv4}
    key: {type: apiKey, name: x-api-key, in: header}
    auth:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authtype: custom
      x-amazon-apigateway-authorizer:
        type: request
        authorizerUri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:a/invocations
        identitySource: method.request.header.Host, stageVariables.tenant
        authorizerResultTtlInSeconds: 0
`)
	return b.String()
}

const head = "accountId: \"123456789012\"\nregion: us-east-1\n"

// load writes files into a temp dir and loads portcullis.yaml.
func load(t *testing.T, files map[string]string) *config.World {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	w, err := config.Load(filepath.Join(dir, "portcullis.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// only returns the findings with code, failing when there are none.
func only(t *testing.T, fs []Finding, code string) []Finding {
	t.Helper()
	var out []Finding
	for _, f := range fs {
		if f.Code == code {
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no %s finding in %+v", code, fs)
	}
	return out
}

func none(t *testing.T, fs []Finding, code string) {
	t.Helper()
	for _, f := range fs {
		if f.Code == code {
			t.Errorf("unexpected finding %s", f)
		}
	}
}

func TestIAMMethodWithoutPrincipal(t *testing.T) {
	cfg := head + "restApis:\n  - {id: aaaaaaaaaa, definition: d.yaml, stages: [{stageName: prod}]}\n"
	w := load(t, map[string]string{"portcullis.yaml": cfg, "d.yaml": def("/a get sigv4")})
	f := only(t, Check(w), "iam-method-no-principal")[0]
	if f.Severity != Warning || f.Cause != "policy-no-allow" || f.Field != "paths./a.get" || !strings.HasSuffix(f.File, "d.yaml") {
		t.Errorf("finding: %+v", f)
	}
	// A user whose identity policy allows it silences the warning.
	cfg += "iam:\n  users:\n    - userName: u\n      accessKeys: [{accessKeyId: AKIAAAAAAAAAAAAAAAAA, secretAccessKey: s}]\n" +
		"      policies: [{Version: \"2012-10-17\", Statement: [{Effect: Allow, Action: \"execute-api:Invoke\", Resource: \"*\"}]}]\n"
	none(t, Check(load(t, map[string]string{"portcullis.yaml": cfg, "d.yaml": def("/a get sigv4")})), "iam-method-no-principal")
}

func TestPolicyAllowsNothing(t *testing.T) {
	cfg := head + "restApis:\n  - id: aaaaaaaaaa\n    definition: d.yaml\n    policy: {Version: \"2012-10-17\", Statement: [{Effect: Deny, Principal: \"*\", Action: \"execute-api:Invoke\", Resource: \"execute-api:/*/*/admin\"}]}\n    stages: [{stageName: prod}]\n"
	w := load(t, map[string]string{"portcullis.yaml": cfg, "d.yaml": def("/a get none")})
	f := only(t, Check(w), "policy-allows-nothing")[0]
	if f.Severity != Error || f.Cause != "policy-no-allow" || f.Line != 6 || f.Field != "restApis[0].policy" {
		t.Errorf("finding: %+v", f)
	}
	if s := f.String(); !strings.HasPrefix(s, "ERROR ") || !strings.Contains(s, "portcullis.yaml:6: restApis[0].policy: ") || !strings.HasSuffix(s, "(policy-no-allow)") {
		t.Errorf("String: %s", s)
	}
}

func TestKeysAndPlans(t *testing.T) {
	cfg := head + "restApis:\n  - {id: aaaaaaaaaa, definition: d.yaml, stages: [{stageName: prod}]}\n" +
		"apiKeys:\n  - {id: k1, name: a, value: \"0123456789abcdefghij\"}\n  - {id: k2, name: b, value: \"1123456789abcdefghij\"}\n" +
		"usagePlans:\n  - {id: up1, name: p, apiStages: [{apiId: aaaaaaaaaa, stage: prod}], apiKeyIds: [k1]}\n  - {id: up2, name: q, apiKeyIds: [k2]}\n"
	fs := Check(load(t, map[string]string{"portcullis.yaml": cfg, "d.yaml": def("/a get key")}))
	k := only(t, fs, "api-key-no-plan")
	if len(k) != 1 || k[0].Field != "apiKeys[1]" || k[0].Line != 7 || k[0].Cause != "api-key-not-in-usage-plan" {
		t.Errorf("key findings: %+v", k)
	}
	p := only(t, fs, "usage-plan-no-stages")
	if len(p) != 1 || p[0].Field != "usagePlans[1]" || p[0].Severity != Warning {
		t.Errorf("plan findings: %+v", p)
	}
}

func TestAuthorizerIdentitySources(t *testing.T) {
	cfg := head + "restApis:\n  - {id: aaaaaaaaaa, definition: d.yaml, stages: [{stageName: prod, variables: {tenant: x}}, {stageName: dev}]}\n"
	fs := only(t, Check(load(t, map[string]string{"portcullis.yaml": cfg, "d.yaml": def("/a get auth")})), "authorizer-identity-unsendable")
	if len(fs) != 2 {
		t.Fatalf("findings: %+v", fs)
	}
	if !strings.Contains(fs[0].Message, "method.request.header.Host") || !strings.Contains(fs[1].Message, "stageVariables.tenant is not defined by stage(s) dev ") {
		t.Errorf("messages: %q / %q", fs[0].Message, fs[1].Message)
	}
	for _, f := range fs {
		if f.Cause != "authorizer-identity-missing" {
			t.Errorf("cause: %+v", f)
		}
	}
}

func TestPrivateAPIWithoutEndpoint(t *testing.T) {
	cfg := head + "restApis:\n  - {id: aaaaaaaaaa, definition: d.yaml, endpointConfiguration: {types: [PRIVATE]}, policy: {Version: \"2012-10-17\", Statement: [{Effect: Allow, Principal: \"*\", Action: \"execute-api:Invoke\", Resource: \"execute-api:/*\"}]}, stages: [{stageName: prod}]}\n"
	fs := Check(load(t, map[string]string{"portcullis.yaml": cfg, "d.yaml": def("/a get none")}))
	f := only(t, fs, "private-api-no-vpce")[0]
	if f.Cause != "private-api-wrong-endpoint" || f.Field != "restApis[0].endpointConfiguration" || f.Line != 4 {
		t.Errorf("finding: %+v", f)
	}
}

func TestStaleDeployment(t *testing.T) {
	cfg := head + "restApis:\n  - id: aaaaaaaaaa\n    definition: d.yaml\n    deployments: [{id: d1, definition: old.yaml}]\n    stages:\n      - {stageName: prod, deploymentId: d1}\n      - {stageName: dev}\n"
	fs := Check(load(t, map[string]string{"portcullis.yaml": cfg, "d.yaml": def("/a get none", "/b get none", "/b post none"), "old.yaml": def("/a get none")}))
	s := only(t, fs, "stage-deployment-stale")
	if len(s) != 1 || s[0].Field != "restApis[0].stages[0].deploymentId" || s[0].Cause != "resource-not-deployed" ||
		!strings.Contains(s[0].Message, "GET /b, POST /b") {
		t.Errorf("findings: %+v", s)
	}
}

func TestDefaultEndpointDisabledWithoutDomain(t *testing.T) {
	cfg := head + "restApis:\n  - {id: aaaaaaaaaa, definition: d.yaml, disableExecuteApiEndpoint: true, stages: [{stageName: prod}]}\n"
	files := map[string]string{"portcullis.yaml": cfg, "d.yaml": def("/a get none")}
	f := only(t, Check(load(t, files)), "endpoint-unreachable")[0]
	if f.Severity != Error || f.Cause != "default-endpoint-disabled" || f.Field != "restApis[0].disableExecuteApiEndpoint" || f.Line != 4 {
		t.Errorf("finding: %+v", f)
	}
	files["portcullis.yaml"] = cfg + "domainNames:\n  - domainName: api.example.test\n    basePathMappings: [{basePath: \"(none)\", restApiId: aaaaaaaaaa, stage: prod}]\n"
	none(t, Check(load(t, files)), "endpoint-unreachable")
}

func TestCleanConfig(t *testing.T) {
	cfg := head + "restApis:\n  - {id: aaaaaaaaaa, definition: d.yaml, stages: [{stageName: prod}]}\n"
	if fs := Check(load(t, map[string]string{"portcullis.yaml": cfg, "d.yaml": def("/a get none")})); len(fs) != 0 {
		t.Errorf("findings on a clean config: %+v", fs)
	}
}

func TestDomainAndTruststoreWarnings(t *testing.T) {
	cfg := head + "restApis:\n  - {id: aaaaaaaaaa, definition: d.yaml, stages: [{stageName: prod}]}\n" +
		"domainNames:\n  - domainName: api.example.test\n"
	w := load(t, map[string]string{"portcullis.yaml": cfg, "d.yaml": def("/a get none")})
	// Truststore warnings come from loading a truststore; inject one as config.Load words it.
	w.Warnings = append(w.Warnings, "api.example.test: truststore file:ts.pem: certificate 1 expired")
	fs := Check(w)
	d := only(t, fs, "domain-routing")[0]
	if d.Severity != Warning || d.Field != "domainNames[0]" || d.Line != 6 || !strings.Contains(d.Message, "no API mappings") {
		t.Errorf("domain finding: %+v", d)
	}
	ts := only(t, fs, "truststore")[0]
	if ts.Field != "domainNames[0].mutualTlsAuthentication.truststoreUri" || ts.Cause != "mtls-certificate-rejected" {
		t.Errorf("truststore finding: %+v", ts)
	}
}
