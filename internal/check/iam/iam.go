// Package iam holds the pipeline steps for AWS_IAM authorization and API Gateway resource
// policies (DESIGN.md §2 steps 6–8; facts §5):
//
//   - PreAuth ("resource-policy"): for methods without authorization and for Lambda
//     authorizers, the resource policy is evaluated for an anonymous caller before anything else
//     and an explicit deny stops the request at once (facts §4.5, §11 step 6): `User: anonymous
//     is not authorized to perform: execute-api:Invoke on resource: ARN with an explicit deny`.
//     AWS_IAM and Cognito methods authenticate first and evaluate the resource policy with the
//     caller (facts §5.3), so their denials name the caller's ARN.
//   - Authenticate ("authentication"): SigV4 verification of requests to AWS_IAM methods with
//     the seed's outcomes (Missing Authentication Token, The security token included in the
//     request is invalid., Signature expired, signature mismatch with the canonical request).
//   - Authorize ("authorization"): IAM identity policies and the resource policy combined by
//     facts §5.3 tables A (same account) and B (cross-account) for AWS_IAM methods; the resource
//     policy alone (explicit allow required) for NONE methods.
//
// Every denial names the deciding policy, statement and failed condition in its evidence.
package iam

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/portcullis/portcullis/internal/cause"
	"github.com/portcullis/portcullis/internal/config"
	"github.com/portcullis/portcullis/internal/decision"
	"github.com/portcullis/portcullis/internal/iampolicy"
	"github.com/portcullis/portcullis/internal/pipeline"
	"github.com/portcullis/portcullis/internal/sigv4"
)

const action = "execute-api:Invoke"

// MethodARN is the execute-api resource ARN of the request with the actual verb and path
// (facts §5.1): arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/VERB/path. The route check sets
// it when the route matches.
func MethodARN(r *pipeline.Request) string { return r.ARN(iampolicy.Partition(r.World.Region)) }

// ConditionContext holds the request's global condition keys (facts §5.4), built once.
func ConditionContext(r *pipeline.Request) map[string][]string {
	if r.Conditions != nil {
		return r.Conditions
	}
	c := map[string][]string{
		"aws:sourceip":        {r.SourceIP},
		"aws:currenttime":     {r.Now.UTC().Format(time.RFC3339)},
		"aws:epochtime":       {strconv.FormatInt(r.Now.Unix(), 10)},
		"aws:securetransport": {strconv.FormatBool(r.TLS)},
	}
	if v := r.VPCEndpoint; v != nil { // private APIs only (facts §5.4)
		c["aws:sourcevpce"] = []string{v.ID}
		c["aws:sourcevpc"] = []string{v.VPCID}
		c["aws:vpcsourceip"] = []string{r.SourceIP}
	}
	if v := r.HTTP.Header.Get("Referer"); v != "" {
		c["aws:referer"] = []string{v}
	}
	if v := r.HTTP.Header.Get("User-Agent"); v != "" {
		c["aws:useragent"] = []string{v}
	}
	r.Conditions = c
	return c
}

// principal converts a config principal (nil = anonymous).
func principal(p *config.Principal) iampolicy.Principal {
	if p == nil {
		return iampolicy.Principal{Anonymous: true, Type: "Anonymous"}
	}
	return iampolicy.Principal{ARN: p.ARN, Account: p.Account, UserID: p.UserID, Username: p.Username, Type: p.Type, Tags: p.Tags, RoleARN: p.RoleARN}
}

// Describe explains the statements that decided a policy result (or, for an implicit deny,
// why each statement did not apply).
func Describe(which string, res iampolicy.Result) []string {
	var out []string
	if len(res.Deciding) > 0 {
		for _, i := range res.Deciding {
			out = append(out, fmt.Sprintf("%s statement %s: %s applies", which, label(res.Statements[i]), res.Statements[i].Effect))
		}
		return out
	}
	if len(res.Statements) == 0 {
		return []string{which + ": no statements"}
	}
	for _, s := range res.Statements {
		d := s.Detail
		if d == "" {
			d = s.Failed + " did not match"
		}
		out = append(out, fmt.Sprintf("%s statement %s (%s) does not apply: %s", which, label(s), s.Effect, d))
	}
	return out
}

