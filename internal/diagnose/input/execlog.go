package input

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
)

var (
	// "(requestId) text", optionally after a timestamp / tab prefix (CloudWatch copy).
	execIDRE = regexp.MustCompile(`^[^(]{0,64}?\(([0-9A-Za-z][0-9A-Za-z-]{7,63})\) ?(.*)$`)
	// console test output: "Thu Aug 31 01:07:25 UTC 2017 : text"
	execTestRE     = regexp.MustCompile(`^[A-Z][a-z]{2} [A-Z][a-z]{2} +\d{1,2} \d\d:\d\d:\d\d [A-Z]{2,5} \d{4} : (.*)$`)
	completedRE    = regexp.MustCompile(`Method completed with status: (\d{3})`)
	throttleRE     = regexp.MustCompile(`Key throttle limit exceeded for RestApi (\S+), Stage (\S+), Resource (\S+), HttpMethod (\S+)\. Limit: (\S+) Burst: (\S+)`)
	methodPathRE   = regexp.MustCompile(`^HTTP Method: (\S+), Resource Path: (\S+)`)
	usagePlanRE    = regexp.MustCompile(`^Verifying Usage Plan for request: \S+\. API Key: ?(.*?) API Stage: (\S+?)/(\S+)$`)
	receivedRE     = regexp.MustCompile(`^Received response\. Status: (\d{3})`)
	startAuthRE    = regexp.MustCompile(`^Starting authorizer: (\S+)`)
	execKnownStart = []string{"Method completed", "Execution failed", "Starting execution", "Extended Request Id", "Verifying Usage Plan",
		"API Key", "Access denied", "Key throttle", "Starting authorizer", "Endpoint re", "Method request", "Method response",
		"Successfully completed", "HTTP Method:", "Authorizer", "Using valid authorizer", "Unauthorized request", "Usage Plan",
		"Sending request", "Received response", "Lambda ", "Incoming identity", "X-ray Tracing", "Execution log for request",
		"Invalid API Key", "Forbidden", "Unauthorized", "Request blocked", "WAF"}
)

// execLine splits one execution-log line into request id and text.
func execLine(l string) (id, text string, ok bool) {
	l = strings.TrimSpace(l)
	if strings.HasPrefix(l, "Execution log for request ") {
		return "test-request", l, true
	}
	if m := execTestRE.FindStringSubmatch(l); m != nil {
		return "test-request", m[1], true
	}
	m := execIDRE.FindStringSubmatch(l)
	if m == nil {
		return "", "", false
	}
	for _, k := range execKnownStart {
		if strings.HasPrefix(m[2], k) {
			return m[1], m[2], true
		}
	}
	// unknown text: accept only with a UUID-shaped id
	if len(m[1]) == 36 && strings.Count(m[1], "-") == 4 {
		return m[1], m[2], true
	}
	return "", "", false
}

// maxLogText bounds the raw text kept per request id in Fields["log"].
const maxLogText = 64 << 10

func parseExecLog(r io.Reader) ([]Exchange, error) {
	lr := newLineReader(r)
	groups := map[string]map[string]string{}
	var order []string
	for {
		raw, ok := lr.next()
		if !ok {
			break
		}
		if strings.TrimSpace(raw) == "" {
			continue
		}
		id, text, ok := execLine(raw)
		if !ok {
			if len(order) > 0 {
				continue // continuation of a multi-line body or a CloudWatch column header
			}
			return nil, fmt.Errorf("execlog: line %d: not an execution-log line \"(requestId) …\": %q", lr.n, trunc(raw))
		}
		f := groups[id]
		if f == nil {
			f = map[string]string{"requestId": id}
			groups[id] = f
			order = append(order, id)
		}
		execFacts(text, f)
		if n := len(f["log"]); n < maxLogText {
			if n > 0 {
				f["log"] += "\n"
			}
			if len(text) > 2048 {
				text = text[:2048]
			}
			f["log"] += text
		}
	}
	if err := lr.sc.Err(); err != nil {
		return nil, fmt.Errorf("execlog: line %d: %w", lr.n+1, err)
	}
	if len(order) == 0 {
		return nil, fmt.Errorf("execlog: no execution-log lines")
	}
	out := make([]Exchange, 0, len(order))
	for i, id := range order {
		f := groups[id]
		hdr := f["_headers"]
		delete(f, "_headers")
		x := logExchange(FormatExecLog, i, f)
		if hdr != "" && x.Request != nil {
			x.Request.Headers = mapHeaders(hdr)
			x.Request.Host = x.Request.Headers.Get("Host")
		}
		out = append(out, x)
	}
	return out, nil
}

