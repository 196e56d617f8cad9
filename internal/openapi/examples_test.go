package openapi

import (
	"encoding/json"
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/portcullis/portcullis/internal/apidef"
)

// cmpOpts compares models treating nil and empty maps/slices alike and ignoring generated ids
// (checked separately).
var cmpOpts = []cmp.Option{
	cmpopts.EquateEmpty(),
	cmpopts.IgnoreFields(apidef.Resource{}, "ID"),
	cmpopts.IgnoreFields(apidef.Authorizer{}, "ID"),
}

func intp(i int) *int { return &i }

func mockInt(tmpl string, resp ...*apidef.IntegrationResponse) *apidef.Integration {
	return &apidef.Integration{
		Type: "MOCK", ConnectionType: "INTERNET", PassthroughBehavior: "WHEN_NO_MATCH",
		RequestTemplates: map[string]string{"application/json": tmpl}, Responses: resp,
	}
}

func corsOptions(methods string, pathParam bool) *apidef.Method {
	m := &apidef.Method{
		HTTPMethod: "OPTIONS", AuthorizationType: "NONE", RequestValidator: "params-only",
		Integration: mockInt(`{"statusCode": 200}`, &apidef.IntegrationResponse{
			StatusCode: "200",
			ResponseParameters: map[string]string{
				"method.response.header.Access-Control-Allow-Methods": "'" + methods + "'",
				"method.response.header.Access-Control-Allow-Headers": "'Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token'",
				"method.response.header.Access-Control-Allow-Origin":  "'*'",
			},
		}),
		Responses: map[string]*apidef.MethodResponse{"200": {
			StatusCode: "200",
			ResponseParameters: map[string]bool{
				"method.response.header.Access-Control-Allow-Origin":  false,
				"method.response.header.Access-Control-Allow-Methods": false,
				"method.response.header.Access-Control-Allow-Headers": false,
			},
			ResponseModels: map[string]string{"application/json": "Empty"},
		}},
	}
	if pathParam {
		m.RequestParameters = map[string]bool{"method.request.path.petId": true}
	}
	return m
}

