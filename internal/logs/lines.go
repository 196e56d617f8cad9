package logs

import (
	"strconv"
	"time"
)

// The words of API Gateway's execution log (facts §3), in one place so that no other package
// retypes them. Functions that take an API key or an identity mask it with MaskKey; an empty
// key stays empty, which gives AWS's double spaces ("API Key:  API Stage", "API Key  and").
// Lines marked [UNCONFIRMED] follow the pattern of their observed siblings.

// Fixed lines.
const (
	SuccessfullyCompleted        = "Successfully completed execution"
	AuthorizerSucceeded          = "Successfully completed authorizer execution"
	ExecutionFailedTimeout       = "Execution failed due to a timeout error"
	UsagePlanCheckInternalError  = "Usage Plan check failed due to an internal error"
	InvalidAPIKeyIdentifier      = "Invalid API Key identifier specified"
	MalformedLambdaProxyResponse = "Malformed Lambda proxy response"
	InvalidLambdaPermissions     = "Invalid permissions on Lambda function"
	CouldNotParsePolicy          = "Could not parse policy"
	AuthorizerErrorReason        = "Authorizer error"
	ConfigurationErrorPrefix     = "configuration error: "
)

func key(k string) string {
	if k == "" {
		return ""
	}
	return MaskKey(k)
}

// ExtendedRequestIDLine is "Extended Request Id: X", the first line of every request.
func ExtendedRequestIDLine(extendedRequestID string) string {
	return "Extended Request Id: " + extendedRequestID
}

// VerifyingUsagePlan is "Verifying Usage Plan for request: ID. API Key: K API Stage: API/STAGE".
func VerifyingUsagePlan(requestID, apiKey, apiID, stage string) string {
	return "Verifying Usage Plan for request: " + requestID + ". API Key: " + key(apiKey) + " API Stage: " + apiID + "/" + stage
}

// methodRef is "'GET /pets/{petId}'": the method as defined and the resource template.
func methodRef(method, resourcePath string) string {
	return "'" + method + " " + resourcePath + "'"
}

// APIKeyNotRequired is "API Key K authorized because method 'M /r' does not require API Key.
// Request will not contribute to throttle or quota limits".
func APIKeyNotRequired(apiKey, method, resourcePath string) string {
	return "API Key " + key(apiKey) + " authorized because method " + methodRef(method, resourcePath) +
		" does not require API Key. Request will not contribute to throttle or quota limits"
}

// APIKeyRequired is "API Key K authorized because method 'M /r' requires API Key. Request will
// contribute to throttle or quota limits" [UNCONFIRMED wording, mirrors APIKeyNotRequired].
func APIKeyRequired(apiKey, method, resourcePath string) string {
	return "API Key " + key(apiKey) + " authorized because method " + methodRef(method, resourcePath) +
		" requires API Key. Request will contribute to throttle or quota limits"
}

// APIKeyNotInUsagePlan is the line of a valid key that no usage plan of the stage holds
// (facts §3.3): "API Key K not authorized because method 'M /r' requires API Key and API Key is
// not associated with a Usage Plan for API Stage API/STAGE: No Usage Plan found for key and API Stage".
func APIKeyNotInUsagePlan(apiKey, method, resourcePath, apiID, stage string) string {
	return "API Key " + key(apiKey) + " not authorized because method " + methodRef(method, resourcePath) +
		" requires API Key and API Key is not associated with a Usage Plan for API Stage " + apiID + "/" + stage +
		": No Usage Plan found for key and API Stage"
}

// UsagePlanCheckSucceeded is "Usage Plan check succeeded for API Key K and API Stage API/STAGE".
func UsagePlanCheckSucceeded(apiKey, apiID, stage string) string {
	return "Usage Plan check succeeded for API Key " + key(apiKey) + " and API Stage " + apiID + "/" + stage
}

// KeyThrottleExceeded is "Key throttle limit exceeded for RestApi A, Stage S, Resource R,
// HttpMethod M. Limit: 1.00 Burst: 1" (facts §3.3).
func KeyThrottleExceeded(apiID, stage, resourceID, method string, rateLimit float64, burstLimit int) string {
	return "Key throttle limit exceeded for RestApi " + apiID + ", Stage " + stage + ", Resource " + resourceID +
		", HttpMethod " + method + ". Limit: " + strconv.FormatFloat(rateLimit, 'f', 2, 64) + " Burst: " + strconv.Itoa(burstLimit)
}

// StartingExecution is "Starting execution for request: ID".
func StartingExecution(requestID string) string {
	return "Starting execution for request: " + requestID
}

// HTTPMethodLine is "HTTP Method: GET, Resource Path: /all_state". AWS writes the request's
// actual path here (without the stage), not the resource template (facts §3.1).
func HTTPMethodLine(method, path string) string {
	return "HTTP Method: " + method + ", Resource Path: " + path
}

// APIKeyLine is "API Key: ****…bMZHBg", written only when a key is present (facts §3.1).
func APIKeyLine(apiKey string) string { return "API Key: " + key(apiKey) }

// MethodRequestPath is "Method request path: {petId=1}".
func MethodRequestPath(params map[string]string) string {
	return "Method request path: " + FormatMap(params, nil)
}

