package config

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/portcullis/portcullis/internal/ctxtemplate"
)

// Patterns from the API Gateway API reference (facts §10) and the ids it generates.
var (
	accountIDRe = regexp.MustCompile(`^[0-9]{12}$`)
	restAPIIDRe = regexp.MustCompile(`^[a-z0-9]{10}$`)
	// Stage names: "can only contain alphanumeric characters, hyphens, and underscores.
	// Maximum length is 128 characters." (facts §10)
	stageNameRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)
	// Stage variables: "Variable names can have alphanumeric and underscore characters, and the
	// values must match [A-Za-z0-9-._~:/?#&=,]+"; names ≤ 64, values ≤ 512, ≤ 100 per stage.
	stageVarNameRe  = regexp.MustCompile(`^[A-Za-z0-9_]{1,64}$`)
	stageVarValueRe = regexp.MustCompile(`^[A-Za-z0-9\-._~:/?#&=,]{1,512}$`)
	apiKeyValueRe   = regexp.MustCompile(`^[A-Za-z0-9]{20,128}$`)
	verbs           = []string{"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "ANY", "*"}
)

const maxStageVariables = 100

// AccessLogPresets are the API Gateway console's access-log format presets, verbatim
// (facts §2.2). A stage's accessLogSettings.format may name one of them.
var AccessLogPresets = map[string]string{
	"CLF":  `$context.identity.sourceIp $context.identity.caller $context.identity.user [$context.requestTime] "$context.httpMethod $context.resourcePath $context.protocol" $context.status $context.responseLength $context.requestId $context.extendedRequestId`,
	"JSON": `{ "requestId":"$context.requestId", "extendedRequestId":"$context.extendedRequestId", "ip": "$context.identity.sourceIp", "caller":"$context.identity.caller", "user":"$context.identity.user", "requestTime":"$context.requestTime", "httpMethod":"$context.httpMethod", "resourcePath":"$context.resourcePath", "status":"$context.status", "protocol":"$context.protocol", "responseLength":"$context.responseLength" }`,
	"XML":  `<request id="$context.requestId"> <extendedRequestId>$context.extendedRequestId</extendedRequestId> <ip>$context.identity.sourceIp</ip> <caller>$context.identity.caller</caller> <user>$context.identity.user</user> <requestTime>$context.requestTime</requestTime> <httpMethod>$context.httpMethod</httpMethod> <resourcePath>$context.resourcePath</resourcePath> <status>$context.status</status> <protocol>$context.protocol</protocol> <responseLength>$context.responseLength</responseLength> </request>`,
	"CSV":  `$context.identity.sourceIp,$context.identity.caller,$context.identity.user,$context.requestTime,$context.httpMethod,$context.resourcePath,$context.protocol,$context.status,$context.responseLength,$context.requestId,$context.extendedRequestId`,
}

// validator collects errors with positions.
type validator struct {
	c    *Config
	errs ErrorList
}

func (v *validator) add(p pos, field, format string, args ...any) {
	v.errs = append(v.errs, &Error{File: v.c.file, Line: p.line, Column: p.col, Field: field, Msg: fmt.Sprintf(format, args...)})
}

// bad reports a problem with the value at field.
func (v *validator) bad(field, format string, args ...any) {
	v.add(v.c.pos.at(field), field, format, args...)
}

// badKey reports a problem with a map key or a field name (points at the key).
func (v *validator) badKey(field, format string, args ...any) {
	v.add(v.c.pos.keyAt(field), field, format, args...)
}

func (v *validator) required(field, val string) bool {
	if val == "" {
		v.bad(field, "is required")
		return false
	}
	return true
}

func (v *validator) oneOf(field, val string, allowed ...string) {
	if val != "" && !slices.Contains(allowed, val) {
		v.bad(field, "must be one of %s, got %q", strings.Join(allowed, ", "), val)
	}
}

func (v *validator) jsonObject(field string, raw []byte) {
	if len(raw) > 0 && raw[0] != '{' {
		v.bad(field, "must be a JSON object (a policy document)")
	}
}

func (v *validator) nonNegative(field string, x *float64) {
	if x != nil && *x < 0 {
		v.bad(field, "must not be negative")
	}
}

func (v *validator) nonNegativeInt(field string, x *int) {
	if x != nil && *x < 0 {
		v.bad(field, "must not be negative")
	}
}