func TestPetsExport(t *testing.T) {
	api, err := LoadFile("../../examples/pets/pets.oas30.json")
	if err != nil {
		t.Fatal(err)
	}
	petIDParam := map[string]bool{"method.request.path.petId": true}
	petIDMapping := map[string]string{"integration.request.path.petId": "method.request.path.petId"}
	wantResources := []*apidef.Resource{
		{Path: "/", PathPart: "", Methods: map[string]*apidef.Method{}},
		{Path: "/pets", PathPart: "pets", Methods: map[string]*apidef.Method{
			"GET": {
				HTTPMethod: "GET", OperationID: "ListPets",
				AuthorizationType: "NONE", // root-level security (sigv4) is ignored
				RequestParameters: map[string]bool{"method.request.querystring.type": false, "method.request.querystring.page": false},
				RequestValidator:  "params-only",
				Integration: mockInt(`{"statusCode": 200}`, &apidef.IntegrationResponse{
					StatusCode:         "200",
					ResponseParameters: map[string]string{"method.response.header.Access-Control-Allow-Origin": "'*'"},
					ResponseTemplates: map[string]string{"application/json": `[{"id": 1, "type": "dog", "price": 249.99}, ` +
						`{"id": 2, "type": "cat", "price": 124.99}, {"id": 3, "type": "fish", "price": 0.99}]`},
				}),
				Responses: map[string]*apidef.MethodResponse{"200": {
					StatusCode:         "200",
					ResponseParameters: map[string]bool{"method.response.header.Access-Control-Allow-Origin": false},
					ResponseModels:     map[string]string{"application/json": "Pets"},
				}},
			},
			"POST": {
				HTTPMethod: "POST", OperationID: "CreatePet", AuthorizationType: "NONE", APIKeyRequired: true,
				RequestModels:    map[string]string{"application/json": "NewPet"},
				RequestValidator: "all", // the operation's validator overrides the root default
				Integration: mockInt(`{"statusCode": 201}`, &apidef.IntegrationResponse{
					StatusCode:         "201",
					ResponseParameters: map[string]string{"method.response.header.Access-Control-Allow-Origin": "'*'"},
					ResponseTemplates:  map[string]string{"application/json": `{"id": 4, "type": "bird", "price": 19.99}`},
				}),
				Responses: map[string]*apidef.MethodResponse{"201": {
					StatusCode:         "201",
					ResponseParameters: map[string]bool{"method.response.header.Access-Control-Allow-Origin": false},
					ResponseModels:     map[string]string{"application/json": "Pet"},
				}},
			},
			"OPTIONS": corsOptions("GET,OPTIONS,POST", false),
		}},
		{Path: "/pets/{petId}", PathPart: "{petId}", Methods: map[string]*apidef.Method{
			"GET": {
				HTTPMethod: "GET", OperationID: "GetPet", AuthorizationType: "CUSTOM", AuthorizerName: "petsAuthorizer",
				RequestParameters: petIDParam, RequestValidator: "params-only",
				Integration: &apidef.Integration{
					Type: "HTTP_PROXY", HTTPMethod: "GET", URI: "http://${stageVariables.backend}/pets/{petId}",
					ConnectionType: "INTERNET", PassthroughBehavior: "WHEN_NO_MATCH", TimeoutInMillis: 10000,
					RequestParameters: petIDMapping,
					Responses:         []*apidef.IntegrationResponse{{StatusCode: "200"}},
				},
				Responses: map[string]*apidef.MethodResponse{"200": {StatusCode: "200", ResponseModels: map[string]string{"application/json": "Pet"}}},
			},
			"DELETE": {
				HTTPMethod: "DELETE", OperationID: "DeletePet", AuthorizationType: "AWS_IAM",
				RequestParameters: petIDParam, RequestValidator: "params-only",
				Integration: &apidef.Integration{
					Type: "HTTP_PROXY", HTTPMethod: "DELETE", URI: "http://${stageVariables.backend}/pets/{petId}",
					ConnectionType: "INTERNET", PassthroughBehavior: "WHEN_NO_MATCH",
					RequestParameters: petIDMapping,
					Responses:         []*apidef.IntegrationResponse{{StatusCode: "204"}},
				},
				Responses: map[string]*apidef.MethodResponse{"204": {StatusCode: "204"}},
			},
			"OPTIONS": corsOptions("DELETE,GET,OPTIONS", true),
		}},
		// Created by API Gateway as the parent of /proxy/{proxy+}; the export does not list it.
		{Path: "/proxy", PathPart: "proxy", Methods: map[string]*apidef.Method{}},
		{Path: "/proxy/{proxy+}", PathPart: "{proxy+}", Methods: map[string]*apidef.Method{
			"ANY": {
				HTTPMethod: "ANY", AuthorizationType: "NONE",
				RequestParameters: map[string]bool{"method.request.path.proxy": true}, RequestValidator: "params-only",
				Integration: &apidef.Integration{
					Type: "HTTP_PROXY", HTTPMethod: "ANY", URI: "http://${stageVariables.backend}/{proxy}",
					ConnectionType: "INTERNET", PassthroughBehavior: "WHEN_NO_MATCH",
					RequestParameters:  map[string]string{"integration.request.path.proxy": "method.request.path.proxy"},
					CacheNamespace:     "p7x2k9",
					CacheKeyParameters: []string{"method.request.path.proxy"},
					Responses:          []*apidef.IntegrationResponse{{StatusCode: "200"}},
				},
			},
		}},
	}
	if d := cmp.Diff(wantResources, api.Resources, cmpOpts...); d != "" {
		t.Errorf("resources (-want +got):\n%s", d)
	}
	rest := *api
	rest.Resources, rest.Models = nil, nil
	want := apidef.API{
		Title: "pets", Version: "2025-01-15T10:00:00Z",
		Authorizers: map[string]*apidef.Authorizer{"petsAuthorizer": {
			Name: "petsAuthorizer", Type: "TOKEN", AuthType: "custom",
			AuthorizerURI:                "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:pets-authorizer/invocations",
			IdentitySource:               "method.request.header.Authorization", // from the scheme's header name
			IdentityValidationExpression: "^Bearer [-0-9a-zA-Z._]+$",
			ResultTTLInSeconds:           intp(300),
		}},
		GatewayResponses: map[string]*apidef.GatewayResponse{"DEFAULT_4XX": {
			ResponseParameters: map[string]string{"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"},
			ResponseTemplates:  map[string]string{"application/json": `{"message":$context.error.messageString}`},
		}},
		RequestValidators: map[string]*apidef.RequestValidator{
			"all":         {ValidateRequestBody: true, ValidateRequestParameters: true},
			"params-only": {ValidateRequestParameters: true},
		},
		DefaultRequestValidator: "params-only",
	}
	if d := cmp.Diff(want, rest, cmpOpts...); d != "" {
		t.Errorf("api (-want +got):\n%s", d)
	}
	wantModels := map[string]string{
		"Empty":  `{"title":"Empty Schema","type":"object"}`,
		"NewPet": `{"required":["price","type"],"type":"object","properties":{"type":{"type":"string","enum":["dog","cat","fish","bird","gecko"]},"price":{"maximum":1000,"minimum":25,"type":"number"}}}`,
		"Pet":    `{"type":"object","properties":{"id":{"type":"integer"},"type":{"type":"string"},"price":{"type":"number"}}}`,
		"Pets":   `{"type":"array","items":{"$ref":"#/components/schemas/Pet"}}`,
	}
	gotModels := map[string]string{}
	for k, v := range api.Models {
		gotModels[k] = string(v)
	}
	if d := cmp.Diff(wantModels, gotModels); d != "" {
		t.Errorf("models (-want +got):\n%s", d)
	}
	checkIDs(t, api)
}

