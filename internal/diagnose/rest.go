package diagnose

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/portcullis/portcullis/internal/cause"
	"github.com/portcullis/portcullis/internal/diagnose/input"
	"github.com/portcullis/portcullis/internal/diagnose/redact"
)

// rankREST ranks the catalogue for a response API Gateway produced (or a log line it wrote).
func rankREST(v *view, opt Options) *ranker {
	r := newRanker(v)
	signature(r)
	messages(r)
	logs(r)
	endpointRules(r, opt)
	keyRules(r)
	routeRules(r)
	iamRules(r)
	authorizerRules(r)
	return r
}

// signature lists the causes whose default response fits: same x-amzn-ErrorType (or, from a log,
// the same $context.error.responseType), else the same status.
func signature(r *ranker) {
	v := r.v
	rt := v.field("error.responseType")
	for i := range cause.All() {
		e := &cause.All()[i]
		if e.ID == cause.Backend403 {
			continue
		}
		switch {
		case rt != "":
			if e.ResponseType == rt || (rt == "DEFAULT_4XX" && e.ResponseType == "DEFAULT_4XX") {
				r.add(e.ID, base, "$context.error.responseType = "+rt)
			}
		case v.errorType != "":
			if e.ErrorType == v.errorType || contains(altErrorTypes[e.ID], v.errorType) {
				r.add(e.ID, base, "x-amzn-ErrorType: "+v.errorType)
			}
		case v.status != 0:
			if e.Status == v.status && (e.ErrorType == "" || !v.restHeaders() || v.fromLog) {
				r.add(e.ID, base, fmt.Sprintf("status %d", v.status))
			}
		}
	}
	if len(r.order) == 0 && v.status != 0 {
		// An x-amzn-ErrorType or responseType we do not know: fall back to the status.
		for i := range cause.All() {
			e := &cause.All()[i]
			if e.Status == v.status && e.ID != cause.Backend403 {
				r.add(e.ID, base-3, fmt.Sprintf("status %d (the error type %q is not one API Gateway sends by default)", v.status, v.errorType+rt))
			}
		}
	}
	for _, id := range r.order {
		c := r.c[id]
		if c.entry.Status == v.status {
			c.pro(weak, "")
		} else if v.status != 0 {
			c.con(weak, fmt.Sprintf("this cause answers %d by default, the response is %d (a customised gateway response can change it)", c.entry.Status, v.status))
		}
	}
}

var sigv4ParseRE = regexp.MustCompile(`^(Authorization header requires '|Invalid key=value pair \(missing equal-sign\) in Authorization header|Unsupported AWS 'algorithm'|Credential must have exactly 5 slash-delimited elements)`)

// altErrorTypes are error types a cause also answers with, besides its catalogue default.
var altErrorTypes = map[string][]string{
	cause.InvalidSecurityToken: {"ExpiredTokenException"}, // an expired session token (sigv4.MsgExpiredToken)
}

// altMessages are messages a cause also answers with.
var altMessages = map[string][]string{
	cause.InvalidSecurityToken: {"The security token included in the request is expired"},
}

// specific reports whether a catalogue message identifies its cause (not "{detail}").
func specific(e *cause.Entry) bool { return !strings.HasPrefix(e.Message, "{") }

