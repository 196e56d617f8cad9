// Package lint is the static check of a compiled configuration (`portcullis check`, DESIGN.md §1):
// mistakes that make API Gateway answer 403 to requests the author meant to allow. It is pure:
// Check takes a *config.World and returns findings, each naming the catalogue cause the mistake
// would produce at request time.
package lint

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/portcullis/portcullis/internal/apidef"
	"github.com/portcullis/portcullis/internal/authorizer"
	"github.com/portcullis/portcullis/internal/cause"
	"github.com/portcullis/portcullis/internal/config"
	"github.com/portcullis/portcullis/internal/iampolicy"
)

// Severities.
const (
	Error   = "error"
	Warning = "warning"
)

// Finding is one problem found in a configuration.
type Finding struct {
	Severity string `json:"severity"` // "error" or "warning"
	Code     string `json:"code"`     // kebab-case check name, e.g. "private-api-no-vpce"
	File     string `json:"file"`
	Line     int    `json:"line,omitempty"` // 0 when unknown (e.g. inside a definition file)
	Field    string `json:"field"`          // config path or definition path
	Message  string `json:"message"`
	Cause    string `json:"cause,omitempty"` // catalogue cause ID the mistake would produce
}

// String formats the finding as `SEVERITY file:line: field: message (cause ID)`.
func (f Finding) String() string {
	var b strings.Builder
	b.WriteString(strings.ToUpper(f.Severity))
	b.WriteString(" ")
	b.WriteString(f.File)
	if f.Line > 0 {
		fmt.Fprintf(&b, ":%d", f.Line)
	}
	b.WriteString(": ")
	if f.Field != "" {
		b.WriteString(f.Field)
		b.WriteString(": ")
	}
	b.WriteString(f.Message)
	if f.Cause != "" {
		fmt.Fprintf(&b, " (%s)", f.Cause)
	}
	return b.String()
}

// Counts returns the number of errors and warnings.
func Counts(fs []Finding) (errors, warnings int) {
	for _, f := range fs {
		if f.Severity == Error {
			errors++
		} else {
			warnings++
		}
	}
	return
}

type linter struct {
	w   *config.World
	out []Finding
}

func (l *linter) file() string {
	if l.w.Raw != nil && l.w.Raw.File() != "" {
		return l.w.Raw.File()
	}
	return l.w.Source
}

// at adds a finding positioned at a config field.
func (l *linter) at(sev, code, field, c, format string, args ...any) {
	line := 0
	if l.w.Raw != nil {
		line, _ = l.w.Raw.Position(field)
	}
	l.out = append(l.out, Finding{Severity: sev, Code: code, File: l.file(), Line: line, Field: field,
		Message: fmt.Sprintf(format, args...), Cause: c})
}

// inDef adds a finding inside an API's definition file (no line: positions are the importer's).
func (l *linter) inDef(api int, sev, code, field, c, format string, args ...any) {
	file := l.file()
	if raw := l.w.Raw; raw != nil && api < len(raw.RestAPIs) && raw.RestAPIs[api].Definition != "" {
		file = raw.RestAPIs[api].Definition
		if !filepath.IsAbs(file) {
			file = filepath.Join(filepath.Dir(l.file()), file)
		}
	}
	l.out = append(l.out, Finding{Severity: sev, Code: code, File: file, Field: field,
		Message: fmt.Sprintf(format, args...), Cause: c})
}

// Check runs every check on w. Findings are in config order, errors and warnings mixed.
func Check(w *config.World) []Finding {
	if w == nil {
		return nil
	}
	l := &linter{w: w}
	for i, api := range w.APIList {
		f := fmt.Sprintf("restApis[%d]", l.rawIndex(api.ID, i))
		l.iamMethods(i, f, api)
		l.policyAllowsNothing(f, api)
		l.identitySources(i, f, api)
		l.privateEndpoint(f, api)
		l.staleDeployments(f, api)
		l.unreachable(f, api)
	}
	l.keysAndPlans()
	for _, s := range w.Warnings {
		field := "domainNames"
		if raw := w.Raw; raw != nil {
			for i, dc := range raw.DomainNames {
				if strings.HasPrefix(s, dc.DomainName+": ") {
					field = fmt.Sprintf("domainNames[%d].mutualTlsAuthentication.truststoreUri", i)
				}
			}
		}
		l.at(Warning, "truststore", field, cause.MTLSCertificateRejected, "%s", s)
	}
	if raw := w.Raw; raw != nil {
		for i, dc := range raw.DomainNames {
			dn := w.Domains[strings.ToLower(dc.DomainName)]
			if dn == nil || dn.Router == nil {
				continue
			}
			for _, s := range dn.Router.Warnings() {
				l.at(Warning, "domain-routing", fmt.Sprintf("domainNames[%d]", i), cause.CustomDomainNoMapping, "%s", s)
			}
		}
	}
	return l.out
}

