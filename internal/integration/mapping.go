package integration

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/portcullis/portcullis/internal/apidef"
)

// call is one invocation: the request plus what is derived from it once.
type call struct {
	c *Client
	*Request
	query []kv // the client's query string, decoded, in order
}

type kv struct{ k, v string }

func newCall(c *Client, r *Request) *call {
	return &call{c: c, Request: r, query: parseQuery(r.In.URL.RawQuery)}
}

func (k *call) logf(format string, args ...any) { logLine(k.Log, fmt.Sprintf(format, args...)) }

// parseQuery decodes a raw query string leniently, keeping order. API Gateway splits on '&'
// and also on ';' (facts §10: "The semicolon character (;) … results in the data being
// split"); an undecodable escape is kept as written.
func parseQuery(raw string) []kv {
	if raw == "" {
		return nil
	}
	var out []kv
	for _, part := range strings.FieldsFunc(raw, func(r rune) bool { return r == '&' || r == ';' }) {
		k, v, _ := strings.Cut(part, "=")
		out = append(out, kv{unescape(k), unescape(v)})
	}
	return out
}

func unescape(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

func (k *call) queryValues(name string) []string {
	var vs []string
	for _, p := range k.query {
		if p.k == name {
			vs = append(vs, p.v)
		}
	}
	return vs
}

// lookup resolves $context.* and $stageVariables.* for templates: Request.Vars first, then
// the request's own fields.
func (k *call) lookup(name string) (string, bool) {
	if k.Vars != nil {
		if v, ok := k.Vars(name); ok {
			return v, true
		}
	}
	if sv, ok := strings.CutPrefix(name, "stageVariables."); ok {
		v, ok := k.StageVariables[sv]
		return v, ok
	}
	cv, ok := strings.CutPrefix(name, "context.")
	if !ok {
		return "", false
	}
	switch cv {
	case "accountId":
		return k.AccountID, true
	case "apiId":
		return k.APIID, true
	case "stage":
		return k.Stage, true
	case "deploymentId":
		return k.DeploymentID, true
	case "requestId", "awsEndpointRequestId":
		return k.RequestID, true
	case "extendedRequestId":
		return k.ExtendedRequestID, true
	case "resourcePath":
		return k.ResourcePath, true
	case "resourceId":
		return k.ResourceID, true
	case "httpMethod":
		return k.In.Method, true
	case "path":
		return k.FullPath, true
	case "protocol":
		return k.Protocol, true
	case "domainName":
		return k.DomainName, true
	case "domainPrefix":
		return k.DomainPrefix, true
	case "identity.sourceIp":
		return k.SourceIP, true
	case "identity.userAgent":
		return k.UserAgent, true
	case "requestTime":
		return k.RequestTime.UTC().Format(requestTimeLayout), true
	case "requestTimeEpoch":
		return strconv.FormatInt(k.RequestTime.UnixMilli(), 10), true
	}
	return "", false
}

// render renders a mapping template. Only $context / $stageVariables references are
// substituted (unknown ones render empty); VTL ($input, #set, #if…) is a later issue and is
// left as literal text.
func (k *call) render(src string) string { return k.c.template(src).Render(k.lookup, "") }

// source resolves a request-parameter mapping value (facts §9,
// x-amazon-apigateway-integration.requestParameters): 'static', method.request.{path,
// querystring, multivaluequerystring, header, multivalueheader}.NAME, method.request.body[.path],
// stageVariables.NAME, context.NAME.
func (k *call) source(expr string) (string, bool) {
	if len(expr) >= 2 && expr[0] == '\'' && expr[len(expr)-1] == '\'' {
		return expr[1 : len(expr)-1], true
	}
	if rest, ok := strings.CutPrefix(expr, "method.request."); ok {
		loc, name, _ := strings.Cut(rest, ".")
		switch loc {
		case "path":
			v, ok := k.PathParams[name]
			return v, ok
		case "querystring":
			if vs := k.queryValues(name); len(vs) > 0 {
				return vs[len(vs)-1], true
			}
		case "multivaluequerystring":
			if vs := k.queryValues(name); len(vs) > 0 {
				return strings.Join(vs, ","), true
			}
		case "header":
			if vs := k.In.Header.Values(name); len(vs) > 0 {
				return vs[len(vs)-1], true
			}
		case "multivalueheader":
			if vs := k.In.Header.Values(name); len(vs) > 0 {
				return strings.Join(vs, ","), true
			}
		case "body":
			if name == "" && rest == "body" {
				return string(k.Body), true
			}
			return jsonField(k.Body, name)
		}
		return "", false
	}
	if strings.HasPrefix(expr, "stageVariables.") || strings.HasPrefix(expr, "context.") {
		return k.lookup(expr)
	}
	return "", false
}

// jsonField extracts a dotted path ("a.b.0") from a JSON document: strings as they are,
// other values as JSON.
func jsonField(doc []byte, path string) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "", false
	}
	for _, p := range strings.Split(path, ".") {
		switch t := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = t[p]; !ok {
				return "", false
			}
		case []any:
			i, err := strconv.Atoi(p)
			if err != nil || i < 0 || i >= len(t) {
				return "", false
			}
			v = t[i]
		default:
			return "", false
		}
	}
	switch t := v.(type) {
	case string:
		return t, true
	case nil:
		return "", false
	default:
		b, err := json.Marshal(t)
		if err != nil {
			return "", false
		}
		return string(b), true
	}
}

