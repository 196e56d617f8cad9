package config

import (
	"fmt"
	"github.com/portcullis/portcullis/internal/authorizer"
	"github.com/portcullis/portcullis/internal/iampolicy"
	"io/fs"
	"maps"
	"path"
	"path/filepath"
	"strings"

	"github.com/portcullis/portcullis/internal/apidef"
	"github.com/portcullis/portcullis/internal/ctxtemplate"
	"github.com/portcullis/portcullis/internal/openapi"
	"github.com/portcullis/portcullis/internal/route"
)

// methodKey is the normalised method-settings key for a resource path and verb.
// MethodKey is the key of a method in stage methodSettings and usage-plan throttles:
// "/pets/{petId}/GET", "/GET" for the root, "*/*" for all methods.
func MethodKey(resourcePath, verb string) string {
	if resourcePath == "*" {
		return "*/*"
	}
	return strings.TrimSuffix(resourcePath, "/") + "/" + verb
}

// compiler imports definitions and builds the World, collecting errors.
type compiler struct {
	*validator
	opts  Options
	cache map[string]*apidef.API // by resolved definition path
}

// Compile validates the configuration, imports every definition and builds the immutable
// World. It returns nil and an *Error or ErrorList when anything is wrong; an import error
// names the config field that referenced the file and keeps the definition's own position
// (the *openapi.Error is reachable with errors.As).
func (c *Config) Compile(opts Options) (*World, error) {
	v := &validator{c: c}
	v.validate()
	if len(v.errs) > 0 {
		return nil, v.errs.err()
	}
	k := &compiler{validator: v, opts: opts, cache: map[string]*apidef.API{}}
	w := &World{
		Source:            c.file,
		AccountID:         c.AccountID,
		Region:            c.Region,
		APIs:              make(map[string]*RestAPI, len(c.RestAPIs)),
		Domains:           make(map[string]*DomainName, len(c.DomainNames)),
		TrustForwardedFor: c.TrustForwardedFor,
		ErrorMessageStyle: c.ErrorMessageStyle,
		Raw:               c,
		LambdaFunctions:   map[string]string{},
	}
	if w.ErrorMessageStyle == "" {
		w.ErrorMessageStyle = "seed"
	}
	for i, ac := range c.RestAPIs {
		if api := k.restAPI(indexPath("restApis", i), ac); api != nil {
			w.APIs[api.ID] = api
			w.APIList = append(w.APIList, api)
		}
	}
	k.usagePlanThrottles(w)
	k.plans(w)
	k.iam(w)
	k.userPools(w)
	k.vpcEndpoints(w)
	k.webACLs(w)
	k.domains(w)
	if c.Lambda != nil {
		w.LambdaEndpoint = c.Lambda.Endpoint
		for _, f := range c.Lambda.Functions {
			w.LambdaFunctions[f.ARN] = f.Endpoint
		}
	}
	if len(k.errs) > 0 {
		return nil, k.errs.err()
	}
	return w, nil
}

// load imports the definition named at field (cached by resolved path).
func (k *compiler) load(field, name string) *apidef.API {
	var (
		p   string
		def *apidef.API
		err error
	)
	if k.opts.FS == nil {
		p = name
		if !filepath.IsAbs(p) {
			p = filepath.Join(k.c.dir, p)
		}
	} else {
		p = path.Join(k.c.dir, name)
	}
	if d, ok := k.cache[p]; ok {
		return d
	}
	if k.opts.FS == nil {
		def, err = openapi.LoadFile(p)
	} else {
		var data []byte
		if data, err = fs.ReadFile(k.opts.FS, p); err == nil {
			def, err = openapi.Parse(data, p)
		}
	}
	if err == nil && def == nil {
		err = fmt.Errorf("%s: the importer returned no definition", p)
	}
	if err != nil {
		at := k.c.pos.at(field)
		k.errs = append(k.errs, &Error{File: k.c.file, Line: at.line, Column: at.col, Field: field,
			Msg: fmt.Sprintf("cannot import definition: %v", err), Err: err})
		return nil
	}
	k.cache[p] = def
	return def
}

func (k *compiler) deployment(field, id string, def *apidef.API) *Deployment {
	r, err := route.New(def.Resources)
	if err != nil {
		at := k.c.pos.at(field)
		k.errs = append(k.errs, &Error{File: k.c.file, Line: at.line, Column: at.col, Field: field,
			Msg: fmt.Sprintf("cannot build the resource tree: %v", err), Err: err})
		return nil
	}
	return &Deployment{ID: id, Def: def, Router: r}
}

