// Package config decodes portcullis.yaml strictly (unknown fields are errors with file, line
// and column), validates it and compiles it into an immutable World (DESIGN.md §1, §4).
//
// The file is AWS-shaped: field names are the API Gateway, IAM and WAFv2 APIs' own, so a user
// can fill it from `aws … get-*` output. It may be YAML or JSON. Every error is an *Error
// (or an ErrorList of them) naming the file, line, column and field path.
package config

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"reflect"

	"github.com/goccy/go-yaml/ast"
)

// Config is the decoded configuration file (DESIGN.md §1). Field names are as in the file.
type Config struct {
	// AccountID is the 12-digit account that owns every API.
	AccountID    string               `json:"accountId"`
	Region       string               `json:"region"`
	RestAPIs     []*RestAPIConfig     `json:"restApis"`
	APIKeys      []*APIKeyConfig      `json:"apiKeys"`
	UsagePlans   []*UsagePlanConfig   `json:"usagePlans"`
	DomainNames  []*DomainNameConfig  `json:"domainNames"`
	VPCEndpoints []*VPCEndpointConfig `json:"vpcEndpoints"`
	IAM          *IAMConfig           `json:"iam"`
	Lambda       *LambdaConfig        `json:"lambda"`
	WAFv2        *WAFv2Config         `json:"wafv2"`
	// TrustForwardedFor takes the client IP from X-Forwarded-For (tests, or behind a trusted LB).
	TrustForwardedFor bool `json:"trustForwardedFor"`
	// ErrorMessageStyle is "seed" (the default: the wording of the Knowledge Center article) or
	// "current" (AWS's newer wording), DESIGN.md §3.
	ErrorMessageStyle string `json:"errorMessageStyle"`
	// Cognito names the user pools COGNITO_USER_POOLS authorizers verify tokens against.
	Cognito *CognitoConfig `json:"cognito"`
	// AccountThrottle is the account-level throttle of the region (facts §6: 10,000 requests per
	// second with a burst of 5,000 by default).
	AccountThrottle *ThrottleSettings `json:"accountThrottle"`
	// RedisUnavailable is what throttles and quotas do when the shared Redis store cannot be
	// reached: fail-open (default: serve without counting) or fail-closed (answer 429).
	// Authentication and authorization never depend on it.
	RedisUnavailable string `json:"redisUnavailable"`

	file string    // the name Decode was given, used in errors
	dir  string    // directory of file (OS path, or fs.FS path for LoadFS)
	pos  positions // field path -> position
}

// CognitoConfig lists Cognito user pools.
type CognitoConfig struct {
	UserPools []*UserPoolConfig `json:"userPools"`
}

// UserPoolConfig is one Cognito user pool: its ARN (as authorizers' providerARNs name it) and its
// signing keys, from a JWKS file (the pool's /.well-known/jwks.json saved locally) or URL.
type UserPoolConfig struct {
	ARN      string `json:"arn"`
	JWKSFile string `json:"jwksFile"`
	JWKSURL  string `json:"jwksUrl"`
	// Issuer defaults to https://cognito-idp.REGION.amazonaws.com/POOL_ID from the ARN.
	Issuer string `json:"issuer"`
}

// RestAPIConfig is one REST API (`aws apigateway get-rest-api` fields plus the definition).
type RestAPIConfig struct {
	// ID is exactly 10 lowercase alphanumerics, as API Gateway generates them.
	ID   string `json:"id"`
	Name string `json:"name"`
	// Definition is an OpenAPI 3.0 / Swagger 2.0 file with x-amazon-apigateway-* extensions,
	// relative to the config file.
	Definition string `json:"definition"`
	// Policy is the resource policy; it overrides the definition's x-amazon-apigateway-policy.
	// Written as a YAML/JSON map or as a JSON string (as get-rest-api prints it).
	Policy                    json.RawMessage        `json:"policy"`
	DisableExecuteAPIEndpoint *bool                  `json:"disableExecuteApiEndpoint"`
	EndpointConfiguration     *EndpointConfiguration `json:"endpointConfiguration"`
	// APIKeySource is HEADER or AUTHORIZER; overrides x-amazon-apigateway-api-key-source.
	APIKeySource string              `json:"apiKeySource"`
	Deployments  []*DeploymentConfig `json:"deployments"`
	Stages       []*StageConfig      `json:"stages"`
}

// EndpointConfiguration is a REST API's or domain name's endpoint configuration.
type EndpointConfiguration struct {
	Types          []string `json:"types"` // REGIONAL, EDGE or PRIVATE
	VPCEndpointIDs []string `json:"vpcEndpointIds"`
}

