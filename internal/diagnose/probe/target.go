package probe

import (
	"github.com/portcullis/portcullis/internal/check/endpoint"
	"net/netip"
	"strings"
)

// Host kinds: how the Host the gateway sees addresses an API (DESIGN.md §1 "Addressing an API";
// facts §7, §8).
const (
	// KindExecuteAPI is {apiId}.execute-api.{region}.amazonaws.com (or .amazonaws.com.cn) or
	// {apiId}.execute-api.localhost: the default endpoint, or — when private DNS of a VPC
	// endpoint answers for it — a private API through that endpoint.
	KindExecuteAPI = "execute-api"
	// KindVPCEndpoint is a VPC endpoint's own public DNS name,
	// vpce-{id}-{suffix}.execute-api.{region}.vpce.amazonaws.com: it needs a Host or
	// x-apigw-api-id header that names the API (facts §7).
	KindVPCEndpoint = "vpce-endpoint"
	// KindVPCEAlias is the Route 53 alias {apiId}-{vpceId}.execute-api.{region}.amazonaws.com.
	KindVPCEAlias = "vpce-alias"
	// KindCustomDomain is any other DNS name: a custom domain name (or another front end such
	// as CloudFront in front of the API).
	KindCustomDomain = "custom-domain"
	// KindOther is an IP address, localhost or a single-label name: not an API Gateway name.
	KindOther = "other"
)

// Target is what the probe learned about the URL before sending anything.
type Target struct {
	// Host is the name the gateway sees: the Host header when one was given (-H 'Host: …'),
	// otherwise the URL's host; lower case, without port.
	Host string `json:"host"`
	// Connect is the URL's host: where the probe connects (and what DNS resolves).
	Connect string `json:"connect"`
	Kind    string `json:"kind"`
	// APIID is the REST API id, when the host, the path style or an x-apigw-api-id header names it.
	APIID  string `json:"apiId,omitempty"`
	Region string `json:"region,omitempty"`
	// VPCEndpointID is the vpce-… id named by a vpce-endpoint or vpce-alias host.
	VPCEndpointID string `json:"vpcEndpointId,omitempty"`
	// PathStyle: the URL is /restapis/{apiId}/{stage}/_user_request_/{path} (Portcullis and
	// LocalStack; not AWS).
	PathStyle bool `json:"pathStyle,omitempty"`
	// Stage is the first path segment (the stage on execute-api hosts; on custom domains a base
	// path or a stage, which the probe cannot tell apart before sending). Escaped as in the URL.
	Stage string `json:"stage,omitempty"`
	// Rest is the escaped path after the stage ("" when the path is only the stage).
	Rest string `json:"rest,omitempty"`
}

// ClassifyHost returns the kind of a host name (lower case, without port) and the API id,
// region and VPC endpoint id it names.
func ClassifyHost(host string) (kind, apiID, region, vpce string) {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "" || host == "localhost" || !strings.Contains(host, ".") {
		return KindOther, "", "", ""
	}
	if _, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		return KindOther, "", "", ""
	}
	first, tail, ok := strings.Cut(host, ".execute-api.")
	if !ok || strings.Contains(first, ".") {
		return KindCustomDomain, "", "", ""
	}
	if tail == "localhost" {
		if IsAPIID(first) {
			return KindExecuteAPI, first, "", ""
		}
		return KindCustomDomain, "", "", ""
	}
	// vpce-{id}-{suffix}.execute-api.{region}.vpce.amazonaws.com
	if r, ok := cutAWSSuffix(tail, ".vpce."); ok {
		if strings.HasPrefix(first, "vpce-") {
			id, _, _ := strings.Cut(strings.TrimPrefix(first, "vpce-"), "-")
			if id != "" {
				return KindVPCEndpoint, "", r, "vpce-" + id
			}
		}
		return KindCustomDomain, "", "", ""
	}
	r, ok := cutAWSSuffix(tail, ".")
	if !ok {
		return KindCustomDomain, "", "", ""
	}
	if IsAPIID(first) {
		return KindExecuteAPI, first, r, ""
	}
	// {apiId}-{vpceId}
	if id, ve, ok := strings.Cut(first, "-"); ok && IsAPIID(id) && strings.HasPrefix(ve, "vpce-") && len(ve) > len("vpce-") {
		return KindVPCEAlias, id, r, ve
	}
	return KindCustomDomain, "", "", ""
}

// cutAWSSuffix splits "{region}{sep}amazonaws.com" (or .com.cn) and returns the region.
func cutAWSSuffix(tail, sep string) (string, bool) {
	for _, suffix := range []string{"amazonaws.com", "amazonaws.com.cn"} {
		if r, ok := strings.CutSuffix(tail, sep+suffix); ok && isLabel(r) {
			return r, true
		}
	}
	return "", false
}

func isLabel(s string) bool {
	if s == "" || len(s) > 63 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// IsAPIID reports whether s looks like a REST API id: 10 lowercase letters or digits.
func IsAPIID(s string) bool { return endpoint.IsAPIID(s) }

// NewTarget analyses a request: host is the Host the gateway will see, connect the URL's host,
// escPath the URL's escaped path, apiIDHeader the x-apigw-api-id header given ("" if none).
func NewTarget(host, connect, escPath, apiIDHeader string) Target {
	t := Target{Host: strings.TrimSuffix(strings.ToLower(host), "."), Connect: strings.ToLower(connect)}
	t.Kind, t.APIID, t.Region, t.VPCEndpointID = ClassifyHost(t.Host)
	if rest, ok := strings.CutPrefix(escPath, "/restapis/"); ok {
		parts := strings.SplitN(rest, "/", 4)
		if len(parts) >= 3 && parts[2] == "_user_request_" && parts[0] != "" {
			t.PathStyle, t.APIID, t.Stage = true, strings.ToLower(parts[0]), parts[1]
			if len(parts) == 4 {
				t.Rest = "/" + parts[3]
			}
			return t
		}
	}
	if t.APIID == "" {
		if id := strings.ToLower(strings.TrimSpace(apiIDHeader)); IsAPIID(id) {
			t.APIID = id
		}
	}
	t.Stage, t.Rest = splitFirst(escPath)
	return t
}

// splitFirst splits "/prod/pets/1" into ("prod", "/pets/1"); "/prod" gives ("prod", "").
func splitFirst(p string) (string, string) {
	p = strings.TrimPrefix(p, "/")
	first, rest, found := strings.Cut(p, "/")
	if !found {
		return first, ""
	}
	return first, "/" + rest
}

// StagePath is the escaped path that puts rest under stage, in the URL's style.
func (t Target) StagePath(stage, rest string) string {
	if t.PathStyle {
		if rest == "" {
			rest = "/"
		}
		return "/restapis/" + t.APIID + "/" + stage + "/_user_request_" + rest
	}
	return "/" + stage + rest
}

// HasStageSegment reports whether the URL's path has a first segment (a stage, on execute-api
// hosts).
func (t Target) HasStageSegment() bool { return t.Stage != "" }

// namesAPI reports whether the Host the gateway sees names an API (rather than, say, a VPC
// endpoint's own DNS name or a custom domain).
func (t Target) namesAPI() bool {
	return t.Kind == KindExecuteAPI || t.Kind == KindVPCEAlias || t.PathStyle
}

// isAWSName reports whether host is an AWS execute-api DNS name (not *.localhost).
func isAWSName(host string) bool {
	return strings.HasSuffix(host, ".amazonaws.com") || strings.HasSuffix(host, ".amazonaws.com.cn")
}
