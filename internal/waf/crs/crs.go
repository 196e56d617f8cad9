// Package crs implements waf.ManagedRuleGroups for three AWS managed rule groups by running the
// OWASP Core Rule Set (CRS v4.25.0, embedded by github.com/corazawaf/coraza-coreruleset/v4)
// through Coraza v3, and by a few native Go checks where AWS's rule is a plain size, header or
// method test that the CRS has no paranoia-level-1 equivalent for.
//
// Each group owns one Coraza WAF (built once by New; Coraza WAFs are safe for concurrent use)
// loaded with only the CRS files it needs, at paranoia level 1, with "SecRuleEngine
// DetectionOnly" and without the anomaly-scoring files (949/959/980): every CRS rule that
// matches is read from tx.MatchedRules() and mapped, with the request part it matched in, to an
// AWS rule name. Every request gets its own transaction. Matches are returned in AWS's
// documented rule order, each at most once, with action BLOCK (AWS's default for every rule of
// these groups) and the AWS label awswaf:managed:aws:<namespace>:<Label>.
//
// Request parts: ARGS_GET/QUERY_STRING → QUERYARGUMENTS (QUERYSTRING in KnownBadInputs);
// ARGS_POST/REQUEST_BODY/XML/FILES → BODY; ARGS/ARGS_NAMES → QUERYARGUMENTS when the name is a
// query argument, else BODY; REQUEST_COOKIES* (and a Cookie header) → COOKIE;
// REQUEST_FILENAME/BASENAME/URI/LINE → URIPATH (dropped when the same CRS rule also matched a
// query argument, since REQUEST_LINE/REQUEST_URI include the query); other REQUEST_HEADERS →
// HEADER. Bodies are parsed as JSON/XML by Content-Type, otherwise as form data (CRS
// tx.enforce_bodyproc_urlencoded=1), and inspected up to waf.DefaultBodyInspectionLimit bytes.
//
// Mapping (CRS rule → AWS rule; "native" = Go check, not CRS):
//
//	AWSManagedRulesSQLiRuleSet (labels awswaf:managed:aws:sql-database:*)
//	  942100 (libinjection)         → SQLi_QUERYARGUMENTS / SQLi_BODY / SQLi_COOKIE / SQLi_URIPATH
//	  other 942xxx (regex, PL1)     → SQLiExtendedPatterns_QUERYARGUMENTS / SQLiExtendedPatterns_BODY,
//	                                  SQLi_COOKIE / SQLi_URIPATH (AWS has no extended cookie/path rule)
//	  (the URI path is only covered by the few PL1 regex rules that read REQUEST_FILENAME, e.g.
//	  942160 sleep()/benchmark(); libinjection on the path, 942101, is PL2 and not loaded)
//	AWSManagedRulesCommonRuleSet (labels awswaf:managed:aws:core-rule-set:*)
//	  native: no/empty User-Agent   → NoUserAgent_HEADER
//	  913100 (scanner UA)           → UserAgent_BadBots_HEADER (label BadBots_Header, as AWS documents)
//	  native: query > 2048 B, Cookie header > 10240 B, body > 8192 B, path > 1024 B
//	                                → SizeRestrictions_QUERYSTRING / _Cookie_HEADER / _BODY / _URIPATH
//	  934110/934190 (SSRF) when the matched value names the EC2 metadata service
//	    (169.254.169.254, fd00:ec2::254, instance-data) → EC2MetaDataSSRF_BODY/_COOKIE/_URIPATH/_QUERYARGUMENTS
//	  930100/930110/930120/930130   → GenericLFI_QUERYARGUMENTS / _URIPATH / _BODY
//	  920440 (restricted extension) → RestrictedExtensions_URIPATH
//	  931100/931110/931120          → GenericRFI_QUERYARGUMENTS / _BODY / _URIPATH
//	  941xxx (PL1)                  → CrossSiteScripting_COOKIE / _QUERYARGUMENTS / _BODY / _URIPATH
//	AWSManagedRulesKnownBadInputsRuleSet (labels awswaf:managed:aws:known-bad-inputs:*)
//	  944100-944140 (Java RCE/deserialization) → JavaDeserializationRCE_HEADER / _BODY / _URIPATH / _QUERYSTRING
//	  944150 (Log4Shell)            → Log4JRCE_HEADER / _QUERYSTRING / _BODY / _URIPATH
//	  native: Host is localhost     → Host_localhost_HEADER
//	  native: method PROPFIND       → PROPFIND_METHOD
//	  930130 (restricted files: WEB-INF/, .git/, .env, …) → ExploitablePaths_URIPATH
//
// What is approximate: AWS does not publish its patterns, so detections are CRS's (PL1), not
// AWS's; the split between SQLi_* and SQLiExtendedPatterns_* is ours; XSS/SQLi found by CRS in
// headers other than Cookie (User-Agent, Referer) are dropped because AWS's rules do not inspect
// them; RestrictedExtensions_QUERYARGUMENTS, ReactJSRCE_BODY and CRS's other 920xxx protocol
// rules are not mapped; Version and ManagedRuleGroupConfigs are ignored (these groups take no
// configs in AWS; a non-empty configs value is rejected).
package crs

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"

	coreruleset "github.com/corazawaf/coraza-coreruleset/v4"
	"github.com/corazawaf/coraza/v3"
	"github.com/corazawaf/coraza/v3/types/variables"

	"github.com/portcullis/portcullis/internal/waf"
)