// DeploymentConfig is a snapshot of a definition; stages refer to it by id.
type DeploymentConfig struct {
	ID string `json:"id"`
	// Definition is the snapshot's file; empty means the API's current definition.
	Definition  string `json:"definition"`
	Description string `json:"description"`
}

// StageConfig is one stage (`aws apigateway get-stage` fields).
type StageConfig struct {
	StageName    string            `json:"stageName"`
	DeploymentID string            `json:"deploymentId"`
	Variables    map[string]string `json:"variables"`
	WebACLArn    string            `json:"webAclArn"`
	// MethodSettings keys are "*/*" or "/resource/path/VERB".
	MethodSettings    map[string]*MethodSettingConfig `json:"methodSettings"`
	AccessLogSettings *AccessLogSettings              `json:"accessLogSettings"`
	Description       string                          `json:"description"`
	TracingEnabled    bool                            `json:"tracingEnabled"`
}

// MethodSettingConfig is botocore's MethodSetting.
type MethodSettingConfig struct {
	ThrottlingRateLimit  *float64 `json:"throttlingRateLimit"`
	ThrottlingBurstLimit *int     `json:"throttlingBurstLimit"`
	LoggingLevel         string   `json:"loggingLevel"`
	DataTraceEnabled     bool     `json:"dataTraceEnabled"`
	MetricsEnabled       bool     `json:"metricsEnabled"`
	CachingEnabled       bool     `json:"cachingEnabled"`
	CacheTTLInSeconds    *int     `json:"cacheTtlInSeconds"`
}

// AccessLogSettings is a stage's access logging (facts §2.1).
type AccessLogSettings struct {
	// Format is a $context template, or one of the console presets CLF, JSON, XML, CSV
	// (facts §2.2). It must be one line and reference $context.requestId or
	// $context.extendedRequestId.
	Format string `json:"format"`
	// DestinationArn is "file:PATH" (relative to the config file, or Options.BaseDir),
	// "stdout", or an `arn:aws:logs:` / `arn:aws:firehose:` ARN, which is accepted so that
	// real stage settings can be pasted but to which nothing is written.
	DestinationArn string `json:"destinationArn"`
}

// APIKeyConfig is an API key (`aws apigateway get-api-keys --include-values` fields).
type APIKeyConfig struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Value string `json:"value"`
	// Enabled defaults to true when omitted.
	Enabled         *bool             `json:"enabled"`
	Description     string            `json:"description"`
	CustomerID      string            `json:"customerId"`
	CreatedDate     string            `json:"createdDate"`
	LastUpdatedDate string            `json:"lastUpdatedDate"`
	StageKeys       []string          `json:"stageKeys"`
	Tags            map[string]string `json:"tags"`
}

// IsEnabled reports whether the key is enabled (true when the field is omitted).
func (k *APIKeyConfig) IsEnabled() bool { return k.Enabled == nil || *k.Enabled }

// UsagePlanConfig is a usage plan (`aws apigateway get-usage-plans` fields) plus the ids of
// its keys (what `get-usage-plan-keys` lists).
type UsagePlanConfig struct {
	ID          string            `json:"id"`
	Name        string            `json:"name"`
	Description string            `json:"description"`
	APIStages   []*APIStageConfig `json:"apiStages"`
	Throttle    *ThrottleSettings `json:"throttle"`
	Quota       *QuotaSettings    `json:"quota"`
	ProductCode string            `json:"productCode"`
	Tags        map[string]string `json:"tags"`
	APIKeyIDs   []string          `json:"apiKeyIds"`
}

// APIStageConfig associates a usage plan with a stage; Throttle keys are "/resource/path/VERB".
type APIStageConfig struct {
	APIID    string                       `json:"apiId"`
	Stage    string                       `json:"stage"`
	Throttle map[string]*ThrottleSettings `json:"throttle"`
}

// ThrottleSettings is a token bucket: steady rate (requests per second) and burst.
type ThrottleSettings struct {
	BurstLimit *int     `json:"burstLimit"`
	RateLimit  *float64 `json:"rateLimit"`
}

// QuotaSettings is a usage plan quota.
type QuotaSettings struct {
	Limit  int    `json:"limit"`
	Offset int    `json:"offset"`
	Period string `json:"period"` // DAY, WEEK or MONTH
}

