package diagnose

import (
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/portcullis/portcullis/internal/diagnose/input"
)

// Host kinds: how the client addressed the API (DESIGN.md §1 "Addressing an API", facts §7, §8).
const (
	hostExecuteAPI = "execute-api"   // {api}.execute-api.{region}.amazonaws.com (or .localhost)
	hostVPCE       = "vpce"          // vpce-…-….execute-api.{region}.vpce.amazonaws.com
	hostVPCEAlias  = "vpce-alias"    // {api}-{vpce}.execute-api.{region}.amazonaws.com
	hostCustom     = "custom-domain" // anything else with a DNS name
	hostLambdaURL  = "lambda-url"    // {id}.lambda-url.{region}.on.aws
	hostCloudFront = "cloudfront"    // {id}.cloudfront.net
	hostS3         = "s3"            // s3 endpoints
	hostAddress    = "address"       // an IP address or localhost
	hostUnknown    = ""              // no host in the input
)

var (
	executeAPIRE = regexp.MustCompile(`^([a-z0-9]{10})\.execute-api\.(?:([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?|localhost)$`)
	vpceAliasRE  = regexp.MustCompile(`^([a-z0-9]{10})-(vpce-[0-9a-z]+)\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$`)
	vpceRE       = regexp.MustCompile(`^(vpce-[0-9a-z]+)-[0-9a-z]+(?:-[a-z0-9-]+)?\.execute-api\.([a-z0-9-]+)\.vpce\.amazonaws\.com(?:\.cn)?$`)
	lambdaURLRE  = regexp.MustCompile(`\.lambda-url\.([a-z0-9-]+)\.on\.aws$`)
	s3HostRE     = regexp.MustCompile(`(^|\.)s3([.-][a-z0-9-]+)*\.amazonaws\.com(\.cn)?$`)
	apiIDRE      = regexp.MustCompile(`^[a-z0-9]{10}$`)
)

// view is one exchange normalised for the rules: what was sent, what came back, what the logs say.
type view struct {
	x input.Exchange

	// request
	method, url, host, path string
	query                   url.Values
	reqHdr                  http.Header
	reqBody                 string
	hostKind                string
	apiID, region, vpceID   string
	apiIDHeader             string // x-apigw-api-id
	rawPath                 string // the path as sent, when it had dot segments
	pathStyleAPI            string // the API id of a /restapis/{id}/{stage}/_user_request_ path

	// response
	status      int
	hdr         http.Header
	body        string
	jsonBody    bool
	message     string // the body's message/Message value, or the plain body
	hasMessage  bool
	nullMessage bool
	errorType   string

	// logs
	fields  map[string]string
	fromLog bool
}

func newView(x input.Exchange) *view {
	v := &view{x: x, reqHdr: http.Header{}, hdr: http.Header{}, fields: x.Fields}
	if v.fields == nil {
		v.fields = map[string]string{}
	}
	v.fromLog = x.Source == input.FormatAccessLog || x.Source == input.FormatExecLog
	if r := x.Request; r != nil {
		v.method = r.Method
		v.url = r.URL
		if r.Headers != nil {
			v.reqHdr = r.Headers
		}
		v.reqBody = string(r.Body)
		host := r.Host
		if h := v.reqHdr.Get("Host"); h != "" {
			host = h
		}
		var u *url.URL
		if p, err := url.Parse(r.URL); err == nil {
			u = p
			if host == "" {
				host = p.Host
			}
			v.path = p.EscapedPath()
			v.query = p.Query()
		}
		if u == nil || v.path == "" {
			if i := strings.IndexAny(r.URL, "?"); i >= 0 {
				v.path = r.URL[:i]
			} else {
				v.path = r.URL
			}
			if strings.Contains(v.path, "://") {
				v.path = ""
			}
		}
		v.host = strings.ToLower(stripPort(host))
	}
	if v.host == "" {
		v.host = strings.ToLower(stripPort(v.fields["domainName"]))
	}
	v.pathStyle()
	if v.path == "" {
		v.path = v.fields["path"]
	}
	if v.method == "" {
		v.method = v.fields["httpMethod"]
	}
	v.apiIDHeader = strings.TrimSpace(v.reqHdr.Get("x-apigw-api-id"))
	v.classifyHost()
	if v.pathStyleAPI != "" && (v.hostKind == hostAddress || v.hostKind == hostExecuteAPI || v.hostKind == hostUnknown || v.hostKind == hostCustom) {
		v.hostKind, v.apiID = hostExecuteAPI, v.pathStyleAPI
	}
	if v.apiID == "" && apiIDRE.MatchString(v.fields["apiId"]) {
		v.apiID = v.fields["apiId"]
	}
	if r := x.Response; r != nil {
		v.status = r.Status
		if r.Headers != nil {
			v.hdr = r.Headers
		}
		v.body = string(r.Body)
	}
	v.errorType = strings.TrimSpace(strings.SplitN(v.hdr.Get("x-amzn-ErrorType"), ":", 2)[0])
	v.parseMessage()
	if !v.hasMessage {
		for _, k := range []string{"error.message", "error.messageString"} {
			if m := strings.Trim(v.fields[k], `"`); m != "" && m != "-" {
				v.message, v.hasMessage = m, true
				break
			}
		}
	}
	return v
}

