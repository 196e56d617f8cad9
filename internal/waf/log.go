package waf

import (
	"encoding/json"
	"sort"
	"strings"
)

// LogInfo is what the WAF log record needs beyond the Result and the Request.
type LogInfo struct {
	HTTPSourceID string // API Gateway: "apiId:stage" (the lead decides the exact form)
	RequestID    string
	HTTPVersion  string // default "HTTP/1.1"
	Country      string // ISO code, or "-" when unknown
}

type logRuleMatch struct {
	RuleID           string `json:"ruleId"`
	Action           string `json:"action"`
	RuleMatchDetails []any  `json:"ruleMatchDetails"`
}

type logGroup struct {
	RuleGroupID                 string         `json:"ruleGroupId"`
	TerminatingRule             *logRuleMatch  `json:"terminatingRule"`
	NonTerminatingMatchingRules []logRuleMatch `json:"nonTerminatingMatchingRules"`
	ExcludedRules               []logExcluded  `json:"excludedRules"`
	CustomerConfig              any            `json:"customerConfig"`
}

type logExcluded struct {
	ExclusionType string `json:"exclusionType"`
	RuleID        string `json:"ruleId"`
}

type logRate struct {
	RateBasedRuleName   string `json:"rateBasedRuleName"`
	LimitKey            string `json:"limitKey"`
	MaxRateAllowed      int64  `json:"maxRateAllowed"`
	EvaluationWindowSec string `json:"evaluationWindowSec"`
	LimitValue          string `json:"limitValue,omitempty"`
}

type logNV struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type logLabel struct {
	Name string `json:"name"`
}

type logRecord struct {
	Timestamp                   int64          `json:"timestamp"`
	FormatVersion               int            `json:"formatVersion"`
	WebaclID                    string         `json:"webaclId"`
	TerminatingRuleID           string         `json:"terminatingRuleId"`
	TerminatingRuleType         string         `json:"terminatingRuleType"`
	Action                      string         `json:"action"`
	TerminatingRuleMatchDetails []any          `json:"terminatingRuleMatchDetails"`
	HTTPSourceName              string         `json:"httpSourceName"`
	HTTPSourceID                string         `json:"httpSourceId"`
	RuleGroupList               []logGroup     `json:"ruleGroupList"`
	RateBasedRuleList           []logRate      `json:"rateBasedRuleList"`
	NonTerminatingMatchingRules []logRuleMatch `json:"nonTerminatingMatchingRules"`
	RequestHeadersInserted      []logNV        `json:"requestHeadersInserted"`
	ResponseCodeSent            *int           `json:"responseCodeSent"`
	HTTPRequest                 struct {
		ClientIP    string  `json:"clientIp"`
		Country     string  `json:"country"`
		Headers     []logNV `json:"headers"`
		URI         string  `json:"uri"`
		Args        string  `json:"args"`
		HTTPVersion string  `json:"httpVersion"`
		HTTPMethod  string  `json:"httpMethod"`
		RequestID   string  `json:"requestId"`
	} `json:"httpRequest"`
	Labels          []logLabel `json:"labels,omitempty"`
	CaptchaResponse *struct {
		ResponseCode  int    `json:"responseCode"`
		FailureReason string `json:"failureReason"`
	} `json:"captchaResponse,omitempty"`
	ChallengeResponse *struct {
		ResponseCode  int    `json:"responseCode"`
		FailureReason string `json:"failureReason"`
	} `json:"challengeResponse,omitempty"`
}

func matchDetails(m *MatchDetail) []any {
	out := []any{}
	if m == nil {
		return out
	}
	var ct string
	switch m.Statement {
	case "SqliMatchStatement":
		ct = "SQL_INJECTION"
	case "XssMatchStatement":
		ct = "XSS"
	default:
		return out
	}
	loc := strings.ToUpper(strings.SplitN(m.FieldToMatch, "{", 2)[0])
	return append(out, map[string]any{"conditionType": ct, "location": loc, "matchedData": strings.Fields(m.Value)})
}