// DomainNameConfig is a custom domain name.
type DomainNameConfig struct {
	DomainName              string                         `json:"domainName"`
	Certificate             *CertificateConfig             `json:"certificate"`
	MutualTLSAuthentication *MutualTLSAuthenticationConfig `json:"mutualTlsAuthentication"`
	SecurityPolicy          string                         `json:"securityPolicy"`
	EndpointConfiguration   *EndpointConfiguration         `json:"endpointConfiguration"`
	BasePathMappings        []*BasePathMappingConfig       `json:"basePathMappings"`
	// RoutingMode is BASE_PATH_MAPPING_ONLY (default), ROUTING_RULE_THEN_BASE_PATH_MAPPING or
	// ROUTING_RULE_ONLY; RoutingRules are kept as JSON for a later issue.
	RoutingMode  string            `json:"routingMode"`
	RoutingRules []json.RawMessage `json:"routingRules"`
}

// CertificateConfig is a PEM certificate and key on disk: the local stand-in for ACM.
type CertificateConfig struct {
	CertFile string `json:"certFile"`
	KeyFile  string `json:"keyFile"`
}

// MutualTLSAuthenticationConfig is a domain's truststore ("file:PATH" or an s3:// URI).
type MutualTLSAuthenticationConfig struct {
	TruststoreURI     string `json:"truststoreUri"`
	TruststoreVersion string `json:"truststoreVersion"`
}

// BasePathMappingConfig maps a base path ("(none)" for the empty one) to an API stage.
type BasePathMappingConfig struct {
	BasePath  string `json:"basePath"`
	RestAPIID string `json:"restApiId"`
	Stage     string `json:"stage"`
}

// VPCEndpointConfig stands in for an interface endpoint of com.amazonaws.REGION.execute-api.
type VPCEndpointConfig struct {
	VPCEndpointID     string          `json:"vpcEndpointId"`
	VPCID             string          `json:"vpcId"`
	PrivateDNSEnabled bool            `json:"privateDnsEnabled"`
	Listen            string          `json:"listen"` // host:port of this endpoint's own listener
	PolicyDocument    json.RawMessage `json:"policyDocument"`
}

// IAMConfig lists who can sign requests.
type IAMConfig struct {
	Users []*IAMUserConfig `json:"users"`
	Roles []*IAMRoleConfig `json:"roles"`
}

// IAMUserConfig is an IAM user with long-term access keys and identity policies.
type IAMUserConfig struct {
	UserName   string             `json:"userName"`
	AccountID  string             `json:"accountId"` // default: the top-level accountId
	Path       string             `json:"path"`      // default "/"
	AccessKeys []*AccessKeyConfig `json:"accessKeys"`
	Policies   []json.RawMessage  `json:"policies"`
	Tags       map[string]string  `json:"tags"`
}

// AccessKeyConfig is a long-term access key.
type AccessKeyConfig struct {
	AccessKeyID     string `json:"accessKeyId"`
	SecretAccessKey string `json:"secretAccessKey"`
	Status          string `json:"status"` // Active (default) or Inactive
}

// IAMRoleConfig is an IAM role with temporary-credential sessions and identity policies.
type IAMRoleConfig struct {
	RoleName  string               `json:"roleName"`
	AccountID string               `json:"accountId"`
	Sessions  []*RoleSessionConfig `json:"sessions"`
	Policies  []json.RawMessage    `json:"policies"`
	Tags      map[string]string    `json:"tags"`
}

// RoleSessionConfig is one set of temporary credentials (what sts assume-role returns).
type RoleSessionConfig struct {
	AccessKeyID     string `json:"accessKeyId"`
	SecretAccessKey string `json:"secretAccessKey"`
	SessionToken    string `json:"sessionToken"`
	RoleSessionName string `json:"roleSessionName"`
	Expiration      string `json:"expiration"` // RFC 3339
}

// LambdaConfig says where Lambda functions are invoked (the Lambda Invoke API).
type LambdaConfig struct {
	Endpoint  string                  `json:"endpoint"`
	Functions []*LambdaFunctionConfig `json:"functions"`
}

// LambdaFunctionConfig overrides the endpoint for one function ARN.
type LambdaFunctionConfig struct {
	ARN      string `json:"arn"`
	Endpoint string `json:"endpoint"`
}

