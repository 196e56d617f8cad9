// Package decision holds the one value every request produces: the Decision record
// (DESIGN.md §1, version 1). The HTTP response, the access log, the execution log, the admin
// API and every CLI output are renderings of a Decision, so they cannot disagree.
// It depends on nothing else in the project.
package decision

import "time"

// Version is the wire-format version of Decision.
const Version = 1

// Outcome is the overall result of a request.
type Outcome string

// Outcomes.
const (
	Allow Outcome = "allow" // the request reached the integration
	Deny  Outcome = "deny"  // a check denied it (4xx from the gateway)
	Error Outcome = "error" // the gateway or the integration failed (5xx from the gateway)
)

// Result is the result of one check.
type Result string

// Check results.
const (
	Pass  Result = "pass"
	Skip  Result = "skip"
	Fail  Result = "deny"
	Fault Result = "error"
)

// Decision is the record of one request. JSON field names are a contract (DESIGN.md §1).
type Decision struct {
	Version           int       `json:"version"`
	RequestID         string    `json:"requestId"`
	ExtendedRequestID string    `json:"extendedRequestId"`
	Time              time.Time `json:"time"`
	Request           Request   `json:"request"`
	API               API       `json:"api"`
	Outcome           Outcome   `json:"outcome"`
	Status            int       `json:"status"`
	ResponseType      string    `json:"responseType,omitempty"`
	ErrorType         string    `json:"errorType,omitempty"`
	Cause             string    `json:"cause,omitempty"`
	Reason            string    `json:"reason,omitempty"`
	// Message is the error message the gateway sent ($context.error.message).
	Message  string   `json:"message,omitempty"`
	Evidence []string `json:"evidence,omitempty"`
	Remedy   []string `json:"remedy,omitempty"`
	Checks   []Check  `json:"checks"`
	// Integration is set when the request reached an integration.
	Integration *Integration `json:"integration,omitempty"`
	// LatencyMs is the time from receipt to the last byte of the response.
	LatencyMs float64 `json:"latencyMs"`
	// ResponseLength is the number of body bytes sent.
	ResponseLength int64 `json:"responseLength"`
	// ExecutionLog holds the execution-log lines of this request (without the
	// "(requestId) " prefix), in AWS's wording and order, with keys masked.
	ExecutionLog []string `json:"executionLog,omitempty"`
}

// Request describes what arrived.
type Request struct {
	Method    string `json:"method"`
	Host      string `json:"host"`
	Path      string `json:"path"`
	Query     string `json:"query,omitempty"`
	SourceIP  string `json:"sourceIp"`
	UserAgent string `json:"userAgent,omitempty"`
	Protocol  string `json:"protocol,omitempty"`
	// Listener is "default", "tls" or a VPC endpoint id ("vpce-…").
	Listener string `json:"listener"`
}

// API describes what the request was resolved to. Empty strings mean "not resolved".
type API struct {
	RestAPIID       string  `json:"restApiId"`
	Stage           string  `json:"stage"`
	ResourcePath    string  `json:"resourcePath"`
	ResourceID      string  `json:"resourceId,omitempty"`
	HTTPMethod      string  `json:"httpMethod"`
	DeploymentID    string  `json:"deploymentId,omitempty"`
	DomainName      *string `json:"domainName"`
	BasePathMatched *string `json:"basePathMatched"`
}

// Check is the result of one pipeline step.
type Check struct {
	Check  string `json:"check"`
	Result Result `json:"result"`
	Detail string `json:"detail,omitempty"`
	Cause  string `json:"cause,omitempty"`
}

// Integration records what the integration did.
type Integration struct {
	Type      string  `json:"type"`
	URI       string  `json:"uri,omitempty"`
	Status    int     `json:"status,omitempty"`
	LatencyMs float64 `json:"latencyMs"`
	Error     string  `json:"error,omitempty"`
}

// Denial is what a check returns when it stops a request: a catalogue cause ID plus the
// evidence that led to it. It is not a Go error: a denial is a normal outcome.
type Denial struct {
	// Cause is a cause catalogue ID (internal/cause).
	Cause string
	// Reason is one sentence for humans: why this request was denied.
	Reason string
	// Evidence lists the facts from the request and config that support the cause.
	Evidence []string
	// Message, when set, replaces the catalogue's default $context.error.message
	// (e.g. the IncompleteSignatureException text that quotes the Authorization value).
	Message string
	// Remedy, when set, is added before the catalogue's remedies (concrete, request-specific).
	Remedy []string
	// ErrorType, when set, replaces the catalogue's x-amzn-ErrorType (e.g. ExpiredTokenException
	// for an expired session under invalid-security-token).
	ErrorType string
}