// unique reports a duplicate of key within a scope; seen maps a key to the first field using it.
func (v *validator) unique(seen map[string]string, key, field, what string) {
	if key == "" {
		return
	}
	if first, dup := seen[key]; dup {
		v.bad(field, "duplicate %s %q (first at %s)", what, key, first)
		return
	}
	seen[key] = field
}

// Validate checks everything that does not need the definition files: formats, enumerations,
// uniqueness and cross-references. It returns nil, an *Error, or an ErrorList.
func (c *Config) Validate() error {
	v := &validator{c: c}
	v.validate()
	return v.errs.err()
}

func (v *validator) validate() {
	c := v.c
	if v.required("accountId", c.AccountID) && !accountIDRe.MatchString(c.AccountID) {
		v.bad("accountId", "must be 12 digits, got %q", c.AccountID)
	}
	v.required("region", c.Region)
	v.oneOf("errorMessageStyle", c.ErrorMessageStyle, "seed", "current")
	v.oneOf("redisUnavailable", c.RedisUnavailable, "fail-open", "fail-closed")
	if t := c.AccountThrottle; t != nil {
		v.nonNegative("accountThrottle.rateLimit", t.RateLimit)
		v.nonNegativeInt("accountThrottle.burstLimit", t.BurstLimit)
	}
	if c.Cognito != nil {
		for i, up := range c.Cognito.UserPools {
			f := indexPath("cognito.userPools", i)
			if up == nil {
				v.bad(f, "must be a mapping")
				continue
			}
			if v.required(f+".arn", up.ARN) && !strings.HasPrefix(up.ARN, "arn:aws:cognito-idp:") {
				v.bad(f+".arn", "must be a user pool ARN such as arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbCdEf123")
			}
			if (up.JWKSFile == "") == (up.JWKSURL == "") {
				v.bad(f, "needs exactly one of jwksFile (the pool's jwks.json saved locally) or jwksUrl")
			}
		}
	}

	webACLs := map[string]bool{}
	if c.WAFv2 != nil {
		v.wafv2(c.WAFv2)
		for _, a := range c.WAFv2.WebACLs {
			if a != nil && a.ARN != "" {
				webACLs[a.ARN] = true
			}
		}
	}

	apiIDs := map[string]string{}
	stagesOf := map[string]map[string]bool{}
	for i, api := range c.RestAPIs {
		f := indexPath("restApis", i)
		if api == nil {
			v.bad(f, "must be a mapping")
			continue
		}
		if v.required(f+".id", api.ID) {
			if !restAPIIDRe.MatchString(api.ID) {
				v.bad(f+".id", "must be exactly 10 lowercase letters and digits, got %q", api.ID)
			}
			v.unique(apiIDs, api.ID, f+".id", "rest API id")
		}
		v.required(f+".definition", api.Definition)
		v.jsonObject(f+".policy", api.Policy)
		v.oneOf(f+".apiKeySource", api.APIKeySource, "HEADER", "AUTHORIZER")
		v.endpointConfiguration(f+".endpointConfiguration", api.EndpointConfiguration)

		deps := map[string]string{}
		for j, d := range api.Deployments {
			df := indexPath(f+".deployments", j)
			if d == nil {
				v.bad(df, "must be a mapping")
				continue
			}
			if v.required(df+".id", d.ID) {
				v.unique(deps, d.ID, df+".id", "deployment id")
			}
		}
		names := map[string]string{}
		stagesOf[api.ID] = map[string]bool{}
		for j, s := range api.Stages {
			sf := indexPath(f+".stages", j)
			if s == nil {
				v.bad(sf, "must be a mapping")
				continue
			}
			stagesOf[api.ID][s.StageName] = true
			v.stage(sf, s, deps, names, webACLs)
		}
	}

	keyIDs := map[string]string{}
	keyValues := map[string]string{}
	for i, k := range c.APIKeys {
		f := indexPath("apiKeys", i)
		if k == nil {
			v.bad(f, "must be a mapping")
			continue
		}
		if v.required(f+".id", k.ID) {
			v.unique(keyIDs, k.ID, f+".id", "API key id")
		}
		if v.required(f+".value", k.Value) {
			// The value is a secret: never echo it.
			if !apiKeyValueRe.MatchString(k.Value) {
				v.bad(f+".value", "must be 20 to 128 letters and digits (got %d characters)", len(k.Value))
			} else if first, dup := keyValues[k.Value]; dup {
				v.bad(f+".value", "duplicate API key value (first at %s)", first)
			} else {
				keyValues[k.Value] = f + ".value"
			}
		}
	}

	v.usagePlans(keyIDs, stagesOf)
	v.domainNames(stagesOf)
	v.vpcEndpoints()
	if c.IAM != nil {
		v.iam(c.IAM)
	}
	if c.Lambda != nil {
		v.lambda(c.Lambda)
	}
}