// messages compares the body's message with each candidate's default message.
func messages(r *ranker) {
	v := r.v
	if v.nullMessage {
		for _, id := range r.order {
			c := r.c[id]
			if c.entry.NullMessage {
				c.pro(matchMsg, `the body is {"message": null}`)
			} else {
				c.con(matchMsg, `the body is {"message": null}, which this cause never sends`)
			}
		}
		return
	}
	if !v.hasMessage {
		return
	}
	msg := v.message
	if sigv4ParseRE.MatchString(msg) {
		// API Gateway's SigV4 parse messages: the same for a missing route with a non-SigV4
		// Authorization header and for an AWS_IAM method with an incomplete signature.
		for _, id := range r.order {
			c := r.c[id]
			if c.id == cause.RouteNotFoundWithAuthorization || c.id == cause.IncompleteSignature {
				c.pro(matchMsg, "the message is API Gateway's SigV4 parse message: "+quote(msg, 160))
			} else {
				c.con(strong, "the message "+quote(msg, 120)+" is API Gateway's SigV4 parse message")
			}
		}
		return
	}
	matchedSpecific := false
	match := map[string]bool{}
	for _, id := range r.order {
		e := r.c[id].entry
		if !specific(e) {
			continue
		}
		for _, m := range append([]string{e.Message, e.MessageCurrent}, altMessages[id]...) {
			if m != "" && cause.MessageMatches(m, msg) {
				match[id] = true
				matchedSpecific = true
			}
		}
	}
	// Among the messages of the same group, a longer template that matches wins over a shorter
	// one that also matches ("… with an explicit deny" vs without).
	explicit := strings.HasSuffix(msg, explicitDeny) || strings.Contains(msg, explicitDeny+" in ")
	for _, id := range r.order {
		c := r.c[id]
		e := c.entry
		switch {
		case match[id]:
			if explicit != strings.Contains(e.Message, explicitDeny) && id != cause.VPCEPolicyDeny {
				// "… on resource: {arn}" also matches "… {arn} with an explicit deny": the
				// explicit-deny wording decides between the two templates (a VPC endpoint
				// policy answers either, as its statements allow or deny).
				if explicit {
					c.con(strong, "the message says \"with an explicit deny\"; this cause's message does not")
				} else {
					c.con(matchMsg, "")
				}
				continue
			}
			c.pro(matchMsg, "the message is this cause's: "+quote(msg, 160))
		case !specific(e):
			if !matchedSpecific {
				c.pro(matchMsg-2, "the message "+quote(msg, 160)+" is a detail message of this kind")
			} else {
				c.con(strong, "the message "+quote(msg, 120)+" belongs to another cause")
			}
		case matchedSpecific:
			c.con(strong, "the message "+quote(msg, 120)+" is not this cause's ("+quote(e.Message, 80)+")")
		default:
			c.pro(0, "the body was customised ("+quote(msg, 80)+"); the x-amzn-ErrorType header still names the kind of error")
		}
	}
}

// logs applies what access-log fields and execution-log lines say.
func logs(r *ranker) {
	v := r.v
	if rt := v.field("error.responseType"); rt != "" {
		for _, id := range r.order {
			c := r.c[id]
			if c.entry.ResponseType != rt {
				c.con(strong, "$context.error.responseType is "+rt+", not "+c.entry.ResponseType)
			}
		}
	}
	text := v.fields["log"]
	if text == "" {
		return
	}
	for _, id := range r.order {
		c := r.c[id]
		for _, l := range c.entry.ExecLog {
			if found := cause.FindInLog(l, text); found != "" {
				c.pro(strong, "the execution log says: "+quote(found, 200))
			}
		}
	}
	if a := v.field("accessDenied.reason"); a != "" {
		r.each(func(c *cand) { c.pro(strong, "the execution log says: Access denied. Reason: "+a) }, cause.MTLSCertificateRejected)
	}
	if a := v.field("apiKey.error"); a != "" {
		switch {
		case strings.Contains(a, "not associated with a Usage Plan"):
			r.each(func(c *cand) { c.pro(strong, "the execution log says: "+quote(a, 200)) }, cause.APIKeyNotInUsagePlan)
		case strings.HasPrefix(a, "Invalid API Key identifier"):
			r.each(func(c *cand) { c.pro(strong, "the execution log says: "+a) }, cause.InvalidAPIKey)
		}
	}
	if t := v.field("throttle"); t != "" {
		r.each(func(c *cand) { c.pro(strong, "the execution log says: "+quote(t, 200)) }, cause.Throttled)
	}
}

