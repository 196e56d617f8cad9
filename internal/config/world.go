package config

import (
	"crypto/tls"
	"encoding/json"

	"github.com/portcullis/portcullis/internal/apidef"
	"github.com/portcullis/portcullis/internal/cognito"
	"github.com/portcullis/portcullis/internal/ctxtemplate"
	"github.com/portcullis/portcullis/internal/domain"
	"github.com/portcullis/portcullis/internal/iampolicy"
	"github.com/portcullis/portcullis/internal/mtls"
	"github.com/portcullis/portcullis/internal/route"
	"github.com/portcullis/portcullis/internal/waf"
)

// World is the compiled, immutable form of a configuration: every index the request path
// needs is built once here. A World is never modified after Compile returns; a reload builds a
// new one.
type World struct {
	Source    string // path of the main config file ("<embedded demo>" for the demo world)
	AccountID string
	Region    string
	// APIs by rest API id.
	APIs map[string]*RestAPI
	// APIList in config order.
	APIList []*RestAPI
	// Domains by lower-case domain name (later issues).
	Domains map[string]*DomainName
	// TrustForwardedFor: take the client IP from X-Forwarded-For.
	TrustForwardedFor bool
	// ErrorMessageStyle is "seed" (default) or "current" (DESIGN.md §3).
	ErrorMessageStyle string
	// Raw is the decoded configuration, for sections that later issues compile
	// (apiKeys, usagePlans, iam, lambda, wafv2, vpcEndpoints).
	Raw *Config
	// APIKeys by id and by the SHA-256 of their value (never by the value itself); UsagePlans by id.
	APIKeys       map[string]*APIKey
	APIKeyList    []*APIKey            // config order
	APIKeysByHash map[[32]byte]*APIKey // by SHA-256 of the value
	UsagePlans    map[string]*UsagePlan
	// AccountThrottle is the account-level throttle (DefaultAccountThrottle unless configured).
	AccountThrottle Throttle
	// RedisUnavailable is "fail-open" (default) or "fail-closed".
	RedisUnavailable string
	// Warnings are problems that do not stop the config from loading (truststore warnings).
	Warnings []string
	// WebACLs are the compiled AWS WAF web ACLs, by ARN.
	WebACLs map[string]*waf.ACL
	// VPCEndpoints by id.
	VPCEndpoints map[string]*VPCEndpoint
	// UserPools are the Cognito user pools by ARN, with their signing keys.
	UserPools map[string]*cognito.Pool
	// Credentials are the access keys of the iam section, by access key id.
	Credentials map[string]*Credential
	// LambdaEndpoint is lambda.endpoint; LambdaFunctions maps a function ARN to its own endpoint.
	LambdaEndpoint  string
	LambdaFunctions map[string]string
}

// RestAPI is one compiled REST API.
type RestAPI struct {
	ID   string
	Name string
	// Current is the API's current definition (what a new deployment would snapshot).
	Current *Deployment
	// Deployments by id (config `deployments`); stages without deploymentId use Current.
	Deployments map[string]*Deployment
	// Stages by stage name.
	Stages map[string]*Stage
	// StageList in config order.
	StageList []*Stage
	// Policy is the effective resource policy (config `policy` overrides the definition's
	// x-amazon-apigateway-policy); nil when none.
	Policy json.RawMessage
	// ResourcePolicy is Policy parsed (nil when there is none).
	ResourcePolicy *iampolicy.Policy
	// DisableExecuteAPIEndpoint: config value, else the definition's endpoint configuration.
	DisableExecuteAPIEndpoint bool
	// EndpointTypes (REGIONAL, EDGE, PRIVATE) and VPC endpoint ids.
	EndpointTypes  []string
	VpcEndpointIDs []string
	// APIKeySource: HEADER (default) or AUTHORIZER.
	APIKeySource string
}

// Deployment is one compiled definition snapshot.
type Deployment struct {
	ID     string // "" for the current definition
	Def    *apidef.API
	Router *route.Router
}

// Stage is one compiled stage.
type Stage struct {
	Name       string
	API        *RestAPI
	Deployment *Deployment
	// DeploymentID as written in the config ("" when the stage serves the current definition).
	DeploymentID   string
	Variables      map[string]string
	WebACLArn      string
	MethodSettings map[string]*MethodSetting // key "*/*" or "/pets/GET" (root: "/GET"), see Setting
	// KeyPlans maps an API key id to the usage plan (and its per-method throttles) that
	// associates the key with this stage.
	KeyPlans map[string]*PlanStage
	// AccessLog is nil when access logging is off.
	AccessLog      *AccessLog
	Description    string
	TracingEnabled bool
}

// Setting returns the method setting for a resource path ("/pets/{petId}") and verb: the
// "/resource/path/VERB" entry if the stage has one, else the stage-wide "*/*" entry, else nil.
// Keys are normalised at compile time (the root resource is "/GET").
func (s *Stage) Setting(resourcePath, method string) *MethodSetting {
	if ms, ok := s.MethodSettings[MethodKey(resourcePath, method)]; ok {
		return ms
	}
	return s.MethodSettings["*/*"]
}

// MethodSetting is one stage method setting (botocore MethodSetting).
type MethodSetting struct {
	ThrottlingRateLimit  *float64
	ThrottlingBurstLimit *int
	LoggingLevel         string // OFF, ERROR, INFO
	DataTraceEnabled     bool
	MetricsEnabled       bool
	CachingEnabled       bool
	CacheTTLInSeconds    *int
}

// AccessLog is a stage's compiled access-log setting.
type AccessLog struct {
	Format         *ctxtemplate.Template
	DestinationArn string // "file:PATH" (resolved to an absolute path), "stdout", or an ARN (kept, not written)
	// Path is the file to append to ("" for stdout).
	Path string
}

// DomainName is a compiled custom domain name.
type DomainName struct {
	Name string
	// Router picks the API stage by base path mapping or routing rule.
	Router *domain.Domain
	// Certificate is served for the domain by SNI (nil: plain HTTP only).
	Certificate *tls.Certificate
	// SecurityPolicy is the TLS policy name ("" = TLS_1_2).
	SecurityPolicy string
	// Truststore turns on mutual TLS (nil: off).
	Truststore *mtls.Truststore
}
