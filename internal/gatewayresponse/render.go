package gatewayresponse

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/portcullis/portcullis/internal/apidef"
	"github.com/portcullis/portcullis/internal/ctxtemplate"
	"github.com/portcullis/portcullis/internal/ctxvars"
)

// RequestTooLargeBody is the plain-text body of every 413 REQUEST_TOO_LARGE response
// (facts §1.1 [OBS]; facts §10: the 10 MB payload limit).
const RequestTooLargeBody = "HTTP content length exceeded 10485760 bytes."

// RequestTooLargeContentType is the Content-Type sent with RequestTooLargeBody. The body is
// plain text, not JSON (facts §1.1 [OBS]); its exact Content-Type header is not recorded in any
// source we have, so text/plain — the only type that describes the body truthfully — is used.
const RequestTooLargeContentType = "text/plain"

// Input is what Render needs to produce one gateway response.
type Input struct {
	Type Type
	// Message is $context.error.message; nil renders as JSON null (authorizer 500s).
	Message *string
	// ErrorType is the x-amzn-ErrorType to send ("" = none).
	ErrorType string
	// Custom is the API's x-amazon-apigateway-gateway-responses, keyed by response type.
	Custom map[string]*apidef.GatewayResponse
	// Vars resolves $context.* and $stageVariables.* ("context.requestId", "stageVariables.a").
	// Render adds context.error.message, context.error.messageString and
	// context.error.responseType; context.error.validationErrorString comes from Vars.
	Vars ctxtemplate.Lookup
	// Param resolves method.request.{header|querystring|path}.NAME: location is "header",
	// "querystring" or "path".
	Param func(location, name string) (string, bool)
	// Accept is the request's Accept header, for template selection.
	Accept string
	// Status, when not 0, replaces the type's default status where no customisation sets a
	// statusCode: a cause whose status differs from its type's default (a malformed Lambda
	// proxy response is API_CONFIGURATION_ERROR but 502).
	Status int
}

// Response is a rendered gateway response. Header holds Content-Type, Content-Length, the
// mapped headers and x-amzn-ErrorType (canonical keys); the server adds x-amzn-RequestId and
// the other per-request headers.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Render produces the gateway response for in (facts §1.1, §1.2):
//
//   - Not customised (no entry for the type nor for its DEFAULT_4XX/DEFAULT_5XX fallback): the
//     type's default status, Content-Type application/json and the default template
//     {"message":$context.error.messageString}, rendered with the quirks real responses show
//     (facts §1.1 "Surprises" 1 and 2): ACCESS_DENIED writes "Message" with a capital M, and
//     types whose default status is 5xx put a space after the colon.
//   - REQUEST_TOO_LARGE cannot be customised (surprise 3): always 413 with RequestTooLargeBody.
//   - Customised: the type's own entry wins, else its fallback's. The status is the entry's
//     statusCode, else the fallback's statusCode when the fallback is the entry used, else the
//     type's default. Headers come from gatewayresponse.header.NAME mappings; the body from the
//     responseTemplates entry for the first Accept media type, else application/json, else the
//     first key in sorted order (the chosen key is the Content-Type). An entry without templates
//     renders the default template.
//   - x-amzn-ErrorType is always sent when ErrorType is set, customised or not (surprise 6).
//
// An unknown Type is rendered as DEFAULT_5XX would be, keeping the type's name in
// $context.error.responseType.
func Render(in Input) Response {
	spec, ok := Lookup(in.Type)
	if !ok {
		spec, _ = Lookup(Default5XX)
	}
	bodySpec := spec // the body quirks follow the type's own default status
	if in.Status != 0 && spec.Type != RequestTooLarge {
		spec.Status = in.Status
	}
	h := make(http.Header, 4)
	var resp Response
	switch entry := customEntry(spec, in.Custom); {
	case spec.Type == RequestTooLarge:
		resp = Response{Status: spec.Status, Body: []byte(RequestTooLargeBody)}
		h.Set("Content-Type", RequestTooLargeContentType)
	case entry == nil:
		resp = Response{Status: spec.Status, Body: defaultBody(bodySpec, in.Message)}
		h.Set("Content-Type", "application/json")
	default:
		resp = renderCustom(in, spec, bodySpec, entry, h)
	}
	if in.ErrorType != "" {
		h.Set("X-Amzn-ErrorType", in.ErrorType)
	}
	h.Set("Content-Length", strconv.Itoa(len(resp.Body)))
	resp.Header = h
	return resp
}

// customEntry returns the customisation that applies to spec's type: its own entry, else its
// fallback's, else nil.
func customEntry(spec Spec, custom map[string]*apidef.GatewayResponse) *apidef.GatewayResponse {
	if e := custom[string(spec.Type)]; e != nil {
		return e
	}
	if spec.FallsBackTo != "" {
		return custom[string(spec.FallsBackTo)]
	}
	return nil
}