// MethodRequestQueryString is "Method request query string: {}".
func MethodRequestQueryString(query map[string][]string) string {
	return "Method request query string: " + FormatValues(query, SensitiveQuery)
}

// MethodRequestHeaders is "Method request headers: {…}" with x-api-key and Authorization masked.
func MethodRequestHeaders(h map[string][]string) string {
	return "Method request headers: " + FormatValues(h, SensitiveHeader)
}

func body(b string) string {
	if b == "" {
		return "null"
	}
	return b
}

// MethodRequestBody is "Method request body before transformations: …"; an empty body is
// written as null, as observed for GET requests (facts §3.1).
func MethodRequestBody(b string) string {
	return "Method request body before transformations: " + body(b)
}

// RequestValidationSucceeded is "Request validation succeeded for content type application/json".
func RequestValidationSucceeded(contentType string) string {
	return "Request validation succeeded for content type " + contentType
}

// EndpointRequestURI is "Endpoint request URI: …".
func EndpointRequestURI(uri string) string { return "Endpoint request URI: " + uri }

// EndpointRequestHeaders is "Endpoint request headers: {…}" with Authorization masked.
func EndpointRequestHeaders(h map[string][]string) string {
	return "Endpoint request headers: " + FormatValues(h, SensitiveHeader)
}

// EndpointRequestBody is "Endpoint request body after transformations: …".
func EndpointRequestBody(b string) string {
	return "Endpoint request body after transformations: " + body(b)
}

// SendingRequest is "Sending request to …".
func SendingRequest(uri string) string { return "Sending request to " + uri }

// ReceivedResponse is "Received response. Status: 200, Integration latency: 2266 ms" (the
// newer form, facts §3.1).
func ReceivedResponse(status int, latency time.Duration) string {
	return "Received response. Status: " + strconv.Itoa(status) + ", Integration latency: " +
		strconv.FormatInt(latency.Milliseconds(), 10) + " ms"
}

// EndpointResponseBody is "Endpoint response body before transformations: …".
func EndpointResponseBody(b string) string {
	return "Endpoint response body before transformations: " + body(b)
}

// EndpointResponseHeaders is "Endpoint response headers: {…}".
func EndpointResponseHeaders(h map[string][]string) string {
	return "Endpoint response headers: " + FormatValues(h, nil)
}

// MethodResponseBody is "Method response body after transformations: …".
func MethodResponseBody(b string) string {
	return "Method response body after transformations: " + body(b)
}

// MethodResponseHeaders is "Method response headers: {…}".
func MethodResponseHeaders(h map[string][]string) string {
	return "Method response headers: " + FormatValues(h, nil)
}

// MethodCompleted is "Method completed with status: 200".
func MethodCompleted(status int) string {
	return "Method completed with status: " + strconv.Itoa(status)
}

// ExecutionFailed is "Execution failed due to " + reason, e.g. "a timeout error".
func ExecutionFailed(reason string) string { return "Execution failed due to " + reason }

// ExecutionFailedConfig is "Execution failed due to configuration error: " + msg, e.g.
// MalformedLambdaProxyResponse (facts §3.3).
func ExecutionFailedConfig(msg string) string {
	return "Execution failed due to " + ConfigurationErrorPrefix + msg
}

// LambdaInvocationFailed is "Lambda invocation failed with status: 429. Lambda request id: ID".
func LambdaInvocationFailed(status int, lambdaRequestID string) string {
	return "Lambda invocation failed with status: " + strconv.Itoa(status) + ". Lambda request id: " + lambdaRequestID
}

// LambdaFunctionError is "Lambda execution failed with status 200 due to customer function
// error: MSG. Lambda request id: ID" (facts §3.3).
func LambdaFunctionError(status int, message, lambdaRequestID string) string {
	return "Lambda execution failed with status " + strconv.Itoa(status) + " due to customer function error: " +
		message + ". Lambda request id: " + lambdaRequestID
}

// AccessDenied is the mutual-TLS line "Access denied. Reason: …" (facts §3.3).
func AccessDenied(reason string) string { return "Access denied. Reason: " + reason }

// StartingAuthorizer is "Starting authorizer: AUTHID for request: ID" (facts §3.2).
func StartingAuthorizer(authorizerID, requestID string) string {
	return "Starting authorizer: " + authorizerID + " for request: " + requestID
}

// IncomingIdentity is "Incoming identity: ****…I1BUdE", the token masked.
func IncomingIdentity(identity string) string { return "Incoming identity: " + key(identity) }

// AuthorizerResultBody is "Authorizer result body before parsing: …".
func AuthorizerResultBody(b string) string {
	return "Authorizer result body before parsing: " + body(b)
}

// UsingAuthorizerPolicy is "Using valid authorizer policy for principal: ****bkwef5", the
// principal masked.
func UsingAuthorizerPolicy(principalID string) string {
	return "Using valid authorizer policy for principal: " + key(principalID)
}

// UnauthorizedRequest is "Unauthorized request: ID" (the 401 path of a Lambda authorizer).
func UnauthorizedRequest(requestID string) string { return "Unauthorized request: " + requestID }

// XrayTracingID is "X-ray Tracing ID : Root=…" (with AWS's space before the colon).
func XrayTracingID(traceID string) string { return "X-ray Tracing ID : " + traceID }