func (l *linter) rawIndex(id string, def int) int {
	if l.w.Raw != nil {
		for i, a := range l.w.Raw.RestAPIs {
			if a.ID == id {
				return i
			}
		}
	}
	return def
}

// method is one method of a definition.
type method struct {
	res *apidef.Resource
	m   *apidef.Method
}

func methods(def *apidef.API) []method {
	if def == nil {
		return nil
	}
	var out []method
	for _, r := range def.Resources {
		verbs := make([]string, 0, len(r.Methods))
		for v := range r.Methods {
			verbs = append(verbs, v)
		}
		sort.Strings(verbs)
		for _, v := range verbs {
			out = append(out, method{r, r.Methods[v]})
		}
	}
	return out
}

func defField(m method) string {
	verb := strings.ToLower(m.m.HTTPMethod)
	if verb == "any" {
		verb = "x-amazon-apigateway-any-method"
	}
	return "paths." + m.res.Path + "." + verb
}

// deployments lists the distinct definitions the API's stages serve (the current one first).
func deployments(api *config.RestAPI) []*config.Deployment {
	seen := map[*apidef.API]bool{}
	var out []*config.Deployment
	add := func(d *config.Deployment) {
		if d != nil && d.Def != nil && !seen[d.Def] {
			seen[d.Def] = true
			out = append(out, d)
		}
	}
	add(api.Current)
	for _, s := range api.StageList {
		add(s.Deployment)
	}
	return out
}

var pathParam = regexp.MustCompile(`\{[^}]*\}`)

// sampleARN is the execute-api ARN of a call to m on stage.
func (l *linter) sampleARN(api *config.RestAPI, stage string, m method) string {
	verb := m.m.HTTPMethod
	if verb == "ANY" {
		verb = "GET"
	}
	p := pathParam.ReplaceAllString(m.res.Path, "x")
	return fmt.Sprintf("arn:%s:execute-api:%s:%s:%s/%s/%s%s", iampolicy.Partition(l.w.Region), l.w.Region, l.w.AccountID, api.ID, stage, verb, p)
}

// couldAllow reports whether some statement of res is an Allow that matches the action and
// resource (its principal and conditions may still exclude a given caller).
func couldAllow(res iampolicy.Result, anyPrincipal bool) bool {
	for _, s := range res.Statements {
		if s.Effect != string(iampolicy.Allow) {
			continue
		}
		switch s.Failed {
		case "", "Condition":
			return true
		case "Principal", "NotPrincipal":
			if anyPrincipal {
				return true
			}
		}
	}
	return false
}

func principalOf(p *config.Principal) iampolicy.Principal {
	return iampolicy.Principal{ARN: p.ARN, Account: p.Account, UserID: p.UserID, Username: p.Username, Type: p.Type, Tags: p.Tags, RoleARN: p.RoleARN}
}

// iamMethods warns about AWS_IAM methods that no principal of the iam section and no resource
// policy statement can allow.
func (l *linter) iamMethods(ai int, f string, api *config.RestAPI) {
	principals := map[string]*config.Principal{}
	for _, c := range l.w.Credentials {
		if c.Principal != nil {
			principals[c.Principal.ARN] = c.Principal
		}
	}
	stage := "*"
	if len(api.StageList) > 0 {
		stage = api.StageList[0].Name
	}
	for _, d := range deployments(api) {
		for _, m := range methods(d.Def) {
			if m.m.AuthorizationType != "AWS_IAM" {
				continue
			}
			arn := l.sampleARN(api, stage, m)
			req := func(p iampolicy.Principal) *iampolicy.Request {
				return &iampolicy.Request{Principal: p, Action: "execute-api:Invoke", Resource: arn}
			}
			if api.ResourcePolicy != nil && couldAllow(api.ResourcePolicy.Evaluate(req(iampolicy.Principal{Anonymous: true, Type: "Anonymous"})), true) {
				continue
			}
			allowed := false
			for _, p := range principals {
				for _, pol := range p.Policies {
					if couldAllow(pol.Evaluate(req(principalOf(p))), false) {
						allowed = true
						break
					}
				}
				if allowed {
					break
				}
			}
			if allowed {
				continue
			}
			l.inDef(ai, Warning, "iam-method-no-principal", defField(m), cause.PolicyNoAllow,
				"%s %s uses AWS_IAM but no principal in iam and no statement of %s's resource policy allows execute-api:Invoke on it (%s)",
				m.m.HTTPMethod, m.res.Path, api.ID, arn)
		}
	}
}

