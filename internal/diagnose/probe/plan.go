package probe

import (
	"context"
	"net/http"
	"sort"
	"strings"
)

// class is what kind of answer a probe got.
type class int

const (
	clsNone          class = iota // no response
	clsOK                         // below 400
	clsForbidden                  // ForbiddenException (endpoint, stage, WAF, API key, mTLS)
	clsMissingToken               // MissingAuthenticationTokenException
	clsIncompleteSig              // IncompleteSignatureException
	clsInvalidToken               // "The security token included in the request is invalid."
	clsGateway                    // another API Gateway error (x-amzn-ErrorType)
	clsBackend                    // API Gateway ids but no x-amzn-ErrorType: the integration's own answer
	clsForeign                    // not an API Gateway REST API answer
)

const invalidTokenMessage = "The security token included in the request is invalid."

func (pr Probe) answered() bool { return pr.Status != 0 }

// fromRESTGateway reports whether API Gateway (REST) produced or relayed the response: it
// carries x-amzn-RequestId / x-amz-apigw-id or an x-amzn-ErrorType (facts §10).
func (pr Probe) fromRESTGateway() bool {
	if pr.ErrorType != "" || pr.RequestID != "" || pr.ExtendedRequestID != "" {
		return true
	}
	return false
}

func classify(pr Probe) class {
	switch {
	case !pr.answered():
		return clsNone
	case pr.Status < 400:
		return clsOK
	case pr.ErrorType == "ForbiddenException":
		return clsForbidden
	case pr.ErrorType == "MissingAuthenticationTokenException":
		return clsMissingToken
	case pr.ErrorType == "IncompleteSignatureException":
		return clsIncompleteSig
	case pr.ErrorType != "" && strings.HasPrefix(pr.Message, invalidTokenMessage):
		return clsInvalidToken
	case pr.ErrorType != "":
		return clsGateway
	case pr.fromRESTGateway():
		return clsBackend
	}
	return clsForeign
}

// differs reports whether a structural probe (stage root, stage guess) got past the endpoint
// step: it answered, and not ForbiddenException.
func differs(pr Probe) bool {
	c := classify(pr)
	return c != clsNone && c != clsForbidden
}

// plan sends the follow-up probes that separate the causes sharing the first answer.
func (p *prober) plan(ctx context.Context, first Probe) {
	switch classify(first) {
	case clsOK:
		return
	case clsMissingToken, clsIncompleteSig:
		p.planRoute(ctx, classify(first))
	case clsForbidden:
		p.planForbidden(ctx)
	default:
		p.withoutAuth(ctx)
	}
}

func (p *prober) userGaveAuthorization() bool { return p.user.Get("Authorization") != "" }

// withoutAuth sends the request again without the user's Authorization (and SigV4 headers).
func (p *prober) withoutAuth(ctx context.Context) {
	if !p.userGaveAuthorization() {
		return
	}
	s := p.sameRequest(ProbeWithoutAuth, "the same request without your Authorization header: what an anonymous caller gets", p.method, true, true)
	p.send(ctx, s)
}

// planRoute separates route-not-found, missing-authentication-token, incomplete-signature,
// custom-domain-stage-in-path and resource-not-deployed (facts §11 steps 5 and 7).
func (p *prober) planRoute(ctx context.Context, first class) {
	t := p.rep.Target
	p.withoutAuth(ctx)
	p.send(ctx, p.withSigV4Dummy())
	if first != clsIncompleteSig { // the user's own header already showed the parse message
		p.send(ctx, p.withNonSigV4Dummy())
	}
	if t.Kind == KindCustomDomain {
		if path, ok := p.withoutStagePath(); ok {
			p.send(ctx, p.otherPath(ProbeWithoutStage, "the same path without the segment that looks like a stage: a custom domain's base path mapping already selects the stage, and the URL must not repeat it (seed row 16)", path))
		}
	} else {
		if t.HasStageSegment() {
			if root := t.StagePath(t.Stage, ""); root != p.u.EscapedPath() {
				s := p.otherPath(ProbeStageRoot, "the stage root: any answer other than Forbidden means the stage exists", root)
				s.stage = t.Stage
				p.send(ctx, s)
			}
		}
		if t.Rest != "" && !t.PathStyle {
			p.send(ctx, p.otherPath(ProbeWithoutStage, "the path without its first segment: on an execute-api host the first segment is the stage, so this one should answer Forbidden", t.Rest))
		}
	}
	p.send(ctx, p.preflight())
	p.viaAPIIDHeader(ctx)
}

// preflight is a CORS preflight for the same path, without credentials (browsers send none).
func (p *prober) preflight() spec {
	h, from := p.baseHeaders(false, true)
	h.Set("Origin", preflightOrigin)
	m := p.method
	if m == http.MethodOptions {
		m = http.MethodGet
	}
	h.Set("Access-Control-Request-Method", m)
	return spec{name: ProbeOptions, why: "a CORS preflight (OPTIONS) for the same path: an answering preflight means the resource exists; Missing Authentication Token means it has no OPTIONS method (no CORS) or does not exist",
		method: http.MethodOptions, path: p.u.EscapedPath(), host: p.host, header: h, fromUser: from, dummy: map[string]bool{}}
}

