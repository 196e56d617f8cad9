// Package endpoint is the pipeline step that resolves a request's host and path to a REST API
// and a stage (DESIGN.md §1 "Addressing an API", §2 step 2; facts §7, §8.3, §11 step 2).
//
// Reproduced AWS behaviour:
//   - `{apiId}.execute-api.{region}.amazonaws.com` and `{apiId}.execute-api.localhost` address the
//     default endpoint; the first path segment is the stage.
//   - `/restapis/{apiId}/{stage}/_user_request_/{path}` addresses an API on any host (LocalStack's
//     path style, for clients that cannot set Host).
//   - An unknown API id or stage, or a path with no stage, gives 403 `Forbidden`
//     (ForbiddenException): facts §5.5 [OBS], §11 step 2.
//   - disableExecuteApiEndpoint makes every default-endpoint host form answer 403 `Forbidden`
//     (facts §8.3).
//   - A PRIVATE API reached on the public default endpoint answers 403 `Forbidden` (facts §7).
package endpoint

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/portcullis/portcullis/internal/cause"
	"github.com/portcullis/portcullis/internal/config"
	"github.com/portcullis/portcullis/internal/decision"
	"github.com/portcullis/portcullis/internal/pipeline"
)

// Check resolves the API and stage.
type Check struct{}

// Name implements pipeline.Check.
func (Check) Name() string { return "endpoint" }

// Addr is a parsed default-endpoint address.
type Addr struct {
	APIID  string
	Region string // "" for *.execute-api.localhost and path style
	Kind   string // "execute-api" or "path-style"
	// Rest is the raw path after the API is identified: "/{stage}/..." for hosts; for path
	// style, Stage is set and Rest is the path after _user_request_.
	Stage    string
	HasStage bool
	Rest     string
}

// ParseHost recognises the default endpoint host forms. host is lower case without a port.
func ParseHost(host string) (apiID, region string, ok bool) {
	id, rest, found := strings.Cut(host, ".execute-api.")
	if !found || !IsAPIID(id) {
		return "", "", false
	}
	if rest == "localhost" {
		return id, "", true
	}
	region, tail, found := strings.Cut(rest, ".")
	if !found || tail != "amazonaws.com" || region == "" {
		return "", "", false
	}
	return id, region, true
}

// ParsePathStyle recognises /restapis/{apiId}/{stage}/_user_request_/{path}.
func ParsePathStyle(rawPath string) (a Addr, ok bool, problem string) {
	rest, found := strings.CutPrefix(rawPath, "/restapis/")
	if !found {
		return Addr{}, false, ""
	}
	parts := strings.SplitN(rest, "/", 4)
	if len(parts) < 3 || parts[2] != "_user_request_" {
		return Addr{}, true, "a path-style URL must be /restapis/{apiId}/{stage}/_user_request_/{path}"
	}
	a = Addr{APIID: parts[0], Kind: "path-style", Stage: parts[1], HasStage: parts[1] != ""}
	if len(parts) == 4 {
		a.Rest = "/" + parts[3]
	}
	return a, true, ""
}

