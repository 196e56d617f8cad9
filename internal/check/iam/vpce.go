package iam

import (
	"strings"

	"github.com/portcullis/portcullis/internal/cause"
	"github.com/portcullis/portcullis/internal/config"
	"github.com/portcullis/portcullis/internal/decision"
	"github.com/portcullis/portcullis/internal/iampolicy"
	"github.com/portcullis/portcullis/internal/pipeline"
	"github.com/portcullis/portcullis/internal/sigv4"
)

// VPCEndpointPolicy is step 4 for requests through a VPC endpoint (facts §7): the endpoint's
// policy is evaluated first, with the caller taken from the Authorization header — none or a
// non-SigV4 value is the anonymous user, a valid SigV4 signature is its IAM identity, and an
// invalid SigV4 signature is denied outright.
type VPCEndpointPolicy struct{}

// Name implements pipeline.Check.
func (VPCEndpointPolicy) Name() string { return "vpce-policy" }

// Check implements pipeline.Check.
func (VPCEndpointPolicy) Check(r *pipeline.Request) (pipeline.Result, error) {
	v := r.VPCEndpoint
	if v == nil {
		return pipeline.Skip("the request did not come through a VPC endpoint"), nil
	}
	if v.Policy == nil {
		return pipeline.Skip("VPC endpoint " + v.ID + " has the default (full access) policy"), nil
	}
	arn := MethodARN(r)
	var who *config.Principal
	caller := "anonymous"
	if h := r.HTTP.Header.Get("Authorization"); strings.HasPrefix(h, sigv4.Algorithm+" ") || r.HTTP.URL.Query().Get("X-Amz-Signature") != "" {
		creds := r.World.Credentials
		res := sigv4.Verify(&sigv4.Request{Method: r.HTTP.Method, RawPath: r.HTTP.URL.EscapedPath(), RawQuery: r.HTTP.URL.RawQuery,
			Header: r.HTTP.Header, Host: r.HTTP.Host, Body: r.Body}, r.World.Region, func(akid string) (sigv4.Key, bool) {
			c := creds[akid]
			if c == nil || !c.Active {
				return sigv4.Key{}, false
			}
			return sigv4.Key{SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken, Expiration: c.Expiration}, true
		}, r.Now)
		if res.Failure != sigv4.OK {
			return pipeline.Deny(&decision.Denial{Cause: cause.VPCEPolicyDeny,
				Reason:   "the request carries an invalid SigV4 signature, and a VPC endpoint with a policy denies such requests",
				Evidence: []string{"VPC endpoint " + v.ID, res.Detail},
				Message:  DenyMessage(r, "anonymous", false, iampolicy.SideResource)}), nil
		}
		who = creds[res.AccessKeyID].Principal
		caller = who.ARN
	}
	res := v.Policy.Evaluate(&iampolicy.Request{Principal: principal(who), Action: action, Resource: arn, Context: ConditionContext(r)})
	if res.Effect == iampolicy.Allow {
		return pipeline.Pass("the policy of VPC endpoint " + v.ID + " allows " + caller), nil
	}
	explicit := res.Effect == iampolicy.Deny
	return pipeline.Deny(&decision.Denial{Cause: cause.VPCEPolicyDeny,
		Reason:   "the policy of VPC endpoint " + v.ID + " does not allow " + caller + " to invoke " + arn,
		Evidence: append([]string{"VPC endpoint " + v.ID + " (VPC " + v.VPCID + ")", "caller: " + caller}, Describe("VPC endpoint policy", res)...),
		Message:  DenyMessage(r, caller, explicit, iampolicy.SideResource)}), nil
}
