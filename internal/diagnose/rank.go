package diagnose

import (
	"regexp"
	"sort"
	"strings"

	"github.com/portcullis/portcullis/internal/cause"
)

// Scores. A candidate starts at base when the response's signature (status, x-amzn-ErrorType,
// responseType) fits it; evidence moves it. Candidates whose scores are equal share a rank:
// they are indistinguishable from this input, and toDecide says what would separate them.
const (
	base      = 10
	exclude   = -20 // the input rules the cause out
	strong    = 8
	matchMsg  = 5
	hint      = 2
	weak      = 1
	dropBelow = base - 9 // candidates scoring below this are not listed
	maxListed = 8
)

type cand struct {
	id, title string
	entry     *cause.Entry
	score     int
	evidence  []string
	against   []string
	remedy    []string
}

func (c *cand) pro(n int, s string) {
	c.score += n
	if s != "" {
		c.evidence = append(c.evidence, s)
	}
}

func (c *cand) con(n int, s string) {
	c.score -= n
	if s != "" {
		c.against = append(c.against, s)
	}
}

type ranker struct {
	v     *view
	c     map[string]*cand
	order []string
}

func newRanker(v *view) *ranker { return &ranker{v: v, c: map[string]*cand{}} }

// add puts a catalogue cause (or another origin's cause) on the list.
func (r *ranker) add(id string, score int, why string) *cand {
	if c := r.c[id]; c != nil {
		return c
	}
	c := &cand{id: id, score: score}
	if e, ok := cause.Lookup(id); ok {
		c.entry, c.title = e, e.Title
		c.remedy = e.Remedies
	}
	if why != "" {
		c.evidence = append(c.evidence, why)
	}
	r.c[id] = c
	r.order = append(r.order, id)
	return c
}

// each calls f for the listed candidates among ids.
func (r *ranker) each(f func(c *cand), ids ...string) {
	for _, id := range ids {
		if c := r.c[id]; c != nil {
			f(c)
		}
	}
}

// result sorts, ranks and renders the candidates.
func (r *ranker) result() []Candidate {
	cs := make([]*cand, 0, len(r.order))
	for _, id := range r.order {
		cs = append(cs, r.c[id])
	}
	sort.SliceStable(cs, func(i, j int) bool {
		if cs[i].score != cs[j].score {
			return cs[i].score > cs[j].score
		}
		return prior(cs[i].id) < prior(cs[j].id)
	})
	out := []Candidate{}
	rank := 0
	for i, c := range cs {
		if c.score < dropBelow || (len(cs) > 0 && c.score <= cs[0].score+exclude/2) {
			break
		}
		if i >= maxListed {
			break
		}
		if i == 0 || c.score != cs[i-1].score {
			rank = i + 1
		}
		out = append(out, Candidate{ID: c.id, Rank: rank, Title: c.title, Evidence: nonNil(c.evidence), Against: c.against, Remedy: r.concrete(c.remedy)})
	}
	for i := range out {
		tied := (i > 0 && out[i-1].Rank == out[i].Rank) || (i+1 < len(out) && out[i+1].Rank == out[i].Rank)
		switch {
		case out[i].Rank == 1 && !tied && len(out[i].Evidence) >= 2 && (len(out) == 1 || r.c[out[i].ID].score-r.c[out[1].ID].score >= matchMsg):
			out[i].Confidence = High
		case out[i].Rank == 1:
			out[i].Confidence = Medium
		default:
			out[i].Confidence = Low
		}
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// concrete fills the catalogue's placeholders (API_ID, STAGE, REGION, DOMAIN) from the input.
func (r *ranker) concrete(rem []string) []string {
	v := r.v
	var kv []string
	if v.apiID != "" {
		kv = append(kv, "API_ID", v.apiID)
	}
	if st := v.stage(); st != "" {
		kv = append(kv, "STAGE", st)
	}
	if v.region != "" {
		kv = append(kv, "REGION", v.region)
	}
	if v.hostKind == hostCustom {
		kv = append(kv, "DOMAIN", v.host)
	}
	if v.vpceID != "" {
		kv = append(kv, "VPCE_ID", v.vpceID)
	}
	if len(kv) == 0 {
		return nonNil(rem)
	}
	rp := strings.NewReplacer(kv...)
	out := make([]string, len(rem))
	for i, s := range rem {
		out[i] = rp.Replace(s)
	}
	return out
}

// stage is the stage the request named: the log's $context.stage, or the first path segment on
// an execute-api host.
func (v *view) stage() string {
	if s := v.field("stage"); s != "" {
		return s
	}
	if v.hostKind == hostExecuteAPI || v.hostKind == hostVPCE || v.hostKind == hostVPCEAlias {
		if seg := v.segments(); len(seg) > 0 {
			return seg[0]
		}
	}
	return ""
}

// priorOrder orders causes inside a tie: most common first (seed experience; not evidence).
var priorOrder = []string{
	"backend-403", "backend-error",
	cause.APIKeyMissing, cause.InvalidAPIKey, cause.APIKeyNotInUsagePlan, cause.APIKeyDisabled,
	cause.RouteNotFound, cause.MissingAuthenticationToken, cause.RouteNotFoundWithAuthorization, cause.IncompleteSignature,
	cause.StageNotFound, cause.ResourceNotDeployed, cause.CustomDomainStageInPath,
	cause.PolicyNoAllow, cause.VPCEPolicyDeny,
	cause.AuthorizerIdentityMissing, cause.AuthorizerUnauthorized, cause.CognitoTokenRejected,
	cause.WAFBlocked, cause.PrivateAPIWrongEndpoint, cause.DefaultEndpointDisabled, cause.PublicAPIViaPrivateDNS,
	cause.CustomDomainNoMapping, cause.MTLSCertificateRejected,
}

func prior(id string) int {
	for i, p := range priorOrder {
		if p == id {
			return i
		}
	}
	return len(priorOrder)
}

var (
	// commonStages are stage names people use; a path segment like these after a custom
	// domain's base path is probably a stage left in the URL (seed row 16).
	commonStages = map[string]bool{"prod": true, "Prod": true, "production": true, "dev": true, "Dev": true, "development": true,
		"test": true, "Test": true, "stage": true, "Stage": true, "staging": true, "qa": true, "uat": true, "live": true,
		"beta": true, "sandbox": true, "default": true, "$default": true, "v1": true, "v2": true, "v3": true, "api": true}
	stageNameRE  = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)
	suspiciousRE = regexp.MustCompile(`(?i)<script|javascript:|onerror\s*=|onload\s*=|union(\s|\+|/\*.*\*/)+(all\s+)?select|'\s*or\s*'?\d|\bor\s+1\s*=\s*1|\.\./|/etc/passwd|sleep\(\d|benchmark\(|\$\{jndi:|cmd\.exe|/bin/(ba)?sh|;\s*drop\s+table`)
	badAgentRE   = regexp.MustCompile(`(?i)bot\b|bot/|crawler|spider|sqlmap|nikto|nmap|masscan|zgrab|nessus|acunetix|dirbuster|gobuster|wpscan|nuclei|python-requests|go-http-client|curl/`)
	awsKeyIDRE   = regexp.MustCompile(`^(AKIA|ASIA)[A-Z0-9]{12,}$`)
	credScopeRE  = regexp.MustCompile(`^([^/]*)/(\d{8})/([^/]+)/([^/]+)/([^/]+)$`)
	explicitDeny = "with an explicit deny"
)
