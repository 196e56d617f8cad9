package openapi

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/portcullis/portcullis/internal/apidef"
	"github.com/portcullis/portcullis/internal/ctxtemplate"
)

var integrationFields = []string{
	"type", "httpMethod", "uri", "credentials", "connectionType", "connectionId",
	"requestParameters", "requestTemplates", "passthroughBehavior", "contentHandling",
	"timeoutInMillis", "cacheNamespace", "cacheKeyParameters", "tlsConfig", "responses",
}

// Fields of HTTP API integrations, and newer REST fields this model does not hold; accepted
// and ignored.
var integrationIgnored = []string{"payloadFormatVersion", "integrationSubtype", "responseTransferMode", "description"}

var integrationHTTPMethods = []string{"GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "ANY"}

// integration reads x-amazon-apigateway-integration (facts §9, §10). Enumerations are written
// in lower case in definitions and stored in upper case, as get-integration prints them. Like
// API Gateway, an absent passthroughBehavior is WHEN_NO_MATCH and an absent connectionType is
// INTERNET; an absent timeout stays 0 (the 29,000 ms default).
func (im *importer) integration(n *node, field string) (*apidef.Integration, error) {
	if err := im.wantMap(n, field); err != nil {
		return nil, err
	}
	if err := im.checkFields(n, field, integrationFields, integrationIgnored); err != nil {
		return nil, err
	}
	in := &apidef.Integration{PassthroughBehavior: "WHEN_NO_MATCH", ConnectionType: "INTERNET"}
	t := n.get("type")
	if t == nil {
		return nil, im.errf(n, field+".type", "missing integration type (want aws, aws_proxy, http, http_proxy, mock)")
	}
	typ, err := im.str(t, field+".type")
	if err != nil {
		return nil, err
	}
	switch strings.ToLower(typ) {
	case "aws", "aws_proxy", "http", "http_proxy", "mock":
		in.Type = strings.ToUpper(typ)
	default:
		return nil, im.errf(t, field+".type", "unknown integration type %q (want aws, aws_proxy, http, http_proxy, mock)", typ)
	}
	for _, p := range []struct {
		key string
		dst *string
	}{
		{"uri", &in.URI}, {"credentials", &in.Credentials}, {"connectionId", &in.ConnectionID},
		{"cacheNamespace", &in.CacheNamespace},
	} {
		if x := n.get(p.key); x != nil {
			if *p.dst, err = im.str(x, field+"."+p.key); err != nil {
				return nil, err
			}
		}
	}
	if x := n.get("httpMethod"); x != nil {
		if in.HTTPMethod, err = im.oneOf(x, field+".httpMethod", integrationHTTPMethods...); err != nil {
			return nil, err
		}
	}
	if x := n.get("connectionType"); x != nil {
		if in.ConnectionType, err = im.oneOf(x, field+".connectionType", "INTERNET", "VPC_LINK"); err != nil {
			return nil, err
		}
	}
	if x := n.get("passthroughBehavior"); x != nil {
		if in.PassthroughBehavior, err = im.oneOf(x, field+".passthroughBehavior", "WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER"); err != nil {
			return nil, err
		}
	}
	if x := n.get("contentHandling"); x != nil {
		if in.ContentHandling, err = im.oneOf(x, field+".contentHandling", "CONVERT_TO_TEXT", "CONVERT_TO_BINARY"); err != nil {
			return nil, err
		}
	}
	if x := n.get("timeoutInMillis"); x != nil {
		if in.TimeoutInMillis, err = im.integer(x, field+".timeoutInMillis", 50, 300000); err != nil {
			return nil, err
		}
	}
	if x := n.get("requestParameters"); x != nil {
		if in.RequestParameters, err = im.strMap(x, field+".requestParameters"); err != nil {
			return nil, err
		}
	}
	if x := n.get("requestTemplates"); x != nil {
		if in.RequestTemplates, err = im.strMap(x, field+".requestTemplates"); err != nil {
			return nil, err
		}
	}
	if x := n.get("cacheKeyParameters"); x != nil {
		if in.CacheKeyParameters, err = im.strList(x, field+".cacheKeyParameters"); err != nil {
			return nil, err
		}
	}
	if x := n.get("tlsConfig"); x != nil {
		f := field + ".tlsConfig"
		if err := im.wantMap(x, f); err != nil {
			return nil, err
		}
		if err := im.checkFields(x, f, []string{"insecureSkipVerification"}, []string{"serverNameToVerify"}); err != nil {
			return nil, err
		}
		if v := x.get("insecureSkipVerification"); v != nil {
			if in.InsecureSkipVerify, err = im.boolean(v, f+".insecureSkipVerification"); err != nil {
				return nil, err
			}
		}
	}
	if err := im.checkTarget(n, field, in); err != nil {
		return nil, err
	}
	if x := n.get("responses"); x != nil {
		if in.Responses, err = im.integrationResponses(x, field+".responses"); err != nil {
			return nil, err
		}
	}
	return in, nil
}

// checkTarget validates the uri and httpMethod against the integration type: HTTP and
// HTTP_PROXY need an absolute http(s) URL (stage-variable references such as
// http://${stageVariables.backend}/pets are allowed, facts §10); AWS and AWS_PROXY need an
// arn:aws:apigateway: URI; all but MOCK need httpMethod; VPC_LINK needs connectionId.
func (im *importer) checkTarget(n *node, field string, in *apidef.Integration) error {
	uriNode := n.get("uri")
	if uriNode == nil {
		uriNode = n
	}
	switch in.Type {
	case "HTTP", "HTTP_PROXY":
		if in.URI == "" {
			return im.errf(uriNode, field+".uri", "an %s integration needs an absolute http(s) uri", strings.ToLower(in.Type))
		}
		// Stage variables are substituted at request time; check the URL shape with a
		// placeholder in their place.
		probe := ctxtemplate.Compile(in.URI).Render(func(name string) (string, bool) {
			if strings.HasPrefix(name, "stageVariables.") {
				return "stagevariable", true
			}
			return "", false
		}, "x")
		u, err := url.Parse(probe)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return im.errf(uriNode, field+".uri", "%q is not an absolute http(s) URL", in.URI)
		}
	case "AWS", "AWS_PROXY":
		if !isAPIGatewayARN(in.URI) {
			return im.errf(uriNode, field+".uri", "an %s integration needs an arn:aws:apigateway: uri, not %q", strings.ToLower(in.Type), in.URI)
		}
	}
	if in.Type != "MOCK" && in.HTTPMethod == "" {
		return im.errf(n, field+".httpMethod", "an %s integration needs httpMethod", strings.ToLower(in.Type))
	}
	if in.ConnectionType == "VPC_LINK" && in.ConnectionID == "" {
		return im.errf(n, field+".connectionId", "a VPC_LINK integration needs connectionId")
	}
	return nil
}

