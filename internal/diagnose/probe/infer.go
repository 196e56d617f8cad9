package probe

import (
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/portcullis/portcullis/internal/cause"
)

// Confidence levels.
const (
	Exact  = "exact"
	High   = "high"
	Medium = "medium"
	Low    = "low"
)

// Origins (the diagnose package's names).
const (
	OriginREST       = "apigateway-rest"
	OriginHTTPAPI    = "apigateway-http"
	OriginCloudFront = "cloudfront"
	OriginALB        = "alb"
	OriginS3         = "s3"
	OriginUnknown    = "unknown"
)

// originCauses are the IDs for answers that did not come from an API Gateway REST API
// (DESIGN.md §1 "Diagnosis output"); they are not in the cause catalogue.
var originCauses = map[string]struct{ title, remedy string }{
	"cloudfront-waf-blocked":     {"CloudFront (or its AWS WAF web ACL) refused the request", "Check the distribution's web ACL and behaviours: aws cloudfront get-distribution-config --id DIST_ID."},
	"cloudfront-geo-restriction": {"CloudFront geographic restriction", "Check Restrictions.GeoRestriction of the distribution."},
	"alb-waf-blocked":            {"An Application Load Balancer (or its web ACL) refused the request", "Check the load balancer's listener rules and the web ACL associated with it."},
	"s3-access-denied":           {"Amazon S3 denied access", "Check the bucket policy and object ACLs, or the CloudFront origin access control."},
	"proxy-blocked":              {"A proxy, firewall or other front end answered, not API Gateway", "Look at the response's Server/Via headers and ask whoever runs that front end; call the execute-api URL directly to compare."},
}

// cand builds a candidate with the catalogue's title and remedies.
func cand(id, confidence string, evidence ...string) Candidate {
	c := Candidate{ID: id, Confidence: confidence, Evidence: evidence, Remedy: []string{}}
	if c.Evidence == nil {
		c.Evidence = []string{}
	}
	if e, ok := cause.Lookup(id); ok {
		c.Title = e.Title
		c.Remedy = append(c.Remedy, e.Remedies...)
	} else if o, ok := originCauses[id]; ok {
		c.Title = o.title
		c.Remedy = append(c.Remedy, o.remedy)
	}
	return c
}

// rank numbers groups of candidates: every candidate of a group shares its rank.
func rank(groups ...[]Candidate) []Candidate {
	out := []Candidate{}
	seen := map[string]bool{}
	r := 0
	for _, g := range groups {
		added := false
		for _, c := range g {
			if seen[c.ID] {
				continue
			}
			if !added {
				r++
				added = true
			}
			seen[c.ID] = true
			c.Rank = r
			out = append(out, c)
		}
	}
	return out
}

// catalogue patterns: status + x-amzn-ErrorType + message (placeholders match anything).
type pattern struct {
	id        string
	status    int
	errorType string
	message   string
}

var patterns = sync.OnceValue(func() []pattern {
	var out []pattern
	for _, e := range cause.All() {
		if e.ErrorType == "" {
			continue
		}
		for _, m := range []string{e.Message, e.MessageCurrent} {
			if m == "" && !e.NullMessage {
				continue
			}
			out = append(out, pattern{id: e.ID, status: e.Status, errorType: e.ErrorType, message: m})
		}
	}
	return out
})

// catalogueMatches returns the catalogue IDs whose default response matches, in catalogue
// order; when the message matches none (a customised gateway response), those with the same
// status and x-amzn-ErrorType.
func catalogueMatches(pr Probe) []string {
	var exact, loose []string
	seen := map[string]bool{}
	for _, p := range patterns() {
		if p.errorType != pr.ErrorType {
			continue
		}
		if p.status == pr.Status && (pr.Message == "" || cause.MessageMatches(p.message, pr.Message)) {
			if !seen[p.id] {
				exact = append(exact, p.id)
				seen[p.id] = true
			}
		}
	}
	if len(exact) > 0 {
		return exact
	}
	for _, p := range patterns() {
		if p.errorType == pr.ErrorType && !seen[p.id] {
			loose = append(loose, p.id)
			seen[p.id] = true
		}
	}
	return loose
}

// view is what inference looks at.
type view struct {
	p     *prober
	t     Target
	first Probe
	// probes by name, in order.
	by map[string][]Probe
	// privateDNS: an AWS execute-api name resolves here to private addresses only.
	privateDNS bool
	loopback   bool
}

