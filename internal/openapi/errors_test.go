package openapi

import (
	"errors"
	"strings"
	"testing"
)

// oas3 builds a small OpenAPI 3.0 YAML document; body is appended verbatim after "paths:".
func oas3(body string) string {
	return "openapi: 3.0.1\ninfo: {title: t, version: '1'}\n" + body
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"yaml syntax", "openapi: 3.0.1\npaths: [\n", "api.yaml:2:8: invalid YAML/JSON: "},
		{"not an object", "- a\n- b\n", "api.yaml:1:1: the document must be an object, not array"},
		{"missing version", "info: {title: t}\npaths: {}\n", "api.yaml:1:1: openapi: missing openapi or swagger version field (API Gateway REST APIs import OpenAPI 3.0.x and Swagger 2.0)"},
		{"openapi 3.1", "openapi: 3.1.0\npaths: {}\n", `api.yaml:1:10: openapi: unsupported OpenAPI version "3.1.0": API Gateway REST APIs import OpenAPI 3.0.x and Swagger 2.0`},
		{"swagger 1.2", "swagger: '1.2'\n", `api.yaml:1:10: swagger: unsupported Swagger version "1.2": API Gateway REST APIs import OpenAPI 3.0.x and Swagger 2.0`},
		{"both versions", "openapi: 3.0.1\nswagger: '2.0'\n", "api.yaml:2:10: swagger: both openapi and swagger are set; use one"},
		{"duplicate key", oas3("paths:\n  /a: {}\n  /a: {}\n"), `api.yaml:5:3: invalid YAML/JSON: mapping key "/a" already defined at [4:3]`},
		{"unknown alias", oas3("paths: *nope\n"), "api.yaml:3:8: unknown YAML alias *nope"},

		{"integration type", oas3(`paths:
  /pets:
    get:
      x-amazon-apigateway-integration:
        type: lambda
`), `api.yaml:7:15: paths./pets.get.x-amazon-apigateway-integration.type: unknown integration type "lambda" (want aws, aws_proxy, http, http_proxy, mock)`},
		{"integration missing type", oas3(`paths:
  /pets:
    get:
      x-amazon-apigateway-integration: {uri: 'http://x'}
`), `api.yaml:6:40: paths./pets.get.x-amazon-apigateway-integration.type: missing integration type (want aws, aws_proxy, http, http_proxy, mock)`},
		{"http uri relative", oas3(`paths:
  /pets:
    get:
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: /pets}
`), `api.yaml:6:81: paths./pets.get.x-amazon-apigateway-integration.uri: "/pets" is not an absolute http(s) URL`},
		{"http uri ftp", oas3(`paths:
  /pets:
    get:
      x-amazon-apigateway-integration: {type: http, httpMethod: GET, uri: 'ftp://h/x'}
`), `api.yaml:6:75: paths./pets.get.x-amazon-apigateway-integration.uri: "ftp://h/x" is not an absolute http(s) URL`},
		{"aws uri", oas3(`paths:
  /pets:
    get:
      x-amazon-apigateway-integration:
        type: aws_proxy
        httpMethod: POST
        uri: arn:aws:lambda:us-east-1:123456789012:function:f
`), `api.yaml:9:14: paths./pets.get.x-amazon-apigateway-integration.uri: an aws_proxy integration needs an arn:aws:apigateway: uri, not "arn:aws:lambda:us-east-1:123456789012:function:f"`},
		{"missing httpMethod", oas3(`paths:
  /pets:
    get:
      x-amazon-apigateway-integration:
        type: http_proxy
        uri: http://example.com/
`), `api.yaml:7:9: paths./pets.get.x-amazon-apigateway-integration.httpMethod: an http_proxy integration needs httpMethod`},
		{"bad httpMethod", oas3(`paths:
  /pets:
    get:
      x-amazon-apigateway-integration: {type: mock, httpMethod: TRACE}
`), `api.yaml:6:65: paths./pets.get.x-amazon-apigateway-integration.httpMethod: unknown value "TRACE" (want GET, POST, PUT, DELETE, HEAD, OPTIONS, PATCH, ANY)`},
		{"timeout low", oas3(`paths:
  /pets:
    get:
      x-amazon-apigateway-integration: {type: mock, timeoutInMillis: 49}
`), `api.yaml:6:70: paths./pets.get.x-amazon-apigateway-integration.timeoutInMillis: 49 is out of range (want 50..300000)`},
		{"timeout high", oas3(`paths:
  /pets:
    get:
      x-amazon-apigateway-integration: {type: mock, timeoutInMillis: 300001}
`), `api.yaml:6:70: paths./pets.get.x-amazon-apigateway-integration.timeoutInMillis: 300001 is out of range (want 50..300000)`},
		{"timeout string", oas3(`paths:
  /pets:
    get:
      x-amazon-apigateway-integration: {type: mock, timeoutInMillis: '100'}
`), `api.yaml:6:70: paths./pets.get.x-amazon-apigateway-integration.timeoutInMillis: must be an integer, not string`},
		{"passthrough", oas3(`paths:
  /pets:
    get:
      x-amazon-apigateway-integration: {type: mock, passthroughBehavior: always}
`), `api.yaml:6:74: paths./pets.get.x-amazon-apigateway-integration.passthroughBehavior: unknown value "always" (want WHEN_NO_MATCH, WHEN_NO_TEMPLATES, NEVER)`},
		{"vpc link without id", oas3(`paths:
  /pets:
    get:
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: 'http://nlb/x', connectionType: VPC_LINK}
`), `api.yaml:6:40: paths./pets.get.x-amazon-apigateway-integration.connectionId: a VPC_LINK integration needs connectionId`},
		{"unknown integration field", oas3(`paths:
  /pets:
    get:
      x-amazon-apigateway-integration:
        type: mock
        requestTemplate: {}
`), `api.yaml:8:9: paths./pets.get.x-amazon-apigateway-integration.requestTemplate: unknown field (want one of type, httpMethod, uri, credentials, connectionType, connectionId, requestParameters, requestTemplates, passthroughBehavior, contentHandling, timeoutInMillis, cacheNamespace, cacheKeyParameters, tlsConfig, responses)`},
		{"selection pattern", oas3(`paths:
  /pets:
    get:
      x-amazon-apigateway-integration:
        type: mock
        responses:
          "(unclosed":
            statusCode: 500
`), "api.yaml:9:11: paths./pets.get.x-amazon-apigateway-integration.responses.(unclosed: selection pattern does not compile as a regular expression: error parsing regexp: missing closing ): `(unclosed`"},
		{"integration status code", oas3(`paths:
  /pets:
    get:
      x-amazon-apigateway-integration:
        type: mock
        responses:
          default: {statusCode: 600}
`), `api.yaml:9:33: paths./pets.get.x-amazon-apigateway-integration.responses.default.statusCode: invalid status code "600" (want [1-5]\d\d)`},
		{"integration status missing", oas3(`paths:
  /pets:
    get:
      x-amazon-apigateway-integration:
        type: mock
        responses:
          default:
            responseTemplates: {}
`), `api.yaml:10:13: paths./pets.get.x-amazon-apigateway-integration.responses.default.statusCode: missing statusCode`},

		{"path segment", oas3("paths:\n  /pets/{id}x: {}\n"), `api.yaml:4:3: paths./pets/{id}x: invalid path segment "{id}x": path segments can only contain alphanumeric characters, underscores, hyphens, periods, commas, colons, and curly braces around a whole segment ({name} or {name+})`},
		{"path space", oas3("paths:\n  /my pets: {}\n"), `api.yaml:4:3: paths./my pets: invalid path segment "my pets": path segments can only contain alphanumeric characters, underscores, hyphens, periods, commas, colons, and curly braces around a whole segment ({name} or {name+})`},
		{"greedy not last", oas3("paths:\n  /{proxy+}/x: {}\n"), `api.yaml:4:3: paths./{proxy+}/x: greedy path variable {proxy+} must be the last segment`},
		{"empty segment", oas3("paths:\n  /pets/: {}\n"), `api.yaml:4:3: paths./pets/: empty path segment (a path must not contain // or end with /)`},
		{"no leading slash", oas3("paths:\n  pets: {}\n"), `api.yaml:4:3: paths.pets: a path must start with /`},
		{"variable twice", oas3("paths:\n  /a/{id}/b/{id}: {}\n"), `api.yaml:4:3: paths./a/{id}/b/{id}: path variable {id} appears twice`},
		{"variable siblings", oas3("paths:\n  /pets/{id}: {}\n  /pets/{petId}/toys: {}\n"), `api.yaml:5:3: paths./pets/{petId}/toys: A sibling ({id}) of this resource already has a variable path part -- only one is allowed`},
		{"trace", oas3("paths:\n  /a:\n    trace: {}\n"), `api.yaml:5:5: paths./a.trace: API Gateway REST APIs do not support the TRACE method`},
		{"unknown path item field", oas3("paths:\n  /a:\n    gett: {}\n"), `api.yaml:5:5: paths./a.gett: unknown field (want one of get, put, post, delete, options, head, patch, x-amazon-apigateway-any-method, parameters, summary, description, servers)`},

		{"unknown root extension", oas3("paths: {}\nx-amazon-apigateway-gateway-response: {}\n"), `api.yaml:4:1: x-amazon-apigateway-gateway-response: unknown API Gateway extension`},
		{"unknown operation extension", oas3("paths:\n  /a:\n    get:\n      x-amazon-apigateway-integraton: {}\n"), `api.yaml:6:7: paths./a.get.x-amazon-apigateway-integraton: unknown field (want one of tags, summary, description, externalDocs, operationId, parameters, requestBody, responses, callbacks, deprecated, security, servers, consumes, produces, schemes, x-amazon-apigateway-integration, x-amazon-apigateway-request-validator)`},
		{"gateway response type", oas3("paths: {}\nx-amazon-apigateway-gateway-responses:\n  ACCESS_DENY: {statusCode: 403}\n"), `api.yaml:5:3: x-amazon-apigateway-gateway-responses.ACCESS_DENY: unknown gateway response type "ACCESS_DENY"`},
		{"gateway response status", oas3("paths: {}\nx-amazon-apigateway-gateway-responses:\n  ACCESS_DENIED: {statusCode: '40'}\n"), `api.yaml:5:31: x-amazon-apigateway-gateway-responses.ACCESS_DENIED.statusCode: invalid status code "40" (want [1-5]\d\d)`},
		{"gateway response params", oas3("paths: {}\nx-amazon-apigateway-gateway-responses:\n  ACCESS_DENIED:\n    responseParameters: [a]\n"), `api.yaml:6:25: x-amazon-apigateway-gateway-responses.ACCESS_DENIED.responseParameters: must be an object, not array`},
		{"api key source", oas3("paths: {}\nx-amazon-apigateway-api-key-source: QUERY\n"), `api.yaml:4:37: x-amazon-apigateway-api-key-source: unknown value "QUERY" (want HEADER, AUTHORIZER)`},
		{"compression size", oas3("paths: {}\nx-amazon-apigateway-minimum-compression-size: 10485761\n"), `api.yaml:4:47: x-amazon-apigateway-minimum-compression-size: 10485761 is out of range (want 0..10485760)`},
		{"endpoint type", oas3("paths: {}\nx-amazon-apigateway-endpoint-configuration: {types: [REGIONALL]}\n"), `api.yaml:4:54: x-amazon-apigateway-endpoint-configuration.types[0]: unknown value "REGIONALL" (want REGIONAL, EDGE, PRIVATE)`},
		{"access mode", oas3("paths: {}\nx-amazon-apigateway-endpoint-access-mode: LAX\n"), `api.yaml:4:43: x-amazon-apigateway-endpoint-access-mode: unknown value "LAX" (want BASIC, STRICT)`},
		{"policy string", oas3("paths: {}\nx-amazon-apigateway-policy: '{\"Version\": '\n"), `api.yaml:4:29: x-amazon-apigateway-policy: the policy string is not valid JSON: unexpected end of JSON input`},
		{"policy array", oas3("paths: {}\nx-amazon-apigateway-policy: '[1]'\n"), `api.yaml:4:29: x-amazon-apigateway-policy: the policy document must be a JSON object`},
		{"root validator", oas3("paths: {}\nx-amazon-apigateway-request-validator: all\n"), `api.yaml:4:40: x-amazon-apigateway-request-validator: request validator "all" is not defined in x-amazon-apigateway-request-validators`},
		{"operation validator", oas3(`paths:
  /a:
    get:
      x-amazon-apigateway-request-validator: body
x-amazon-apigateway-request-validators:
  params: {validateRequestParameters: true}
`), `api.yaml:6:46: paths./a.get.x-amazon-apigateway-request-validator: request validator "body" is not defined in x-amazon-apigateway-request-validators`},
		{"validator field", oas3("paths: {}\nx-amazon-apigateway-request-validators:\n  v: {validateBody: true}\n"), `api.yaml:5:7: x-amazon-apigateway-request-validators.v.validateBody: unknown field (want one of validateRequestBody, validateRequestParameters)`},

		{"undefined scheme", oas3("paths:\n  /a:\n    get:\n      security:\n      - nope: []\n"), `api.yaml:7:9: paths./a.get.security[0].nope: security scheme "nope" is not defined`},
		{"two auth schemes", oas3(`paths:
  /a:
    get:
      security:
      - sigv4: []
      - auth: []
components:
  securitySchemes:
    sigv4: {type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authtype: awsSigv4}
    auth:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authorizer: {type: token, authorizerUri: 'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/f/invocations'}
`), `api.yaml:8:9: paths./a.get.security[1].auth: the operation uses two authorization schemes (sigv4 and auth); an API Gateway method has one authorization type`},
		{"authorizer type", oas3(`paths: {}
components:
  securitySchemes:
    auth:
      type: apiKey
      x-amazon-apigateway-authorizer: {type: lambda}
`), `api.yaml:8:46: components.securitySchemes.auth.x-amazon-apigateway-authorizer.type: unknown authorizer type "lambda" (want token, request, cognito_user_pools)`},
		{"jwt authorizer", oas3(`paths: {}
components:
  securitySchemes:
    auth:
      type: oauth2
      x-amazon-apigateway-authorizer: {type: jwt}
`), `api.yaml:8:46: components.securitySchemes.auth.x-amazon-apigateway-authorizer.type: jwt authorizers exist only for HTTP APIs (want token, request, cognito_user_pools)`},
		{"authorizer uri missing", oas3(`paths: {}
components:
  securitySchemes:
    auth:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authorizer: {type: request}
`), `api.yaml:10:39: components.securitySchemes.auth.x-amazon-apigateway-authorizer.authorizerUri: a request authorizer needs authorizerUri (the Lambda function's invocation ARN)`},
		{"authorizer ttl", oas3(`paths: {}
components:
  securitySchemes:
    auth:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authorizer:
        type: token
        authorizerUri: 'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/f/invocations'
        authorizerResultTtlInSeconds: 3601
`), `api.yaml:13:39: components.securitySchemes.auth.x-amazon-apigateway-authorizer.authorizerResultTtlInSeconds: 3601 is out of range (want 0..3600)`},
		{"cognito without pools", oas3(`paths: {}
components:
  securitySchemes:
    pool:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authorizer: {type: cognito_user_pools}
`), `api.yaml:10:39: components.securitySchemes.pool.x-amazon-apigateway-authorizer.providerARNs: a cognito_user_pools authorizer needs providerARNs`},
		{"validation expression", oas3(`paths: {}
components:
  securitySchemes:
    auth:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authorizer:
        type: token
        authorizerUri: 'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/f/invocations'
        identityValidationExpression: '(?<=x)'
`), "api.yaml:13:39: components.securitySchemes.auth.x-amazon-apigateway-authorizer.identityValidationExpression: does not compile as a regular expression: error parsing regexp: invalid named capture: `(?<=x)`"},

		{"external ref", oas3("paths:\n  /a:\n    get:\n      parameters:\n      - $ref: 'common.yaml#/p'\n"), `api.yaml:7:15: paths./a.get.parameters[0].$ref: external reference "common.yaml#/p" is not supported (API Gateway imports a single file)`},
		{"dangling ref", oas3("paths:\n  /a:\n    get:\n      parameters:\n      - $ref: '#/components/parameters/q'\n"), `api.yaml:7:15: paths./a.get.parameters[0].$ref: reference "#/components/parameters/q" does not resolve`},
		{"parameter location", oas3("paths:\n  /a:\n    get:\n      parameters:\n      - {name: q, in: body}\n"), `api.yaml:7:23: paths./a.get.parameters[0].in: unknown parameter location "body" (want query, header, path, cookie)`},
		{"parameter name", oas3("paths:\n  /a:\n    get:\n      parameters:\n      - {in: query}\n"), `api.yaml:7:9: paths./a.get.parameters[0].name: missing parameter name`},
		{"undefined model", oas3(`paths:
  /a:
    post:
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Pet'}
`), `api.yaml:9:28: paths./a.post.requestBody.content.application/json.schema.$ref: model "Pet" is not defined`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api, err := Parse([]byte(tt.doc), "api.yaml")
			if err == nil {
				t.Fatalf("no error; got %+v", api)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not *openapi.Error: %v", err, err)
			}
			got := err.Error()
			if strings.HasSuffix(tt.want, ": ") { // the parser's message is its own; check the position
				if !strings.HasPrefix(got, tt.want) {
					t.Fatalf("got  %s\nwant prefix %s", got, tt.want)
				}
				return
			}
			if got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}