// WAFv2Config holds WAFv2 objects exactly as `aws wafv2 get-*` prints them (PascalCase).
type WAFv2Config struct {
	// SearchStringEncoding says how ByteMatchStatement.SearchString is written: base64 (the
	// default: what `aws wafv2 get-web-acl` prints) or plain (as in CloudFormation templates).
	SearchStringEncoding string `json:"searchStringEncoding"`
	// ManagedRuleGroups: "crs" evaluates AWSManagedRulesCommonRuleSet, SQLiRuleSet and
	// KnownBadInputsRuleSet with the OWASP Core Rule Set through Coraza (opt-in: it costs
	// 0.2–0.5 ms per request per group); "" makes a managed rule group a config error.
	ManagedRuleGroups string `json:"managedRuleGroups"`
	// CountryHeader names the request header GeoMatchStatement reads the country from
	// (default CloudFront-Viewer-Country).
	CountryHeader    string       `json:"countryHeader"`
	IPSets           []*WAFObject `json:"ipSets"`
	RegexPatternSets []*WAFObject `json:"regexPatternSets"`
	RuleGroups       []*WAFObject `json:"ruleGroups"`
	WebACLs          []*WAFObject `json:"webAcls"`
}

// WAFObject is one WAFv2 IPSet, RegexPatternSet, RuleGroup or WebACL. Name, Id and ARN are
// typed; the whole object is kept as JSON in Body for the WAF evaluator. The wrapper that
// `aws wafv2 get-web-acl` prints ({"WebACL": {…}, "LockToken": "…"}) is removed.
type WAFObject struct {
	Name string
	ID   string
	ARN  string
	Body json.RawMessage
}

// MarshalJSON writes the object's body.
func (o *WAFObject) MarshalJSON() ([]byte, error) { return o.Body, nil }

var wafWrappers = []string{"WebACL", "IPSet", "RegexPatternSet", "RuleGroup"}

func (o *WAFObject) decodeNode(d *decoder, n ast.Node, p string) error {
	g, err := d.generic(n, p)
	if err != nil {
		return err
	}
	m, ok := g.(map[string]any)
	if !ok {
		return d.errAt(d.pos.at(p), p, "expected a mapping, got %s", kind(n))
	}
	for _, w := range wafWrappers {
		if inner, ok := m[w].(map[string]any); ok && (len(m) == 1 || len(m) == 2 && m["LockToken"] != nil) {
			m, p = inner, childPath(p, w)
			break
		}
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"Name", &o.Name}, {"Id", &o.ID}, {"ARN", &o.ARN}} {
		v, present := m[f.name]
		if !present {
			continue
		}
		s, ok := v.(string)
		if !ok {
			fp := childPath(p, f.name)
			return d.errAt(d.pos.at(fp), fp, "expected a string")
		}
		*f.dst = s
	}
	body, err := json.Marshal(m)
	if err != nil {
		return d.errAt(d.pos.at(p), p, "cannot convert to JSON: %v", err)
	}
	o.Body = body
	return nil
}

// Options says where a configuration's relative references are read from.
type Options struct {
	// FS holds the definition files (relative to the config file's directory in FS);
	// nil means the OS file system.
	FS fs.FS
	// BaseDir is the directory relative `file:` access-log destinations resolve against.
	// Empty means the config file's directory on the OS file system; with FS set and no
	// BaseDir, against the process's working directory.
	BaseDir string
}

// Decode decodes a configuration strictly: the input is YAML or JSON; an unknown field, a
// duplicate key or a value of the wrong type is an *Error with the node's line and column.
// filename is used in errors and to resolve relative references.
func Decode(data []byte, filename string) (*Config, error) {
	c := &Config{file: filename, dir: filepath.Dir(filename)}
	d := newDecoder(filename)
	body, err := parseYAML(data, filename)
	if err != nil {
		return nil, err
	}
	if body != nil {
		if err := d.decode(body, reflect.ValueOf(c).Elem(), ""); err != nil {
			return nil, err
		}
	}
	c.pos = d.pos
	return c, nil
}

// File is the name the configuration was decoded from.
func (c *Config) File() string { return c.file }

// Load reads, validates and compiles a configuration file on disk; relative references resolve
// against its directory.
func Load(name string) (*World, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, &Error{File: name, Msg: fmt.Sprintf("reading configuration: %v", err), Err: err}
	}
	c, err := Decode(data, name)
	if err != nil {
		return nil, err
	}
	return c.Compile(Options{})
}

// LoadFS reads, validates and compiles the configuration name in fsys (used for the embedded
// demo world); definitions resolve against name's directory in fsys.
func LoadFS(fsys fs.FS, name string, opts Options) (*World, error) {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, &Error{File: name, Msg: fmt.Sprintf("reading configuration: %v", err), Err: err}
	}
	c, err := Decode(data, name)
	if err != nil {
		return nil, err
	}
	c.dir = path.Dir(name)
	opts.FS = fsys
	return c.Compile(opts)
}