// Group names this package supports.
const (
	SQLi           = "AWSManagedRulesSQLiRuleSet"
	Common         = "AWSManagedRulesCommonRuleSet"
	KnownBadInputs = "AWSManagedRulesKnownBadInputsRuleSet"
)

var supported = []string{Common, KnownBadInputs, SQLi}

// Groups implements waf.ManagedRuleGroups. Build it once with New and share it.
type Groups struct {
	groups map[string]*group
}

var _ waf.ManagedRuleGroups = (*Groups)(nil)

type loc int

const (
	locNone loc = iota
	locQuery
	locBody
	locCookie
	locURIPath
	locHeader
)

// group is one managed rule group: its Coraza WAF (nil if none), its AWS rules in AWS order,
// the CRS-rule mapping and the native checks.
type group struct {
	name   string
	waf    coraza.WAF
	rules  []ruleDef
	index  map[string]int
	mapCRS func(id int, l loc, value string) string
	native func(r *waf.Request) []string
}

type ruleDef struct{ name, label string }

// setup is the common prelude: detection only, PL1, body access, body processors by
// Content-Type, CRS setup variables (as @crs-setup.conf.example does), then REQUEST-901.
const setup = `
SecRuleEngine DetectionOnly
SecRequestBodyAccess On
SecRequestBodyLimit 131072
SecRequestBodyInMemoryLimit 131072
SecRequestBodyLimitAction ProcessPartial
SecRequestBodyJsonDepthLimit 1024
SecResponseBodyAccess Off
SecRule REQUEST_HEADERS:Content-Type "^(?:application(?:/soap\+|/)|text/)xml" "id:200000,phase:1,t:none,t:lowercase,pass,nolog,ctl:requestBodyProcessor=XML"
SecRule REQUEST_HEADERS:Content-Type "^application/json" "id:200001,phase:1,t:none,t:lowercase,pass,nolog,ctl:requestBodyProcessor=JSON"
SecRule REQUEST_HEADERS:Content-Type "^application/[a-z0-9.-]+[+]json" "id:200006,phase:1,t:none,t:lowercase,pass,nolog,ctl:requestBodyProcessor=JSON"
SecDefaultAction "phase:1,log,auditlog,pass"
SecDefaultAction "phase:2,log,auditlog,pass"
SecAction "id:900000,phase:1,pass,t:none,nolog,setvar:tx.blocking_paranoia_level=1,setvar:tx.detection_paranoia_level=1"
SecAction "id:900010,phase:1,pass,t:none,nolog,setvar:tx.enforce_bodyproc_urlencoded=1"
SecAction "id:900990,phase:1,pass,t:none,nolog,setvar:tx.crs_setup_version=4250"
Include @owasp_crs/REQUEST-901-INITIALIZATION.conf
`