func label(s iampolicy.StatementResult) string {
	if s.Sid != "" {
		return strconv.Itoa(s.Index) + " (Sid " + s.Sid + ")"
	}
	return strconv.Itoa(s.Index)
}

func style(r *pipeline.Request) cause.Style { return cause.Style(r.World.ErrorMessageStyle) }

// DenyMessage builds the policy denial message (seed or current wording, facts §5.5).
func DenyMessage(r *pipeline.Request, who string, explicit bool, side string) string {
	arn := cause.MaskAccount(MethodARN(r))
	base := "User: " + who + " is not authorized to perform: execute-api:Invoke on resource: " + arn
	current := style(r) == cause.Current
	switch {
	case explicit && !current:
		return base + " with an explicit deny"
	case explicit && side == iampolicy.SideIdentity:
		return base + " with an explicit deny in an identity-based policy"
	case explicit:
		return base + " with an explicit deny in a resource-based policy"
	case !current:
		return base
	case side == iampolicy.SideResource:
		return base + " because no resource-based policy allows the execute-api:Invoke action"
	default:
		return base + " because no identity-based policy allows the execute-api:Invoke action"
	}
}

// PreAuth is step 6: the resource policy's explicit denies, before authentication.
type PreAuth struct{}

// Name implements pipeline.Check.
func (PreAuth) Name() string { return "resource-policy" }

// Check implements pipeline.Check.
func (PreAuth) Check(r *pipeline.Request) (pipeline.Result, error) {
	pol := r.API.ResourcePolicy
	if pol == nil {
		return pipeline.Skip("the API has no resource policy"), nil
	}
	if t := r.Match.Method.AuthorizationType; t == "AWS_IAM" || t == "COGNITO_USER_POOLS" {
		return pipeline.Skip(t + " methods authenticate first; the resource policy is evaluated with the caller"), nil
	}
	res := pol.Evaluate(&iampolicy.Request{Principal: principal(nil), Action: action, Resource: MethodARN(r), Context: ConditionContext(r)})
	if res.Effect != iampolicy.Deny {
		return pipeline.Pass("no explicit deny for an anonymous caller"), nil
	}
	return pipeline.Deny(&decision.Denial{
		Cause:    cause.PolicyExplicitDeny,
		Reason:   "the API's resource policy explicitly denies " + MethodARN(r) + " before authentication",
		Evidence: append([]string{"resource: " + MethodARN(r), "source IP: " + r.SourceIP}, Describe("resource policy", res)...),
		Message:  DenyMessage(r, "anonymous", true, iampolicy.SideResource),
	}), nil
}

// Authenticate is step 7 for AWS_IAM methods: SigV4.
type Authenticate struct{}

// Name implements pipeline.Check.
func (Authenticate) Name() string { return "authentication" }

// Check implements pipeline.Check.
func (Authenticate) Check(r *pipeline.Request) (pipeline.Result, error) {
	m := r.Match.Method
	if m.AuthorizationType != "AWS_IAM" {
		return pipeline.Skip("authorizationType is " + authType(m.AuthorizationType)), nil
	}
	creds := r.World.Credentials
	lookup := func(akid string) (sigv4.Key, bool) {
		c := creds[akid]
		if c == nil || !c.Active {
			return sigv4.Key{}, false
		}
		return sigv4.Key{SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken, Expiration: c.Expiration}, true
	}
	req := &sigv4.Request{Method: r.HTTP.Method, RawPath: r.HTTP.URL.EscapedPath(), RawQuery: r.HTTP.URL.RawQuery,
		Header: r.HTTP.Header, Host: r.HTTP.Host, Body: r.Body}
	res := sigv4.Verify(req, r.World.Region, lookup, r.Now)
	if res.Failure == sigv4.OK {
		c := creds[res.AccessKeyID]
		r.Caller = &pipeline.Caller{Principal: c.Principal, AccessKeyID: res.AccessKeyID}
		how := "Authorization header"
		if res.Presigned {
			how = "presigned query string"
		}
		return pipeline.Pass(fmt.Sprintf("SigV4 (%s) verified for %s, access key %s", how, c.Principal.ARN, res.AccessKeyID)), nil
	}
	return pipeline.Deny(authDenial(r, res)), nil
}

func authType(t string) string {
	if t == "" {
		return "NONE"
	}
	return t
}