func (k *compiler) restAPI(f string, ac *RestAPIConfig) *RestAPI {
	def := k.load(f+".definition", ac.Definition)
	if def == nil {
		return nil
	}
	api := &RestAPI{
		ID:          ac.ID,
		Name:        ac.Name,
		Current:     k.deployment(f+".definition", "", def),
		Deployments: make(map[string]*Deployment, len(ac.Deployments)),
		Stages:      make(map[string]*Stage, len(ac.Stages)),
	}
	if api.Current == nil {
		return nil
	}
	for j, dc := range ac.Deployments {
		df := indexPath(f+".deployments", j)
		if dc.Definition == "" {
			api.Deployments[dc.ID] = &Deployment{ID: dc.ID, Def: def, Router: api.Current.Router}
			continue
		}
		if d := k.load(df+".definition", dc.Definition); d != nil {
			if dep := k.deployment(df+".definition", dc.ID, d); dep != nil {
				api.Deployments[dc.ID] = dep
			}
		}
	}

	// Resource policy: config overrides x-amazon-apigateway-policy.
	api.Policy = def.Policy
	if len(ac.Policy) > 0 {
		api.Policy = ac.Policy
	}
	if len(api.Policy) > 0 {
		origin := ""
		if len(ac.Policy) == 0 {
			origin = ac.Definition
		}
		api.ResourcePolicy = k.policy(f+".policy", origin, api.Policy, iampolicy.ParseOptions{
			Kind: iampolicy.Resource, Region: k.c.Region, AccountID: k.c.AccountID, APIID: ac.ID})
	}
	ec := def.EndpointConfiguration
	if ac.DisableExecuteAPIEndpoint != nil {
		api.DisableExecuteAPIEndpoint = *ac.DisableExecuteAPIEndpoint
	} else if ec != nil && ec.DisableExecuteApiEndpoint != nil {
		api.DisableExecuteAPIEndpoint = *ec.DisableExecuteApiEndpoint
	}
	switch {
	case ac.EndpointConfiguration != nil && len(ac.EndpointConfiguration.Types) > 0:
		api.EndpointTypes = ac.EndpointConfiguration.Types
	case ec != nil && len(ec.Types) > 0:
		api.EndpointTypes = ec.Types
	default:
		api.EndpointTypes = []string{"REGIONAL"}
	}
	switch {
	case ac.EndpointConfiguration != nil && len(ac.EndpointConfiguration.VPCEndpointIDs) > 0:
		api.VpcEndpointIDs = ac.EndpointConfiguration.VPCEndpointIDs
	case ec != nil:
		api.VpcEndpointIDs = ec.VpcEndpointIds
	}
	switch {
	case ac.APIKeySource != "":
		api.APIKeySource = ac.APIKeySource
	case def.APIKeySource != "":
		api.APIKeySource = def.APIKeySource
	default:
		api.APIKeySource = "HEADER"
	}

	k.authorizers(f, ac.Definition, def)
	for _, d := range api.Deployments {
		if d.Def != def {
			k.authorizers(f, ac.Definition, d.Def)
		}
	}
	for j, sc := range ac.Stages {
		if s := k.stage(indexPath(f+".stages", j), api, sc); s != nil {
			api.Stages[s.Name] = s
			api.StageList = append(api.StageList, s)
		}
	}
	return api
}

// authorizers checks a definition's Lambda authorizers as API Gateway does when it saves them:
// identity sources must parse, and a REQUEST authorizer that caches needs identity sources —
// they are its cache key (facts §4.1); without them one caller's result would serve every caller.
func (k *compiler) authorizers(f, file string, def *apidef.API) {
	for _, name := range sortedKeys(def.Authorizers) {
		a := def.Authorizers[name]
		if a.Type != "TOKEN" && a.Type != "REQUEST" {
			continue
		}
		if _, err := authorizer.ParseIdentitySource(a.IdentitySource); err != nil && a.IdentitySource != "" {
			k.bad(f+".definition", "%s: authorizer %s: identitySource: %v", file, name, err)
			continue
		}
		caching := a.ResultTTLInSeconds == nil || *a.ResultTTLInSeconds > 0
		if a.Type == "REQUEST" && caching && strings.TrimSpace(a.IdentitySource) == "" {
			k.bad(f+".definition", "%s: authorizer %s: identitySource is required when authorizerResultTtlInSeconds is not 0 (the identity sources are the result cache's key)", file, name)
		}
	}
}

func hasResource(def *apidef.API, resourcePath string) bool {
	for _, r := range def.Resources {
		if r.Path == resourcePath {
			return true
		}
	}
	return false
}

