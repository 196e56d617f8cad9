// Package cause is the cause catalogue (DESIGN.md §3): the single source of truth for every
// reason the gateway denies or fails a request. The gateway emits from it, the troubleshooter
// recognises from it, `portcullis causes` prints it. The first 17 entries are the rows of the
// AWS Knowledge Center table in ../shared/seed/troubleshoot-api-gateway-403.txt, in its order and
// wording; the rest follow (facts §1, §3, §4.4, §6, §11).
package cause

import "strings"

// Style selects the message wording (config errorMessageStyle).
type Style string

// Message styles: the seed's wording (default) or AWS's newer wording where it differs.
const (
	Seed    Style = "seed"
	Current Style = "current"
)

// Entry is one catalogue row.
type Entry struct {
	// ID is stable; tests and other tools depend on it.
	ID string `json:"id"`
	// SeedRow is the 1-based row of the seed table (0 when the cause is not in it).
	SeedRow int `json:"seedRow,omitempty"`
	// Title is the seed's "Issue" column, or an equivalent short title.
	Title string `json:"title"`
	// Step is the pipeline step that emits it (DESIGN.md §2).
	Step string `json:"step"`
	// ResponseType is the gateway response type the client receives (facts §1.1).
	ResponseType string `json:"responseType,omitempty"`
	// Customizable is false where the request is rejected before any API's gateway responses
	// can apply (endpoint resolution), so the default body is always sent.
	Customizable bool `json:"customizable"`
	// Status is the default HTTP status.
	Status int `json:"status"`
	// ErrorType is the x-amzn-ErrorType header value ("" = not sent).
	ErrorType string `json:"errorType,omitempty"`
	// Message is the default $context.error.message in the seed's wording. Placeholders in
	// braces ({arn}, {principal}, {authorization}) are filled by the check that denies.
	Message string `json:"message"`
	// MessageCurrent is AWS's newer wording, where it differs (errorMessageStyle: current).
	MessageCurrent string `json:"messageCurrent,omitempty"`
	// NullMessage: the body carries a JSON null message ({"message": null}).
	NullMessage bool `json:"nullMessage,omitempty"`
	// ExecLog lists the execution-log line(s) AWS writes for this cause (facts §3.3).
	ExecLog []string `json:"execLog,omitempty"`
	// RootCause is one sentence on why this happens.
	RootCause string `json:"rootCause"`
	// Remedies are concrete steps, most likely first.
	Remedies []string `json:"remedies"`
}

// MessageFor returns the message in the given style.
func (e *Entry) MessageFor(s Style) string {
	if s == Current && e.MessageCurrent != "" {
		return e.MessageCurrent
	}
	return e.Message
}

// IDs of causes referenced from code. Every ID in the catalogue has a constant.
const (
	AuthorizerExplicitDeny         = "authorizer-explicit-deny"
	PolicyExplicitDeny             = "policy-explicit-deny"
	PolicyNoAllow                  = "policy-no-allow"
	InvalidSecurityToken           = "invalid-security-token"
	MissingAuthenticationToken     = "missing-authentication-token"
	SignatureExpired               = "signature-expired"
	InvalidAPIKey                  = "invalid-api-key"
	SignatureMismatch              = "signature-mismatch"
	WAFBlocked                     = "waf-blocked"
	RouteNotFound                  = "route-not-found"
	RouteNotFoundWithAuthorization = "route-not-found-with-authorization"
	PrivateAPIWrongEndpoint        = "private-api-wrong-endpoint"
	DefaultEndpointDisabled        = "default-endpoint-disabled"
	MTLSCertificateRejected        = "mtls-certificate-rejected"
	CustomDomainNoMapping          = "custom-domain-no-mapping"
	CustomDomainStageInPath        = "custom-domain-stage-in-path"
	StageNotFound                  = "stage-not-found"
	AuthorizerNoAllow              = "authorizer-no-allow"
	AuthorizerIdentityMissing      = "authorizer-identity-missing"
	AuthorizerUnauthorized         = "authorizer-unauthorized"
	AuthorizerError                = "authorizer-error"
	APIKeyMissing                  = "api-key-missing"
	APIKeyDisabled                 = "api-key-disabled"
	APIKeyNotInUsagePlan           = "api-key-not-in-usage-plan"
	Throttled                      = "throttled"
	QuotaExceeded                  = "quota-exceeded"
	RequestTooLarge                = "request-too-large"
	IntegrationTimeout             = "integration-timeout"
	IntegrationFailure             = "integration-failure"
	LambdaMalformedResponse        = "lambda-malformed-response"
	LambdaFunctionError            = "lambda-function-error"
	LambdaInvokeFailed             = "lambda-invoke-failed"
	IntegrationConfigError         = "integration-config-error"
	PublicAPIViaPrivateDNS         = "public-api-via-private-dns"
	VPCEPolicyDeny                 = "vpce-policy-deny"
	ResourceNotDeployed            = "resource-not-deployed"
	Backend403                     = "backend-403"
	BadRequestParameters           = "bad-request-parameters"
	BadRequestBody                 = "bad-request-body"
	GatewayInternalError           = "gateway-internal-error"
	UnsupportedMediaType           = "unsupported-media-type"
	CredentialScopeMismatch        = "credential-scope-mismatch"
	CognitoTokenRejected           = "cognito-token-rejected"
	IncompleteSignature            = "incomplete-signature"
)

var byID map[string]*Entry

func init() {
	byID = make(map[string]*Entry, len(catalogue))
	for i := range catalogue {
		e := &catalogue[i]
		if _, dup := byID[e.ID]; dup {
			panic("cause: duplicate id " + e.ID)
		}
		byID[e.ID] = e
	}
}

// All returns the catalogue in order (the 17 seed rows first). The entries must not be modified.
func All() []Entry { return catalogue }

// Lookup returns the entry for an ID.
func Lookup(id string) (*Entry, bool) {
	e, ok := byID[id]
	return e, ok
}

// MustLookup returns the entry for an ID known at compile time; it panics on a typo, which the
// catalogue tests catch.
func MustLookup(id string) *Entry {
	e, ok := byID[id]
	if !ok {
		panic("cause: unknown id " + id)
	}
	return e
}

// Fill replaces {name} placeholders in a message.
func Fill(msg string, kv ...string) string {
	if len(kv) == 0 || !strings.Contains(msg, "{") {
		return msg
	}
	r := strings.NewReplacer(func() []string {
		out := make([]string, 0, len(kv))
		for i := 0; i+1 < len(kv); i += 2 {
			out = append(out, "{"+kv[i]+"}", kv[i+1])
		}
		return out
	}()...)
	return r.Replace(msg)
}

// MaskAccount masks the account id inside an ARN as AWS does in denial messages: `********`
// plus the last four digits (facts §5.5, [OBS]).
func MaskAccount(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 || len(parts[4]) != 12 {
		return arn
	}
	parts[4] = "********" + parts[4][8:]
	return strings.Join(parts, ":")
}