func (v *validator) endpointConfiguration(f string, ec *EndpointConfiguration) {
	if ec == nil {
		return
	}
	if len(ec.Types) > 1 {
		v.bad(f+".types", "must name exactly one endpoint type")
	}
	private := false
	for k, t := range ec.Types {
		v.oneOf(indexPath(f+".types", k), t, "REGIONAL", "EDGE", "PRIVATE")
		private = private || t == "PRIVATE"
	}
	if len(ec.VPCEndpointIDs) > 0 && !private {
		v.bad(f+".vpcEndpointIds", "requires the PRIVATE endpoint type")
	}
	for k, id := range ec.VPCEndpointIDs {
		if !strings.HasPrefix(id, "vpce-") {
			v.bad(indexPath(f+".vpcEndpointIds", k), "must be a VPC endpoint id (vpce-…), got %q", id)
		}
	}
}

func (v *validator) stage(sf string, s *StageConfig, deps, names map[string]string, webACLs map[string]bool) {
	if v.required(sf+".stageName", s.StageName) {
		if !stageNameRe.MatchString(s.StageName) {
			v.bad(sf+".stageName", "must be 1 to 128 letters, digits, hyphens and underscores, got %q", s.StageName)
		}
		v.unique(names, s.StageName, sf+".stageName", "stage name")
	}
	if s.DeploymentID != "" {
		if _, ok := deps[s.DeploymentID]; !ok {
			v.bad(sf+".deploymentId", "no deployment with id %q in this API's deployments", s.DeploymentID)
		}
	}
	if len(s.Variables) > maxStageVariables {
		v.bad(sf+".variables", "at most %d stage variables, got %d", maxStageVariables, len(s.Variables))
	}
	for _, name := range sortedKeys(s.Variables) {
		vf := keyPath(sf+".variables", name)
		if !stageVarNameRe.MatchString(name) {
			v.badKey(vf, "stage variable names are 1 to 64 letters, digits and underscores")
		}
		if val := s.Variables[name]; !stageVarValueRe.MatchString(val) {
			v.bad(vf, "stage variable values are 1 to 512 characters matching [A-Za-z0-9-._~:/?#&=,]+, got %q", val)
		}
	}
	if s.WebACLArn != "" && !webACLs[s.WebACLArn] {
		v.bad(sf+".webAclArn", "no web ACL with this ARN in wafv2.webAcls")
	}
	for _, key := range sortedKeys(s.MethodSettings) {
		mf := keyPath(sf+".methodSettings", key)
		if _, _, err := parseMethodKey(key); err != nil {
			v.badKey(mf, "%v", err)
		}
		ms := s.MethodSettings[key]
		if ms == nil {
			continue
		}
		v.nonNegative(mf+".throttlingRateLimit", ms.ThrottlingRateLimit)
		v.nonNegativeInt(mf+".throttlingBurstLimit", ms.ThrottlingBurstLimit)
		v.oneOf(mf+".loggingLevel", ms.LoggingLevel, "OFF", "ERROR", "INFO")
		if t := ms.CacheTTLInSeconds; t != nil && (*t < 0 || *t > 3600) {
			v.bad(mf+".cacheTtlInSeconds", "must be between 0 and 3600")
		}
	}
	if al := s.AccessLogSettings; al != nil {
		af := sf + ".accessLogSettings"
		if v.required(af+".format", al.Format) {
			if _, err := accessLogFormat(al.Format); err != nil {
				v.bad(af+".format", "%v", err)
			}
		}
		if v.required(af+".destinationArn", al.DestinationArn) {
			if err := checkDestination(al.DestinationArn); err != nil {
				v.bad(af+".destinationArn", "%v", err)
			}
		}
	}
}