// endpointRules: host kind, stage and VPC endpoint evidence for the causes that answer at the
// endpoint step (facts §7, §8, §11 item 2).
func endpointRules(r *ranker, opt Options) {
	v := r.v
	kind := v.hostKind
	seg := v.segments()
	custom := kind == hostCustom
	if len(opt.Stages) == 0 && v.apiID != "" {
		opt.Stages = opt.StagesByAPI[v.apiID]
	}
	execAPI := kind == hostExecuteAPI || kind == hostVPCE || kind == hostVPCEAlias

	r.each(func(c *cand) {
		switch {
		case custom:
			c.con(-exclude, "the host "+v.host+" is a custom domain: its base path mappings choose the stage")
		case kind == hostUnknown:
		case len(seg) == 0:
			c.pro(hint+weak, "the URL has no stage segment (the first path segment after the host is the stage)")
		case len(opt.Stages) > 0 && contains(opt.Stages, seg[0]):
			c.con(-exclude, "stage "+seg[0]+" exists")
		case len(opt.Stages) > 0:
			c.pro(strong, fmt.Sprintf("%q is not one of the API's stages %v", seg[0], opt.Stages))
		case v.rawPath != "":
			c.pro(hint, fmt.Sprintf("the path %s has dot segments; API Gateway resolves them first, so the stage is %q", v.rawPath, seg[0]))
		case !stageNameRE.MatchString(seg[0]):
			c.pro(hint, fmt.Sprintf("%q cannot be a stage name (alphanumerics, hyphens and underscores only)", seg[0]))
		default:
			c.pro(0, fmt.Sprintf("the first path segment %q is taken as the stage name; if no such stage is deployed API Gateway answers this", seg[0]))
		}
	}, cause.StageNotFound)

	r.each(func(c *cand) {
		switch kind {
		case hostVPCE:
			if v.apiIDHeader == "" {
				c.pro(strong, "the request went to the VPC endpoint's own name "+v.host+" without an x-apigw-api-id header or a Host header naming the API")
			} else {
				c.con(hint, "x-apigw-api-id: "+v.apiIDHeader+" names the API")
			}
		case hostVPCEAlias:
			c.pro(0, "the Route 53 alias "+v.host+" works only when "+v.vpceID+" is in the API's vpcEndpointIds")
		case hostExecuteAPI:
			if v.fromLog {
				if vpce := v.field("identity.vpceId"); vpce != "" {
					c.pro(weak, "the request came through VPC endpoint "+vpce)
				}
			}
			c.pro(0, "a private API answers this when called by its execute-api name from outside a VPC with private DNS")
		case hostCustom:
			c.con(-exclude, "the host is a custom domain")
		}
	}, cause.PrivateAPIWrongEndpoint)

	r.each(func(c *cand) {
		switch {
		case kind == hostExecuteAPI && !v.fromLog:
			c.pro(0, "the request used the default execute-api endpoint "+v.host)
		case kind == hostExecuteAPI && v.field("identity.vpceId") == "":
			c.con(strong, "the access log shows no VPC endpoint ($context.identity.vpceId is empty)")
		case kind == hostExecuteAPI:
			c.pro(weak, "the request came through VPC endpoint "+v.field("identity.vpceId"))
		case kind != hostUnknown:
			c.con(-exclude, "the host "+v.host+" is not the API's execute-api name")
		}
	}, cause.PublicAPIViaPrivateDNS)

	r.each(func(c *cand) {
		switch {
		case kind == hostExecuteAPI && !v.fromLog:
			c.pro(0, "the request used the default execute-api endpoint "+v.host)
		case kind == hostExecuteAPI && v.field("identity.vpceId") != "":
			c.con(hint, "the request came through a VPC endpoint")
		case kind == hostExecuteAPI:
			c.pro(0, "the request used the default execute-api endpoint")
		case kind != hostUnknown:
			c.con(-exclude, "the host "+v.host+" is not the default execute-api endpoint")
		}
	}, cause.DefaultEndpointDisabled)

	r.each(func(c *cand) {
		switch {
		case custom:
			c.pro(hint, "the host "+v.host+" is a custom domain")
			if v.field("customDomain.basePathMatched") != "" {
				c.con(-exclude, "a base path matched: "+v.field("customDomain.basePathMatched"))
			}
		case kind != hostUnknown:
			c.con(-exclude, "the host "+v.host+" is not a custom domain")
		}
	}, cause.CustomDomainNoMapping)

	r.each(func(c *cand) {
		switch {
		case kind != hostUnknown && !custom:
			c.con(-exclude, "mutual TLS applies only to custom domain names; the host is "+v.host)
		case custom && strings.HasPrefix(v.url, "http://"):
			c.pro(hint, "the host "+v.host+" is a custom domain; the request was plain HTTP, which AWS custom domains never accept (a local gateway answers a domain with mutual TLS reached without TLS like this)")
		case custom:
			c.pro(hint, "the host "+v.host+" is a custom domain, which may require mutual TLS")
		}
		if t := v.x.TLS; t != nil && tlsSeen(t) {
			switch {
			case t.CertRequested && !t.ClientCertSent:
				c.pro(strong, "the server asked for a client certificate (Request CERT) and the client sent none")
			case t.ClientCertSent:
				c.pro(0, "a client certificate was sent in the TLS handshake; the truststore may not accept it (untrusted issuer, expired, self-signed)")
			case !t.CertRequested && t.HandshakeError == "":
				c.con(strong, "the TLS handshake has no certificate request: mutual TLS is off for this domain")
			}
			if t.HandshakeError != "" {
				c.pro(weak, "TLS: "+t.HandshakeError)
			}
		}
		if s := v.field("identity.clientCert.subjectDN"); s != "" {
			c.pro(weak, "client certificate "+s)
		}
	}, cause.MTLSCertificateRejected)

	r.each(func(c *cand) {
		if !execAPI && kind != hostUnknown && !custom {
			c.con(hint, "")
		}
		why := wafSignals(v)
		for _, w := range why {
			c.pro(hint, w)
		}
		if s := v.field("waf.status"); s != "" {
			c.pro(strong, "$context.waf.status = "+s)
		}
		if s := v.field("wafResponseCode"); s != "" {
			if strings.Contains(strings.ToUpper(s), "BLOCK") || s == "403" {
				c.pro(strong, "$context.wafResponseCode = "+s)
			} else {
				c.con(strong, "$context.wafResponseCode = "+s)
			}
		}
		if s := v.field("waf.error"); s != "" {
			c.pro(weak, "$context.waf.error = "+s)
		}
	}, cause.WAFBlocked)
}