func (k *compiler) stage(sf string, api *RestAPI, sc *StageConfig) *Stage {
	s := &Stage{
		Name:           sc.StageName,
		API:            api,
		Deployment:     api.Current,
		DeploymentID:   sc.DeploymentID,
		Variables:      maps.Clone(sc.Variables),
		WebACLArn:      sc.WebACLArn,
		MethodSettings: make(map[string]*MethodSetting, len(sc.MethodSettings)),
		Description:    sc.Description,
		TracingEnabled: sc.TracingEnabled,
	}
	if s.Variables == nil {
		s.Variables = map[string]string{}
	}
	if sc.DeploymentID != "" {
		d, ok := api.Deployments[sc.DeploymentID]
		if !ok {
			return nil // its import failed and is already reported
		}
		s.Deployment = d
	}
	for _, key := range sortedKeys(sc.MethodSettings) {
		rp, verb, _ := parseMethodKey(key)
		if rp != "*" && !hasResource(s.Deployment.Def, rp) {
			k.badKey(keyPath(sf+".methodSettings", key), "no resource %s in the stage's definition", rp)
			continue
		}
		ms := &MethodSetting{}
		if c := sc.MethodSettings[key]; c != nil {
			*ms = MethodSetting{
				ThrottlingRateLimit:  c.ThrottlingRateLimit,
				ThrottlingBurstLimit: c.ThrottlingBurstLimit,
				LoggingLevel:         c.LoggingLevel,
				DataTraceEnabled:     c.DataTraceEnabled,
				MetricsEnabled:       c.MetricsEnabled,
				CachingEnabled:       c.CachingEnabled,
				CacheTTLInSeconds:    c.CacheTTLInSeconds,
			}
		}
		s.MethodSettings[MethodKey(rp, verb)] = ms
	}
	// A method's own settings override "*/*" field by field; what it leaves unset is inherited
	// (as `aws apigateway update-stage` patches /{resourcePath}/{httpMethod}/… paths one by one).
	if all := s.MethodSettings["*/*"]; all != nil {
		for key, ms := range s.MethodSettings {
			if key == "*/*" {
				continue
			}
			if ms.ThrottlingRateLimit == nil {
				ms.ThrottlingRateLimit = all.ThrottlingRateLimit
			}
			if ms.ThrottlingBurstLimit == nil {
				ms.ThrottlingBurstLimit = all.ThrottlingBurstLimit
			}
			if ms.LoggingLevel == "" {
				ms.LoggingLevel, ms.DataTraceEnabled = all.LoggingLevel, all.DataTraceEnabled
			}
			if ms.CacheTTLInSeconds == nil {
				ms.CacheTTLInSeconds = all.CacheTTLInSeconds
			}
		}
	}
	if al := sc.AccessLogSettings; al != nil {
		format, _ := accessLogFormat(al.Format) // validated
		a := &AccessLog{Format: ctxtemplate.Compile(format), DestinationArn: al.DestinationArn}
		if rest, ok := strings.CutPrefix(al.DestinationArn, "file:"); ok {
			p, err := k.resolveFile(rest)
			if err != nil {
				k.bad(sf+".accessLogSettings.destinationArn", "%v", err)
				return nil
			}
			a.Path = p
		}
		s.AccessLog = a
	}
	return s
}

// resolveFile makes a file: destination absolute: relative paths resolve against
// Options.BaseDir, else the config file's directory (OS loading), else the working directory.
func (k *compiler) resolveFile(p string) (string, error) {
	if !filepath.IsAbs(p) {
		base := k.opts.BaseDir
		if base == "" && k.opts.FS == nil {
			base = k.c.dir
		}
		p = filepath.Join(base, p)
	}
	return filepath.Abs(p)
}

// usagePlanThrottles checks that per-method usage-plan throttle keys name resources of the
// stage's definition.
func (k *compiler) usagePlanThrottles(w *World) {
	for i, p := range k.c.UsagePlans {
		for j, as := range p.APIStages {
			api := w.APIs[as.APIID]
			if api == nil {
				continue
			}
			st := api.Stages[as.Stage]
			if st == nil {
				continue
			}
			for _, key := range sortedKeys(as.Throttle) {
				rp, _, _ := parseMethodKey(key)
				if !hasResource(st.Deployment.Def, rp) {
					k.badKey(keyPath(indexPath(indexPath("usagePlans", i)+".apiStages", j)+".throttle", key),
						"no resource %s in stage %s of rest API %s", rp, as.Stage, as.APIID)
				}
			}
		}
	}
}