// parseMethodKey splits a method-settings or usage-plan throttle key: "*/*" or
// "/resource/path/VERB" ("/GET" is the root resource). It returns the resource path ("*" for
// "*/*") and the verb.
func parseMethodKey(key string) (resourcePath, verb string, err error) {
	if key == "*/*" {
		return "*", "*", nil
	}
	i := strings.LastIndexByte(key, '/')
	if !strings.HasPrefix(key, "/") || i < 0 {
		return "", "", fmt.Errorf(`key must be "*/*" or "/resource/path/VERB", got %q`, key)
	}
	resourcePath, verb = key[:i], key[i+1:]
	if resourcePath == "" || resourcePath == "/" {
		resourcePath = "/"
	}
	if !slices.Contains(verbs, verb) {
		return "", "", fmt.Errorf("method %q in key %q must be one of %s", verb, key, strings.Join(verbs, ", "))
	}
	return resourcePath, verb, nil
}

// accessLogFormat expands a preset name and checks AWS's rules for access-log formats
// (facts §2.1): one line, and at least $context.requestId or $context.extendedRequestId.
func accessLogFormat(format string) (string, error) {
	if p, ok := AccessLogPresets[format]; ok {
		format = p
	}
	if strings.ContainsAny(format, "\r\n") {
		return "", fmt.Errorf("the access log format must be a single line")
	}
	t := ctxtemplate.Compile(format)
	if !t.References("context.requestId") && !t.References("context.extendedRequestId") {
		return "", fmt.Errorf("the access log format must include at least $context.requestId or $context.extendedRequestId")
	}
	return format, nil
}

// checkDestination accepts "file:PATH", "stdout", a CloudWatch Logs log group ARN, or a
// Firehose stream ARN whose name starts with amazon-apigateway- (facts §2.1).
func checkDestination(d string) error {
	switch {
	case d == "stdout":
		return nil
	case strings.HasPrefix(d, "file:"):
		if strings.TrimPrefix(d, "file:") == "" {
			return fmt.Errorf("file: needs a path")
		}
		return nil
	case strings.HasPrefix(d, "arn:aws:logs:"):
		return nil
	case strings.HasPrefix(d, "arn:aws:firehose:"):
		_, name, _ := strings.Cut(d, ":deliverystream/")
		if !strings.HasPrefix(name, "amazon-apigateway-") {
			return fmt.Errorf("a Firehose stream for access logs must be named amazon-apigateway-{name}")
		}
		return nil
	}
	return fmt.Errorf(`must be "file:PATH", "stdout", or an arn:aws:logs: or arn:aws:firehose: ARN, got %q`, d)
}

func (v *validator) usagePlans(keyIDs map[string]string, stagesOf map[string]map[string]bool) {
	planIDs := map[string]string{}
	// An API key can be in only one usage plan per API stage.
	keyStage := map[string]string{}
	for i, p := range v.c.UsagePlans {
		f := indexPath("usagePlans", i)
		if p == nil {
			v.bad(f, "must be a mapping")
			continue
		}
		if v.required(f+".id", p.ID) {
			v.unique(planIDs, p.ID, f+".id", "usage plan id")
		}
		var stages []string
		for j, as := range p.APIStages {
			af := indexPath(f+".apiStages", j)
			if as == nil {
				v.bad(af, "must be a mapping")
				continue
			}
			if v.required(af+".apiId", as.APIID) {
				if st, ok := stagesOf[as.APIID]; !ok {
					v.bad(af+".apiId", "no rest API with id %q", as.APIID)
				} else if v.required(af+".stage", as.Stage) && !st[as.Stage] {
					v.bad(af+".stage", "no stage %q in rest API %s", as.Stage, as.APIID)
				}
			}
			stages = append(stages, as.APIID+"/"+as.Stage)
			for _, key := range sortedKeys(as.Throttle) {
				tf := keyPath(af+".throttle", key)
				if _, _, err := parseMethodKey(key); err != nil || key == "*/*" {
					v.badKey(tf, `key must be "/resource/path/VERB", got %q`, key)
				}
				if t := as.Throttle[key]; t != nil {
					v.throttle(tf, t)
				}
			}
		}
		if p.Throttle != nil {
			v.throttle(f+".throttle", p.Throttle)
		}
		if q := p.Quota; q != nil {
			qf := f + ".quota"
			if q.Limit < 0 {
				v.bad(qf+".limit", "must not be negative")
			}
			if q.Offset < 0 {
				v.bad(qf+".offset", "must not be negative")
			}
			if v.required(qf+".period", q.Period) {
				v.oneOf(qf+".period", q.Period, "DAY", "WEEK", "MONTH")
			}
		}
		for j, k := range p.APIKeyIDs {
			kf := indexPath(f+".apiKeyIds", j)
			if _, ok := keyIDs[k]; !ok {
				v.bad(kf, "no API key with id %q", k)
				continue
			}
			for _, s := range stages {
				if first, dup := keyStage[k+" "+s]; dup && first != p.ID {
					v.bad(kf, "API key %q is already in usage plan %q for stage %s; a key can be in only one usage plan per API stage", k, first, s)
				}
				keyStage[k+" "+s] = p.ID
			}
		}
	}
}