// policyStatements returns the Effect of each statement of a policy document.
func policyEffects(doc json.RawMessage) []string {
	var s string
	if json.Unmarshal(doc, &s) == nil {
		doc = json.RawMessage(s)
	}
	var p struct {
		Statement json.RawMessage
	}
	if json.Unmarshal(doc, &p) != nil {
		return nil
	}
	type st struct{ Effect string }
	var list []st
	if json.Unmarshal(p.Statement, &list) != nil {
		var one st
		if json.Unmarshal(p.Statement, &one) != nil {
			return nil
		}
		list = []st{one}
	}
	out := make([]string, len(list))
	for i, x := range list {
		out[i] = x.Effect
	}
	return out
}

// policyAllowsNothing: a resource policy without any Allow denies every call to a method with
// authorization NONE (an explicit allow is required, facts §5.3).
func (l *linter) policyAllowsNothing(f string, api *config.RestAPI) {
	if api.ResourcePolicy == nil {
		return
	}
	for _, e := range policyEffects(api.Policy) {
		if e == "Allow" {
			return
		}
	}
	var open []string
	for _, d := range deployments(api) {
		for _, m := range methods(d.Def) {
			if m.m.AuthorizationType == "NONE" || m.m.AuthorizationType == "" {
				open = append(open, m.m.HTTPMethod+" "+m.res.Path)
			}
		}
	}
	if len(open) == 0 {
		return
	}
	l.at(Error, "policy-allows-nothing", f+".policy", cause.PolicyNoAllow,
		"the resource policy of %s has no Allow statement, so every call to its methods with authorization NONE is denied: %s",
		api.ID, strings.Join(dedup(open), ", "))
}