// New loads the CRS files of the three groups into three Coraza WAFs (costly: call once).
func New() (*Groups, error) {
	g := &Groups{groups: map[string]*group{}}
	specs := []struct {
		grp   *group
		rules string
	}{
		{sqliGroup(), `
Include @owasp_crs/REQUEST-942-APPLICATION-ATTACK-SQLI.conf
`},
		{commonGroup(), `
Include @owasp_crs/REQUEST-913-SCANNER-DETECTION.conf
Include @owasp_crs/REQUEST-920-PROTOCOL-ENFORCEMENT.conf
Include @owasp_crs/REQUEST-930-APPLICATION-ATTACK-LFI.conf
Include @owasp_crs/REQUEST-931-APPLICATION-ATTACK-RFI.conf
Include @owasp_crs/REQUEST-934-APPLICATION-ATTACK-GENERIC.conf
Include @owasp_crs/REQUEST-941-APPLICATION-ATTACK-XSS.conf
SecRuleRemoveById 920100-920439 920441-920999 930140-930999 934100-934109 934111-934189 934191-934999
`},
		{kbiGroup(), `
Include @owasp_crs/REQUEST-930-APPLICATION-ATTACK-LFI.conf
Include @owasp_crs/REQUEST-944-APPLICATION-ATTACK-JAVA.conf
SecRuleRemoveById 930100-930129 930131-930999
`},
	}
	for _, s := range specs {
		w, err := coraza.NewWAF(coraza.NewWAFConfig().
			WithRootFS(coreruleset.FS).
			WithDirectives(setup + s.rules))
		if err != nil {
			return nil, fmt.Errorf("crs: loading the Core Rule Set for %s: %w", s.grp.name, err)
		}
		s.grp.waf = w
		s.grp.index = map[string]int{}
		for i, r := range s.grp.rules {
			s.grp.index[r.name] = i
		}
		g.groups[s.grp.name] = s.grp
	}
	return g, nil
}

// CompileManaged returns the evaluator of an AWS managed rule group this package supports.
func (g *Groups) CompileManaged(vendor, name, version string, configs json.RawMessage) (waf.ManagedEvaluator, error) {
	grp, ok := g.groups[name]
	if vendor != "AWS" || !ok {
		return nil, fmt.Errorf("managed rule group %s %s is not supported (supported: AWS %s)", vendor, name, strings.Join(supported, ", AWS "))
	}
	if c := strings.TrimSpace(string(configs)); c != "" && c != "null" && c != "[]" {
		return nil, fmt.Errorf("managed rule group %s takes no ManagedRuleGroupConfigs", name)
	}
	return grp, nil
}

// RuleNames lists a supported group's AWS rule names in AWS order (nil if unsupported).
func (g *Groups) RuleNames(name string) []string {
	grp, ok := g.groups[name]
	if !ok {
		return nil
	}
	out := make([]string, len(grp.rules))
	for i, r := range grp.rules {
		out[i] = r.name
	}
	return out
}