func (v *validator) throttle(f string, t *ThrottleSettings) {
	v.nonNegativeInt(f+".burstLimit", t.BurstLimit)
	v.nonNegative(f+".rateLimit", t.RateLimit)
}

func (v *validator) domainNames(stagesOf map[string]map[string]bool) {
	seen := map[string]string{}
	for i, d := range v.c.DomainNames {
		f := indexPath("domainNames", i)
		if d == nil {
			v.bad(f, "must be a mapping")
			continue
		}
		if v.required(f+".domainName", d.DomainName) {
			v.unique(seen, strings.ToLower(d.DomainName), f+".domainName", "domain name")
		}
		if c := d.Certificate; c != nil {
			v.required(f+".certificate.certFile", c.CertFile)
			v.required(f+".certificate.keyFile", c.KeyFile)
		}
		if m := d.MutualTLSAuthentication; m != nil {
			if v.required(f+".mutualTlsAuthentication.truststoreUri", m.TruststoreURI) &&
				!strings.HasPrefix(m.TruststoreURI, "file:") && !strings.HasPrefix(m.TruststoreURI, "s3://") {
				v.bad(f+".mutualTlsAuthentication.truststoreUri", `must be "file:PATH" or an s3:// URI`)
			}
		}
		v.endpointConfiguration(f+".endpointConfiguration", d.EndpointConfiguration)
		// The v1 API's names and apigatewayv2's (facts §8.2) are both accepted.
		v.oneOf(f+".routingMode", d.RoutingMode, "BASE_PATH_MAPPING_ONLY", "ROUTING_RULE_THEN_BASE_PATH_MAPPING", "ROUTING_RULE_ONLY",
			"API_MAPPING_ONLY", "ROUTING_RULE_THEN_API_MAPPING")
		paths := map[string]string{}
		for j, m := range d.BasePathMappings {
			mf := indexPath(f+".basePathMappings", j)
			if m == nil {
				v.bad(mf, "must be a mapping")
				continue
			}
			bp := m.BasePath
			if bp == "" {
				bp = "(none)"
			}
			v.unique(paths, bp, mf+".basePath", "base path")
			if v.required(mf+".restApiId", m.RestAPIID) {
				if st, ok := stagesOf[m.RestAPIID]; !ok {
					v.bad(mf+".restApiId", "no rest API with id %q", m.RestAPIID)
				} else if m.Stage != "" && !st[m.Stage] {
					v.bad(mf+".stage", "no stage %q in rest API %s", m.Stage, m.RestAPIID)
				}
			}
		}
	}
}

func (v *validator) vpcEndpoints() {
	seen := map[string]string{}
	for i, e := range v.c.VPCEndpoints {
		f := indexPath("vpcEndpoints", i)
		if e == nil {
			v.bad(f, "must be a mapping")
			continue
		}
		if v.required(f+".vpcEndpointId", e.VPCEndpointID) {
			if !strings.HasPrefix(e.VPCEndpointID, "vpce-") {
				v.bad(f+".vpcEndpointId", "must start with vpce-, got %q", e.VPCEndpointID)
			}
			v.unique(seen, e.VPCEndpointID, f+".vpcEndpointId", "VPC endpoint id")
		}
		if e.Listen != "" {
			if _, _, err := net.SplitHostPort(e.Listen); err != nil {
				v.bad(f+".listen", "must be host:port: %v", err)
			}
		}
		v.jsonObject(f+".policyDocument", e.PolicyDocument)
	}
}

