// Package ctxvars holds the $context variable set of one request and resolves the names that
// access-log formats, gateway-response templates and MOCK templates reference
// (facts §2.3, the union of AWS's 2023 and 2025–26 lists). A Vars value is filled by the
// pipeline as the request advances; Lookup is the ctxtemplate.Lookup the templates render with.
//
// A variable with no value reports ok=false so that access logs print "-" (facts §2.1 [OBS]).
// Strings are unset when empty, HTTP statuses when 0, and the optional numbers use Opt.
package ctxvars

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Opt is an optional value: numbers and flags whose zero value is meaningful (a response of
// length 0, a latency of 0 ms) but that may also have no value at all (no integration ran).
type Opt[T any] struct {
	V   T
	Set bool
}

// Some returns a set Opt.
func Some[T any](v T) Opt[T] { return Opt[T]{V: v, Set: true} }

// ClientCert is the mutual-TLS client certificate as $context.identity.clientCert.* reports it.
// AWS writes these only "in access logs if mutual TLS authentication fails" (facts §2.3);
// the pipeline sets the field only then.
type ClientCert struct {
	PEM          string // clientCertPem
	SubjectDN    string // subjectDN
	IssuerDN     string // issuerDN
	SerialNumber string // serialNumber
	NotBefore    string // validity.notBefore
	NotAfter     string // validity.notAfter
}

// Vars is every $context value of one request plus the stage variables (facts §2.3).
// The zero value is a request about which nothing is known: every variable is unset.
type Vars struct {
	// Request and API identity.
	RequestID            string // context.requestId (the x-amzn-RequestId value)
	ExtendedRequestID    string // context.extendedRequestId (the x-amz-apigw-id value)
	AWSEndpointRequestID string // context.awsEndpointRequestId
	APIID                string // context.apiId
	AccountID            string // context.accountId: the API owner's account
	DeploymentID         string // context.deploymentId
	Stage                string // context.stage

	// Host, path and request line.
	DomainName   string // context.domainName: the incoming Host
	DomainPrefix string // context.domainPrefix; derived from DomainName's first label when empty
	Path         string // context.path, e.g. /prod/pets/1
	ResourcePath string // context.resourcePath, e.g. /pets/{petId}
	ResourceID   string // context.resourceId
	HTTPMethod   string // context.httpMethod
	// Protocol is the request's protocol as Go reports it (r.Proto); context.protocol reports
	// HTTP/2 and HTTP/3 as HTTP/1.1, as AWS does (facts §2.3).
	Protocol    string
	RequestTime time.Time // context.requestTime and context.requestTimeEpoch

	// Caller identity (context.identity.*).
	SourceIP          string // sourceIp: the immediate TCP peer
	UserAgent         string // userAgent
	Caller            string // caller
	User              string // user
	UserArn           string // userArn
	IdentityAccountID string // accountId: the caller's account
	AccessKey         string // accessKey
	// APIKey is identity.apiKey. AWS leaves it null for methods that do not require an API key
	// (facts §2.3); set it only when the method requires one.
	APIKey                        string
	APIKeyID                      string // apiKeyId
	VpcID                         string // vpcId
	VpceID                        string // vpceId
	PrincipalOrgID                string // principalOrgId
	CognitoAuthenticationProvider string // cognitoAuthenticationProvider
	CognitoAuthenticationType     string // cognitoAuthenticationType
	CognitoIdentityID             string // cognitoIdentityId
	CognitoIdentityPoolID         string // cognitoIdentityPoolId
	ClientCert                    *ClientCert

	// Authorizer holds context.authorizer.principalId (key "principalId") and the stringified
	// values of a Lambda authorizer's context map. The access-log-only authorizer variables
	// below (error, status, latency, ...) take precedence over context keys of the same name.
	Authorizer map[string]string
	// Claims holds a Cognito authorizer's claims (context.authorizer.claims.<name>).
	Claims map[string]string

	AuthorizerError              string             // context.authorizer.error
	AuthorizerStatus             int                // context.authorizer.status
	AuthorizerLatency            Opt[time.Duration] // context.authorizer.latency
	AuthorizerIntegrationLatency Opt[time.Duration] // context.authorizer.integrationLatency
	AuthorizerIntegrationStatus  int                // context.authorizer.integrationStatus
	AuthorizerRequestID          string             // context.authorizer.requestId
	AuthorizeError               string             // context.authorize.error
	AuthorizeStatus              int                // context.authorize.status
	AuthorizeLatency             Opt[time.Duration] // context.authorize.latency
	AuthenticateError            string             // context.authenticate.error
	AuthenticateStatus           int                // context.authenticate.status
	AuthenticateLatency          Opt[time.Duration] // context.authenticate.latency

	// Error. ErrorMessage is nil when the gateway produced no error message: then
	// context.error.message is unset and context.error.messageString is null.
	ErrorMessage      *string
	ErrorResponseType string // context.error.responseType
	ErrorValidation   string // context.error.validationErrorString

	// Integration.
	IntegrationError string // context.integration.error and context.integrationErrorMessage
	// IntegrationStatus is context.integrationStatus and context.integration.integrationStatus:
	// for Lambda proxy integrations the status code from AWS Lambda, not from the function.
	IntegrationStatus int
	// IntegrationBackendStatus is context.integration.status: the status the integration
	// (for Lambda proxy, the function's code) returned.
	IntegrationBackendStatus        int
	IntegrationLatency              Opt[time.Duration] // context.integrationLatency and context.integration.latency
	IntegrationRequestID            string             // context.integration.requestId
	IntegrationResponseTransferMode string             // context.integration.responseTransferMode
	IntegrationTimeToAllHeaders     Opt[time.Duration] // context.integration.timeToAllHeaders
	IntegrationTimeToFirstContent   Opt[time.Duration] // context.integration.timeToFirstContent

	// Response.
	Status          int                // context.status
	ResponseLength  Opt[int64]         // context.responseLength
	ResponseLatency Opt[time.Duration] // context.responseLatency

	// AWS WAF.
	WAFResponseCode string             // context.wafResponseCode: WAF_ALLOW or WAF_BLOCK; unset without a web ACL
	WebACLArn       string             // context.webaclArn
	WAFError        string             // context.waf.error
	WAFStatus       int                // context.waf.status
	WAFLatency      Opt[time.Duration] // context.waf.latency

	// Custom domains, TLS, tracing, canary.
	CustomDomainBasePathMatched      string    // context.customDomain.basePathMatched
	CustomDomainRoutingRuleIDMatched string    // context.customDomain.routingRuleIdMatched
	TLSVersion                       string    // context.tlsVersion
	CipherSuite                      string    // context.cipherSuite
	XrayTraceID                      string    // context.xrayTraceId
	IsCanaryRequest                  Opt[bool] // context.isCanaryRequest: set only when the stage has a canary

	// StageVariables are $stageVariables.<name>.
	StageVariables map[string]string
}

// RequestTimeLayout is the CLF layout of context.requestTime (facts §2.3), always in UTC.
const RequestTimeLayout = "02/Jan/2006:15:04:05 -0700"

func str(s string) (string, bool) { return s, s != "" }

// statusStrings caches the decimal form of every HTTP status so that Lookup does not
// allocate for them.
var statusStrings = func() (t [600]string) {
	for i := range t {
		t[i] = strconv.Itoa(i)
	}
	return t
}()

func status(n int) (string, bool) {
	if n == 0 {
		return "", false
	}
	if n > 0 && n < len(statusStrings) {
		return statusStrings[n], true
	}
	return strconv.Itoa(n), true
}

func millis(d Opt[time.Duration]) (string, bool) {
	if !d.Set {
		return "", false
	}
	return strconv.FormatInt(d.V.Milliseconds(), 10), true
}

func mapValue(m map[string]string, k string) (string, bool) {
	if k == "" {
		return "", false
	}
	v, ok := m[k]
	return v, ok
}

// Lookup resolves a variable name as ctxtemplate passes it ("context.requestId",
// "stageVariables.backend") and reports false when the variable has no value or is unknown.
// It is a ctxtemplate.Lookup: pass v.Lookup to Template.Append.
func (v *Vars) Lookup(name string) (string, bool) {
	switch name {
	// Request and API identity.
	case "context.requestId":
		return str(v.RequestID)
	case "context.extendedRequestId":
		return str(v.ExtendedRequestID)
	case "context.awsEndpointRequestId":
		return str(v.AWSEndpointRequestID)
	case "context.apiId":
		return str(v.APIID)
	case "context.accountId":
		return str(v.AccountID)
	case "context.deploymentId":
		return str(v.DeploymentID)
	case "context.stage":
		return str(v.Stage)

	// Host, path, request line.
	case "context.domainName":
		return str(v.DomainName)
	case "context.domainPrefix":
		if v.DomainPrefix != "" {
			return v.DomainPrefix, true
		}
		p, _, _ := strings.Cut(v.DomainName, ".")
		return str(p)
	case "context.path":
		return str(v.Path)
	case "context.resourcePath":
		return str(v.ResourcePath)
	case "context.resourceId":
		return str(v.ResourceID)
	case "context.httpMethod":
		return str(v.HTTPMethod)
	case "context.protocol":
		return protocol(v.Protocol)
	case "context.requestTime":
		if v.RequestTime.IsZero() {
			return "", false
		}
		return clfTime(v.RequestTime), true
	case "context.requestTimeEpoch":
		if v.RequestTime.IsZero() {
			return "", false
		}
		return strconv.FormatInt(v.RequestTime.UnixMilli(), 10), true

	// Caller identity.
	case "context.identity.sourceIp":
		return str(v.SourceIP)
	case "context.identity.userAgent":
		return str(v.UserAgent)
	case "context.identity.caller":
		return str(v.Caller)
	case "context.identity.user":
		return str(v.User)
	case "context.identity.userArn":
		return str(v.UserArn)
	case "context.identity.accountId":
		return str(v.IdentityAccountID)
	case "context.identity.accessKey":
		return str(v.AccessKey)
	case "context.identity.apiKey":
		return str(v.APIKey)
	case "context.identity.apiKeyId":
		return str(v.APIKeyID)
	case "context.identity.vpcId":
		return str(v.VpcID)
	case "context.identity.vpceId":
		return str(v.VpceID)
	case "context.identity.principalOrgId":
		return str(v.PrincipalOrgID)
	case "context.identity.cognitoAuthenticationProvider":
		return str(v.CognitoAuthenticationProvider)
	case "context.identity.cognitoAuthenticationType":
		return str(v.CognitoAuthenticationType)
	case "context.identity.cognitoIdentityId":
		return str(v.CognitoIdentityID)
	case "context.identity.cognitoIdentityPoolId":
		return str(v.CognitoIdentityPoolID)
	case "context.identity.clientCert.clientCertPem":
		if v.ClientCert == nil {
			return "", false
		}
		return str(v.ClientCert.PEM)
	case "context.identity.clientCert.subjectDN":
		if v.ClientCert == nil {
			return "", false
		}
		return str(v.ClientCert.SubjectDN)
	case "context.identity.clientCert.issuerDN":
		if v.ClientCert == nil {
			return "", false
		}
		return str(v.ClientCert.IssuerDN)
	case "context.identity.clientCert.serialNumber":
		if v.ClientCert == nil {
			return "", false
		}
		return str(v.ClientCert.SerialNumber)
	case "context.identity.clientCert.validity.notBefore":
		if v.ClientCert == nil {
			return "", false
		}
		return str(v.ClientCert.NotBefore)
	case "context.identity.clientCert.validity.notAfter":
		if v.ClientCert == nil {
			return "", false
		}
		return str(v.ClientCert.NotAfter)

	// Authorizer, authorize, authenticate (access-log-only names win over context keys).
	case "context.authorizer.claims":
		// "Calling $context.authorizer.claims returns null." (facts §2.3)
		return "", false
	case "context.authorizer.error":
		if v.AuthorizerError != "" {
			return v.AuthorizerError, true
		}
	case "context.authorizer.status":
		if s, ok := status(v.AuthorizerStatus); ok {
			return s, true
		}
	case "context.authorizer.latency":
		if s, ok := millis(v.AuthorizerLatency); ok {
			return s, true
		}
	case "context.authorizer.integrationLatency":
		if s, ok := millis(v.AuthorizerIntegrationLatency); ok {
			return s, true
		}
	case "context.authorizer.integrationStatus":
		if s, ok := status(v.AuthorizerIntegrationStatus); ok {
			return s, true
		}
	case "context.authorizer.requestId":
		if v.AuthorizerRequestID != "" {
			return v.AuthorizerRequestID, true
		}
	case "context.authorize.error":
		return str(v.AuthorizeError)
	case "context.authorize.status":
		return status(v.AuthorizeStatus)
	case "context.authorize.latency":
		return millis(v.AuthorizeLatency)
	case "context.authenticate.error":
		return str(v.AuthenticateError)
	case "context.authenticate.status":
		return status(v.AuthenticateStatus)
	case "context.authenticate.latency":
		return millis(v.AuthenticateLatency)

	// Errors.
	case "context.error.message":
		if v.ErrorMessage == nil {
			return "", false
		}
		return *v.ErrorMessage, true
	case "context.error.messageString":
		if v.ErrorMessage == nil {
			return "null", true
		}
		return string(AppendJSONString(make([]byte, 0, len(*v.ErrorMessage)+2), *v.ErrorMessage)), true
	case "context.error.responseType":
		return str(v.ErrorResponseType)
	case "context.error.validationErrorString":
		return str(v.ErrorValidation)

	// Integration.
	case "context.integration.error", "context.integrationErrorMessage":
		return str(v.IntegrationError)
	case "context.integration.integrationStatus", "context.integrationStatus":
		return status(v.IntegrationStatus)
	case "context.integration.status":
		return status(v.IntegrationBackendStatus)
	case "context.integration.latency", "context.integrationLatency":
		return millis(v.IntegrationLatency)
	case "context.integration.requestId":
		return str(v.IntegrationRequestID)
	case "context.integration.responseTransferMode":
		return str(v.IntegrationResponseTransferMode)
	case "context.integration.timeToAllHeaders":
		return millis(v.IntegrationTimeToAllHeaders)
	case "context.integration.timeToFirstContent":
		return millis(v.IntegrationTimeToFirstContent)

	// Response.
	case "context.status":
		return status(v.Status)
	case "context.responseLength":
		if !v.ResponseLength.Set {
			return "", false
		}
		return strconv.FormatInt(v.ResponseLength.V, 10), true
	case "context.responseLatency":
		return millis(v.ResponseLatency)

	// WAF.
	case "context.wafResponseCode":
		return str(v.WAFResponseCode)
	case "context.webaclArn":
		return str(v.WebACLArn)
	case "context.waf.error":
		return str(v.WAFError)
	case "context.waf.status":
		return status(v.WAFStatus)
	case "context.waf.latency":
		return millis(v.WAFLatency)

	// Custom domains, TLS, tracing, canary.
	case "context.customDomain.basePathMatched":
		return str(v.CustomDomainBasePathMatched)
	case "context.customDomain.routingRuleIdMatched":
		return str(v.CustomDomainRoutingRuleIDMatched)
	case "context.tlsVersion":
		return str(v.TLSVersion)
	case "context.cipherSuite":
		return str(v.CipherSuite)
	case "context.xrayTraceId":
		return str(v.XrayTraceID)
	case "context.isCanaryRequest":
		if !v.IsCanaryRequest.Set {
			return "", false
		}
		return strconv.FormatBool(v.IsCanaryRequest.V), true

	// Overrides: mapping templates set these; no mapping-template engine runs yet.
	case "context.responseOverride.status":
		return "", false
	}

	// Dynamic names.
	if k, ok := strings.CutPrefix(name, "stageVariables."); ok {
		return mapValue(v.StageVariables, k)
	}
	if k, ok := strings.CutPrefix(name, "context.authorizer."); ok {
		if c, ok := strings.CutPrefix(k, "claims."); ok {
			return mapValue(v.Claims, c)
		}
		return mapValue(v.Authorizer, k)
	}
	return "", false
}

// clfTime formats t in UTC as RequestTimeLayout, by hand: it is on every access-log line.
func clfTime(t time.Time) string {
	const months = "JanFebMarAprMayJunJulAugSepOctNovDec"
	t = t.UTC()
	year, month, day := t.Date()
	hour, minute, sec := t.Clock()
	if year < 0 || year > 9999 {
		return t.Format(RequestTimeLayout)
	}
	var b [26]byte
	two := func(i, n int) { b[i] = byte('0' + n/10); b[i+1] = byte('0' + n%10) }
	two(0, day)
	b[2] = '/'
	copy(b[3:6], months[3*(month-1):])
	b[6] = '/'
	two(7, year/100)
	two(9, year%100)
	b[11] = ':'
	two(12, hour)
	b[14] = ':'
	two(15, minute)
	b[17] = ':'
	two(18, sec)
	copy(b[20:], " +0000")
	return string(b[:])
}

// protocol reports HTTP/2 and HTTP/3 requests as HTTP/1.1 (facts §2.3: "logged as HTTP/1.1
// even for HTTP/2 clients").
func protocol(p string) (string, bool) {
	if strings.HasPrefix(p, "HTTP/2") || strings.HasPrefix(p, "HTTP/3") {
		return "HTTP/1.1", true
	}
	return str(p)
}

// AppendJSONString appends s as a JSON string literal, as context.error.messageString renders
// the message: quotes, backslashes and control characters escaped, no HTML escaping of <, >
// and &, invalid UTF-8 replaced by U+FFFD, and U+2028/U+2029 escaped (as encoding/json does).
func AppendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