func dedup(s []string) []string {
	seen := map[string]bool{}
	out := s[:0]
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// forbiddenHeaders are request headers a browser's fetch/XMLHttpRequest cannot set (Fetch
// standard, "forbidden request-header"); the browser sends its own value or none.
var forbiddenHeaders = map[string]bool{
	"accept-charset": true, "accept-encoding": true, "access-control-request-headers": true,
	"access-control-request-method": true, "connection": true, "content-length": true,
	"cookie2": true, "date": true, "dnt": true, "expect": true, "host": true, "keep-alive": true,
	"origin": true, "referer": true, "set-cookie": true, "te": true, "trailer": true,
	"transfer-encoding": true, "upgrade": true, "via": true,
}

func forbiddenHeader(h string) bool {
	h = strings.ToLower(h)
	return forbiddenHeaders[h] || strings.HasPrefix(h, "proxy-") || strings.HasPrefix(h, "sec-")
}

// identitySources warns about identity sources of the Lambda authorizers methods use that clients cannot send:
// browser-forbidden headers, and stage variables a stage does not define.
func (l *linter) identitySources(ai int, f string, api *config.RestAPI) {
	for _, d := range deployments(api) {
		used := map[string]bool{}
		for _, m := range methods(d.Def) {
			if m.m.AuthorizationType == "CUSTOM" && m.m.AuthorizerName != "" {
				used[m.m.AuthorizerName] = true
			}
		}
		names := make([]string, 0, len(used))
		for n := range d.Def.Authorizers {
			if used[n] {
				names = append(names, n)
			}
		}
		sort.Strings(names)
		for _, n := range names {
			a := d.Def.Authorizers[n]
			if a.Type != "TOKEN" && a.Type != "REQUEST" {
				continue
			}
			srcs, err := authorizer.ParseIdentitySource(a.IdentitySource)
			if err != nil {
				continue // reported by config.Load
			}
			field := "components.securitySchemes." + n + ".x-amazon-apigateway-authorizer.identitySource"
			for _, src := range srcs {
				if h, ok := strings.CutPrefix(src, "method.request.header."); ok && forbiddenHeader(h) {
					l.inDef(ai, Warning, "authorizer-identity-unsendable", field, cause.AuthorizerIdentityMissing,
						"authorizer %s: identity source %s is a header browsers cannot set; browser clients get 401 Unauthorized or 403", n, src)
				}
				if v, ok := strings.CutPrefix(src, "stageVariables."); ok {
					var missing []string
					for _, s := range api.StageList {
						if s.Deployment != nil && s.Deployment.Def == d.Def {
							if _, ok := s.Variables[v]; !ok {
								missing = append(missing, s.Name)
							}
						}
					}
					if len(missing) > 0 {
						l.inDef(ai, Warning, "authorizer-identity-unsendable", field, cause.AuthorizerIdentityMissing,
							"authorizer %s: identity source %s is not defined by stage(s) %s of %s", n, src, strings.Join(missing, ", "), api.ID)
					}
				}
			}
		}
	}
}

// privateEndpoint warns about a private API that no VPC endpoint can reach.
func (l *linter) privateEndpoint(f string, api *config.RestAPI) {
	private := false
	for _, t := range api.EndpointTypes {
		if strings.EqualFold(t, "PRIVATE") {
			private = true
		}
	}
	if !private {
		return
	}
	if len(api.VpcEndpointIDs) == 0 && len(l.w.VPCEndpoints) == 0 {
		l.at(Warning, "private-api-no-vpce", f+".endpointConfiguration", cause.PrivateAPIWrongEndpoint,
			"%s is PRIVATE but has no vpcEndpointIds and the config has no vpcEndpoints: nothing can reach it", api.ID)
	}
}

// staleDeployments warns about stages whose deployment lacks methods of the current definition.
func (l *linter) staleDeployments(f string, api *config.RestAPI) {
	if api.Current == nil || api.Current.Def == nil {
		return
	}
	for j, s := range api.StageList {
		if s.Deployment == nil || s.Deployment.Def == nil || s.Deployment.Def == api.Current.Def {
			continue
		}
		have := map[string]bool{}
		for _, m := range methods(s.Deployment.Def) {
			have[m.m.HTTPMethod+" "+m.res.Path] = true
		}
		var missing []string
		for _, m := range methods(api.Current.Def) {
			if k := m.m.HTTPMethod + " " + m.res.Path; !have[k] {
				missing = append(missing, k)
			}
		}
		if len(missing) == 0 {
			continue
		}
		sf := fmt.Sprintf("%s.stages[%d]", f, l.stageIndex(api.ID, s.Name, j))
		l.at(Warning, "stage-deployment-stale", sf+".deploymentId", cause.ResourceNotDeployed,
			"stage %s serves deployment %s, which lacks %d method(s) of the current definition: %s (redeploy the API to the stage)",
			s.Name, s.DeploymentID, len(missing), strings.Join(missing, ", "))
	}
}

func (l *linter) stageIndex(apiID, stage string, def int) int {
	if raw := l.w.Raw; raw != nil {
		for _, a := range raw.RestAPIs {
			if a.ID != apiID {
				continue
			}
			for j, s := range a.Stages {
				if s.StageName == stage {
					return j
				}
			}
		}
	}
	return def
}

// unreachable: with the default endpoint disabled and no custom domain mapping to the API,
// nothing can call it.
func (l *linter) unreachable(f string, api *config.RestAPI) {
	if !api.DisableExecuteAPIEndpoint {
		return
	}
	if raw := l.w.Raw; raw != nil {
		for _, dc := range raw.DomainNames {
			for _, m := range dc.BasePathMappings {
				if m.RestAPIID == api.ID {
					return
				}
			}
			for _, r := range dc.RoutingRules {
				if strings.Contains(string(r), `"`+api.ID+`"`) {
					return
				}
			}
		}
	}
	field := f + ".disableExecuteApiEndpoint"
	if raw := l.w.Raw; raw != nil {
		if i := l.rawIndex(api.ID, -1); i >= 0 && raw.RestAPIs[i].DisableExecuteAPIEndpoint == nil {
			field = f + ".definition"
		}
	}
	l.at(Error, "endpoint-unreachable", field, cause.DefaultEndpointDisabled,
		"%s has disableExecuteApiEndpoint true and no custom domain maps to it: it cannot be called", api.ID)
}

// keysAndPlans warns about API keys in no usage plan of any stage (while a method requires a
// key) and usage plans attached to no stage.
func (l *linter) keysAndPlans() {
	raw := l.w.Raw
	if raw == nil {
		return
	}
	keyRequired := false
	for _, api := range l.w.APIList {
		for _, d := range deployments(api) {
			for _, m := range methods(d.Def) {
				if m.m.APIKeyRequired {
					keyRequired = true
				}
			}
		}
	}
	if keyRequired {
		for i, k := range raw.APIKeys {
			inPlan := false
			for _, api := range l.w.APIList {
				for _, s := range api.StageList {
					if _, ok := s.KeyPlans[k.ID]; ok {
						inPlan = true
					}
				}
			}
			if !inPlan {
				l.at(Warning, "api-key-no-plan", fmt.Sprintf("apiKeys[%d]", i), cause.APIKeyNotInUsagePlan,
					"API key %s is in no usage plan attached to a stage: requests with it to methods that require a key are denied", k.ID)
			}
		}
	}
	for i, p := range raw.UsagePlans {
		if len(p.APIStages) == 0 {
			l.at(Warning, "usage-plan-no-stages", fmt.Sprintf("usagePlans[%d]", i), cause.APIKeyNotInUsagePlan,
				"usage plan %s has no apiStages: its keys are valid for no stage", p.ID)
		}
	}
}