// authDenial maps a verification failure to its catalogue cause.
func authDenial(r *pipeline.Request, res sigv4.Result) *decision.Denial {
	d := &decision.Denial{Message: res.MessageFor(style(r) == cause.Current), Reason: res.Detail}
	var ev []string
	if res.AccessKeyID != "" {
		ev = append(ev, "access key: "+res.AccessKeyID)
	}
	if res.Region != "" || res.Service != "" {
		ev = append(ev, fmt.Sprintf("credential scope: %s/%s/%s", res.Date, res.Region, res.Service))
	}
	if len(res.SignedHeaders) > 0 {
		ev = append(ev, "signed headers: "+strings.Join(res.SignedHeaders, ";"))
	}
	if !res.SignedAt.IsZero() {
		ev = append(ev, "signed at "+res.SignedAt.UTC().Format("20060102T150405Z")+", gateway time "+r.Now.UTC().Format("20060102T150405Z"))
	}
	switch res.Failure {
	case sigv4.Unsigned:
		d.Cause = cause.MissingAuthenticationToken
		d.Message = ""
		ev = append(ev, "authorizationType is AWS_IAM", "no SigV4 Authorization header and no X-Amz-Signature query parameter")
		if d.Reason == "" {
			d.Reason = "the method uses AWS_IAM authorization and the request is not signed"
		}
	case sigv4.IncompleteSignature:
		d.Cause = cause.IncompleteSignature
	case sigv4.BadCredential:
		d.Cause = cause.CredentialScopeMismatch
		if res.ErrorType == sigv4.ErrIncompleteSignature { // a malformed credential or algorithm
			d.Cause = cause.IncompleteSignature
		}
		ev = append(ev, "the API is in region "+r.World.Region+"; the service name must be execute-api")
	case sigv4.UnknownKey:
		d.Cause = cause.InvalidSecurityToken
		if c := r.World.Credentials[res.AccessKeyID]; c != nil && !c.Active {
			ev = append(ev, fmt.Sprintf("access key %s of %s is Inactive", res.AccessKeyID, c.Principal.ARN))
		} else {
			ev = append(ev, "access key "+res.AccessKeyID+" is not configured (iam.users[].accessKeys, iam.roles[].sessions)")
		}
	case sigv4.BadToken:
		d.Cause = cause.InvalidSecurityToken
		if res.ErrorType == sigv4.ErrExpiredToken {
			d.ErrorType = sigv4.ErrExpiredToken
		}
	case sigv4.Expired:
		d.Cause = cause.SignatureExpired
	case sigv4.Mismatch:
		d.Cause = cause.SignatureMismatch
		ev = append(ev, "the canonical request and string-to-sign the gateway computed are in the message")
	default:
		d.Cause = cause.GatewayInternalError
	}
	d.Evidence = ev
	return d
}

// Authorize is step 8: identity policies and the resource policy.
type Authorize struct{}

// Name implements pipeline.Check.
func (Authorize) Name() string { return "authorization" }