// pathStyle rewrites /restapis/{api}/{stage}/_user_request_/{path} (the path-style address for
// clients that cannot set Host) to the execute-api form, and resolves dot segments as API
// Gateway does before it reads the stage (RFC 3986 §5.2.4).
func (v *view) pathStyle() {
	p := v.path
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	if strings.Contains(p, "/.") {
		v.rawPath = p
		p = resolveDots(p)
		v.path = p
	}
	seg := strings.Split(strings.TrimPrefix(p, "/"), "/")
	if len(seg) >= 4 && seg[0] == "restapis" && seg[3] == "_user_request_" && apiIDRE.MatchString(seg[1]) {
		v.pathStyleAPI = seg[1]
		v.path = "/" + seg[2] + "/" + strings.Join(seg[4:], "/")
	}
}

func resolveDots(p string) string {
	var out []string
	for _, s := range strings.Split(p, "/") {
		switch s {
		case ".":
		case "..":
			if len(out) > 1 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, s)
		}
	}
	r := strings.Join(out, "/")
	if !strings.HasPrefix(r, "/") {
		r = "/" + r
	}
	return r
}

func stripPort(h string) string {
	if host, _, err := net.SplitHostPort(h); err == nil {
		return host
	}
	return strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
}

func (v *view) classifyHost() {
	h := v.host
	switch {
	case h == "":
		v.hostKind = hostUnknown
	case vpceAliasRE.MatchString(h):
		m := vpceAliasRE.FindStringSubmatch(h)
		v.hostKind, v.apiID, v.vpceID, v.region = hostVPCEAlias, m[1], m[2], m[3]
	case executeAPIRE.MatchString(h):
		m := executeAPIRE.FindStringSubmatch(h)
		v.hostKind, v.apiID, v.region = hostExecuteAPI, m[1], m[2]
	case vpceRE.MatchString(h):
		m := vpceRE.FindStringSubmatch(h)
		v.hostKind, v.vpceID, v.region = hostVPCE, m[1], m[2]
		if apiIDRE.MatchString(v.apiIDHeader) {
			v.apiID = v.apiIDHeader
		}
	case lambdaURLRE.MatchString(h):
		v.hostKind, v.region = hostLambdaURL, lambdaURLRE.FindStringSubmatch(h)[1]
	case strings.HasSuffix(h, ".cloudfront.net"):
		v.hostKind = hostCloudFront
	case s3HostRE.MatchString(h):
		v.hostKind = hostS3
	case net.ParseIP(h) != nil || h == "localhost":
		v.hostKind = hostAddress
	default:
		v.hostKind = hostCustom
	}
}

// parseMessage reads {"message": …} / {"Message": …} bodies (facts §1: access-denied bodies use
// "Message"; 5xx bodies {"message": null}) or takes a short plain-text body as the message.
func (v *view) parseMessage() {
	b := strings.TrimSpace(v.body)
	if b == "" {
		return
	}
	if strings.HasPrefix(b, "{") {
		var m map[string]json.RawMessage
		if json.Unmarshal([]byte(b), &m) == nil {
			v.jsonBody = true
			for _, k := range []string{"message", "Message"} {
				raw, ok := m[k]
				if !ok {
					continue
				}
				v.hasMessage = true
				if string(raw) == "null" {
					v.nullMessage = true
					return
				}
				var s string
				if json.Unmarshal(raw, &s) == nil {
					v.message = s
				} else {
					v.message = string(raw)
				}
				return
			}
			return
		}
	}
	if len(b) <= 512 && !strings.HasPrefix(b, "<") {
		v.message, v.hasMessage = b, true
	}
}

