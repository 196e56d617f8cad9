// Package gatewayresponse renders API Gateway's gateway responses: the error responses the
// gateway itself produces (403 Missing Authentication Token, 401 Unauthorized, 429 Too Many
// Requests, …), either as AWS's defaults — byte for byte, with the quirks real responses show —
// or as customised by the API's x-amazon-apigateway-gateway-responses (facts §1.1, §1.2).
package gatewayresponse

// Type is a gateway response type, as in the API Gateway API's GatewayResponseType enum.
type Type string

// The 21 gateway response types (facts §1.1).
const (
	Default4XX                   Type = "DEFAULT_4XX"
	Default5XX                   Type = "DEFAULT_5XX"
	ResourceNotFound             Type = "RESOURCE_NOT_FOUND"
	Unauthorized                 Type = "UNAUTHORIZED"
	InvalidAPIKey                Type = "INVALID_API_KEY"
	AccessDenied                 Type = "ACCESS_DENIED"
	AuthorizerFailure            Type = "AUTHORIZER_FAILURE"
	AuthorizerConfigurationError Type = "AUTHORIZER_CONFIGURATION_ERROR"
	InvalidSignature             Type = "INVALID_SIGNATURE"
	ExpiredToken                 Type = "EXPIRED_TOKEN"
	MissingAuthenticationToken   Type = "MISSING_AUTHENTICATION_TOKEN"
	IntegrationFailure           Type = "INTEGRATION_FAILURE"
	IntegrationTimeout           Type = "INTEGRATION_TIMEOUT"
	APIConfigurationError        Type = "API_CONFIGURATION_ERROR"
	UnsupportedMediaType         Type = "UNSUPPORTED_MEDIA_TYPE"
	BadRequestParameters         Type = "BAD_REQUEST_PARAMETERS"
	BadRequestBody               Type = "BAD_REQUEST_BODY"
	RequestTooLarge              Type = "REQUEST_TOO_LARGE"
	Throttled                    Type = "THROTTLED"
	QuotaExceeded                Type = "QUOTA_EXCEEDED"
	WAFFiltered                  Type = "WAF_FILTERED"
)

// Spec describes one gateway response type.
type Spec struct {
	Type Type
	// Status is the default status code. AWS has none (null) for DEFAULT_4XX and DEFAULT_5XX;
	// Status is then the code used when such a type is rendered directly: 400 and 500.
	Status int
	// FallsBackTo is the response used when this type is not customised: DEFAULT_4XX or
	// DEFAULT_5XX by the default status class, "" for DEFAULT_4XX and DEFAULT_5XX themselves.
	//
	// UNAUTHORIZED falls back to DEFAULT_4XX even though the docs table gives it no fallback
	// sentence (facts §1.1): LocalStack's parity-tested gateway-response handler does so
	// (test_gateway_exception_with_default_4xx with an UnauthorizedError), and the widespread
	// recipe for CORS headers on Lambda-authorizer 401s customises DEFAULT_4XX.
	FallsBackTo Type
	// Description is the AWS docs' description (facts §1.1, abridged).
	Description string
}

var specs = []Spec{
	{Default4XX, 400, "", "the fallback for every 4XX gateway response; changing its status code changes the status codes of all other 4XX responses"},
	{Default5XX, 500, "", "the fallback for every 5XX gateway response; changing its status code changes the status codes of all other 5XX responses"},
	{ResourceNotFound, 404, Default4XX, "cannot find the specified resource after an API request passes authentication and authorization, except for API key authentication and authorization"},
	{Unauthorized, 401, Default4XX, "the custom or Amazon Cognito authorizer failed to authenticate the caller"},
	{InvalidAPIKey, 403, Default4XX, "an invalid API key submitted for a method requiring an API key"},
	{AccessDenied, 403, Default4XX, "authorization failure, for example when access is denied by a custom or Amazon Cognito authorizer"},
	{AuthorizerFailure, 500, Default5XX, "a custom or Amazon Cognito authorizer failed to authenticate the caller"},
	{AuthorizerConfigurationError, 500, Default5XX, "failing to connect to a custom or Amazon Cognito authorizer"},
	{InvalidSignature, 403, Default4XX, "an invalid AWS signature error"},
	{ExpiredToken, 403, Default4XX, "an AWS authentication token expired error"},
	{MissingAuthenticationToken, 403, Default4XX, "a missing authentication token error, including the cases when the client attempts to invoke an unsupported API method or resource"},
	{IntegrationFailure, 504, Default5XX, "an integration failed error"},
	{IntegrationTimeout, 504, Default5XX, "an integration timed out error"},
	{APIConfigurationError, 500, Default5XX, "invalid API configuration, including an invalid endpoint address, failed base64 decoding of binary data, or an integration response mapping that matches no template with no default template"},
	{UnsupportedMediaType, 415, Default4XX, "a payload is of an unsupported media type, if strict passthrough behavior is enabled"},
	{BadRequestParameters, 400, Default4XX, "request parameter cannot be validated according to an enabled request validator"},
	{BadRequestBody, 400, Default4XX, "request body cannot be validated according to an enabled request validator"},
	{RequestTooLarge, 413, Default4XX, "request too large error (customising it is not supported)"},
	{Throttled, 429, Default4XX, "usage plan-, method-, stage-, or account-level throttling limits exceeded"},
	{QuotaExceeded, 429, Default4XX, "usage plan quota exceeded error"},
	{WAFFiltered, 403, Default4XX, "a request is blocked by AWS WAF; AWS WAF custom responses take precedence over custom gateway responses"},
}

var byType = func() map[Type]Spec {
	m := make(map[Type]Spec, len(specs))
	for _, s := range specs {
		m[s.Type] = s
	}
	return m
}()

// Types returns every gateway response type in the API enum order of facts §1.1.
func Types() []Spec {
	out := make([]Spec, len(specs))
	copy(out, specs)
	return out
}

// Lookup returns the Spec of t.
func Lookup(t Type) (Spec, bool) {
	s, ok := byType[t]
	return s, ok
}