func (v *validator) iam(iam *IAMConfig) {
	keys := map[string]string{}
	accessKey := func(f, id, secret string) {
		if v.required(f+".accessKeyId", id) {
			v.unique(keys, id, f+".accessKeyId", "access key id")
		}
		v.required(f+".secretAccessKey", secret)
	}
	account := func(f, id string) {
		if id != "" && !accountIDRe.MatchString(id) {
			v.bad(f, "must be 12 digits, got %q", id)
		}
	}
	users := map[string]string{}
	for i, u := range iam.Users {
		f := indexPath("iam.users", i)
		if u == nil {
			v.bad(f, "must be a mapping")
			continue
		}
		if v.required(f+".userName", u.UserName) {
			v.unique(users, u.AccountID+"/"+u.UserName, f+".userName", "user")
		}
		account(f+".accountId", u.AccountID)
		for j, k := range u.AccessKeys {
			kf := indexPath(f+".accessKeys", j)
			if k == nil {
				v.bad(kf, "must be a mapping")
				continue
			}
			accessKey(kf, k.AccessKeyID, k.SecretAccessKey)
			v.oneOf(kf+".status", k.Status, "Active", "Inactive")
		}
		for j, p := range u.Policies {
			v.jsonObject(indexPath(f+".policies", j), p)
		}
	}
	roles := map[string]string{}
	for i, r := range iam.Roles {
		f := indexPath("iam.roles", i)
		if r == nil {
			v.bad(f, "must be a mapping")
			continue
		}
		if v.required(f+".roleName", r.RoleName) {
			v.unique(roles, r.AccountID+"/"+r.RoleName, f+".roleName", "role")
		}
		account(f+".accountId", r.AccountID)
		for j, s := range r.Sessions {
			sf := indexPath(f+".sessions", j)
			if s == nil {
				v.bad(sf, "must be a mapping")
				continue
			}
			accessKey(sf, s.AccessKeyID, s.SecretAccessKey)
			v.required(sf+".sessionToken", s.SessionToken)
			if s.Expiration != "" {
				if _, err := time.Parse(time.RFC3339, s.Expiration); err != nil {
					v.bad(sf+".expiration", "must be an RFC 3339 time such as 2030-01-01T00:00:00Z, got %q", s.Expiration)
				}
			}
		}
		for j, p := range r.Policies {
			v.jsonObject(indexPath(f+".policies", j), p)
		}
	}
}

func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("must be an http:// or https:// URL with a host, got %q", s)
	}
	return nil
}

func (v *validator) lambda(l *LambdaConfig) {
	if l.Endpoint != "" {
		if err := checkURL(l.Endpoint); err != nil {
			v.bad("lambda.endpoint", "%v", err)
		}
	}
	seen := map[string]string{}
	for i, fn := range l.Functions {
		f := indexPath("lambda.functions", i)
		if fn == nil {
			v.bad(f, "must be a mapping")
			continue
		}
		if v.required(f+".arn", fn.ARN) {
			if !strings.HasPrefix(fn.ARN, "arn:aws:lambda:") {
				v.bad(f+".arn", "must be a Lambda function ARN (arn:aws:lambda:…), got %q", fn.ARN)
			}
			v.unique(seen, fn.ARN, f+".arn", "function ARN")
		}
		if v.required(f+".endpoint", fn.Endpoint) {
			if err := checkURL(fn.Endpoint); err != nil {
				v.bad(f+".endpoint", "%v", err)
			}
		}
	}
}

func (v *validator) wafv2(w *WAFv2Config) {
	v.oneOf("wafv2.searchStringEncoding", w.SearchStringEncoding, "base64", "plain")
	v.oneOf("wafv2.managedRuleGroups", w.ManagedRuleGroups, "crs")
	for _, set := range []struct {
		name string
		objs []*WAFObject
	}{{"ipSets", w.IPSets}, {"regexPatternSets", w.RegexPatternSets}, {"ruleGroups", w.RuleGroups}, {"webAcls", w.WebACLs}} {
		arns := map[string]string{}
		for i, o := range set.objs {
			f := indexPath("wafv2."+set.name, i)
			if o == nil {
				v.bad(f, "must be a mapping")
				continue
			}
			if o.Name == "" {
				v.bad(f+".Name", "is required")
			}
			if set.name == "webAcls" && o.ARN == "" {
				v.bad(f+".ARN", "is required (stages refer to a web ACL by ARN)")
			}
			v.unique(arns, o.ARN, f+".ARN", "ARN")
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
