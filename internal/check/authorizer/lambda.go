package authorizer

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/portcullis/portcullis/internal/apidef"
	lambdaauth "github.com/portcullis/portcullis/internal/authorizer"
	"github.com/portcullis/portcullis/internal/cause"
	"github.com/portcullis/portcullis/internal/check/iam"
	"github.com/portcullis/portcullis/internal/decision"
	"github.com/portcullis/portcullis/internal/iampolicy"
	"github.com/portcullis/portcullis/internal/pipeline"
)

// lambdaCheck runs a Lambda TOKEN or REQUEST authorizer and evaluates the policy it returned
// (fresh or from the result cache) against this request's method ARN, combined with the
// resource policy by facts §5.3 table A (facts §4.5: the authorizer's policy "is evaluated in
// conjunction with the resource policy"). Outcomes (facts §4.4): 401 identity missing or
// "Unauthorized"; 500 {"message": null} for anything else the function does wrong; 403 for an
// explicit or implicit deny.
func lambdaCheck(r *pipeline.Request, az *apidef.Authorizer) (pipeline.Result, error) {
	if r.Authorizers == nil {
		return pipeline.Result{}, fmt.Errorf("no Lambda authorizer service is configured")
	}
	in := &lambdaauth.Input{
		Authorizer: az, APIID: r.API.ID, Stage: r.Stage.Name, MethodARN: iam.MethodARN(r), HTTP: r.HTTP,
		ResourcePath: r.Match.Resource.Path, Path: stagePath(r), ResourceID: r.Match.Resource.ID,
		PathParams: r.Match.PathParams, StageVariables: r.Stage.Variables,
		RequestID: r.ID, SourceIP: r.SourceIP, UserAgent: r.HTTP.UserAgent(), DomainName: r.Host, RequestTime: r.Now,
		ContextValue: r.ContextValue,
	}
	if c := r.ClientCert; c != nil {
		in.ClientCert = &lambdaauth.ClientCert{PEM: c.PEM, SubjectDN: c.SubjectDN, IssuerDN: c.IssuerDN,
			SerialNumber: c.SerialNumber, NotBefore: c.NotBefore, NotAfter: c.NotAfter}
	}
	out := r.Authorizers.Authorize(r.HTTP.Context(), in)
	for _, l := range out.Log {
		r.Logf(l)
	}
	who := fmt.Sprintf("%s authorizer %s (%s)", strings.ToLower(az.Type), az.Name, az.ID)
	ev := []string{who}
	switch out.Kind {
	case lambdaauth.IdentityMissing:
		return pipeline.Deny(&decision.Denial{
			Cause:    cause.AuthorizerIdentityMissing,
			Reason:   fmt.Sprintf("the identity source %s of %s is missing, empty or invalid, so API Gateway answers 401 without calling it", out.Missing, who),
			Evidence: append(ev, "identitySource: "+az.IdentitySource, out.Detail),
		}), nil
	case lambdaauth.Unauthorized:
		return pipeline.Deny(&decision.Denial{Cause: cause.AuthorizerUnauthorized, Reason: "the " + who + " failed with \"Unauthorized\"",
			Evidence: append(ev, out.Detail)}), nil
	case lambdaauth.Failed:
		return pipeline.Deny(&decision.Denial{Cause: cause.AuthorizerError, Reason: "the " + who + " failed: " + out.Detail,
			Evidence: append(ev, out.Detail)}), nil
	}
	arn := iam.MethodARN(r)
	if out.FromCache {
		ev = append(ev, fmt.Sprintf("the policy came from the authorizer cache: cached at %s for %s (TTL %s)",
			out.CachedAt.UTC().Format("2006-01-02T15:04:05Z"), out.CachedForMethodARN, ttl(az)))
	}
	ev = append(ev, "principalId: "+out.PrincipalID, "policy: "+out.PolicyJSON)
	req := &iampolicy.Request{Principal: iampolicy.Principal{Type: "Anonymous", Anonymous: true}, Action: "execute-api:Invoke", Resource: arn, Context: iam.ConditionContext(r)}
	azRes := out.Policy.Evaluate(req)
	pol := r.API.ResourcePolicy
	resEff := iampolicy.Neither
	var resRes iampolicy.Result
	if pol != nil {
		resRes = pol.Evaluate(req)
		resEff = resRes.Effect
	}
	eff, side := iampolicy.Combine(azRes.Effect, resEff, true, pol != nil)
	if eff == iampolicy.Allow {
		r.Authorizer = &pipeline.AuthorizerResult{PrincipalID: out.PrincipalID, Context: out.Context,
			Latency: out.Latency, IntegrationStatus: out.IntegrationStatus}
		r.UsageIdentifierKey = out.UsageIdentifierKey
		how := "invoked"
		if out.FromCache {
			how = "cached"
		}
		return pipeline.Pass(fmt.Sprintf("%s (%s) allows %s for principal %s (table A, %s side)", who, how, arn, out.PrincipalID, side)), nil
	}
	ev = append(ev, iam.Describe("authorizer policy", azRes)...)
	if pol != nil {
		ev = append(ev, iam.Describe("resource policy", resRes)...)
	}
	if eff == iampolicy.Deny && side == iampolicy.SideResource {
		return pipeline.Deny(&decision.Denial{Cause: cause.PolicyExplicitDeny, Reason: "the API's resource policy explicitly denies " + arn,
			Evidence: ev, Message: iam.DenyMessage(r, "anonymous", true, side)}), nil
	}
	if eff == iampolicy.Deny {
		return pipeline.Deny(&decision.Denial{Cause: cause.AuthorizerExplicitDeny,
			Reason: "the policy the " + who + " returned explicitly denies " + arn, Evidence: ev}), nil
	}
	d := &decision.Denial{Cause: cause.AuthorizerNoAllow, Reason: "no statement of the policy the " + who + " returned allows " + arn, Evidence: ev}
	if out.FromCache && out.CachedForMethodARN != arn {
		d.Reason = "the cached policy, returned for " + out.CachedForMethodARN + ", does not allow " + arn
		d.Evidence = append(d.Evidence, "the authorizer's result is cached per identity for "+ttl(az)+" and reused for every method of the API")
	}
	return pipeline.Deny(d), nil
}

func ttl(az *apidef.Authorizer) string {
	if az.ResultTTLInSeconds == nil {
		return "300 s (the default)"
	}
	return strconv.Itoa(*az.ResultTTLInSeconds) + " s"
}

func stagePath(r *pipeline.Request) string {
	if r.StagePath == "" {
		return "/"
	}
	return r.StagePath
}