// Check implements pipeline.Check.
func (Authorize) Check(r *pipeline.Request) (pipeline.Result, error) {
	m := r.Match.Method
	pol := r.API.ResourcePolicy
	arn := MethodARN(r)
	switch m.AuthorizationType {
	case "", "NONE", "COGNITO_USER_POOLS":
		// NONE: "seeking an explicit allow"; Cognito: "the resource policy is evaluated
		// independently, and an explicit allow is required" (facts §5.3).
		if pol == nil {
			return pipeline.Skip("authorizationType " + authType(m.AuthorizationType) + " and no resource policy"), nil
		}
		req := &iampolicy.Request{Principal: principal(nil), Action: action, Resource: arn, Context: ConditionContext(r)}
		res := pol.Evaluate(req)
		eff, _ := iampolicy.ResourceOnly(res.Effect, true)
		if eff == iampolicy.Allow {
			return pipeline.Pass("the resource policy allows " + deciding(res)), nil
		}
		return pipeline.Deny(&decision.Denial{
			Cause:    cause.PolicyNoAllow,
			Reason:   "the API's resource policy does not explicitly allow this request, and for authorizationType " + authType(m.AuthorizationType) + " it must",
			Evidence: append([]string{"resource: " + arn, "source IP: " + r.SourceIP}, Describe("resource policy", res)...),
			Message:  DenyMessage(r, "anonymous", false, iampolicy.SideResource),
			Remedy:   []string{"Add an Allow statement for execute-api:Invoke on " + arn + " (or a wildcard) with Principal \"*\" to the resource policy, then redeploy."},
		}), nil
	case "AWS_IAM":
	default:
		return pipeline.Skip("authorizationType " + m.AuthorizationType + " is decided by its authorizer"), nil
	}
	if r.Caller == nil {
		return pipeline.Result{}, fmt.Errorf("AWS_IAM method reached authorization without an authenticated caller")
	}
	p := r.Caller.Principal
	req := &iampolicy.Request{Principal: principal(p), Action: action, Resource: arn, Context: ConditionContext(r)}
	// Identity policies: any explicit deny wins, else any allow.
	idEff := iampolicy.Neither
	idRes := make([]iampolicy.Result, len(p.Policies))
	for i, ip := range p.Policies {
		res := ip.Evaluate(req)
		idRes[i] = res
		switch {
		case res.Effect == iampolicy.Deny:
			idEff = iampolicy.Deny
		case res.Effect == iampolicy.Allow && idEff != iampolicy.Deny:
			idEff = iampolicy.Allow
		}
	}
	resEff := iampolicy.Neither
	var resRes iampolicy.Result
	if pol != nil {
		resRes = pol.Evaluate(req)
		resEff = resRes.Effect
	}
	same := p.Account == r.World.AccountID
	eff, side := iampolicy.Combine(idEff, resEff, same, pol != nil)
	if eff == iampolicy.Allow {
		return pipeline.Pass("table " + tableName(same) + ": allowed by the " + side + " side"), nil
	}
	// Denied: explain every policy (the cost is paid only here).
	var idEv []string
	for i, res := range idRes {
		idEv = append(idEv, Describe(fmt.Sprintf("%s policy %d", p.Source, i), res)...)
	}
	if len(p.Policies) == 0 {
		idEv = append(idEv, p.Source+" has no identity policies")
	}
	var resEv []string
	if pol != nil {
		resEv = Describe("resource policy", resRes)
	}
	table := "A (caller in the API owner's account)"
	if !same {
		table = "B (caller in account " + p.Account + ", API in " + r.World.AccountID + ": both sides must allow)"
	}
	summary := fmt.Sprintf("identity policies: %s, resource policy: %s, table %s → %s", effName(idEff), resName(resEff, pol != nil), table, effName(eff))
	ev := append([]string{"caller: " + p.ARN, "resource: " + arn, summary}, idEv...)
	ev = append(ev, resEv...)
	explicit := eff == iampolicy.Deny
	id := cause.PolicyNoAllow
	reason := "no policy allows " + p.ARN + " to invoke " + arn
	if explicit {
		id = cause.PolicyExplicitDeny
		reason = "an explicit Deny in the " + sideName(side) + " matches " + p.ARN + " and " + arn
	}
	var remedy []string
	if !explicit && !same && idEff == iampolicy.Allow {
		remedy = append(remedy, "The caller is in another account: the API's resource policy must also allow "+p.ARN+" (table B).")
	}
	return pipeline.Deny(&decision.Denial{Cause: id, Reason: reason, Evidence: ev, Remedy: remedy,
		Message: DenyMessage(r, p.ARN, explicit, side)}), nil
}

func tableName(same bool) string {
	if same {
		return "A"
	}
	return "B"
}

// deciding names the statements that decided a result, cheaply ("statement 2 (Sid X)").
func deciding(res iampolicy.Result) string {
	if len(res.Deciding) == 0 {
		return "(no statement)"
	}
	return "statement " + label(res.Statements[res.Deciding[0]])
}

func effName(e iampolicy.Effect) string {
	if e == iampolicy.Neither {
		return "Neither"
	}
	return string(e)
}

func resName(e iampolicy.Effect, has bool) string {
	if !has {
		return "none"
	}
	return effName(e)
}

func sideName(side string) string {
	switch side {
	case iampolicy.SideIdentity:
		return "caller's identity policies"
	case iampolicy.SideResource:
		return "API's resource policy"
	}
	return "identity policies and the resource policy"
}