// renderCustom renders a customised response. The status is the statusCode of the entry used
// (the type's own, or the fallback's when that is the entry used), else the type's default.
func renderCustom(in Input, spec, bodySpec Spec, entry *apidef.GatewayResponse, h http.Header) Response {
	status := spec.Status
	if s, ok := parseStatus(entry.StatusCode); ok {
		status = s
	}
	lookup := in.lookup
	var body []byte
	if len(entry.ResponseTemplates) == 0 {
		body = defaultBody(bodySpec, in.Message)
		h.Set("Content-Type", "application/json")
	} else {
		key := selectTemplate(entry.ResponseTemplates, in.Accept)
		body = compile(entry.ResponseTemplates[key]).Append(nil, lookup, "")
		if body == nil {
			body = []byte{}
		}
		h.Set("Content-Type", key)
	}
	keys := make([]string, 0, len(entry.ResponseParameters))
	for k := range entry.ResponseParameters {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		name, ok := strings.CutPrefix(k, "gatewayresponse.header.")
		if !ok || name == "" {
			continue
		}
		if v, ok := in.resolveParam(entry.ResponseParameters[k]); ok {
			h.Set(name, v)
		}
	}
	return Response{Status: status, Body: body}
}

// parseStatus parses a statusCode ("404"); AWS's pattern is [1-5]\d\d.
func parseStatus(s string) (int, bool) {
	if len(s) != 3 || s[0] < '1' || s[0] > '5' || s[1] < '0' || s[1] > '9' || s[2] < '0' || s[2] > '9' {
		return 0, false
	}
	n, _ := strconv.Atoi(s)
	return n, true
}

// selectTemplate picks the responseTemplates key for the request's first Accept media type
// (API Gateway honours only the first, facts §10), else application/json, else the first key
// in sorted order.
func selectTemplate(templates map[string]string, accept string) string {
	first, _, _ := strings.Cut(accept, ",")
	first, _, _ = strings.Cut(first, ";")
	first = strings.TrimSpace(first)
	if first != "" {
		if _, ok := templates[first]; ok {
			return first
		}
		for k := range templates {
			if strings.EqualFold(k, first) {
				return k
			}
		}
	}
	if _, ok := templates["application/json"]; ok {
		return "application/json"
	}
	keys := make([]string, 0, len(templates))
	for k := range templates {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys[0]
}

// resolveParam resolves a responseParameters value (facts §1.2): 'static', method.request.
// {header|querystring|path}.NAME, method.input.params.NAME (the doc example's older form;
// path, then query string, then header), stageVariables.NAME or context.NAME.
func (in Input) resolveParam(expr string) (string, bool) {
	if len(expr) >= 2 && expr[0] == '\'' && expr[len(expr)-1] == '\'' {
		return expr[1 : len(expr)-1], true
	}
	if rest, ok := strings.CutPrefix(expr, "method.request."); ok {
		loc, name, ok := strings.Cut(rest, ".")
		if !ok || name == "" || in.Param == nil {
			return "", false
		}
		switch loc {
		case "header", "querystring", "path":
			return in.Param(loc, name)
		}
		return "", false
	}
	if name, ok := strings.CutPrefix(expr, "method.input.params."); ok {
		if in.Param == nil || name == "" {
			return "", false
		}
		for _, loc := range [...]string{"path", "querystring", "header"} {
			if v, ok := in.Param(loc, name); ok {
				return v, true
			}
		}
		return "", false
	}
	if strings.HasPrefix(expr, "stageVariables.") || strings.HasPrefix(expr, "context.") {
		return in.lookup(expr)
	}
	return "", false
}

// lookup is Vars extended with the $context.error.* variables (facts §1.2).
func (in Input) lookup(name string) (string, bool) {
	switch name {
	case "context.error.message":
		if in.Message == nil {
			return "", false
		}
		return *in.Message, true
	case "context.error.messageString":
		return string(appendMessageString(nil, in.Message)), true
	case "context.error.responseType":
		return string(in.Type), true
	}
	if in.Vars == nil {
		return "", false
	}
	return in.Vars(name)
}

// templates caches compiled templates by source; the set of distinct sources is bounded by the
// loaded configurations.
var templates sync.Map // string -> *ctxtemplate.Template

func compile(src string) *ctxtemplate.Template {
	if t, ok := templates.Load(src); ok {
		return t.(*ctxtemplate.Template)
	}
	t, _ := templates.LoadOrStore(src, ctxtemplate.Compile(src))
	return t.(*ctxtemplate.Template)
}

// defaultBody renders the default template {"message":$context.error.messageString} as real
// responses show it: "Message" for ACCESS_DENIED and a space after the colon for types whose
// default status is 5xx (facts §1.1 surprises 1 and 2).
func defaultBody(spec Spec, msg *string) []byte {
	b := make([]byte, 0, 16+messageLen(msg))
	if spec.Type == AccessDenied {
		b = append(b, `{"Message":`...)
	} else {
		b = append(b, `{"message":`...)
	}
	if spec.Status >= 500 {
		b = append(b, ' ')
	}
	b = appendMessageString(b, msg)
	return append(b, '}')
}

func messageLen(msg *string) int {
	if msg == nil {
		return 4
	}
	return len(*msg) + 2
}

// appendMessageString appends $context.error.messageString: the JSON string encoding of msg as
// encoding/json writes it but without HTML escaping of <, > and &, or null when msg is nil.
func appendMessageString(dst []byte, msg *string) []byte {
	if msg == nil {
		return append(dst, "null"...)
	}
	return ctxvars.AppendJSONString(dst, *msg)
}