func appendField(f map[string]string, k, v string) {
	if old, ok := f[k]; ok && old != v {
		f[k] = old + " | " + v
		return
	}
	f[k] = v
}

// execFacts records what one line says (facts §3).
func execFacts(t string, f map[string]string) {
	t = strings.TrimSpace(t)
	switch {
	case completedRE.MatchString(t):
		f["status"] = completedRE.FindStringSubmatch(t)[1]
	case strings.HasPrefix(t, "Access denied. Reason: "):
		f["accessDenied.reason"] = strings.TrimPrefix(t, "Access denied. Reason: ")
	case throttleRE.MatchString(t):
		m := throttleRE.FindStringSubmatch(t)
		f["throttle"] = t
		f["apiId"], f["stage"], f["resourceId"], f["httpMethod"] = m[1], m[2], m[3], m[4]
		f["throttle.limit"], f["throttle.burst"] = m[5], m[6]
	case strings.HasPrefix(t, "API Key") && strings.Contains(t, "not authorized"):
		f["apiKey.error"] = t
	case strings.HasPrefix(t, "API Key") && strings.Contains(t, " authorized because"):
		f["apiKey.result"] = t
	case strings.HasPrefix(t, "Invalid API Key identifier specified"):
		f["apiKey.error"] = t
	case strings.HasPrefix(t, "API Key: "):
		f["identity.apiKey"] = strings.TrimPrefix(t, "API Key: ")
	case strings.HasPrefix(t, "Execution failed due to "):
		msg := strings.TrimPrefix(t, "Execution failed due to ")
		appendField(f, "execution.error", msg)
		if strings.Contains(msg, "Authorizer error") || strings.Contains(msg, "Could not parse policy") || strings.Contains(msg, "assume the provided role") {
			appendField(f, "authorizer.error", msg)
		}
	case t == "AuthorizerConfigurationException":
		f["error.responseType"] = "AUTHORIZER_CONFIGURATION_ERROR"
		appendField(f, "authorizer.error", t)
	case startAuthRE.MatchString(t):
		f["authorizer.id"] = startAuthRE.FindStringSubmatch(t)[1]
	case strings.HasPrefix(t, "Authorizer result body before parsing: "):
		f["authorizer.result"] = strings.TrimPrefix(t, "Authorizer result body before parsing: ")
	case strings.HasPrefix(t, "Using valid authorizer policy for principal: "):
		f["authorizer.principalId"] = strings.TrimPrefix(t, "Using valid authorizer policy for principal: ")
	case strings.HasPrefix(t, "Unauthorized request"):
		appendField(f, "authorizer.error", "Unauthorized")
	case strings.HasPrefix(t, "Extended Request Id: "):
		f["extendedRequestId"] = strings.TrimPrefix(t, "Extended Request Id: ")
	case methodPathRE.MatchString(t):
		m := methodPathRE.FindStringSubmatch(t)
		f["httpMethod"], f["resourcePath"] = m[1], m[2]
	case usagePlanRE.MatchString(t):
		m := usagePlanRE.FindStringSubmatch(t)
		if k := strings.TrimSpace(m[1]); k != "" {
			f["identity.apiKey"] = k
		}
		f["apiId"], f["stage"] = m[2], m[3]
	case strings.HasPrefix(t, "Usage Plan check failed"):
		f["usagePlan.error"] = t
	case receivedRE.MatchString(t):
		f["integration.status"] = receivedRE.FindStringSubmatch(t)[1]
	case strings.HasPrefix(t, "Lambda invocation failed") || strings.HasPrefix(t, "Lambda execution failed"):
		appendField(f, "integration.error", t)
	case strings.HasPrefix(t, "Endpoint request URI: ") && f["authorizer.id"] == "":
		f["integration.uri"] = strings.TrimPrefix(t, "Endpoint request URI: ")
	case strings.HasPrefix(t, "Method request headers: "):
		f["_headers"] = strings.TrimPrefix(t, "Method request headers: ")
	}
}

// mapHeaders parses "{A=b, C=d} [TRUNCATED]" as logged (values with ", " may split).
func mapHeaders(s string) http.Header {
	h := http.Header{}
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "[TRUNCATED]"))
	s = strings.TrimSuffix(strings.TrimPrefix(s, "{"), "}")
	for _, kv := range strings.Split(s, ", ") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" || strings.ContainsAny(k, " \t") {
			continue
		}
		h.Add(k, v)
	}
	return h
}