func (p *prober) view() *view {
	v := &view{p: p, t: p.rep.Target, by: map[string][]Probe{}}
	for _, pr := range p.rep.Probes {
		v.by[pr.Name] = append(v.by[pr.Name], pr)
	}
	v.first = v.by[ProbeAsGiven][0]
	for _, d := range p.rep.DNS {
		kind, _, _, _ := ClassifyHost(d.Name)
		if d.privateOnly() && isAWSName(d.Name) && (kind == KindExecuteAPI || kind == KindVPCEAlias) {
			v.privateDNS = true
		}
		if d.Role == "url" && d.loopbackOnly() {
			v.loopback = true
		}
	}
	return v
}

func (v *view) one(name string) (Probe, bool) {
	if ps := v.by[name]; len(ps) > 0 {
		return ps[0], true
	}
	return Probe{}, false
}

// answer is "403 ForbiddenException \"Forbidden\"" for the narrative.
func answer(pr Probe) string {
	if !pr.answered() {
		return "no response (" + pr.Error + ")"
	}
	s := fmt.Sprintf("%d", pr.Status)
	if pr.ErrorType != "" {
		s += " " + pr.ErrorType
	}
	if pr.Message != "" {
		s += fmt.Sprintf(" %q", clip(firstLine(pr.Message), 120))
	}
	return s
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// reqLine is "GET /prod/pets" (plus the Host when it is not the URL's).
func reqLine(pr Probe) string {
	path := pr.URL
	if i := strings.Index(path, "://"); i >= 0 {
		if j := strings.IndexByte(path[i+3:], '/'); j >= 0 {
			path = path[i+3+j:]
		} else {
			path = "/"
		}
	}
	return pr.Method + " " + path
}

// infer draws the conclusion from the probes (no --admin).
func (p *prober) infer() Conclusion {
	v := p.view()
	c := Conclusion{Causes: []Candidate{}, Reasoning: []string{}, Next: []string{}}
	c.Origin = v.origin()
	switch {
	case v.first.Status < 400:
		c.Outcome = "allowed"
	case v.first.Status >= 500:
		c.Outcome = "error"
	default:
		c.Outcome = "denied"
	}
	v.dnsReasoning(&c)
	switch classify(v.first) {
	case clsOK:
		c.Summary = fmt.Sprintf("%s answered %d as given: nothing was denied.", reqLine(v.first), v.first.Status)
		return c
	case clsMissingToken, clsIncompleteSig:
		v.inferRoute(&c)
	case clsForbidden:
		v.inferForbidden(&c)
	case clsBackend:
		v.inferBackend(&c)
	case clsForeign:
		v.inferForeign(&c)
	default:
		v.inferGeneric(&c)
	}
	if v.loopback && p.o.Admin == "" && c.Origin == OriginREST {
		c.Next = append(c.Next, "This is a gateway on this machine: if it is Portcullis, run the probe again with --admin ADDR (the admin API address `portcullis serve` prints; 127.0.0.1:4572 by default) to read the exact cause from its decision records.")
	}
	c.Summary = summary(c)
	return c
}

func summary(c Conclusion) string {
	if len(c.Causes) == 0 {
		return "No cause from the catalogue fits this answer."
	}
	var top []string
	for _, k := range c.Causes {
		if k.Rank == 1 {
			top = append(top, k.ID)
		}
	}
	first := c.Causes[0]
	switch {
	case first.Exact:
		return fmt.Sprintf("%s (exact, from the gateway's decision record): %s.", first.ID, first.Title)
	case len(top) == 1:
		return fmt.Sprintf("Most likely %s (%s confidence): %s.", first.ID, first.Confidence, first.Title)
	}
	return fmt.Sprintf("Tied: %s — the probes cannot tell these apart.", strings.Join(top, ", "))
}

// origin says which system answered the first request.
func (v *view) origin() string {
	pr := v.first
	h := func(k string) string { return strings.ToLower(pr.ResponseHeaders[k]) }
	switch {
	case !pr.answered():
		return OriginUnknown
	case pr.fromRESTGateway():
		return OriginREST
	case h("Apigw-Requestid") != "":
		return OriginHTTPAPI
	case strings.Contains(h("Via"), "cloudfront") || strings.Contains(h("X-Cache"), "cloudfront") || h("Server") == "cloudfront" || h("X-Amz-Cf-Id") != "":
		return OriginCloudFront
	case strings.HasPrefix(h("Server"), "awselb"):
		return OriginALB
	case h("Server") == "amazons3":
		return OriginS3
	}
	return OriginUnknown
}

func (v *view) dnsReasoning(c *Conclusion) {
	for _, d := range v.p.rep.DNS {
		if d.Note == "" || d.Note == "an IP address: no DNS lookup" {
			continue
		}
		ips := make([]string, 0, len(d.Addresses))
		for _, a := range d.Addresses {
			ips = append(ips, a.IP)
		}
		what := d.Error
		if what == "" {
			what = strings.Join(ips, ", ")
		}
		c.Reasoning = append(c.Reasoning, fmt.Sprintf("DNS: %s → %s: %s.", d.Name, what, d.Note))
	}
}

// inferRoute: the first answer is Missing Authentication Token or the IncompleteSignature
// parse message (facts §11 steps 5 and 7).
func (v *view) inferRoute(c *Conclusion) {
	first := v.first
	incomplete := classify(first) == clsIncompleteSig
	c.Reasoning = append(c.Reasoning, fmt.Sprintf("%s answered %s: the stage exists (a missing stage answers Forbidden), so either no resource/method matches or the method needs SigV4.", reqLine(first), answer(first)))
	if wa, ok := v.one(ProbeWithoutAuth); ok && wa.answered() {
		c.Reasoning = append(c.Reasoning, fmt.Sprintf("Without your Authorization header: %s.", answer(wa)))
	}
	var evidenceRoute []string
	if sr, ok := v.one(ProbeStageRoot); ok && differs(sr) {
		evidenceRoute = append(evidenceRoute, fmt.Sprintf("stage %q exists: %s answered %s", sr.Stage, reqLine(sr), answer(sr)))
	}
	if op, ok := v.one(ProbeOptions); ok && op.Status >= 200 && op.Status < 300 {
		allowed := op.ResponseHeaders["Access-Control-Allow-Methods"]
		line := fmt.Sprintf("the resource exists: its CORS preflight answered %d", op.Status)
		if allowed != "" {
			line += " allowing " + allowed
			if !containsMethod(allowed, first.Method) {
				line += fmt.Sprintf(", without %s", first.Method)
			}
		}
		evidenceRoute = append(evidenceRoute, line)
	}

	var groups [][]Candidate
	sig, sigOK := v.one(ProbeSigV4Dummy)
	switch {
	case sigOK && classify(sig) == clsInvalidToken:
		line := fmt.Sprintf("with a fake SigV4 header the same request answered %s: the gateway matched a method and looked the access key up, so the method exists and uses AWS_IAM", answer(sig))
		c.Reasoning = append(c.Reasoning, "With a SigV4-shaped header (fake key): "+answer(sig)+" — the method exists and uses AWS_IAM authorization.")
		if incomplete {
			groups = append(groups, []Candidate{cand(cause.IncompleteSignature, High,
				"your Authorization header is not a SigV4 signature ("+answer(first)+")", line)})
		} else {
			groups = append(groups, []Candidate{cand(cause.MissingAuthenticationToken, High,
				"unsigned, the request answered "+answer(first), line)})
		}
	case sigOK && classify(sig) == clsMissingToken:
		line := fmt.Sprintf("even with a SigV4-shaped header it answered %s: no resource/method matched, so nothing asked for a signature", answer(sig))
		c.Reasoning = append(c.Reasoning, "With a SigV4-shaped header (fake key): "+answer(sig)+" — no resource or method matches the path.")
		id := cause.RouteNotFound
		if incomplete {
			id = cause.RouteNotFoundWithAuthorization
		}
		ev := append([]string{line}, evidenceRoute...)
		if ns, ok := v.one(ProbeNonSigV4Dummy); ok && classify(ns) == clsIncompleteSig {
			ev = append(ev, "with a non-SigV4 Authorization header it answered the IncompleteSignatureException parse message, as API Gateway does when no route matches")
		}
		groups = append(groups, []Candidate{cand(id, High, ev...)})
		groups = append(groups, []Candidate{cand(cause.ResourceNotDeployed, Low,
			"if the resource exists in the API, the stage's deployment may predate it (byte-identical answer)")})
	default:
		ids := catalogueMatches(first)
		var g []Candidate
		for _, id := range ids {
			g = append(g, cand(id, Medium, fmt.Sprintf("%s answered %s", reqLine(first), answer(first))))
		}
		groups = append(groups, g)
		if sigOK {
			c.Reasoning = append(c.Reasoning, "With a SigV4-shaped header (fake key): "+answer(sig)+".")
		}
	}
	if ws, ok := v.one(ProbeWithoutStage); ok {
		if v.t.Kind == KindCustomDomain && differs(ws) && classify(ws) != clsMissingToken {
			c.Reasoning = append(c.Reasoning, fmt.Sprintf("Without the stage segment, %s answered %s: the custom domain's mapping already selects the stage.", reqLine(ws), answer(ws)))
			groups = append([][]Candidate{{cand(cause.CustomDomainStageInPath, High,
				fmt.Sprintf("%s answered %s", reqLine(first), answer(first)),
				fmt.Sprintf("without the stage segment %s answered %s", reqLine(ws), answer(ws)))}}, groups...)
		} else if ws.answered() {
			c.Reasoning = append(c.Reasoning, fmt.Sprintf("Without its first segment, %s answered %s.", reqLine(ws), answer(ws)))
		}
	}
	if v.t.Kind == KindCustomDomain {
		if _, ok := v.one(ProbeWithoutStage); !ok || !containsID(groups, cause.CustomDomainStageInPath) {
			groups = append(groups, []Candidate{cand(cause.CustomDomainStageInPath, Low, "the host is a custom domain: a URL that repeats the mapped stage answers the same")})
		}
	}
	for _, e := range evidenceRoute {
		c.Reasoning = append(c.Reasoning, strings.ToUpper(e[:1])+e[1:]+".")
	}
	c.Causes = rank(groups...)
	c.Next = append(c.Next, nextFor(c.Causes, v.t)...)
}

func containsID(groups [][]Candidate, id string) bool {
	for _, g := range groups {
		for _, c := range g {
			if c.ID == id {
				return true
			}
		}
	}
	return false
}

func containsMethod(list, m string) bool {
	for _, x := range strings.Split(list, ",") {
		x = strings.TrimSpace(x)
		if strings.EqualFold(x, m) || x == "*" || strings.EqualFold(x, "ANY") {
			return true
		}
	}
	return false
}

// inferForbidden: the first answer is ForbiddenException (facts §11 step 2, 3, 9).
func (v *view) inferForbidden(c *Conclusion) {
	first := v.first
	t := v.t
	c.Reasoning = append(c.Reasoning, fmt.Sprintf("%s answered %s: API Gateway refused it at the endpoint/stage step (or WAF, or the API key check).", reqLine(first), answer(first)))
	apiKeyGiven := v.p.user.Get("X-Api-Key") != ""
	laterStep := func(why string) [][]Candidate {
		if apiKeyGiven {
			return [][]Candidate{
				{cand(cause.InvalidAPIKey, Medium, why, "you sent an x-api-key header"), cand(cause.APIKeyDisabled, Medium, why), cand(cause.APIKeyNotInUsagePlan, Medium, why)},
				{cand(cause.WAFBlocked, Low, why)},
			}
		}
		return [][]Candidate{{cand(cause.APIKeyMissing, Medium, why, "no x-api-key header was sent"), cand(cause.WAFBlocked, Medium, why)}}
	}

	if t.Kind == KindCustomDomain && !t.PathStyle {
		if dr, ok := v.one(ProbeDomainRoot); ok && differs(dr) {
			why := fmt.Sprintf("the domain's root answered %s: a (none) mapping routes the domain, so the Forbidden comes after endpoint resolution", answer(dr))
			c.Reasoning = append(c.Reasoning, strings.ToUpper(why[:1])+why[1:]+".")
			c.Causes = rank(laterStep(why)...)
		} else {
			ev := []string{fmt.Sprintf("%s on custom domain %s answered %s", reqLine(first), t.Host, answer(first))}
			if ok {
				ev = append(ev, fmt.Sprintf("its root %s answered %s too", reqLine(dr), answer(dr)))
			}
			var groups [][]Candidate
			if v.p.rep.TLSClientCertRequested {
				c.Reasoning = append(c.Reasoning, "The TLS server asked for a client certificate and the probe sent none: the domain uses mutual TLS.")
				groups = append(groups,
					[]Candidate{cand(cause.MTLSCertificateRejected, High, append([]string{"the TLS handshake asked for a client certificate (mutual TLS) and the probe sent none"}, ev...)...)},
					[]Candidate{cand(cause.CustomDomainNoMapping, Medium, ev...)},
					[]Candidate{cand(cause.WAFBlocked, Low, "a web ACL that blocks every request answers the same")})
			} else {
				groups = append(groups, []Candidate{cand(cause.CustomDomainNoMapping, High, ev...)})
				var later []Candidate
				if v.p.u.Scheme == "https" {
					later = append(later, cand(cause.MTLSCertificateRejected, Low, "if the domain requires mutual TLS, a rejected client certificate answers the same"))
				}
				later = append(later, cand(cause.WAFBlocked, Low, "a web ACL that blocks every request answers the same"))
				groups = append(groups, later)
			}
			c.Causes = rank(groups...)
		}
		c.Next = append(c.Next, nextFor(c.Causes, t)...)
		return
	}

	if sr, ok := v.one(ProbeStageRoot); ok && differs(sr) {
		why := fmt.Sprintf("stage %q exists: its root %s answered %s, so the Forbidden on this path comes after the endpoint and stage checks", sr.Stage, reqLine(sr), answer(sr))
		c.Reasoning = append(c.Reasoning, strings.ToUpper(why[:1])+why[1:]+".")
		c.Causes = rank(laterStep(why)...)
		c.Next = append(c.Next, nextFor(c.Causes, t)...)
		return
	}
	if sr, ok := v.one(ProbeStageRoot); ok {
		c.Reasoning = append(c.Reasoning, fmt.Sprintf("The stage root %s answered %s as well.", reqLine(sr), answer(sr)))
	}
	if bare, ok := v.one(ProbeWithoutHeaders); ok && bare.answered() {
		names := strings.Join(v.p.plainHeaderNames(), ", ")
		if differs(bare) {
			line := fmt.Sprintf("without your headers (%s), %s answered %s: the stage exists, and a rule that matches one of those headers blocks the request", names, reqLine(bare), answer(bare))
			c.Reasoning = append(c.Reasoning, strings.ToUpper(line[:1])+line[1:]+".")
			c.Causes = rank([]Candidate{cand(cause.WAFBlocked, High,
				fmt.Sprintf("with your headers %s answered %s", reqLine(first), answer(first)), line)})
			c.Next = append(c.Next, "Find the web ACL rule that matches "+names+" (the WAF logs name the terminating rule).")
			c.Next = append(c.Next, nextFor(c.Causes, t)...)
			return
		}
		c.Reasoning = append(c.Reasoning, fmt.Sprintf("Without your headers (%s), %s answered %s too: they are not what is refused.", names, reqLine(bare), answer(bare)))
	}

	var hit *Probe
	var tried []string
	if sr, ok := v.one(ProbeStageRoot); ok && sr.answered() {
		tried = append(tried, sr.Stage)
	}
	for _, g := range v.by[ProbeStageGuess] {
		tried = append(tried, g.Stage)
		if differs(g) {
			g := g
			hit = &g
			break
		}
	}
	if hit != nil {
		ev := []string{
			fmt.Sprintf("stage %q exists: %s answered %s", hit.Stage, reqLine(*hit), answer(*hit)),
			fmt.Sprintf("the URL's first segment %q answers %s", t.Stage, answer(first)),
		}
		c.Reasoning = append(c.Reasoning, fmt.Sprintf("Stage %q exists (%s answered %s), so the API is reachable as addressed and %q is not one of its stages.", hit.Stage, reqLine(*hit), answer(*hit), t.Stage))
		if sw, ok := v.one(ProbeStageSwap); ok {
			ev = append(ev, fmt.Sprintf("%s answered %s", reqLine(sw), answer(sw)))
			c.Reasoning = append(c.Reasoning, fmt.Sprintf("On stage %q, %s answered %s.", hit.Stage, reqLine(sw), answer(sw)))
		}
		if t.Stage == "" {
			ev[1] = "the URL has no stage segment"
		}
		c.Causes = rank(
			[]Candidate{cand(cause.StageNotFound, High, ev...)},
			[]Candidate{cand(cause.WAFBlocked, Low, fmt.Sprintf("only if stage %q exists and its web ACL blocks every request from this client (byte-identical answer)", t.Stage))},
		)
		suggest := t.StagePath(hit.Stage, t.Rest)
		if t.Rest == "" && t.Stage != "" {
			suggest = t.StagePath(hit.Stage, "/"+t.Stage)
		}
		c.Next = append(c.Next, fmt.Sprintf("Use an existing stage as the first path segment, e.g. %s (or the stage you meant).", suggest))
		c.Next = append(c.Next, nextFor(c.Causes, t)...)
		return
	}

	// Nothing got past the endpoint step.
	connectKind, _, _, _ := ClassifyHost(t.Connect)
	hostOverride := v.p.host != "" && !strings.EqualFold(t.Host, t.Connect)
	viaEndpoint := v.privateDNS || t.Kind == KindVPCEndpoint || t.Kind == KindVPCEAlias || connectKind == KindVPCEndpoint
	everywhere := fmt.Sprintf("%s answered %s", reqLine(first), answer(first))
	if len(tried) > 0 {
		everywhere += fmt.Sprintf(", and so did the stages %s", strings.Join(tried, ", "))
		c.Reasoning = append(c.Reasoning, fmt.Sprintf("Every stage tried (%s) answers Forbidden: the request is refused before any stage is looked at.", strings.Join(tried, ", ")))
	}
	if ah, ok := v.one(ProbeAPIIDHeader); ok && ah.answered() {
		if differs(ah) {
			c.Reasoning = append(c.Reasoning, fmt.Sprintf("Through the URL's own host with x-apigw-api-id: %s answered %s — naming the API that way works.", reqLine(ah), answer(ah)))
			c.Causes = rank([]Candidate{cand(cause.PrivateAPIWrongEndpoint, High, everywhere,
				fmt.Sprintf("with x-apigw-api-id: %s instead, %s answered %s", t.APIID, reqLine(ah), answer(ah)))})
			c.Next = append(c.Next, fmt.Sprintf("Call the API with -H 'x-apigw-api-id: %s' (or its Route 53 alias %s-VPCE_ID.execute-api.REGION.amazonaws.com).", t.APIID, t.APIID))
			c.Next = append(c.Next, nextFor(c.Causes, t)...)
			return
		}
		c.Reasoning = append(c.Reasoning, fmt.Sprintf("With x-apigw-api-id: %s through the URL's own host: %s.", t.APIID, answer(ah)))
	}

	var groups [][]Candidate
	switch {
	case t.Kind == KindVPCEndpoint && t.APIID == "":
		groups = append(groups, []Candidate{cand(cause.PrivateAPIWrongEndpoint, High, everywhere,
			fmt.Sprintf("the Host %s is the VPC endpoint's own DNS name, and no Host or x-apigw-api-id header names the API (seed row 12)", t.Host))})
		c.Next = append(c.Next, "Name the API: -H 'x-apigw-api-id: API_ID', or -H 'Host: API_ID.execute-api.REGION.amazonaws.com', or call the Route 53 alias API_ID-VPCE_ID.execute-api.REGION.amazonaws.com.")
	case !t.namesAPI() && t.APIID == "":
		ev := fmt.Sprintf("the Host %s names no API: it is not {apiId}.execute-api.{region}.amazonaws.com", t.Host)
		groups = append(groups, []Candidate{
			cand(cause.PrivateAPIWrongEndpoint, Medium, everywhere, ev+" (a VPC endpoint reached by address needs a Host or x-apigw-api-id header naming the API)"),
			cand(cause.StageNotFound, Medium, everywhere, ev),
		})
		c.Next = append(c.Next, "Name the API: -H 'Host: API_ID.execute-api.REGION.amazonaws.com' or -H 'x-apigw-api-id: API_ID'.")
	case viaEndpoint:
		why := "the request goes through an interface VPC endpoint"
		if v.privateDNS {
			why = "the execute-api name resolves to private addresses: private DNS of an interface VPC endpoint, which routes only to private APIs"
		}
		first := []Candidate{cand(cause.PublicAPIViaPrivateDNS, Medium, everywhere, why)}
		if t.Kind == KindVPCEAlias {
			first = append(first, cand(cause.PrivateAPIWrongEndpoint, Medium, everywhere, fmt.Sprintf("the alias names VPC endpoint %s, which must be in the API's endpointConfiguration.vpcEndpointIds and be the endpoint the request comes through", t.VPCEndpointID)))
		}
		groups = append(groups, first,
			[]Candidate{
				cand(cause.StageNotFound, Low, everywhere, "an unknown API id, or a stage whose name the probe did not guess"),
				cand(cause.DefaultEndpointDisabled, Low, everywhere, "disableExecuteApiEndpoint affects every execute-api form, VPC endpoints too"),
			})
	default:
		tie := "in AWS a private API reached the wrong way, a disabled default endpoint and an unknown API id all answer {\"message\":\"Forbidden\"} with ForbiddenException on every path and stage: HTTP alone cannot tell them apart"
		c.Reasoning = append(c.Reasoning, "So the API is unreachable as addressed. "+strings.ToUpper(tie[:1])+tie[1:]+".")
		g := []Candidate{
			cand(cause.PrivateAPIWrongEndpoint, Medium, everywhere, "if the API is PRIVATE: it must be called through an interface VPC endpoint"),
			cand(cause.DefaultEndpointDisabled, Medium, everywhere, "if the API has disableExecuteApiEndpoint: true, only its custom domain works"),
			cand(cause.StageNotFound, Medium, everywhere, "if the API id (or the region) in the host is wrong, or the stage has a name the probe did not guess"),
		}
		if hostOverride {
			g = append(g, cand(cause.PublicAPIViaPrivateDNS, Medium, everywhere, fmt.Sprintf("the probe connected to %s with Host %s: if that address is an interface VPC endpoint, a public API answers Forbidden there", t.Connect, t.Host)))
		}
		groups = append(groups, g, []Candidate{cand(cause.WAFBlocked, Low, "only if every stage sits behind a web ACL that blocks this client")})
	}
	c.Causes = rank(groups...)
	c.Next = append(c.Next, nextUnreachable(t)...)
	c.Next = append(c.Next, nextFor(c.Causes, t)...)
}

// nextUnreachable are the checks that separate the byte-identical endpoint causes.
func nextUnreachable(t Target) []string {
	id := t.APIID
	if id == "" {
		return nil
	}
	region := ""
	if t.Region != "" {
		region = " --region " + t.Region
	}
	return []string{
		fmt.Sprintf("aws apigateway get-rest-api --rest-api-id %s%s --query '{types:endpointConfiguration.types,disableExecuteApiEndpoint:disableExecuteApiEndpoint}' — PRIVATE means private-api-wrong-endpoint, true means default-endpoint-disabled, NotFoundException means the API id or region is wrong.", id, region),
		fmt.Sprintf("aws apigateway get-stages --rest-api-id %s%s --query 'item[].stageName' — the stage must be the URL's first path segment.", id, region),
	}
}

// nextFor turns the best candidates' remedies into next steps.
func nextFor(cs []Candidate, t Target) []string {
	var out []string
	seen := map[string]bool{}
	perCandidate := 2
	if len(cs) > 1 && cs[1].Rank == 1 {
		perCandidate = 1 // a tie: one step per candidate
	}
	for _, c := range cs {
		if c.Rank != 1 {
			continue
		}
		for i, r := range c.Remedy {
			if i >= perCandidate {
				break
			}
			r = fillPlaceholders(r, t)
			if !seen[r] {
				seen[r] = true
				out = append(out, r)
			}
		}
	}
	return out
}

func fillPlaceholders(s string, t Target) string {
	if t.APIID != "" {
		s = strings.ReplaceAll(s, "API_ID", t.APIID)
	}
	if t.Region != "" {
		s = strings.ReplaceAll(s, "REGION", t.Region)
	}
	if t.Kind == KindCustomDomain && t.Host != "" {
		s = strings.ReplaceAll(s, "--domain-name DOMAIN", "--domain-name "+t.Host)
	}
	if t.VPCEndpointID != "" {
		s = strings.ReplaceAll(s, "VPCE_ID", t.VPCEndpointID)
	}
	if t.Stage != "" && t.Kind != KindCustomDomain {
		s = strings.ReplaceAll(s, "--stage-name STAGE", "--stage-name "+t.Stage)
	}
	return s
}

// inferBackend: API Gateway relayed the integration's own error answer.
func (v *view) inferBackend(c *Conclusion) {
	first := v.first
	line := fmt.Sprintf("%s answered %s with x-amzn-RequestId but no x-amzn-ErrorType: API Gateway passed the integration's own answer through", reqLine(first), answer(first))
	c.Reasoning = append(c.Reasoning, strings.ToUpper(line[:1])+line[1:]+".")
	if first.Status == http.StatusForbidden {
		c.Causes = rank([]Candidate{cand(cause.Backend403, High, line)})
		c.Next = append(c.Next, nextFor(c.Causes, v.t)...)
	}
}

// inferForeign: the answer did not come from an API Gateway REST API.
func (v *view) inferForeign(c *Conclusion) {
	first := v.first
	line := fmt.Sprintf("%s answered %s without any API Gateway header (x-amzn-RequestId, x-amz-apigw-id, x-amzn-ErrorType)", reqLine(first), answer(first))
	c.Reasoning = append(c.Reasoning, strings.ToUpper(line[:1])+line[1:]+".")
	switch c.Origin {
	case OriginHTTPAPI:
		c.Reasoning = append(c.Reasoning, "It carries apigw-requestid: an API Gateway HTTP API (v2), whose 403s are outside the REST API catalogue.")
	case OriginCloudFront:
		if first.Status == http.StatusForbidden {
			c.Causes = rank([]Candidate{cand("cloudfront-waf-blocked", Medium, line), cand("cloudfront-geo-restriction", Medium, line)})
		}
	case OriginALB:
		if first.Status == http.StatusForbidden {
			c.Causes = rank([]Candidate{cand("alb-waf-blocked", Medium, line)})
		}
	case OriginS3:
		if first.Status == http.StatusForbidden {
			c.Causes = rank([]Candidate{cand("s3-access-denied", Medium, line)})
		}
	default:
		if first.Status == http.StatusForbidden {
			c.Causes = rank([]Candidate{cand("proxy-blocked", Low, line, "Server: "+first.ResponseHeaders["Server"])})
		}
	}
	c.Next = append(c.Next, nextFor(c.Causes, v.t)...)
}

// inferGeneric: any other API Gateway error; the catalogue's response table decides.
func (v *view) inferGeneric(c *Conclusion) {
	first := v.first
	line := fmt.Sprintf("%s answered %s", reqLine(first), answer(first))
	c.Reasoning = append(c.Reasoning, line+".")
	ids := catalogueMatches(first)
	conf := Medium
	if len(ids) == 1 {
		conf = High
	}
	var top, rest []Candidate
	for _, id := range ids {
		k := cand(id, conf, line)
		switch {
		case id == cause.VPCEPolicyDeny && !(v.privateDNS || v.t.Kind == KindVPCEndpoint || v.t.Kind == KindVPCEAlias):
			k.Confidence = Low
			rest = append(rest, k)
		case id == cause.AuthorizerIdentityMissing && v.p.userGaveAuthorization():
			k.Confidence = Low
			rest = append(rest, k)
		default:
			top = append(top, k)
		}
	}
	if wa, ok := v.one(ProbeWithoutAuth); ok && wa.answered() {
		c.Reasoning = append(c.Reasoning, fmt.Sprintf("Without your Authorization header: %s.", answer(wa)))
	}
	c.Causes = rank(top, rest)
	c.Next = append(c.Next, nextFor(c.Causes, v.t)...)
}

// unreachable is the conclusion when no request completed.
func (p *prober) unreachable(first Probe) Conclusion {
	c := Conclusion{Outcome: "unreachable", Origin: OriginUnknown, Causes: []Candidate{}, Reasoning: []string{}, Next: []string{}}
	v := &view{p: p, t: p.rep.Target, first: first}
	v.dnsReasoning(&c)
	c.Reasoning = append(c.Reasoning, fmt.Sprintf("%s got no response: %s.", reqLine(first), first.Error))
	c.Summary = "No request completed: " + first.Error + "."
	switch {
	case strings.HasPrefix(first.Error, "DNS:"):
		c.Next = append(c.Next, "Check the host name; names under .localhost resolve to this machine, anything else needs DNS.")
	case strings.HasPrefix(first.Error, "connection refused"):
		c.Next = append(c.Next, "Check the port, and that the gateway runs (portcullis serve listens on 127.0.0.1:4570 by default).")
	case strings.HasPrefix(first.Error, "TLS:"):
		c.Next = append(c.Next, "Trust the server's CA (--cacert FILE) or use the name its certificate is issued for.")
	}
	return c
}
