package input

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

// clfRE matches the console CLF preset (facts §2.2):
// sourceIp caller user [requestTime] "httpMethod resourcePath protocol" status responseLength requestId extendedRequestId
var clfRE = regexp.MustCompile(`^(\S+) (\S+) (\S+) \[([^\]]*)\] "(\S+) (\S+) (\S+)" (\S+) (\S+) (\S+)(?: (\S+))?\s*$`)

var clfKeys = []string{"identity.sourceIp", "identity.caller", "identity.user", "requestTime", "httpMethod", "resourcePath", "protocol", "status", "responseLength", "requestId", "extendedRequestId"}

// csvKeys is the console CSV preset's exact field order (facts §2.2).
var csvKeys = []string{"identity.sourceIp", "identity.caller", "identity.user", "requestTime", "httpMethod", "resourcePath", "protocol", "status", "responseLength", "requestId", "extendedRequestId"}

// jsonKeyMap maps normalised JSON keys (lower case, only letters and digits)
// of the console preset and common custom formats to $context names.
var jsonKeyMap = map[string]string{
	"requestid": "requestId", "extendedrequestid": "extendedRequestId",
	"ip": "identity.sourceIp", "sourceip": "identity.sourceIp", "identitysourceip": "identity.sourceIp", "clientip": "identity.sourceIp",
	"caller": "identity.caller", "user": "identity.user", "useragent": "identity.userAgent", "identityuseragent": "identity.userAgent",
	"userarn": "identity.userArn", "identityuserarn": "identity.userArn", "accountid": "identity.accountId",
	"requesttime": "requestTime", "requesttimeepoch": "requestTimeEpoch",
	"httpmethod": "httpMethod", "method": "httpMethod",
	"resourcepath": "resourcePath", "path": "path", "routekey": "routeKey",
	"status": "status", "statuscode": "status", "protocol": "protocol", "responselength": "responseLength",
	"domainname": "domainName", "domain": "domainName", "stage": "stage", "apiid": "apiId",
	"errormessage": "error.message", "error": "error.message", "errormessagestring": "error.messageString",
	"errorresponsetype": "error.responseType", "responsetype": "error.responseType",
	"errorvalidationerrorstring": "error.validationErrorString", "validationerror": "error.validationErrorString",
	"authorizererror": "authorizer.error", "authorizerstatus": "authorizer.status",
	"authorizerintegrationstatus": "authorizer.integrationStatus", "authorizerprincipalid": "authorizer.principalId",
	"authorizeerror": "authorize.error", "authorizestatus": "authorize.status",
	"authenticateerror": "authenticate.error", "authenticatestatus": "authenticate.status",
	"wafresponsecode": "wafResponseCode", "waferror": "waf.error", "wafstatus": "waf.status", "webaclarn": "webaclArn",
	"apikeyid": "identity.apiKeyId", "identityapikeyid": "identity.apiKeyId", "apikey": "identity.apiKey",
	"vpceid": "identity.vpceId", "identityvpceid": "identity.vpceId", "vpcid": "identity.vpcId",
	"integrationerror": "integration.error", "integrationerrormessage": "integration.error",
	"integrationstatus": "integration.status", "integrationintegrationstatus": "integration.integrationStatus",
	"basepathmatched": "customDomain.basePathMatched", "custombasepathmatched": "customDomain.basePathMatched",
	"tlsversion": "tlsVersion", "ciphersuite": "cipherSuite",
	"clientcertsubjectdn": "identity.clientCert.subjectDN", "clientcertissuerdn": "identity.clientCert.issuerDN",
}

// accessLine reports whether l looks like one access-log line.
func accessLine(l string) bool {
	l = strings.TrimSpace(l)
	if l == "" {
		return false
	}
	if j := jsonStart(l); j >= 0 {
		return json.Valid([]byte(l[j:])) || len(lenientJSON(l[j:])) >= 2
	}
	if clfRE.MatchString(l) {
		return true
	}
	_, ok := csvLine(l)
	return ok
}

// jsonKeyRE finds the start of each "key": in a flat JSON object.
var jsonKeyRE = regexp.MustCompile(`(?:^\{|,)\s*"([A-Za-z0-9_.$-]{1,64})"\s*:\s*`)

// lenientJSON reads a flat one-line JSON object whose string values may hold unescaped quotes
// (what API Gateway writes for "$context.error.message" when the message quotes something): each
// value runs to the next `,"key":` or the closing brace.
func lenientJSON(l string) [][2]string {
	l = strings.TrimSpace(l)
	if !strings.HasPrefix(l, "{") || !strings.HasSuffix(l, "}") {
		return nil
	}
	idx := jsonKeyRE.FindAllStringSubmatchIndex(l, -1)
	out := make([][2]string, 0, len(idx))
	for i, m := range idx {
		end := len(l) - 1
		if i+1 < len(idx) {
			end = idx[i+1][0]
		}
		if m[1] > end {
			return nil
		}
		v := strings.TrimSpace(l[m[1]:end])
		if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
			v = v[1 : len(v)-1]
		} else if v == "null" {
			v = ""
		}
		out = append(out, [2]string{l[m[2]:m[3]], v})
	}
	return out
}