// withoutStagePath removes, from a custom domain URL, the first of its first two segments that
// is a common stage name (else the first segment).
func (p *prober) withoutStagePath() (string, bool) {
	segs := strings.Split(strings.TrimPrefix(p.u.EscapedPath(), "/"), "/")
	if len(segs) < 2 {
		return "", false
	}
	drop := 0
	for i := 0; i < 2 && i < len(segs); i++ {
		if isGuessedStage(segs[i]) {
			drop = i
			break
		}
	}
	out := append(append([]string{}, segs[:drop]...), segs[drop+1:]...)
	return "/" + strings.Join(out, "/"), true
}

func isGuessedStage(s string) bool {
	for _, g := range StageGuesses {
		if strings.EqualFold(g, s) {
			return true
		}
	}
	return false
}

// planForbidden separates stage-not-found from an API that is unreachable as addressed
// (private-api-wrong-endpoint, default-endpoint-disabled, unknown API id,
// public-api-via-private-dns) and from later Forbidden answers (WAF, API key).
func (p *prober) planForbidden(ctx context.Context) {
	t := p.rep.Target
	if t.Kind == KindCustomDomain && !t.PathStyle {
		if p.u.EscapedPath() != "/" {
			p.send(ctx, p.otherPath(ProbeDomainRoot, "the custom domain's root: answered by a (none) base path mapping if there is one", "/"))
		}
		return
	}
	if !t.namesAPI() && t.APIID == "" {
		// The Host names no API (a VPC endpoint's own name or an IP address without
		// x-apigw-api-id): no stage can be found that way, so no guesses are spent.
		return
	}
	if t.HasStageSegment() {
		root := t.StagePath(t.Stage, "")
		if root != p.u.EscapedPath() && root+"/" != p.u.EscapedPath() {
			s := p.otherPath(ProbeStageRoot, "the stage root: any answer other than Forbidden means the stage exists and the API is reachable", root)
			s.stage = t.Stage
			if pr, ok := p.send(ctx, s); ok && differs(pr) {
				return // the stage exists: the Forbidden comes from a later step (WAF, API key)
			}
		}
	}
	// A web ACL rule that matches one of the user's own headers (User-Agent, X-Forwarded-For…)
	// blocks every path of the stage: Forbidden with those headers, not without them.
	if names := p.plainHeaderNames(); len(names) > 0 {
		path := p.u.EscapedPath()
		if t.HasStageSegment() {
			path = t.StagePath(t.Stage, "")
		}
		h, from := http.Header{}, map[string]bool{}
		h.Set("User-Agent", userAgent)
		if id := p.user.Get("X-Apigw-Api-Id"); id != "" {
			h.Set("X-Apigw-Api-Id", id)
			from["X-Apigw-Api-Id"] = true
		}
		s := spec{name: ProbeWithoutHeaders, why: "the same stage without your headers (" + strings.Join(names, ", ") + "): a web ACL rule matching one of them blocks the request with them and lets it through without them; a missing stage answers Forbidden either way",
			stage: t.Stage, method: http.MethodGet, path: path, host: p.host, header: h, fromUser: from, dummy: map[string]bool{}}
		if pr, ok := p.send(ctx, s); ok && differs(pr) {
			return
		}
	}
	guesses := 0
	for _, g := range StageGuesses {
		if g == t.Stage || guesses >= maxStageGuessProbes {
			continue
		}
		guesses++
		s := p.otherPath(ProbeStageGuess, "a common stage name: if it answers anything but Forbidden, the API is reachable and the URL's stage does not exist", t.StagePath(g, ""))
		s.stage = g
		pr, ok := p.send(ctx, s)
		if !ok {
			break
		}
		if differs(pr) {
			p.stageSwap(ctx, g)
			return
		}
	}
	p.viaAPIIDHeader(ctx)
}

// stageSwap sends the URL's path under a stage that exists.
func (p *prober) stageSwap(ctx context.Context, stage string) {
	t := p.rep.Target
	var path, why string
	switch {
	case t.Rest != "":
		path, why = t.StagePath(stage, t.Rest), "the same resource path on stage "+stage+", which exists"
	case t.Stage != "":
		path, why = t.StagePath(stage, "/"+t.Stage), "the URL's path under stage "+stage+": the URL may be missing its stage"
	default:
		return
	}
	s := p.otherPath(ProbeStageSwap, why, path)
	s.stage = stage
	p.send(ctx, s)
}

// viaAPIIDHeader sends the same path to the URL's own host with x-apigw-api-id naming the API,
// when the request named the API only through a Host header, or the URL's host is a VPC
// endpoint name or an address (facts §7).
func (p *prober) viaAPIIDHeader(ctx context.Context) {
	t := p.rep.Target
	if t.APIID == "" || t.PathStyle || p.user.Get("X-Apigw-Api-Id") != "" {
		return
	}
	connectKind, _, _, _ := ClassifyHost(t.Connect)
	if (p.host == "" || strings.EqualFold(t.Host, t.Connect)) && connectKind != KindVPCEndpoint && connectKind != KindOther {
		return
	}
	s := p.sameRequest(ProbeAPIIDHeader, "the same path through the URL's own host, naming the API with x-apigw-api-id instead of Host (how a VPC endpoint's own DNS name reaches a private API)", p.method, true, false)
	s.host = ""
	s.header.Set("X-Apigw-Api-Id", t.APIID)
	p.send(ctx, s)
}

// plainHeaderNames are the user's headers that go on structural probes (not credentials, not
// Host or x-apigw-api-id, which address the API).
func (p *prober) plainHeaderNames() []string {
	var out []string
	for k := range p.user {
		if IsSecretName(k) || k == "X-Apigw-Api-Id" {
			continue
		}
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