// wafSignals are request features AWS managed rules and bot rules act on.
func wafSignals(v *view) []string {
	var why []string
	if m := suspiciousRE.FindString(v.decodedTarget()); m != "" {
		why = append(why, "the URL contains "+quote(m, 40)+", which AWS managed rules (SQLi/XSS/known bad inputs) block")
	}
	if m := suspiciousRE.FindString(v.reqBody); m != "" {
		why = append(why, "the body contains "+quote(m, 40)+", which AWS managed rules block")
	}
	if ua := v.reqHdr.Get("User-Agent"); ua != "" && badAgentRE.MatchString(ua) && !strings.HasPrefix(ua, "curl/") {
		why = append(why, "User-Agent "+quote(ua, 60)+" looks like a bot or scanner (bot control / byte-match rules)")
	}
	return why
}

// tlsSeen reports whether a transcript shows a TLS handshake (not just "Connected to").
func tlsSeen(t *input.TLSInfo) bool {
	for _, l := range t.Lines {
		if strings.Contains(l, "TLS") || strings.Contains(l, "SSL") {
			return true
		}
	}
	return t.ClientCertSent || t.CertRequested || t.HandshakeError != ""
}

// decodedTarget is the request path and query, percent-decoded, for pattern checks.
func (v *view) decodedTarget() string {
	s := v.path
	if v.rawPath != "" {
		s = v.rawPath
	}
	if v.query != nil {
		s += "?" + v.query.Encode()
	}
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// keyRules: was a key sent, and what the logs say about it (facts §6).
func keyRules(r *ranker) {
	v := r.v
	sent := v.sent("x-api-key")
	logged := v.field("identity.apiKey") != "" || v.field("identity.apiKeyId") != ""
	authorizerSource := sent && v.authShape() != "" && !v.signed()
	r.each(func(c *cand) {
		switch {
		case authorizerSource:
			c.pro(0, "an x-api-key header was sent, but a token too: with apiKeySource AUTHORIZER the header does not count and the key must come from the authorizer's usageIdentifierKey")
		case sent:
			c.con(-exclude, "an x-api-key header was sent")
		case logged:
			c.con(-exclude, "the log shows an API key for this request")
		case v.x.Request != nil && !v.fromLog:
			c.pro(0, "no x-api-key header was sent; a method with apiKeyRequired answers this")
		}
	}, cause.APIKeyMissing)
	r.each(func(c *cand) {
		switch {
		case authorizerSource:
			c.pro(0, "an x-api-key header was sent ("+maskValue(v.reqHdr.Get("x-api-key"))+")")
		case sent:
			c.pro(weak, "an x-api-key header was sent ("+maskValue(v.reqHdr.Get("x-api-key"))+")")
		case logged:
			c.pro(weak, "the log shows an API key for this request")
		case v.x.Request != nil && !v.fromLog:
			c.con(-exclude, "no x-api-key header was sent")
		}
		if id := v.field("identity.apiKeyId"); id != "" && c.id == cause.InvalidAPIKey {
			c.con(hint, "API Gateway recognised the key (id "+id+")")
		}
	}, cause.InvalidAPIKey, cause.APIKeyDisabled, cause.APIKeyNotInUsagePlan)
}

// routeRules: Missing Authentication Token and IncompleteSignatureException (facts §5.5, §11 item 5).
func routeRules(r *ranker) {
	v := r.v
	seg := v.segments()
	shape := v.authShape()
	r.each(func(c *cand) {
		if v.hostKind != hostCustom && v.hostKind != hostUnknown {
			c.con(-exclude, "the host is not a custom domain")
			return
		}
		for _, s := range seg {
			if commonStages[s] {
				c.pro(hint+weak, fmt.Sprintf("the path contains %q, which looks like a stage name: custom domains map the stage themselves", s))
				return
			}
		}
		if v.hostKind == hostCustom {
			c.con(hint, "no path segment looks like a stage name")
		}
	}, cause.CustomDomainStageInPath)
	r.each(func(c *cand) {
		switch {
		case v.signed():
			c.con(-exclude, "the request is signed with SigV4")
		case shape != "":
			c.pro(0, "")
		default:
			c.pro(0, "the request has no Authorization header and no SigV4 query signature: an AWS_IAM method answers this")
		}
	}, cause.MissingAuthenticationToken)
	r.each(func(c *cand) {
		if v.signed() {
			c.pro(weak, "the request was signed, so the route (path, method or stage deployment) is what is missing")
		} else {
			c.pro(0, "no resource and method match "+v.method+" "+v.path+" in the stage's deployment: API Gateway answers this before it looks at authentication")
		}
	}, cause.RouteNotFound)
	r.each(func(c *cand) {
		c.pro(0, "the resource may exist in the API's current definition but not in the deployment the stage serves")
	}, cause.ResourceNotDeployed)
	r.each(func(c *cand) {
		switch shape {
		case "":
			c.con(strong, "no Authorization header was sent")
		case "sigv4-partial":
			c.con(hint, "the Authorization header is an attempted SigV4 signature")
		default:
			c.pro(0, "a non-SigV4 Authorization header ("+authKind(shape)+") reached a path with no resource; API Gateway then parses it as SigV4")
		}
	}, cause.RouteNotFoundWithAuthorization)
	r.each(func(c *cand) {
		switch shape {
		case "":
			if !v.presigned() {
				c.con(strong, "no Authorization header was sent")
			}
		case "sigv4-partial", "sigv4":
			c.pro(hint, "the Authorization header is an attempted SigV4 signature that lacks parts")
		default:
			c.pro(0, "an AWS_IAM method answers the same when the Authorization header ("+authKind(shape)+") is not SigV4")
		}
	}, cause.IncompleteSignature)
}

func authKind(shape string) string {
	switch shape {
	case "bearer":
		return "a Bearer token"
	case "basic":
		return "Basic credentials"
	case "jwt":
		return "a bare JWT"
	}
	return "not SigV4"
}

// iamRules: SigV4 evidence (facts §5.2): skew, scope, temporary credentials.
func iamRules(r *ranker) {
	v := r.v
	signedAt, okSigned := v.signedAt()
	respAt, okResp := v.responseDate()
	r.each(func(c *cand) {
		if !okSigned || !okResp {
			return
		}
		d := respAt.Sub(signedAt)
		if d < 0 {
			d = -d
		}
		if d > 5*time.Minute {
			c.pro(hint+weak, fmt.Sprintf("X-Amz-Date %s is %s away from the response Date %s (more than the 5 minutes allowed)", signedAt.Format("20060102T150405Z"), d.Round(time.Second), respAt.UTC().Format(time.RFC1123)))
		} else if exp := v.query.Get("X-Amz-Expires"); exp == "" {
			c.con(hint, fmt.Sprintf("X-Amz-Date is within %s of the response Date", d.Round(time.Second)))
		}
	}, cause.SignatureExpired)
	cred := v.credential()
	m := credScopeRE.FindStringSubmatch(cred)
	r.each(func(c *cand) {
		if m == nil {
			return
		}
		var bad []string
		if m[4] != "execute-api" {
			bad = append(bad, "service "+m[4]+" (must be execute-api)")
		}
		if v.region != "" && m[3] != v.region {
			bad = append(bad, "region "+m[3]+" (the API is in "+v.region+")")
		}
		if m[5] != "aws4_request" {
			bad = append(bad, "terminator "+m[5])
		}
		if okSigned && m[2] != signedAt.Format("20060102") {
			bad = append(bad, "date "+m[2]+" (X-Amz-Date is "+signedAt.Format("20060102T150405Z")+")")
		}
		if len(bad) > 0 {
			c.pro(hint+weak, "the credential scope names "+strings.Join(bad, ", "))
		} else {
			c.con(weak, "the credential scope "+redact.Credential(cred)+" looks right")
		}
	}, cause.CredentialScopeMismatch)
	r.each(func(c *cand) {
		if m == nil {
			if !v.signed() {
				c.con(hint, "the request is not signed")
			}
			return
		}
		key := m[1]
		tok := v.reqHdr.Get("X-Amz-Security-Token")
		if tok == "" {
			tok = v.query.Get("X-Amz-Security-Token")
		}
		switch {
		case strings.HasPrefix(key, "ASIA") && tok == "":
			c.pro(hint+weak, "the access key "+redact.AccessKeyID(key)+" is temporary (ASIA…) but no X-Amz-Security-Token was sent")
		case strings.HasPrefix(key, "AKIA") && tok != "":
			c.pro(hint, "a long-term access key "+redact.AccessKeyID(key)+" was sent with an X-Amz-Security-Token")
		case !awsKeyIDRE.MatchString(key):
			c.pro(weak, "the access key id "+redact.AccessKeyID(key)+" is not shaped like an AWS key (AKIA…/ASIA…)")
		default:
			c.pro(0, "signed with access key "+redact.AccessKeyID(key)+"; API Gateway does not know it, or its session token does not match")
		}
	}, cause.InvalidSecurityToken)
	r.each(func(c *cand) {
		if !v.signed() && v.x.Request != nil && !v.fromLog {
			c.con(-exclude, "the request is not signed")
		}
	}, cause.SignatureMismatch, cause.SignatureExpired)
	principal := ""
	if i := strings.Index(v.message, "User: "); i >= 0 {
		principal = strings.SplitN(v.message[i+6:], " ", 2)[0]
	}
	r.each(func(c *cand) {
		switch v.hostKind {
		case hostVPCE, hostVPCEAlias:
			if c.id == cause.VPCEPolicyDeny {
				c.pro(0, "the request went through VPC endpoint "+v.vpceID)
			}
		}
		if vpce := v.field("identity.vpceId"); v.fromLog && c.id == cause.VPCEPolicyDeny {
			if vpce != "" {
				c.pro(0, "the request came through VPC endpoint "+vpce)
			} else {
				c.con(strong, "the access log shows no VPC endpoint")
			}
		}
		if principal == "anonymous" && v.signed() {
			c.pro(0, "the principal is anonymous although the request is signed: the method is not AWS_IAM, so the policy saw no caller")
		} else if principal != "" {
			c.pro(0, "the principal is "+principal)
		}
	}, cause.PolicyNoAllow, cause.VPCEPolicyDeny, cause.PolicyExplicitDeny)
}

// authorizerRules: Lambda and Cognito authorizers (facts §4.4).
func authorizerRules(r *ranker) {
	v := r.v
	shape := v.authShape()
	tok := v.bearerToken()
	claims := jwtClaims(tok)
	iss, _ := claims["iss"].(string)
	cognito := strings.Contains(iss, "cognito-idp.")
	respAt, okResp := v.responseDate()
	expired := ""
	if e, ok := claims["exp"].(float64); ok && okResp && time.Unix(int64(e), 0).Before(respAt) {
		expired = "the token expired at " + time.Unix(int64(e), 0).UTC().Format(time.RFC3339) + ", before the response Date"
	}
	authErr := v.field("authorizer.error")
	r.each(func(c *cand) {
		switch {
		case shape == "" && !v.fromLog && v.x.Request != nil:
			c.pro(hint+weak, "no Authorization header was sent (the usual identity source)")
		case shape != "":
			c.con(hint, "an Authorization header was sent (the authorizer's identity source may be another header, or the token fails its identityValidationExpression)")
		}
		if strings.Contains(authErr, "Unauthorized") && v.fromLog && v.field("authorizer.status") == "" {
			c.pro(weak, "")
		}
	}, cause.AuthorizerIdentityMissing)
	r.each(func(c *cand) {
		switch {
		case shape == "" && !v.fromLog && v.x.Request != nil:
			c.con(strong, "no Authorization header was sent")
		case cognito:
			c.con(hint, "the token is a Cognito user pool token ("+iss+")")
		case shape != "":
			c.pro(hint, "a token was sent and the authorizer rejected it")
		}
		if s := v.field("authorizer.status"); s == "401" {
			c.pro(hint, "$context.authorizer.status = 401: the function ran and returned Unauthorized")
		}
		if expired != "" {
			c.pro(0, expired)
		}
	}, cause.AuthorizerUnauthorized)
	r.each(func(c *cand) {
		switch {
		case shape == "" && !v.fromLog && v.x.Request != nil:
			c.con(strong, "no Authorization header was sent")
		case cognito:
			c.pro(hint+weak, "the token was issued by a Cognito user pool ("+iss+")")
			if use, _ := claims["token_use"].(string); use != "" {
				c.pro(0, "token_use is "+use)
			}
		case claims != nil:
			c.con(weak, "the token is a JWT but not from Cognito (iss "+quote(iss, 80)+")")
		case shape != "":
			c.con(hint, "the token is not a JWT")
		}
		if expired != "" {
			c.pro(weak, expired)
		}
	}, cause.CognitoTokenRejected)
	r.each(func(c *cand) {
		if authErr != "" {
			c.pro(weak, "$context.authorizer.error = "+quote(authErr, 160))
		}
	}, cause.AuthorizerError)
}