// jsonStart finds a JSON object, allowing a CloudWatch timestamp prefix.
func jsonStart(l string) int {
	i := strings.IndexByte(l, '{')
	if i < 0 || strings.ContainsAny(l[:i], `"{}[]`) || !strings.HasSuffix(strings.TrimSpace(l), "}") {
		return -1
	}
	return i
}

func csvLine(l string) ([]string, bool) {
	if strings.Count(l, ",") < len(csvKeys)-1 {
		return nil, false
	}
	rec, err := csv.NewReader(strings.NewReader(l)).Read()
	if err != nil || len(rec) != len(csvKeys) {
		return nil, false
	}
	if !strings.HasPrefix(rec[6], "HTTP/") && rec[6] != "-" {
		return nil, false
	}
	if _, err := strconv.Atoi(rec[7]); err != nil && rec[7] != "-" {
		return nil, false
	}
	return rec, true
}

func parseAccessLog(r io.Reader) ([]Exchange, error) {
	lr := newLineReader(r)
	var out []Exchange
	for {
		raw, ok := lr.next()
		if !ok {
			break
		}
		l := strings.TrimSpace(raw)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		f := map[string]string{}
		switch {
		case strings.Contains(l, "{"):
			j := jsonStart(l)
			if j < 0 {
				return nil, fmt.Errorf("accesslog: line %d: not a JSON object: %q", lr.n, trunc(l))
			}
			var m map[string]any
			if err := json.Unmarshal([]byte(l[j:]), &m); err != nil {
				// API Gateway does not escape $context values: a message with quotes makes
				// the line invalid JSON. Read it key by key instead.
				kv := lenientJSON(l[j:])
				if len(kv) < 2 {
					return nil, fmt.Errorf("accesslog: line %d: %v", lr.n, err)
				}
				for _, p := range kv {
					setField(f, mapKey(p[0]), p[1])
				}
				break
			}
			flatten("", m, f)
		case clfRE.MatchString(l):
			m := clfRE.FindStringSubmatch(l)
			for i, k := range clfKeys {
				setField(f, k, m[i+1])
			}
		default:
			rec, ok := csvLine(l)
			if !ok {
				return nil, fmt.Errorf("accesslog: line %d: not JSON, CLF or CSV access-log format: %q", lr.n, trunc(l))
			}
			for i, k := range csvKeys {
				setField(f, k, rec[i])
			}
		}
		out = append(out, logExchange(FormatAccessLog, len(out), f))
	}
	if err := lr.sc.Err(); err != nil {
		return nil, fmt.Errorf("accesslog: line %d: %w", lr.n+1, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("accesslog: no log lines")
	}
	return out, nil
}

// setField records v unless it is empty or the "no value" dash.
// setField records a field; an empty value ("-", "", null) is kept as "-" so that callers can
// tell "logged and empty" (e.g. no $context.error.responseType: not a gateway error) from "not in
// the format".
func setField(f map[string]string, k, v string) {
	if v == "" || v == "-" || v == "null" {
		if _, ok := f[k]; !ok {
			f[k] = "-"
		}
		return
	}
	f[k] = v
}

func flatten(prefix string, m map[string]any, f map[string]string) {
	for k, v := range m {
		key := k
		if prefix != "" {
			key = prefix + "." + k
		}
		switch v := v.(type) {
		case map[string]any:
			flatten(key, v, f)
		case string:
			setField(f, mapKey(key), v)
		case float64:
			setField(f, mapKey(key), strconv.FormatFloat(v, 'f', -1, 64))
		case bool:
			setField(f, mapKey(key), strconv.FormatBool(v))
		case nil:
		default:
			b, _ := json.Marshal(v)
			setField(f, mapKey(key), string(b))
		}
	}
}

func mapKey(k string) string {
	k = strings.TrimPrefix(strings.TrimPrefix(k, "$"), "context.")
	var b strings.Builder
	for _, c := range strings.ToLower(k) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			b.WriteRune(c)
		}
	}
	if m, ok := jsonKeyMap[b.String()]; ok {
		return m
	}
	return k
}

// logExchange builds an Exchange from recognised log fields (no invented headers).
func logExchange(source string, i int, f map[string]string) Exchange {
	x := Exchange{Source: source, Entry: i, Fields: f}
	if m := f["httpMethod"]; m != "" {
		p := f["path"]
		if p == "" {
			p = f["resourcePath"]
		}
		u := p
		if d := f["domainName"]; d != "" {
			u = "https://" + d + p
		}
		x.Request = &Req{Method: m, URL: u, Host: f["domainName"], Proto: f["protocol"], Headers: http.Header{}}
	}
	if s, err := strconv.Atoi(f["status"]); err == nil {
		x.Response = &Resp{Status: s, Headers: http.Header{}}
	}
	return x
}