// integrationResponses keeps the entries with a selection pattern in definition order and puts
// the "default" entry (selection pattern "") last: API Gateway tries the patterns and falls
// back to the default. Each pattern must compile as a regular expression.
func (im *importer) integrationResponses(n *node, field string) ([]*apidef.IntegrationResponse, error) {
	if err := im.wantMap(n, field); err != nil {
		return nil, err
	}
	var out []*apidef.IntegrationResponse
	var def *apidef.IntegrationResponse
	for i, k := range n.keys {
		f := field + "." + k.s
		if k.s != "default" {
			if _, err := regexp.Compile(k.s); err != nil {
				return nil, im.errf(k, f, "selection pattern does not compile as a regular expression: %v", err)
			}
		}
		v := n.vals[i]
		if err := im.wantMap(v, f); err != nil {
			return nil, err
		}
		if err := im.checkFields(v, f, []string{"statusCode", "responseParameters", "responseTemplates", "contentHandling"}, nil); err != nil {
			return nil, err
		}
		r := &apidef.IntegrationResponse{}
		if k.s != "default" {
			r.SelectionPattern = k.s
		}
		sc := v.get("statusCode")
		if sc == nil {
			return nil, im.errf(v, f+".statusCode", "missing statusCode")
		}
		var err error
		if r.StatusCode, err = im.statusCode(sc, f+".statusCode"); err != nil {
			return nil, err
		}
		if x := v.get("responseParameters"); x != nil {
			if r.ResponseParameters, err = im.strMap(x, f+".responseParameters"); err != nil {
				return nil, err
			}
		}
		if x := v.get("responseTemplates"); x != nil {
			if r.ResponseTemplates, err = im.strMap(x, f+".responseTemplates"); err != nil {
				return nil, err
			}
		}
		if x := v.get("contentHandling"); x != nil {
			if r.ContentHandling, err = im.oneOf(x, f+".contentHandling", "CONVERT_TO_TEXT", "CONVERT_TO_BINARY"); err != nil {
				return nil, err
			}
		}
		if k.s == "default" {
			def = r
		} else {
			out = append(out, r)
		}
	}
	if def != nil {
		out = append(out, def)
	}
	return out, nil
}