// Request facts.

func (v *view) sent(h string) bool { return len(v.reqHdr.Values(h)) > 0 }

// authShape is the shape of the Authorization header: "" (none), "sigv4", "sigv4-partial"
// (starts like SigV4 but lacks parts), "bearer", "basic", "jwt" (a bare JWT), "other".
func (v *view) authShape() string {
	a := strings.TrimSpace(v.reqHdr.Get("Authorization"))
	switch {
	case a == "":
		return ""
	case strings.HasPrefix(a, "AWS4-HMAC-SHA256 ") || strings.HasPrefix(a, "AWS4-ECDSA-P256-SHA256 "):
		if strings.Contains(a, "Credential=") && strings.Contains(a, "Signature=") && strings.Contains(a, "SignedHeaders=") {
			return "sigv4"
		}
		return "sigv4-partial"
	case strings.HasPrefix(strings.ToLower(a), "bearer "):
		return "bearer"
	case strings.HasPrefix(strings.ToLower(a), "basic "):
		return "basic"
	case jwtRE.MatchString(a):
		return "jwt"
	}
	return "other"
}

var jwtRE = regexp.MustCompile(`^eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$`)

// presigned reports a SigV4 query-string signature.
func (v *view) presigned() bool {
	return v.query.Get("X-Amz-Signature") != "" || v.query.Get("X-Amz-Credential") != ""
}

// signed reports any SigV4 signature (header or query).
func (v *view) signed() bool { return v.authShape() == "sigv4" || v.presigned() }

// credential returns the SigV4 credential (AKID/date/region/service/aws4_request) if any.
func (v *view) credential() string {
	if c := v.query.Get("X-Amz-Credential"); c != "" {
		return c
	}
	a := v.reqHdr.Get("Authorization")
	i := strings.Index(a, "Credential=")
	if i < 0 {
		return ""
	}
	c := a[i+len("Credential="):]
	if j := strings.IndexAny(c, ", "); j >= 0 {
		c = c[:j]
	}
	return c
}

// signedAt is the X-Amz-Date of the signature (header or query).
func (v *view) signedAt() (time.Time, bool) {
	s := v.reqHdr.Get("X-Amz-Date")
	if s == "" {
		s = v.query.Get("X-Amz-Date")
	}
	t, err := time.Parse("20060102T150405Z", strings.TrimSpace(s))
	return t, err == nil
}

// responseDate is the response's Date header, or the log's request time.
func (v *view) responseDate() (time.Time, bool) {
	if d := v.hdr.Get("Date"); d != "" {
		if t, err := http.ParseTime(d); err == nil {
			return t, true
		}
	}
	if d := v.fields["requestTime"]; d != "" {
		if t, err := time.Parse("02/Jan/2006:15:04:05 -0700", d); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// bearerToken returns the token in the Authorization header (without a Bearer prefix).
func (v *view) bearerToken() string {
	a := strings.TrimSpace(v.reqHdr.Get("Authorization"))
	if len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
		a = strings.TrimSpace(a[7:])
	}
	return a
}

// jwtClaims decodes a JWT's payload without verifying it (we only read iss, exp, token_use).
func jwtClaims(tok string) map[string]any {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 || !strings.HasPrefix(parts[0], "eyJ") {
		return nil
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return nil
	}
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return nil
	}
	return m
}

// segments splits the request path into decoded segments.
func (v *view) segments() []string {
	p := v.path
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	out := strings.Split(p, "/")
	for i, s := range out {
		if u, err := url.PathUnescape(s); err == nil {
			out[i] = u
		}
	}
	return out
}

// field returns a log field, treating "-" and "" as absent.
func (v *view) field(k string) string {
	s := strings.TrimSpace(v.fields[k])
	if s == "-" || s == `""` {
		return ""
	}
	return s
}

// rest reports API Gateway's own response headers.
func (v *view) restHeaders() bool {
	return v.hdr.Get("x-amz-apigw-id") != "" || v.hdr.Get("x-amzn-RequestId") != ""
}