func TestOrdersExport(t *testing.T) {
	api, err := LoadFile("../../examples/orders/orders.swagger.yaml")
	if err != nil {
		t.Fatal(err)
	}
	lambda := func(timeout int) *apidef.Integration {
		return &apidef.Integration{
			Type: "AWS_PROXY", HTTPMethod: "POST",
			URI:            "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:orders/invocations",
			ConnectionType: "INTERNET", PassthroughBehavior: "WHEN_NO_MATCH", ContentHandling: "CONVERT_TO_TEXT",
			TimeoutInMillis: timeout,
			Responses:       []*apidef.IntegrationResponse{{StatusCode: "200"}},
		}
	}
	wantResources := []*apidef.Resource{
		{Path: "/", Methods: map[string]*apidef.Method{}},
		{Path: "/health", PathPart: "health", Methods: map[string]*apidef.Method{
			"GET": {
				HTTPMethod: "GET", OperationID: "Health", AuthorizationType: "NONE",
				Integration: mockInt(`{"statusCode": 200}`, &apidef.IntegrationResponse{
					StatusCode: "200", ResponseTemplates: map[string]string{"application/json": `{"status": "ok"}`},
				}),
				Responses: map[string]*apidef.MethodResponse{"200": {StatusCode: "200", ResponseModels: map[string]string{"application/json": "Empty"}}},
			},
		}},
		{Path: "/orders", PathPart: "orders", Methods: map[string]*apidef.Method{
			"GET": {
				HTTPMethod: "GET", OperationID: "ListOrders", AuthorizationType: "CUSTOM", AuthorizerName: "ordersAuthorizer",
				RequestParameters: map[string]bool{"method.request.querystring.status": false, "method.request.querystring.tenant": true},
				Integration:       lambda(0),
				Responses:         map[string]*apidef.MethodResponse{"200": {StatusCode: "200", ResponseModels: map[string]string{"application/json": "Orders"}}},
			},
			"POST": {
				HTTPMethod: "POST", OperationID: "CreateOrder", AuthorizationType: "CUSTOM", AuthorizerName: "ordersAuthorizer",
				RequestParameters: map[string]bool{"method.request.querystring.tenant": true},
				RequestModels:     map[string]string{"application/json": "NewOrder"},
				RequestValidator:  "body",
				Integration:       lambda(0),
				Responses:         map[string]*apidef.MethodResponse{"201": {StatusCode: "201", ResponseModels: map[string]string{"application/json": "Order"}}},
			},
		}},
		{Path: "/orders/{orderId}", PathPart: "{orderId}", Methods: map[string]*apidef.Method{
			"GET": {
				HTTPMethod: "GET", OperationID: "GetOrder", AuthorizationType: "CUSTOM", AuthorizerName: "ordersAuthorizer",
				RequestParameters: map[string]bool{
					"method.request.path.orderId": true, "method.request.querystring.tenant": true, "method.request.header.Accept": false,
				},
				Integration: lambda(29000),
				Responses: map[string]*apidef.MethodResponse{"200": {StatusCode: "200", ResponseModels: map[string]string{
					"application/json": "Order", "application/pdf": "Order",
				}}},
			},
		}},
	}
	if d := cmp.Diff(wantResources, api.Resources, cmpOpts...); d != "" {
		t.Errorf("resources (-want +got):\n%s", d)
	}
	rest := *api
	rest.Resources, rest.Models = nil, nil
	want := apidef.API{
		Title: "orders", Version: "2025-01-15T10:00:00Z",
		Authorizers: map[string]*apidef.Authorizer{"ordersAuthorizer": {
			Name: "ordersAuthorizer", Type: "REQUEST", AuthType: "custom",
			AuthorizerURI:      "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:orders-authorizer/invocations",
			IdentitySource:     "method.request.header.Authorization, method.request.querystring.tenant",
			ResultTTLInSeconds: intp(0),
		}},
		GatewayResponses: map[string]*apidef.GatewayResponse{"ACCESS_DENIED": {
			StatusCode:         "403", // written as a number
			ResponseParameters: map[string]string{"gatewayresponse.header.X-Orders-Denied": "'true'"},
			ResponseTemplates:  map[string]string{"application/json": `{"message":$context.error.messageString,"requestId":"$context.requestId"}`},
		}},
		RequestValidators: map[string]*apidef.RequestValidator{"body": {ValidateRequestBody: true}},
		BinaryMediaTypes:  []string{"application/pdf", "image/png"},
		Policy: json.RawMessage(`{"Version":"2012-10-17","Statement":[` +
			`{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:123456789012:ordersapi1/*"},` +
			`{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:123456789012:ordersapi1/*/*/orders/*",` +
			`"Condition":{"IpAddress":{"aws:SourceIp":"198.51.100.0/24"}}}]}`),
	}
	if d := cmp.Diff(want, rest, cmpOpts...); d != "" {
		t.Errorf("api (-want +got):\n%s", d)
	}
	if !json.Valid(api.Policy) {
		t.Errorf("policy is not valid JSON: %s", api.Policy)
	}
	for _, name := range []string{"Empty", "NewOrder", "Order", "Orders"} {
		if !json.Valid(api.Models[name]) {
			t.Errorf("model %s missing or invalid: %q", name, api.Models[name])
		}
	}
	if got, want := string(api.Models["Orders"]), `{"type":"array","items":{"$ref":"#/definitions/Order"}}`; got != want {
		t.Errorf("Orders model = %s, want %s", got, want)
	}
	checkIDs(t, api)
}

var idPattern = regexp.MustCompile(`^[a-z0-9]{6}$`)

// checkIDs asserts the generated ids are 6 lowercase alphanumerics, unique, and stable.
func checkIDs(t *testing.T, api *apidef.API) {
	t.Helper()
	seen := map[string]string{}
	for _, r := range api.Resources {
		if !idPattern.MatchString(r.ID) {
			t.Errorf("resource %s id %q is not 6 lowercase alphanumerics", r.Path, r.ID)
		}
		if other, dup := seen[r.ID]; dup {
			t.Errorf("resources %s and %s share id %s", other, r.Path, r.ID)
		}
		seen[r.ID] = r.Path
		if r.ID != stableID("resource:"+r.Path) {
			t.Errorf("resource %s id %q is not derived from its path", r.Path, r.ID)
		}
	}
	for name, a := range api.Authorizers {
		if !idPattern.MatchString(a.ID) || a.ID != stableID("authorizer:"+name) {
			t.Errorf("authorizer %s id %q", name, a.ID)
		}
	}
}
