package openapi

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/portcullis/portcullis/internal/apidef"
)

func mustParse(t *testing.T, doc string) *apidef.API {
	t.Helper()
	api, err := Parse([]byte(doc), "api.yaml")
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return api
}

func method(t *testing.T, api *apidef.API, path, verb string) *apidef.Method {
	t.Helper()
	for _, r := range api.Resources {
		if r.Path == path {
			if m := r.Methods[verb]; m != nil {
				return m
			}
		}
	}
	t.Fatalf("no method %s %s", verb, path)
	return nil
}

func boolp(b bool) *bool { return &b }

// TestRootExtensions checks each root-level extension lands in the model.
func TestRootExtensions(t *testing.T) {
	tests := []struct {
		name string
		ext  string // YAML appended at the root
		get  func(*apidef.API) any
		want any
	}{
		{"api key source", "x-amazon-apigateway-api-key-source: AUTHORIZER",
			func(a *apidef.API) any { return a.APIKeySource }, "AUTHORIZER"},
		{"api key source lower case", "x-amazon-apigateway-api-key-source: header",
			func(a *apidef.API) any { return a.APIKeySource }, "HEADER"},
		{"binary media types", "x-amazon-apigateway-binary-media-types: ['image/png', '*/*']",
			func(a *apidef.API) any { return a.BinaryMediaTypes }, []string{"image/png", "*/*"}},
		{"endpoint configuration", `x-amazon-apigateway-endpoint-configuration:
  types: [PRIVATE]
  vpcEndpointIds: [vpce-0abc, vpce-0def]
  disableExecuteApiEndpoint: true
  ipAddressType: dualstack`,
			func(a *apidef.API) any { return a.EndpointConfiguration },
			&apidef.EndpointConfiguration{Types: []string{"PRIVATE"}, VpcEndpointIds: []string{"vpce-0abc", "vpce-0def"}, DisableExecuteApiEndpoint: boolp(true), IPAddressType: "dualstack"}},
		{"endpoint configuration disable only", "x-amazon-apigateway-endpoint-configuration: {disableExecuteApiEndpoint: false}",
			func(a *apidef.API) any { return a.EndpointConfiguration },
			&apidef.EndpointConfiguration{DisableExecuteApiEndpoint: boolp(false)}},
		{"policy object", `x-amazon-apigateway-policy:
  Version: '2012-10-17'
  Statement:
  - {Effect: Deny, Principal: '*', Action: 'execute-api:Invoke', Resource: 'execute-api:/*', Condition: {NumericLessThan: {'aws:MultiFactorAuthAge': 3600}}}`,
			func(a *apidef.API) any { return string(a.Policy) },
			`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"NumericLessThan":{"aws:MultiFactorAuthAge":3600}}}]}`},
		{"policy string", `x-amazon-apigateway-policy: "{\"Version\": \"2012-10-17\",\n \"Statement\": []}"`,
			func(a *apidef.API) any { return string(a.Policy) }, `{"Version":"2012-10-17","Statement":[]}`},
		{"gateway responses", `x-amazon-apigateway-gateway-responses:
  MISSING_AUTHENTICATION_TOKEN:
    statusCode: 404
    responseParameters:
      gatewayresponse.header.x-request-path: method.request.path.petId
      gatewayresponse.header.Access-Control-Allow-Origin: "'a.b.c'"
    responseTemplates:
      application/json: '{"message": $context.error.messageString, "type": "$context.error.responseType"}'
  INVALID_API_KEY:
    statusCode: "429"
  DEFAULT_5XX:
    responseTemplates: {application/json: '{"m":$context.error.messageString}'}`,
			func(a *apidef.API) any { return a.GatewayResponses },
			map[string]*apidef.GatewayResponse{
				"MISSING_AUTHENTICATION_TOKEN": {
					StatusCode: "404",
					ResponseParameters: map[string]string{
						"gatewayresponse.header.x-request-path":              "method.request.path.petId",
						"gatewayresponse.header.Access-Control-Allow-Origin": "'a.b.c'",
					},
					ResponseTemplates: map[string]string{"application/json": `{"message": $context.error.messageString, "type": "$context.error.responseType"}`},
				},
				"INVALID_API_KEY": {StatusCode: "429"},
				"DEFAULT_5XX":     {ResponseTemplates: map[string]string{"application/json": `{"m":$context.error.messageString}`}},
			}},
		{"request validators", `x-amazon-apigateway-request-validators:
  all: {validateRequestBody: true, validateRequestParameters: true}
  none: {}
x-amazon-apigateway-request-validator: none`,
			func(a *apidef.API) any { return []any{a.RequestValidators, a.DefaultRequestValidator} },
			[]any{map[string]*apidef.RequestValidator{"all": {ValidateRequestBody: true, ValidateRequestParameters: true}, "none": {}}, "none"}},
		{"minimum compression size", "x-amazon-apigateway-minimum-compression-size: 1024",
			func(a *apidef.API) any { return a.MinimumCompressionSize }, intp(1024)},
		{"minimum compression size null", "x-amazon-apigateway-minimum-compression-size: null",
			func(a *apidef.API) any { return a.MinimumCompressionSize }, (*int)(nil)},
		{"security policy and access mode", "x-amazon-apigateway-security-policy: SecurityPolicy_TLS13_1_3_2025_09\nx-amazon-apigateway-endpoint-access-mode: STRICT",
			func(a *apidef.API) any { return []string{a.SecurityPolicy, a.EndpointAccessMode} },
			[]string{"SecurityPolicy_TLS13_1_3_2025_09", "STRICT"}},
		{"HTTP API extensions ignored", `x-amazon-apigateway-cors: {allowOrigins: ['*']}
x-amazon-apigateway-importexport-version: '1.0'
x-amazon-apigateway-integrations: {}
x-amazon-apigateway-tag-value: v
x-amazon-apigateway-documentation: {version: '1', documentationParts: []}
x-vendor-thing: {anything: [1]}`,
			func(a *apidef.API) any { return len(a.Resources) }, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := mustParse(t, oas3("paths: {}\n"+tt.ext+"\n"))
			if d := cmp.Diff(tt.want, tt.get(api), cmpopts.EquateEmpty()); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

// TestRootSecurityIgnored: "API Gateway doesn't use root level security defined in the OpenAPI
// specification" (facts §9).
func TestRootSecurityIgnored(t *testing.T) {
	api := mustParse(t, oas3(`security:
- api_key: []
- sigv4: []
paths:
  /open:
    get: {}
  /keyed:
    get:
      security: [{api_key: []}]
  /explicitly-open:
    get:
      security: []
components:
  securitySchemes:
    api_key: {type: apiKey, name: X-API-Key, in: header}
    sigv4: {type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authtype: awsSigv4}
`))
	for _, c := range []struct {
		path   string
		auth   string
		apiKey bool
	}{{"/open", "NONE", false}, {"/keyed", "NONE", true}, {"/explicitly-open", "NONE", false}} {
		m := method(t, api, c.path, "GET")
		if m.AuthorizationType != c.auth || m.APIKeyRequired != c.apiKey {
			t.Errorf("%s: auth %s apiKey %v, want %s %v", c.path, m.AuthorizationType, m.APIKeyRequired, c.auth, c.apiKey)
		}
	}
}

func TestSecurityMapping(t *testing.T) {
	api := mustParse(t, oas3(`paths:
  /iam:
    get: {security: [{sigv4: []}]}
  /iam-and-key:
    get: {security: [{sigv4: [], api_key: []}]}
  /token:
    get: {security: [{tok: []}, {api_key: []}]}
  /pool:
    get: {security: [{pool: [email, 'orders/read']}, {pool: [email]}]}
  /oauth:
    get: {security: [{oauth: [read]}]}
components:
  securitySchemes:
    api_key: {type: apiKey, name: x-api-key, in: header}
    sigv4: {type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authtype: awsSigv4}
    oauth: {type: oauth2, flows: {}}
    tok:
      type: apiKey
      name: X-Token
      in: header
      x-amazon-apigateway-authtype: custom
      x-amazon-apigateway-authorizer:
        type: TOKEN
        authorizerUri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:auth/invocations
        authorizerCredentials: arn:aws:iam::123456789012:role/invoker
    pool:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authtype: cognito_user_pools
      x-amazon-apigateway-authorizer:
        type: cognito_user_pools
        providerARNs: [arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_abc]
        identityValidationExpression: '^client-[a-z]+$'
`))
	type sec struct {
		Auth, Authorizer string
		Scopes           []string
		APIKey           bool
	}
	got := map[string]sec{}
	for _, p := range []string{"/iam", "/iam-and-key", "/token", "/pool", "/oauth"} {
		m := method(t, api, p, "GET")
		got[p] = sec{m.AuthorizationType, m.AuthorizerName, m.AuthorizationScopes, m.APIKeyRequired}
	}
	want := map[string]sec{
		"/iam":         {Auth: "AWS_IAM"},
		"/iam-and-key": {Auth: "AWS_IAM", APIKey: true},
		"/token":       {Auth: "CUSTOM", Authorizer: "tok", APIKey: true},
		"/pool":        {Auth: "COGNITO_USER_POOLS", Authorizer: "pool", Scopes: []string{"email", "orders/read"}},
		"/oauth":       {Auth: "NONE"}, // a scheme without API Gateway meaning
	}
	if d := cmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	wantAuth := map[string]*apidef.Authorizer{
		"tok": {Name: "tok", Type: "TOKEN", AuthType: "custom",
			AuthorizerURI:         "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:auth/invocations",
			AuthorizerCredentials: "arn:aws:iam::123456789012:role/invoker",
			IdentitySource:        "method.request.header.X-Token"},
		"pool": {Name: "pool", Type: "COGNITO_USER_POOLS", AuthType: "cognito_user_pools",
			ProviderARNs:                 []string{"arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_abc"},
			IdentitySource:               "method.request.header.Authorization",
			IdentityValidationExpression: "^client-[a-z]+$"},
	}
	if d := cmp.Diff(wantAuth, api.Authorizers, cmpOpts...); d != "" {
		t.Errorf("authorizers (-want +got):\n%s", d)
	}
	if api.Authorizers["tok"].ResultTTLInSeconds != nil {
		t.Errorf("absent authorizerResultTtlInSeconds must stay nil (default 300)")
	}
}

func TestIntermediateResources(t *testing.T) {
	api := mustParse(t, oas3(`paths:
  /a/b/{c}/d:
    get: {}
  /z:
    post: {}
  /a/{proxy+}:
    x-amazon-apigateway-any-method: {}
`))
	var got [][2]string
	for _, r := range api.Resources {
		var verbs []string
		for v := range r.Methods {
			verbs = append(verbs, v)
		}
		got = append(got, [2]string{r.Path + " " + r.PathPart, strings.Join(verbs, ",")})
	}
	want := [][2]string{
		{"/ ", ""}, {"/a a", ""}, {"/a/b b", ""}, {"/a/b/{c} {c}", ""}, {"/a/b/{c}/d d", "GET"},
		{"/a/{proxy+} {proxy+}", "ANY"}, {"/z z", "POST"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	checkIDs(t, api)
}

func TestIntegrationDetails(t *testing.T) {
	api := mustParse(t, oas3(`paths:
  /a:
    post:
      x-amazon-apigateway-integration:
        type: AWS
        httpMethod: post
        uri: arn:aws:apigateway:us-east-1:sqs:path/123456789012/queue
        credentials: arn:aws:iam::123456789012:role/sqs
        passthroughBehavior: never
        contentHandling: convert_to_text
        timeoutInMillis: 29000
        requestParameters:
          integration.request.header.Content-Type: "'application/x-www-form-urlencoded'"
        requestTemplates:
          application/json: Action=SendMessage&MessageBody=$input.body
        responses:
          default:
            statusCode: 200
          "4\\d{2}":
            statusCode: "400"
            contentHandling: CONVERT_TO_BINARY
          ".*NotFound.*":
            statusCode: 404
            responseParameters: {method.response.header.X-Err: integration.response.header.X-Err}
            responseTemplates: {application/json: '{"error": "not found"}'}
  /b:
    get:
      x-amazon-apigateway-integration:
        type: http
        httpMethod: GET
        uri: https://example.com:8443/b
        connectionType: VPC_LINK
        connectionId: ${stageVariables.vpcLinkId}
        cacheNamespace: ns1
        cacheKeyParameters: [method.request.querystring.q]
        tlsConfig: {insecureSkipVerification: true}
`))
	want := &apidef.Integration{
		Type: "AWS", HTTPMethod: "POST", URI: "arn:aws:apigateway:us-east-1:sqs:path/123456789012/queue",
		Credentials: "arn:aws:iam::123456789012:role/sqs", ConnectionType: "INTERNET",
		PassthroughBehavior: "NEVER", ContentHandling: "CONVERT_TO_TEXT", TimeoutInMillis: 29000,
		RequestParameters: map[string]string{"integration.request.header.Content-Type": "'application/x-www-form-urlencoded'"},
		RequestTemplates:  map[string]string{"application/json": "Action=SendMessage&MessageBody=$input.body"},
		// Patterns in definition order, "default" last whatever its position in the file.
		Responses: []*apidef.IntegrationResponse{
			{SelectionPattern: `4\d{2}`, StatusCode: "400", ContentHandling: "CONVERT_TO_BINARY"},
			{SelectionPattern: ".*NotFound.*", StatusCode: "404",
				ResponseParameters: map[string]string{"method.response.header.X-Err": "integration.response.header.X-Err"},
				ResponseTemplates:  map[string]string{"application/json": `{"error": "not found"}`}},
			{SelectionPattern: "", StatusCode: "200"},
		},
	}
	if d := cmp.Diff(want, method(t, api, "/a", "POST").Integration, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("/a (-want +got):\n%s", d)
	}
	wantB := &apidef.Integration{
		Type: "HTTP", HTTPMethod: "GET", URI: "https://example.com:8443/b",
		ConnectionType: "VPC_LINK", ConnectionID: "${stageVariables.vpcLinkId}", PassthroughBehavior: "WHEN_NO_MATCH",
		CacheNamespace: "ns1", CacheKeyParameters: []string{"method.request.querystring.q"}, InsecureSkipVerify: true,
	}
	if d := cmp.Diff(wantB, method(t, api, "/b", "GET").Integration, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("/b (-want +got):\n%s", d)
	}
}

// TestOAS3SwaggerEquivalence imports the same small API written in both dialects.
func TestOAS3SwaggerEquivalence(t *testing.T) {
	oas := `{
  "openapi": "3.0.1",
  "info": {"title": "eq", "version": "1"},
  "paths": {
    "/items/{id}": {
      "parameters": [{"$ref": "#/components/parameters/id"}],
      "put": {
        "operationId": "PutItem",
        "parameters": [{"name": "X-Trace", "in": "header", "schema": {"type": "string"}}],
        "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}},
        "responses": {"200": {"description": "ok", "headers": {"ETag": {"schema": {"type": "string"}}},
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}}},
        "security": [{"auth": []}, {"key": []}],
        "x-amazon-apigateway-request-validator": "full",
        "x-amazon-apigateway-integration": {"type": "http", "httpMethod": "PUT", "uri": "https://backend.example/items/{id}",
          "requestParameters": {"integration.request.path.id": "method.request.path.id"},
          "responses": {"default": {"statusCode": "200"}}}
      }
    }
  },
  "components": {
    "parameters": {"id": {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}},
    "schemas": {"Item": {"type": "object"}},
    "securitySchemes": {
      "key": {"type": "apiKey", "name": "x-api-key", "in": "header"},
      "auth": {"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "custom",
        "x-amazon-apigateway-authorizer": {"type": "request", "identitySource": "method.request.header.Authorization",
          "authorizerUri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:a/invocations"}}
    }
  },
  "x-amazon-apigateway-request-validators": {"full": {"validateRequestBody": true, "validateRequestParameters": true}}
}`
	swagger := `swagger: "2.0"
info: {title: eq, version: "1"}
consumes: [application/json]
produces: [application/json]
paths:
  /items/{id}:
    parameters:
    - $ref: '#/parameters/id'
    put:
      operationId: PutItem
      parameters:
      - {name: X-Trace, in: header, type: string}
      - {name: body, in: body, schema: {$ref: '#/definitions/Item'}}
      responses:
        200:
          description: ok
          headers: {ETag: {type: string}}
          schema: {$ref: '#/definitions/Item'}
      security: [{auth: []}, {key: []}]
      x-amazon-apigateway-request-validator: full
      x-amazon-apigateway-integration:
        type: http
        httpMethod: PUT
        uri: https://backend.example/items/{id}
        requestParameters: {integration.request.path.id: method.request.path.id}
        responses: {default: {statusCode: "200"}}
parameters:
  id: {name: id, in: path, required: true, type: string}
definitions:
  Item: {type: object}
securityDefinitions:
  key: {type: apiKey, name: x-api-key, in: header}
  auth:
    type: apiKey
    name: Authorization
    in: header
    x-amazon-apigateway-authtype: custom
    x-amazon-apigateway-authorizer:
      type: request
      identitySource: method.request.header.Authorization
      authorizerUri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:a/invocations
x-amazon-apigateway-request-validators:
  full: {validateRequestBody: true, validateRequestParameters: true}
`
	a, err := Parse([]byte(oas), "eq.json")
	if err != nil {
		t.Fatal(err)
	}
	b, err := Parse([]byte(swagger), "eq.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(a, b, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("OAS3 vs Swagger (-oas3 +swagger):\n%s", d)
	}
	m := method(t, a, "/items/{id}", "PUT")
	wantParams := map[string]bool{"method.request.path.id": true, "method.request.header.X-Trace": false}
	if d := cmp.Diff(wantParams, m.RequestParameters); d != "" {
		t.Errorf("parameters (-want +got):\n%s", d)
	}
	if m.AuthorizationType != "CUSTOM" || !m.APIKeyRequired || m.RequestModels["application/json"] != "Item" ||
		m.Responses["200"].ResponseParameters["method.response.header.ETag"] {
		t.Errorf("unexpected method %+v", m)
	}
}

func TestOperationParameterOverridesPathItem(t *testing.T) {
	api := mustParse(t, oas3(`paths:
  /a:
    parameters:
    - {name: q, in: query, required: true}
    - {name: h, in: header}
    get:
      parameters:
      - {name: q, in: query, required: false}
      - {name: c, in: cookie}
`))
	want := map[string]bool{"method.request.querystring.q": false, "method.request.header.h": false}
	if d := cmp.Diff(want, method(t, api, "/a", "GET").RequestParameters); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

func TestYAMLFeatures(t *testing.T) {
	// Anchors, aliases and merge keys are common in hand-written YAML definitions.
	api := mustParse(t, oas3(`x-common: &mock
  type: mock
  requestTemplates: {application/json: '{"statusCode": 200}'}
  responses: {default: {statusCode: 200}}
paths:
  /a:
    get:
      x-amazon-apigateway-integration: *mock
  /b:
    get:
      x-amazon-apigateway-integration:
        <<: *mock
        passthroughBehavior: when_no_templates
`))
	a, b := method(t, api, "/a", "GET").Integration, method(t, api, "/b", "GET").Integration
	if a.Type != "MOCK" || a.PassthroughBehavior != "WHEN_NO_MATCH" || len(a.Responses) != 1 {
		t.Errorf("/a integration %+v", a)
	}
	if b.Type != "MOCK" || b.PassthroughBehavior != "WHEN_NO_TEMPLATES" || b.RequestTemplates["application/json"] == "" {
		t.Errorf("/b integration %+v", b)
	}
}

func TestAliasBomb(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("openapi: 3.0.1\nl0: &l0 [a, a, a, a, a, a, a, a, a, a]\n")
	for i := 1; i < 10; i++ {
		prev := "*l" + strconv.Itoa(i-1)
		sb.WriteString("l" + strconv.Itoa(i) + ": &l" + strconv.Itoa(i) + " [" + strings.Repeat(prev+", ", 9) + prev + "]\n")
	}
	sb.WriteString("components:\n  schemas:\n    Bomb: {x: *l9}\npaths: {}\n")
	_, err := Parse([]byte(sb.String()), "bomb.yaml")
	if err == nil || !strings.Contains(err.Error(), "too large after alias expansion") {
		t.Fatalf("err = %v, want alias expansion limit", err)
	}
}

func TestSizeLimit(t *testing.T) {
	big := make([]byte, MaxFileSize+1)
	for i := range big {
		big[i] = ' '
	}
	path := filepath.Join(t.TempDir(), "big.json")
	if err := os.WriteFile(path, big, 0o644); err != nil {
		t.Fatal(err)
	}
	want := path + ": definition is 6291457 bytes; API Gateway imports at most 6 MB (6291456 bytes)"
	_, err := LoadFile(path)
	var e *Error
	if !errors.As(err, &e) || err.Error() != want {
		t.Errorf("LoadFile err = %v, want %s", err, want)
	}
	if _, err := Parse(big, path); err == nil || err.Error() != want {
		t.Errorf("Parse err = %v, want %s", err, want)
	}
	if _, err := LoadFile(filepath.Join(t.TempDir(), "missing.yaml")); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file err = %v, want os.ErrNotExist", err)
	}
}

func TestJSONPositions(t *testing.T) {
	doc := `{
  "openapi": "3.0.1",
  "paths": {
    "/pets": {
      "get": {
        "x-amazon-apigateway-integration": {
          "type": "lambda"
        }
      }
    }
  }
}`
	_, err := Parse([]byte(doc), "pets.json")
	want := `pets.json:7:19: paths./pets.get.x-amazon-apigateway-integration.type: unknown integration type "lambda" (want aws, aws_proxy, http, http_proxy, mock)`
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant %s", err, want)
	}
}

func TestModelsAreJSON(t *testing.T) {
	api := mustParse(t, oas3(`paths: {}
components:
  schemas:
    Thing:
      type: object
      description: "<b>&</b>"
      properties:
        n: {type: integer, minimum: 0x10, maximum: 1.5e3}
        flag: {type: boolean, default: yes}
        nothing: {nullable: true, default: null}
`))
	want := `{"type":"object","description":"<b>&</b>","properties":{"n":{"type":"integer","minimum":16,"maximum":1500},"flag":{"type":"boolean","default":"yes"},"nothing":{"nullable":true,"default":null}}}`
	got := string(api.Models["Thing"])
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if !json.Valid(api.Models["Thing"]) {
		t.Error("invalid JSON")
	}
}