func ruleMatches(ms []RuleMatch) []logRuleMatch {
	out := make([]logRuleMatch, 0, len(ms))
	for _, m := range ms {
		out = append(out, logRuleMatch{RuleID: m.RuleID, Action: m.Action, RuleMatchDetails: matchDetails(m.Match)})
	}
	return out
}

// LogJSON renders the result as one AWS WAF log record (formatVersion 1; AWS WAF Developer Guide,
// "Log fields"). Headers are sorted by name for stable output; responseCodeSent is the custom
// response's status, or null.
func (r Result) LogJSON(req *Request, info LogInfo) []byte {
	var rec logRecord
	rec.Timestamp = req.Now.UnixMilli()
	rec.FormatVersion = 1
	rec.WebaclID = r.WebACLArn
	rec.TerminatingRuleID = r.TerminatingRuleID
	rec.TerminatingRuleType = r.TerminatingRuleType
	rec.Action = r.Action
	rec.TerminatingRuleMatchDetails = matchDetails(r.Match)
	rec.HTTPSourceName = "APIGW"
	rec.HTTPSourceID = info.HTTPSourceID
	rec.RuleGroupList = []logGroup{}
	for _, g := range r.RuleGroupList {
		lg := logGroup{RuleGroupID: g.RuleGroupID, NonTerminatingMatchingRules: ruleMatches(g.NonTerminatingMatchingRules)}
		if g.TerminatingRule != nil {
			lg.TerminatingRule = &logRuleMatch{RuleID: g.TerminatingRule.RuleID, Action: g.TerminatingRule.Action, RuleMatchDetails: matchDetails(g.TerminatingRule.Match)}
		}
		for _, x := range g.ExcludedRules {
			lg.ExcludedRules = append(lg.ExcludedRules, logExcluded{ExclusionType: "EXCLUDED_AS_COUNT", RuleID: x})
		}
		rec.RuleGroupList = append(rec.RuleGroupList, lg)
	}
	rec.RateBasedRuleList = []logRate{}
	for _, x := range r.RateBasedRuleList {
		rec.RateBasedRuleList = append(rec.RateBasedRuleList, logRate{RateBasedRuleName: x.RuleName, LimitKey: x.LimitKey,
			MaxRateAllowed: x.MaxRateAllowed, EvaluationWindowSec: itoa(x.EvaluationWindowSec), LimitValue: x.LimitValue})
	}
	rec.NonTerminatingMatchingRules = ruleMatches(r.NonTerminatingMatches)
	for _, h := range r.InsertedHeaders {
		rec.RequestHeadersInserted = append(rec.RequestHeadersInserted, logNV{h[0], h[1]})
	}
	if r.CustomResponse != nil {
		code := r.CustomResponse.StatusCode
		rec.ResponseCodeSent = &code
		fr := &struct {
			ResponseCode  int    `json:"responseCode"`
			FailureReason string `json:"failureReason"`
		}{code, "TOKEN_MISSING"}
		switch r.Action {
		case "CAPTCHA":
			rec.CaptchaResponse = fr
		case "CHALLENGE":
			rec.ChallengeResponse = fr
		}
	}
	hr := &rec.HTTPRequest
	hr.ClientIP = req.SourceIP
	hr.Country = info.Country
	if hr.Country == "" {
		hr.Country = "-"
	}
	names := make([]string, 0, len(req.Header))
	for k := range req.Header {
		names = append(names, k)
	}
	sort.Strings(names)
	hr.Headers = []logNV{}
	for _, k := range names {
		for _, v := range req.Header[k] {
			hr.Headers = append(hr.Headers, logNV{k, v})
		}
	}
	hr.URI, hr.Args, hr.HTTPMethod, hr.RequestID = req.URIPath, req.RawQuery, req.Method, info.RequestID
	hr.HTTPVersion = info.HTTPVersion
	if hr.HTTPVersion == "" {
		hr.HTTPVersion = "HTTP/1.1"
	}
	for _, l := range r.Labels {
		rec.Labels = append(rec.Labels, logLabel{l})
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return nil // cannot happen: every field is a plain value
	}
	return b
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