// IsAPIID reports whether s is shaped like a REST API id: 10 lowercase letters or digits.
func IsAPIID(s string) bool {
	if len(s) != 10 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// Check implements pipeline.Check.
func (Check) Check(r *pipeline.Request) (pipeline.Result, error) {
	w := r.World
	var a Addr
	vpce := w.VPCEndpoints[r.Listener]
	r.VPCEndpoint = vpce
	if dn := w.Domains[r.Host]; dn != nil && vpce == nil {
		m := dn.Router.Route(r.RawPath, r.HTTP.Header)
		if !m.OK {
			return deny(cause.CustomDomainNoMapping,
				fmt.Sprintf("no base path mapping or routing rule of custom domain %s matches %s", dn.Name, r.RawPath), m.Detail), nil
		}
		name := dn.Name
		r.DomainName = &name
		if m.BasePathMatched != "" {
			bp := m.BasePathMatched
			r.BasePathMatched = &bp
		}
		r.RoutingRuleID = m.RoutingRuleID
		a = Addr{APIID: m.RestAPIID, Kind: "custom-domain", Stage: m.Stage, HasStage: m.Stage != "", Rest: m.Path}
		if a.Rest == "/" {
			a.Rest = ""
		}
	} else if pa, ok, problem := ParsePathStyle(r.RawPath); ok {
		if problem != "" {
			return deny(cause.StageNotFound, "the path-style URL is malformed", problem), nil
		}
		a = pa
	} else if id, region, ok := ParseHost(r.Host); ok {
		a = Addr{APIID: id, Region: region, Kind: "execute-api"}
		stage, rest := splitStage(r.RawPath)
		a.Stage, a.HasStage, a.Rest = stage, stage != "", rest
	} else if vpce != nil {
		va, res, ok := vpceAddr(r, vpce)
		if !ok {
			return res, nil
		}
		a = va
	} else {
		return deny(cause.StageNotFound,
			fmt.Sprintf("the host %q is not an execute-api endpoint of this gateway", r.Host),
			fmt.Sprintf("host %q matches neither {apiId}.execute-api.{region}.amazonaws.com, {apiId}.execute-api.localhost, a configured custom domain, nor the path style /restapis/{apiId}/{stage}/_user_request_/…", r.Host),
			"APIs served here: "+apiList(w)), nil
	}
	r.HostKind = a.Kind
	api := w.APIs[a.APIID]
	if api == nil {
		return deny(cause.StageNotFound,
			fmt.Sprintf("no REST API with id %q exists", a.APIID),
			fmt.Sprintf("API id %q from the %s is not configured", a.APIID, a.Kind),
			"APIs served here: "+apiList(w)), nil
	}
	r.API = api
	if a.Region != "" && w.Region != "" && a.Region != w.Region {
		return deny(cause.StageNotFound,
			fmt.Sprintf("API %s is in %s but the host names region %s", api.ID, w.Region, a.Region),
			fmt.Sprintf("host region %q differs from the account's region %q", a.Region, w.Region)), nil
	}
	if api.DisableExecuteAPIEndpoint && a.Kind != "custom-domain" { // every execute-api form, VPC endpoints too
		return deny(cause.DefaultEndpointDisabled,
			fmt.Sprintf("API %s has disableExecuteApiEndpoint: true, and the request came to the default execute-api endpoint", api.ID),
			"disableExecuteApiEndpoint is true for API "+api.ID,
			fmt.Sprintf("the request addressed it through the %s form (%s)", a.Kind, r.Host)), nil
	}
	if vpce != nil && !isPrivate(api) {
		how := "the endpoint's private DNS resolves every execute-api name to it"
		if !vpce.PrivateDNS {
			how = "the request named the API through the endpoint"
		}
		return deny(cause.PublicAPIViaPrivateDNS,
			fmt.Sprintf("API %s is %s, and it was called through VPC endpoint %s; interface endpoints route only to private APIs", api.ID, strings.Join(api.EndpointTypes, ","), vpce.ID),
			"the request arrived on VPC endpoint "+vpce.ID+" (VPC "+vpce.VPCID+")", how,
			fmt.Sprintf("privateDnsEnabled: %v", vpce.PrivateDNS)), nil
	}
	if a.Kind == "vpce-alias" && !contains(api.VpcEndpointIDs, vpce.ID) {
		return deny(cause.PrivateAPIWrongEndpoint,
			fmt.Sprintf("the alias %s names VPC endpoint %s, which is not associated with API %s", r.Host, vpce.ID, api.ID),
			"endpointConfiguration.vpcEndpointIds of "+api.ID+": "+strings.Join(api.VpcEndpointIDs, ", ")), nil
	}
	if isPrivate(api) && vpce == nil {
		return deny(cause.PrivateAPIWrongEndpoint,
			fmt.Sprintf("API %s is PRIVATE and the request did not come through a VPC endpoint", api.ID),
			"endpointConfiguration.types of "+api.ID+" is PRIVATE",
			"the request arrived on the public listener, not on a VPC endpoint listener"), nil
	}
	if !a.HasStage {
		return deny(cause.StageNotFound,
			"the URL has no stage: the first path segment after the host must be a stage name",
			fmt.Sprintf("path %q has no stage segment", r.RawPath),
			"stages of "+api.ID+": "+stageList(api)), nil
	}
	st := api.Stages[a.Stage]
	if st == nil {
		ev := []string{
			fmt.Sprintf("first path segment %q is not a stage of API %s", a.Stage, api.ID),
			"stages of " + api.ID + ": " + stageList(api),
		}
		if near := closest(a.Stage, api); near != "" {
			ev = append(ev, fmt.Sprintf("did you mean %q? stage names are case-sensitive", near))
		}
		if m := api.Current.Router.Match("/"+a.Stage, "GET"); m.Resource != nil && m.Resource.Path != "/" {
			ev = append(ev, fmt.Sprintf("%q is a resource of the API: the URL is missing the stage before it", "/"+a.Stage))
		}
		return deny(cause.StageNotFound, fmt.Sprintf("stage %q does not exist on API %s", a.Stage, api.ID), ev...), nil
	}
	r.Stage = st
	r.StagePath = a.Rest
	if a.Kind == "custom-domain" {
		how := "base path mapping " + strconv.Quote(derefOr(r.BasePathMatched, ""))
		if r.RoutingRuleID != "" {
			how = "routing rule " + r.RoutingRuleID
		}
		return pipeline.Pass(fmt.Sprintf("custom domain %s: %s → API %s stage %s", *r.DomainName, how, api.ID, st.Name)), nil
	}
	return pipeline.Pass(fmt.Sprintf("API %s stage %s via %s", api.ID, st.Name, a.Kind)), nil
}

// vpceAddr resolves a request that reached a VPC endpoint by one of its public DNS names
// (facts §7): the endpoint-specific name with a Host or x-apigw-api-id header naming the API, or
// the Route 53 alias {apiId}-{vpceId}.execute-api.{region}.amazonaws.com. Anything else is
// seed row 12: a private API invoked through public DNS names incorrectly.
func vpceAddr(r *pipeline.Request, vpce *config.VPCEndpoint) (Addr, pipeline.Result, bool) {
	stage, rest := splitStage(r.RawPath)
	a := Addr{Stage: stage, HasStage: stage != "", Rest: rest}
	// The Route 53 alias.
	if first, tail, ok := strings.Cut(r.Host, ".execute-api."); ok && strings.HasSuffix(tail, ".amazonaws.com") && !strings.HasSuffix(tail, ".vpce.amazonaws.com") {
		if id, ve, ok := strings.Cut(first, "-"); ok && IsAPIID(id) && strings.HasPrefix(ve, "vpce-") {
			if ve != vpce.ID {
				return a, deny(cause.PrivateAPIWrongEndpoint,
					fmt.Sprintf("the alias %s names VPC endpoint %s but the request came through %s", r.Host, ve, vpce.ID)), false
			}
			a.APIID, a.Kind, a.Region = id, "vpce-alias", strings.TrimSuffix(tail, ".amazonaws.com")
			return a, pipeline.Result{}, true
		}
	}
	if id := r.HTTP.Header.Get("x-apigw-api-id"); id != "" {
		a.APIID, a.Kind = strings.ToLower(strings.TrimSpace(id)), "x-apigw-api-id"
		return a, pipeline.Result{}, true
	}
	return a, deny(cause.PrivateAPIWrongEndpoint,
		fmt.Sprintf("the request reached VPC endpoint %s as %q without naming an API", vpce.ID, r.Host),
		"neither a Host header {apiId}.execute-api.{region}.amazonaws.com nor an x-apigw-api-id header names the API",
		"the {apiId}-"+vpce.ID+".execute-api.{region}.amazonaws.com alias works only for endpoints in the API's vpcEndpointIds"), false
}

func derefOr(p *string, def string) string {
	if p == nil {
		return def
	}
	return *p
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// splitStage splits "/prod/pets/1" into ("prod", "/pets/1"); "/prod" gives ("prod", "").
func splitStage(p string) (string, string) {
	p = strings.TrimPrefix(p, "/")
	stage, rest, found := strings.Cut(p, "/")
	if !found {
		return stage, ""
	}
	return stage, "/" + rest
}

func isPrivate(api *config.RestAPI) bool {
	for _, t := range api.EndpointTypes {
		if t == "PRIVATE" {
			return true
		}
	}
	return false
}

func deny(id, reason string, evidence ...string) pipeline.Result {
	return pipeline.Deny(&decision.Denial{Cause: id, Reason: reason, Evidence: evidence})
}

func apiList(w *config.World) string {
	ids := make([]string, 0, len(w.APIList))
	for _, a := range w.APIList {
		ids = append(ids, a.ID)
	}
	if len(ids) == 0 {
		return "(none)"
	}
	return strings.Join(ids, ", ")
}

func stageList(api *config.RestAPI) string {
	names := make([]string, 0, len(api.Stages))
	for n := range api.Stages {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(names) == 0 {
		return "(none)"
	}
	return strings.Join(names, ", ")
}

// closest returns a stage whose name differs from s only in case, or by one edit.
func closest(s string, api *config.RestAPI) string {
	for n := range api.Stages {
		if strings.EqualFold(n, s) || editDistance1(n, s) {
			return n
		}
	}
	return ""
}

func editDistance1(a, b string) bool {
	if a == b {
		return false
	}
	la, lb := len(a), len(b)
	if la-lb > 1 || lb-la > 1 {
		return false
	}
	i, j, edits := 0, 0, 0
	for i < la && j < lb {
		if a[i] == b[j] {
			i++
			j++
			continue
		}
		edits++
		if edits > 1 {
			return false
		}
		switch {
		case la > lb:
			i++
		case lb > la:
			j++
		default:
			i++
			j++
		}
	}
	return edits+(la-i)+(lb-j) <= 1
}