// Evaluate runs r through the group's native checks and a fresh Coraza transaction.
func (grp *group) Evaluate(r *waf.Request) []waf.ManagedRuleMatch {
	hit := map[int]bool{}
	add := func(name string) {
		if i, ok := grp.index[name]; ok {
			hit[i] = true
		}
	}
	if grp.native != nil {
		for _, n := range grp.native(r) {
			add(n)
		}
	}
	grp.runCRS(r, add)
	if len(hit) == 0 {
		return nil
	}
	idx := make([]int, 0, len(hit))
	for i := range hit {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	out := make([]waf.ManagedRuleMatch, len(idx))
	for k, i := range idx {
		out[k] = waf.ManagedRuleMatch{RuleName: grp.rules[i].name, Action: "BLOCK", Labels: []string{grp.rules[i].label}}
	}
	return out
}

func (grp *group) runCRS(r *waf.Request, add func(string)) {
	tx := grp.waf.NewTransaction()
	defer func() {
		tx.ProcessLogging()
		_ = tx.Close()
	}()
	ip := r.SourceIP
	if ip == "" {
		ip = "0.0.0.0"
	}
	tx.ProcessConnection(ip, 0, "", 0)
	uri := r.URIPath
	if uri == "" {
		uri = "/"
	}
	if r.RawQuery != "" {
		uri += "?" + r.RawQuery
	}
	method := r.Method
	if method == "" {
		method = "GET"
	}
	tx.ProcessURI(uri, method, "HTTP/1.1")
	for k, vs := range r.Header {
		for _, v := range vs {
			tx.AddRequestHeader(k, v)
		}
	}
	tx.ProcessRequestHeaders()
	body := r.Body
	if len(body) > waf.DefaultBodyInspectionLimit {
		body = body[:waf.DefaultBodyInspectionLimit]
	}
	if len(body) > 0 {
		_, _, _ = tx.WriteRequestBody(body)
	}
	_, _ = tx.ProcessRequestBody()

	var query url.Values
	for _, mr := range tx.MatchedRules() {
		id := mr.Rule().ID()
		datas := mr.MatchedDatas()
		if len(datas) == 0 {
			continue
		}
		inQuery := false
		locs := make([]loc, len(datas))
		for i, md := range datas {
			l := locate(md.Variable(), md.Key(), func(key string) bool {
				if query == nil {
					query, _ = url.ParseQuery(r.RawQuery)
					if query == nil {
						query = url.Values{}
					}
				}
				_, ok := query[key]
				return ok
			})
			locs[i] = l
			if l == locQuery {
				inQuery = true
			}
		}
		for i, md := range datas {
			l := locs[i]
			if l == locURIPath && inQuery && isLineVar(md.Variable()) {
				continue // REQUEST_LINE/REQUEST_URI contain the query that already matched
			}
			if n := grp.mapCRS(id, l, md.Value()); n != "" {
				add(n)
			}
		}
	}
}

func isLineVar(v variables.RuleVariable) bool {
	switch v {
	case variables.RequestLine, variables.RequestURI, variables.RequestURIRaw:
		return true
	}
	return false
}

// locate maps a Coraza variable (and key) to the AWS request part it stands for.
func locate(v variables.RuleVariable, key string, isQueryArg func(string) bool) loc {
	switch v {
	case variables.ArgsGet, variables.ArgsGetNames, variables.QueryString:
		return locQuery
	case variables.ArgsPost, variables.ArgsPostNames, variables.RequestBody, variables.XML,
		variables.Files, variables.FilesNames, variables.FilesCombinedSize, variables.MultipartPartHeaders:
		return locBody
	case variables.Args, variables.ArgsNames:
		if isQueryArg(key) {
			return locQuery
		}
		return locBody
	case variables.RequestCookies, variables.RequestCookiesNames:
		return locCookie
	case variables.RequestFilename, variables.RequestBasename, variables.RequestURI,
		variables.RequestURIRaw, variables.RequestLine:
		return locURIPath
	case variables.RequestHeaders, variables.RequestHeadersNames:
		if strings.EqualFold(key, "cookie") {
			return locCookie
		}
		return locHeader
	}
	return locNone
}

func rule(ns, name, label string) ruleDef {
	return ruleDef{name: name, label: "awswaf:managed:aws:" + ns + ":" + label}
}

func sqliGroup() *group {
	const ns = "sql-database"
	return &group{
		name: SQLi,
		rules: []ruleDef{
			rule(ns, "SQLiExtendedPatterns_QUERYARGUMENTS", "SQLiExtendedPatterns_QueryArguments"),
			rule(ns, "SQLi_QUERYARGUMENTS", "SQLi_QueryArguments"),
			rule(ns, "SQLi_BODY", "SQLi_Body"),
			rule(ns, "SQLiExtendedPatterns_BODY", "SQLiExtendedPatterns_Body"),
			rule(ns, "SQLi_COOKIE", "SQLi_Cookie"),
			rule(ns, "SQLi_URIPATH", "SQLi_URIPath"),
		},
		mapCRS: func(id int, l loc, _ string) string {
			if id < 942100 || id > 942999 {
				return ""
			}
			libinj := id == 942100
			switch l {
			case locQuery:
				if libinj {
					return "SQLi_QUERYARGUMENTS"
				}
				return "SQLiExtendedPatterns_QUERYARGUMENTS"
			case locBody:
				if libinj {
					return "SQLi_BODY"
				}
				return "SQLiExtendedPatterns_BODY"
			case locCookie:
				return "SQLi_COOKIE"
			case locURIPath:
				return "SQLi_URIPATH"
			}
			return ""
		},
	}
}

func commonGroup() *group {
	const ns = "core-rule-set"
	return &group{
		name: Common,
		rules: []ruleDef{
			rule(ns, "NoUserAgent_HEADER", "NoUserAgent_Header"),
			rule(ns, "UserAgent_BadBots_HEADER", "BadBots_Header"),
			rule(ns, "SizeRestrictions_QUERYSTRING", "SizeRestrictions_QueryString"),
			rule(ns, "SizeRestrictions_Cookie_HEADER", "SizeRestrictions_Cookie_Header"),
			rule(ns, "SizeRestrictions_BODY", "SizeRestrictions_Body"),
			rule(ns, "SizeRestrictions_URIPATH", "SizeRestrictions_URIPath"),
			rule(ns, "EC2MetaDataSSRF_BODY", "EC2MetaDataSSRF_Body"),
			rule(ns, "EC2MetaDataSSRF_COOKIE", "EC2MetaDataSSRF_Cookie"),
			rule(ns, "EC2MetaDataSSRF_URIPATH", "EC2MetaDataSSRF_URIPath"),
			rule(ns, "EC2MetaDataSSRF_QUERYARGUMENTS", "EC2MetaDataSSRF_QueryArguments"),
			rule(ns, "GenericLFI_QUERYARGUMENTS", "GenericLFI_QueryArguments"),
			rule(ns, "GenericLFI_URIPATH", "GenericLFI_URIPath"),
			rule(ns, "GenericLFI_BODY", "GenericLFI_Body"),
			rule(ns, "RestrictedExtensions_URIPATH", "RestrictedExtensions_URIPath"),
			rule(ns, "RestrictedExtensions_QUERYARGUMENTS", "RestrictedExtensions_QueryArguments"),
			rule(ns, "GenericRFI_QUERYARGUMENTS", "GenericRFI_QueryArguments"),
			rule(ns, "GenericRFI_BODY", "GenericRFI_Body"),
			rule(ns, "GenericRFI_URIPATH", "GenericRFI_URIPath"),
			rule(ns, "CrossSiteScripting_COOKIE", "CrossSiteScripting_Cookie"),
			rule(ns, "CrossSiteScripting_QUERYARGUMENTS", "CrossSiteScripting_QueryArguments"),
			rule(ns, "CrossSiteScripting_BODY", "CrossSiteScripting_Body"),
			rule(ns, "CrossSiteScripting_URIPATH", "CrossSiteScripting_URIPath"),
		},
		native: func(r *waf.Request) []string {
			var out []string
			if strings.TrimSpace(r.Header.Get("User-Agent")) == "" {
				out = append(out, "NoUserAgent_HEADER")
			}
			if len(r.RawQuery) > 2048 {
				out = append(out, "SizeRestrictions_QUERYSTRING")
			}
			if n := len(strings.Join(r.Header.Values("Cookie"), "; ")); n > 10240 {
				out = append(out, "SizeRestrictions_Cookie_HEADER")
			}
			if len(r.Body) > 8192 {
				out = append(out, "SizeRestrictions_BODY")
			}
			if len(r.URIPath) > 1024 {
				out = append(out, "SizeRestrictions_URIPATH")
			}
			return out
		},
		mapCRS: func(id int, l loc, value string) string {
			suffix := map[loc]string{locQuery: "QUERYARGUMENTS", locBody: "BODY", locCookie: "COOKIE", locURIPath: "URIPATH"}[l]
			switch {
			case id == 913100:
				if l == locHeader {
					return "UserAgent_BadBots_HEADER"
				}
			case id == 934110 || id == 934190:
				v := strings.ToLower(value)
				if suffix != "" && (strings.Contains(v, "169.254.169.254") || strings.Contains(v, "fd00:ec2::254") || strings.Contains(v, "instance-data")) {
					return "EC2MetaDataSSRF_" + suffix
				}
			case id >= 930100 && id <= 930130:
				if l == locQuery || l == locURIPath || l == locBody {
					return "GenericLFI_" + suffix
				}
			case id == 920440:
				if l == locURIPath {
					return "RestrictedExtensions_URIPATH"
				}
			case id >= 931100 && id <= 931999:
				if l == locQuery || l == locURIPath || l == locBody {
					return "GenericRFI_" + suffix
				}
			case id >= 941100 && id <= 941999:
				if suffix != "" {
					return "CrossSiteScripting_" + suffix
				}
			}
			return ""
		},
	}
}

func kbiGroup() *group {
	const ns = "known-bad-inputs"
	return &group{
		name: KnownBadInputs,
		rules: []ruleDef{
			rule(ns, "JavaDeserializationRCE_HEADER", "JavaDeserializationRCE_Header"),
			rule(ns, "JavaDeserializationRCE_BODY", "JavaDeserializationRCE_Body"),
			rule(ns, "JavaDeserializationRCE_URIPATH", "JavaDeserializationRCE_URIPath"),
			rule(ns, "JavaDeserializationRCE_QUERYSTRING", "JavaDeserializationRCE_QueryString"),
			rule(ns, "Host_localhost_HEADER", "Host_Localhost_Header"),
			rule(ns, "PROPFIND_METHOD", "Propfind_Method"),
			rule(ns, "ExploitablePaths_URIPATH", "ExploitablePaths_URIPath"),
			rule(ns, "Log4JRCE_HEADER", "Log4JRCE_Header"),
			rule(ns, "Log4JRCE_QUERYSTRING", "Log4JRCE_QueryString"),
			rule(ns, "Log4JRCE_BODY", "Log4JRCE_Body"),
			rule(ns, "Log4JRCE_URIPATH", "Log4JRCE_URIPath"),
		},
		native: func(r *waf.Request) []string {
			var out []string
			host := strings.ToLower(strings.TrimSpace(r.Header.Get("Host")))
			if h, _, ok := strings.Cut(host, ":"); ok && !strings.HasPrefix(host, "[") {
				host = h
			}
			if host == "localhost" || strings.HasSuffix(host, ".localhost") {
				out = append(out, "Host_localhost_HEADER")
			}
			if strings.EqualFold(r.Method, "PROPFIND") {
				out = append(out, "PROPFIND_METHOD")
			}
			return out
		},
		mapCRS: func(id int, l loc, _ string) string {
			suffix := map[loc]string{locQuery: "QUERYSTRING", locBody: "BODY", locCookie: "HEADER", locHeader: "HEADER", locURIPath: "URIPATH"}[l]
			switch {
			case id == 930130:
				if l == locURIPath {
					return "ExploitablePaths_URIPATH"
				}
			case id >= 944150 && id <= 944152:
				if suffix != "" {
					return "Log4JRCE_" + suffix
				}
			case id >= 944100 && id <= 944999:
				if suffix != "" {
					return "JavaDeserializationRCE_" + suffix
				}
			}
			return ""
		},
	}
}
