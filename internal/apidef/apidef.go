// Package apidef is the model of one REST API definition as API Gateway holds it after an
// import (what `aws apigateway get-resources`, `get-method`, `get-integration`,
// `get-authorizers` and `get-gateway-responses` would print). It is produced by
// internal/openapi and consumed by the router, the checks and the integrations.
// It holds data only; nothing here does I/O.
package apidef

import "encoding/json"

// API is one imported definition (one deployment snapshot of a REST API).
type API struct {
	Title   string
	Version string
	// Resources sorted by Path; every path prefix of a declared path exists as a resource
	// (API Gateway creates the intermediate resources on import), "/" always exists.
	Resources []*Resource
	// Authorizers by securityScheme name (Lambda TOKEN/REQUEST and COGNITO_USER_POOLS).
	Authorizers map[string]*Authorizer
	// GatewayResponses by response type (ACCESS_DENIED, DEFAULT_4XX, ...), from
	// x-amazon-apigateway-gateway-responses.
	GatewayResponses map[string]*GatewayResponse
	// APIKeySource is HEADER or AUTHORIZER ("" when the definition does not say).
	APIKeySource string
	// BinaryMediaTypes from x-amazon-apigateway-binary-media-types.
	BinaryMediaTypes []string
	// EndpointConfiguration from x-amazon-apigateway-endpoint-configuration (nil if absent).
	EndpointConfiguration *EndpointConfiguration
	// Policy is the resource policy from x-amazon-apigateway-policy (nil if absent), as JSON.
	Policy json.RawMessage
	// RequestValidators by name; DefaultRequestValidator is the root-level
	// x-amazon-apigateway-request-validator.
	RequestValidators       map[string]*RequestValidator
	DefaultRequestValidator string
	// Models (JSON schema draft 4) by name, as JSON.
	Models map[string]json.RawMessage
	// MinimumCompressionSize from x-amazon-apigateway-minimum-compression-size (nil if absent).
	MinimumCompressionSize *int
	SecurityPolicy         string
	EndpointAccessMode     string
}

// EndpointConfiguration is x-amazon-apigateway-endpoint-configuration.
type EndpointConfiguration struct {
	Types                     []string // REGIONAL, EDGE, PRIVATE (may be empty in a definition)
	VpcEndpointIds            []string
	DisableExecuteApiEndpoint *bool
	IPAddressType             string
}

// Resource is one API Gateway resource (a path) with its methods.
type Resource struct {
	ID       string // stable generated id (6 lowercase alphanumerics, derived from the path)
	Path     string // "/", "/pets", "/pets/{petId}", "/{proxy+}"
	PathPart string // last segment ("" for "/")
	// Methods by HTTP verb in upper case; "ANY" for x-amazon-apigateway-any-method.
	Methods map[string]*Method
}

// Method is one method of a resource.
type Method struct {
	HTTPMethod  string // GET, POST, ..., ANY
	OperationID string
	// AuthorizationType is NONE, AWS_IAM, CUSTOM or COGNITO_USER_POOLS.
	AuthorizationType   string
	AuthorizerName      string // securityScheme name for CUSTOM / COGNITO_USER_POOLS
	AuthorizationScopes []string
	APIKeyRequired      bool
	// RequestParameters: "method.request.querystring.q" / "method.request.header.X" /
	// "method.request.path.id" -> required.
	RequestParameters map[string]bool
	RequestModels     map[string]string // content type -> model name
	RequestValidator  string            // effective validator name ("" = none)
	Integration       *Integration      // nil when the operation has no x-amazon-apigateway-integration
	Responses         map[string]*MethodResponse
}

// MethodResponse is a declared method response.
type MethodResponse struct {
	StatusCode         string
	ResponseParameters map[string]bool
	ResponseModels     map[string]string
}

// Integration is x-amazon-apigateway-integration.
type Integration struct {
	Type                string // HTTP, HTTP_PROXY, AWS, AWS_PROXY, MOCK (upper case)
	HTTPMethod          string // upper case
	URI                 string
	Credentials         string
	ConnectionType      string // INTERNET (default) or VPC_LINK
	ConnectionID        string
	RequestParameters   map[string]string
	RequestTemplates    map[string]string
	PassthroughBehavior string // WHEN_NO_MATCH (default), WHEN_NO_TEMPLATES, NEVER
	ContentHandling     string
	TimeoutInMillis     int // 0 = default (29000)
	CacheNamespace      string
	CacheKeyParameters  []string
	InsecureSkipVerify  bool // tlsConfig.insecureSkipVerification
	// Responses in the order AWS evaluates them: the entries with a selection pattern in
	// definition order, then the "default" entry (SelectionPattern "").
	Responses []*IntegrationResponse
}

// IntegrationResponse is one entry of x-amazon-apigateway-integration.responses.
type IntegrationResponse struct {
	SelectionPattern   string // regex; "" for the "default" key
	StatusCode         string
	ResponseParameters map[string]string
	ResponseTemplates  map[string]string
	ContentHandling    string
}

// Authorizer is a securityScheme with x-amazon-apigateway-authorizer.
type Authorizer struct {
	ID                           string // stable generated id (6 lowercase alphanumerics)
	Name                         string
	Type                         string // TOKEN, REQUEST, COGNITO_USER_POOLS
	AuthType                     string // x-amazon-apigateway-authtype
	AuthorizerURI                string
	AuthorizerCredentials        string
	IdentitySource               string // comma-separated mapping expressions
	IdentityValidationExpression string
	ResultTTLInSeconds           *int // nil = default (300)
	ProviderARNs                 []string
}

// GatewayResponse is one entry of x-amazon-apigateway-gateway-responses.
type GatewayResponse struct {
	StatusCode         string // "" = the type's default
	ResponseParameters map[string]string
	ResponseTemplates  map[string]string
}

// RequestValidator is one entry of x-amazon-apigateway-request-validators.
type RequestValidator struct {
	ValidateRequestBody       bool
	ValidateRequestParameters bool
}
