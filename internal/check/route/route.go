// Package route is the pipeline step that matches the request to a resource and method of the
// stage's deployment (DESIGN.md §2 step 5; facts §5.5, §11 step 5).
//
// Reproduced AWS behaviour:
//   - no resource or no method → 403 `Missing Authentication Token`
//     (MissingAuthenticationTokenException), seed row 10;
//   - the same with an Authorization header that is not a complete SigV4 signature → 403
//     IncompleteSignatureException whose message lists the missing SigV4 parts and quotes the
//     header (`… Authorization=allow`), seed row 11;
//   - a well-formed signature-shaped header is answered as if absent (facts §5.5 [OBS]).
//
// Beyond AWS (explanation only, same response): when the route exists in the API's current
// definition but not in the deployment the stage serves, the cause is resource-not-deployed.
package route

import (
	"fmt"
	"sort"
	"strings"

	"github.com/portcullis/portcullis/internal/apidef"
	"github.com/portcullis/portcullis/internal/cause"
	"github.com/portcullis/portcullis/internal/decision"
	"github.com/portcullis/portcullis/internal/iampolicy"
	"github.com/portcullis/portcullis/internal/pipeline"
	"github.com/portcullis/portcullis/internal/sigv4"
)

// Check matches the route.
type Check struct{}

// Name implements pipeline.Check.
func (Check) Name() string { return "route" }

// Check implements pipeline.Check.
func (Check) Check(r *pipeline.Request) (pipeline.Result, error) {
	st := r.Stage
	method := r.HTTP.Method
	m := st.Deployment.Router.Match(r.StagePath, method)
	shown := r.StagePath
	if shown == "" {
		shown = "/"
	}
	if m.Method != nil {
		r.Match = m
		r.ARN(iampolicy.Partition(r.World.Region))
		return pipeline.Pass(fmt.Sprintf("%s %s matched resource %s (%s method %s)", method, shown, m.Resource.Path, m.Resource.ID, m.Method.HTTPMethod)), nil
	}

	var ev []string
	var remedy []string
	notDeployed := false
	if m.Resource == nil {
		ev = append(ev, fmt.Sprintf("no resource of the stage's deployment matches %s", shown))
	} else {
		ev = append(ev, fmt.Sprintf("resource %s exists but has no %s or ANY method (methods: %s)", m.Resource.Path, method, methods(m.Resource.Methods)))
	}
	if cur := r.API.Current; st.Deployment != cur {
		if cm := cur.Router.Match(r.StagePath, method); cm.Method != nil {
			notDeployed = true
			ev = append(ev, fmt.Sprintf("the API's current definition has %s %s, but stage %s serves deployment %s, which does not", cm.Method.HTTPMethod, cm.Resource.Path, st.Name, st.DeploymentID))
			remedy = append(remedy, fmt.Sprintf("Deploy the current definition to stage %s: aws apigateway create-deployment --rest-api-id %s --stage-name %s", st.Name, r.API.ID, st.Name))
		}
	}
	if m.Resource == nil {
		if hint := stageHint(r); hint != "" {
			ev = append(ev, hint)
		}
		ev = append(ev, "resources of the deployment: "+resourceList(st.Deployment.Def.Resources))
	}

	if auth := r.HTTP.Header.Values("Authorization"); len(auth) > 0 {
		hasDate := r.HTTP.Header.Get("X-Amz-Date") != "" || r.HTTP.Header.Get("Date") != ""
		hashed := r.World.ErrorMessageStyle == string(cause.Current)
		if msg := sigv4.Incomplete(auth[0], hasDate, hashed); msg != "" {
			ev = append(ev, "the request has an Authorization header that is not a complete SigV4 signature, so API Gateway answers with the SigV4 parser's message")
			return pipeline.Deny(&decision.Denial{
				Cause:    cause.RouteNotFoundWithAuthorization,
				Reason:   fmt.Sprintf("no %s method for %s, and the Authorization header is not SigV4", method, shown),
				Evidence: ev,
				Message:  msg,
				Remedy:   remedy,
			}), nil
		}
	}
	id := cause.RouteNotFound
	reason := fmt.Sprintf("no %s method for %s in stage %s", method, shown, st.Name)
	if seg, _, _ := strings.Cut(strings.TrimPrefix(r.StagePath, "/"), "/"); r.HostKind == "custom-domain" && seg == st.Name && m.Resource == nil {
		// Seed row 16: the mapping already selects the stage; the URL repeats it.
		id = cause.CustomDomainStageInPath
		reason = fmt.Sprintf("custom domain %s already maps to stage %s; the URL repeats the stage", *r.DomainName, st.Name)
		remedy = append(remedy, "Drop /"+st.Name+" from the path: the API sees "+strings.TrimPrefix(r.StagePath, "/"+st.Name)+".")
	}
	if notDeployed {
		id = cause.ResourceNotDeployed
		reason = fmt.Sprintf("%s %s is in the API's current definition but not deployed to stage %s", method, shown, st.Name)
	}
	return pipeline.Deny(&decision.Denial{Cause: id, Reason: reason, Evidence: ev, Remedy: remedy}), nil
}

// stageHint explains a path that repeats the stage or names another stage.
func stageHint(r *pipeline.Request) string {
	seg, _, _ := strings.Cut(strings.TrimPrefix(r.StagePath, "/"), "/")
	if seg == "" {
		return ""
	}
	if seg == r.Stage.Name {
		return fmt.Sprintf("the path repeats the stage name %q", seg)
	}
	if _, ok := r.API.Stages[seg]; ok {
		return fmt.Sprintf("%q is another stage of this API; only the first path segment selects the stage", seg)
	}
	return ""
}

// resourceList lists "METHOD /path" pairs, at most 20.
func resourceList(rs []*apidef.Resource) string {
	var out []string
	for _, r := range rs {
		for _, m := range sortedKeys(r.Methods) {
			if len(out) == 20 {
				return strings.Join(out, ", ") + ", …"
			}
			out = append(out, m+" "+r.Path)
		}
	}
	if len(out) == 0 {
		return "(none)"
	}
	return strings.Join(out, ", ")
}

func sortedKeys(m map[string]*apidef.Method) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func methods(m map[string]*apidef.Method) string {
	out := sortedKeys(m)
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ", ")
}