// mapped is the integration request's mapped parameters.
type mapped struct {
	path   map[string]string
	query  []kv
	header []kv
}

// mapRequestParameters evaluates Integration.RequestParameters
// (integration.request.{path,querystring,multivaluequerystring,header,multivalueheader}.NAME),
// in sorted key order. A source with no value maps nothing.
func (k *call) mapRequestParameters() mapped {
	m := mapped{path: map[string]string{}}
	keys := make([]string, 0, len(k.Integration.RequestParameters))
	for key := range k.Integration.RequestParameters {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	for _, key := range keys {
		rest, ok := strings.CutPrefix(key, "integration.request.")
		if !ok {
			continue
		}
		loc, name, _ := strings.Cut(rest, ".")
		if name == "" {
			continue
		}
		v, ok := k.source(k.Integration.RequestParameters[key])
		if !ok {
			continue
		}
		switch loc {
		case "path":
			m.path[name] = v
		case "querystring":
			m.query = append(m.query, kv{name, v})
		case "multivaluequerystring":
			for _, one := range strings.Split(v, ",") {
				m.query = append(m.query, kv{name, one})
			}
		case "header", "multivalueheader":
			m.header = append(m.header, kv{name, v})
		}
	}
	return m
}

// mediaType is the lower-case type/subtype of a Content-Type or Accept entry.
func mediaType(v string) string {
	v, _, _ = strings.Cut(v, ",")
	if mt, _, err := mime.ParseMediaType(v); err == nil {
		return mt
	}
	v, _, _ = strings.Cut(v, ";")
	return strings.ToLower(strings.TrimSpace(v))
}

// isBinary reports whether a media type matches the API's binary media types (exact,
// "type/*" or "*/*").
func isBinary(contentType string, binary []string) bool {
	mt := mediaType(contentType)
	if mt == "" {
		return false
	}
	typ, _, _ := strings.Cut(mt, "/")
	for _, b := range binary {
		b = strings.ToLower(strings.TrimSpace(b))
		if b == mt || b == "*/*" || b == typ+"/*" {
			return true
		}
	}
	return false
}

// requestTemplate selects the request mapping template (facts §9, passthroughBehavior): the
// template for the request's Content-Type (application/json when there is none). Without a
// match, WHEN_NO_MATCH (default) passes the body through, WHEN_NO_TEMPLATES passes it through
// only when no template is defined, and NEVER rejects (API Gateway answers 415).
func requestTemplate(in *apidef.Integration, contentType string) (tpl string, found, reject bool) {
	ct := mediaType(contentType)
	if ct == "" {
		ct = "application/json"
	}
	for key, t := range in.RequestTemplates {
		if mediaType(key) == ct {
			return t, true, false
		}
	}
	switch strings.ToUpper(in.PassthroughBehavior) {
	case "NEVER":
		return "", false, true
	case "WHEN_NO_TEMPLATES":
		return "", false, len(in.RequestTemplates) > 0
	}
	return "", false, false
}

// unsupportedMediaType is the Detail prefix of a request rejected by passthroughBehavior.
const unsupportedMediaType = "Execution failed due to configuration error: Unsupported Media Type"

// IsUnsupportedMediaType reports whether f is a passthroughBehavior rejection, which API
// Gateway answers with 415 UNSUPPORTED_MEDIA_TYPE rather than 500.
func IsUnsupportedMediaType(f *Failure) bool {
	return f != nil && f.Cause == CauseConfigError && strings.HasPrefix(f.Detail, unsupportedMediaType)
}

// integrationRequestBody applies the request template (or passthrough) and reports a
// passthroughBehavior rejection as a Failure.
func (k *call) integrationRequestBody() ([]byte, bool, *Failure) {
	ct := k.In.Header.Get("Content-Type")
	tpl, found, reject := requestTemplate(k.Integration, ct)
	if reject {
		return nil, false, &Failure{Cause: CauseConfigError, Detail: fmt.Sprintf(
			"%s: no mapping template matches Content-Type %q and passthroughBehavior is %s",
			unsupportedMediaType, mediaType(ct), strings.ToUpper(k.Integration.PassthroughBehavior))}
	}
	if found && tpl != "" {
		return []byte(k.render(tpl)), true, nil
	}
	return k.Body, false, nil
}

// selectResponse picks the integration response for a status (facts §3.3): the first entry
// whose selection pattern matches the whole string, else the default entry.
func (k *call) selectResponse(value string) *apidef.IntegrationResponse {
	for _, ir := range k.Integration.Responses {
		if ir.SelectionPattern == "" {
			continue
		}
		if re := k.c.pattern(ir.SelectionPattern); re != nil && re.MatchString(value) {
			return ir
		}
	}
	for _, ir := range k.Integration.Responses {
		if ir.SelectionPattern == "" {
			return ir
		}
	}
	return nil
}

func noMatch(status int) *Failure {
	return &Failure{Cause: CauseConfigError, IntegrationStatus: status, Detail: fmt.Sprintf(
		"Execution failed due to configuration error: No match for output mapping and no default output mapping configured. Endpoint Response Status Code: %d", status)}
}

// responseTemplate picks a response template: the first Accept media type's, else
// application/json's, else the first by name. An empty template means none.
func responseTemplate(tpls map[string]string, accept string) (string, bool) {
	if len(tpls) == 0 {
		return "", false
	}
	pick := func(mt string) (string, bool) {
		for key, t := range tpls {
			if mediaType(key) == mt {
				return t, true
			}
		}
		return "", false
	}
	if mt := mediaType(accept); mt != "" {
		if t, ok := pick(mt); ok {
			return t, t != ""
		}
	}
	if t, ok := pick("application/json"); ok {
		return t, t != ""
	}
	keys := make([]string, 0, len(tpls))
	for key := range tpls {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	t := tpls[keys[0]]
	return t, t != ""
}

// methodResponse builds a non-proxy method response from the selected integration response:
// status from its statusCode; headers from its responseParameters
// (method.response.header.X ← 'static', integration.response.header.Y,
// integration.response.multivalueheader.Y, integration.response.body[.path], context.X,
// stageVariables.X); Content-Type application/json unless mapped (facts §10); body from
// its response template, else the endpoint body when passthrough is true, else empty.
func (k *call) methodResponse(ir *apidef.IntegrationResponse, endpointStatus int, endpointHeader http.Header, endpointBody []byte, passthrough bool) (*Response, *Failure) {
	status, err := strconv.Atoi(ir.StatusCode)
	if err != nil || status < 100 || status > 599 {
		return nil, &Failure{Cause: CauseConfigError, IntegrationStatus: endpointStatus, Detail: fmt.Sprintf(
			"Execution failed due to configuration error: Invalid method response status code %q", ir.StatusCode)}
	}
	h := http.Header{}
	keys := make([]string, 0, len(ir.ResponseParameters))
	for key := range ir.ResponseParameters {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	for _, key := range keys {
		name, ok := strings.CutPrefix(key, "method.response.header.")
		if !ok || name == "" {
			continue
		}
		if v, ok := k.responseSource(ir.ResponseParameters[key], endpointHeader, endpointBody); ok {
			h.Set(name, v)
		}
	}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	var body []byte
	if tpl, ok := responseTemplate(ir.ResponseTemplates, k.In.Header.Get("Accept")); ok {
		body = []byte(k.render(tpl))
	} else if passthrough {
		body = endpointBody
	}
	k.logf("Method response body after transformations: %s", body)
	return &Response{
		Status:            status,
		Header:            h,
		Body:              io.NopCloser(bytes.NewReader(body)),
		IntegrationStatus: endpointStatus,
	}, nil
}

func (k *call) responseSource(expr string, h http.Header, body []byte) (string, bool) {
	if len(expr) >= 2 && expr[0] == '\'' && expr[len(expr)-1] == '\'' {
		return expr[1 : len(expr)-1], true
	}
	if rest, ok := strings.CutPrefix(expr, "integration.response."); ok {
		loc, name, _ := strings.Cut(rest, ".")
		switch loc {
		case "header":
			if vs := h.Values(name); len(vs) > 0 {
				return vs[len(vs)-1], true
			}
		case "multivalueheader":
			if vs := h.Values(name); len(vs) > 0 {
				return strings.Join(vs, ","), true
			}
		case "body":
			if rest == "body" {
				return string(body), true
			}
			return jsonField(body, name)
		}
		return "", false
	}
	if strings.HasPrefix(expr, "stageVariables.") || strings.HasPrefix(expr, "context.") {
		return k.lookup(expr)
	}
	return "", false
}
