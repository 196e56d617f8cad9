package openapi

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"

	"github.com/portcullis/portcullis/internal/apidef"
)

const ext = "x-amazon-apigateway-"

// httpAPIOnly are extensions of API Gateway HTTP APIs (v2). A REST API import accepts and
// ignores them (facts §9), as does x-amazon-apigateway-documentation.
var httpAPIOnly = []string{
	ext + "cors", ext + "integrations", ext + "importexport-version", ext + "auth",
	ext + "tag-value", ext + "documentation",
}

// gatewayResponseTypes are the 21 gateway response types, in the API's enum order (facts §1.1).
var gatewayResponseTypes = []string{
	"DEFAULT_4XX", "DEFAULT_5XX", "RESOURCE_NOT_FOUND", "UNAUTHORIZED", "INVALID_API_KEY",
	"ACCESS_DENIED", "AUTHORIZER_FAILURE", "AUTHORIZER_CONFIGURATION_ERROR", "INVALID_SIGNATURE",
	"EXPIRED_TOKEN", "MISSING_AUTHENTICATION_TOKEN", "INTEGRATION_FAILURE", "INTEGRATION_TIMEOUT",
	"API_CONFIGURATION_ERROR", "UNSUPPORTED_MEDIA_TYPE", "BAD_REQUEST_PARAMETERS",
	"BAD_REQUEST_BODY", "REQUEST_TOO_LARGE", "THROTTLED", "QUOTA_EXCEEDED", "WAF_FILTERED",
}

// statusCodePattern is the API's constraint on gateway and integration response status codes
// (facts §1.1: "statusCode pattern [1-5]\d\d").
var statusCodePattern = regexp.MustCompile(`^[1-5]\d\d$`)

// rootExtensions reads the root-level x-amazon-apigateway-* extensions (facts §9). Unknown
// x-amazon-apigateway-* names are errors, so that a typo does not silently drop a setting.
func (im *importer) rootExtensions() error {
	root, api := im.root, im.api
	var defaultValidator *node
	for i, k := range root.keys {
		v := root.vals[i]
		name := k.s
		if !strings.HasPrefix(name, ext) || contains(httpAPIOnly, name) {
			continue
		}
		var err error
		switch strings.TrimPrefix(name, ext) {
		case "api-key-source":
			api.APIKeySource, err = im.oneOf(v, name, "HEADER", "AUTHORIZER")
		case "binary-media-types":
			api.BinaryMediaTypes, err = im.strList(v, name)
		case "endpoint-configuration":
			api.EndpointConfiguration, err = im.endpointConfiguration(v, name)
		case "policy":
			api.Policy, err = im.policy(v, name)
		case "gateway-responses":
			err = im.gatewayResponses(v, name)
		case "request-validators":
			err = im.requestValidators(v, name)
		case "request-validator":
			api.DefaultRequestValidator, err = im.str(v, name)
			defaultValidator = v
		case "minimum-compression-size":
			if v.kind != nullKind {
				var n int
				n, err = im.integer(v, name, 0, 10485760)
				api.MinimumCompressionSize = &n
			}
		case "security-policy":
			api.SecurityPolicy, err = im.str(v, name)
		case "endpoint-access-mode":
			api.EndpointAccessMode, err = im.oneOf(v, name, "BASIC", "STRICT")
		default:
			err = im.errf(k, name, "unknown API Gateway extension")
		}
		if err != nil {
			return err
		}
	}
	if defaultValidator != nil {
		if _, ok := api.RequestValidators[api.DefaultRequestValidator]; !ok {
			return im.errf(defaultValidator, ext+"request-validator",
				"request validator %q is not defined in x-amazon-apigateway-request-validators", api.DefaultRequestValidator)
		}
	}
	return nil
}

func (im *importer) endpointConfiguration(n *node, field string) (*apidef.EndpointConfiguration, error) {
	if err := im.wantMap(n, field); err != nil {
		return nil, err
	}
	if err := im.checkFields(n, field, []string{"types", "vpcEndpointIds", "disableExecuteApiEndpoint", "ipAddressType"}, nil); err != nil {
		return nil, err
	}
	ec := &apidef.EndpointConfiguration{}
	if t := n.get("types"); t != nil {
		if t.kind != seqKind {
			return nil, im.errf(t, field+".types", "must be an array of strings, not %s", t.kind)
		}
		for i, it := range t.items {
			s, err := im.oneOf(it, field+".types"+idx(i), "REGIONAL", "EDGE", "PRIVATE")
			if err != nil {
				return nil, err
			}
			ec.Types = append(ec.Types, s)
		}
	}
	if v := n.get("vpcEndpointIds"); v != nil {
		ids, err := im.strList(v, field+".vpcEndpointIds")
		if err != nil {
			return nil, err
		}
		ec.VpcEndpointIds = ids
	}
	if v := n.get("disableExecuteApiEndpoint"); v != nil {
		b, err := im.boolean(v, field+".disableExecuteApiEndpoint")
		if err != nil {
			return nil, err
		}
		ec.DisableExecuteApiEndpoint = &b
	}
	if v := n.get("ipAddressType"); v != nil {
		s, err := im.str(v, field+".ipAddressType")
		if err != nil {
			return nil, err
		}
		if ls := strings.ToLower(s); ls != "ipv4" && ls != "dualstack" {
			return nil, im.errf(v, field+".ipAddressType", "unknown value %q (want ipv4, dualstack)", s)
		}
		ec.IPAddressType = strings.ToLower(s)
	}
	return ec, nil
}

// policy accepts the resource policy as a JSON object or as a string holding the JSON document
// (both forms appear in exports and templates) and returns compact JSON.
func (im *importer) policy(n *node, field string) (json.RawMessage, error) {
	switch n.kind {
	case mapKind:
		js, err := n.appendJSON(nil)
		if err != nil {
			return nil, im.errf(n, field, "%v", err)
		}
		return js, nil
	case stringKind:
		var buf bytes.Buffer
		if err := json.Compact(&buf, []byte(n.s)); err != nil {
			return nil, im.errf(n, field, "the policy string is not valid JSON: %v", err)
		}
		if t := bytes.TrimSpace(buf.Bytes()); len(t) == 0 || t[0] != '{' {
			return nil, im.errf(n, field, "the policy document must be a JSON object")
		}
		return buf.Bytes(), nil
	}
	return nil, im.errf(n, field, "must be a policy document (an object or a JSON string), not %s", n.kind)
}

// gatewayResponses reads x-amazon-apigateway-gateway-responses (facts §1.2): statusCode may be a
// number or a string; the type must be one of the 21 types of facts §1.1.
func (im *importer) gatewayResponses(n *node, field string) error {
	if err := im.wantMap(n, field); err != nil {
		return err
	}
	for i, k := range n.keys {
		f := field + "." + k.s
		if !contains(gatewayResponseTypes, k.s) {
			return im.errf(k, f, "unknown gateway response type %q", k.s)
		}
		v := n.vals[i]
		if err := im.wantMap(v, f); err != nil {
			return err
		}
		if err := im.checkFields(v, f, []string{"statusCode", "responseParameters", "responseTemplates"}, nil); err != nil {
			return err
		}
		gr := &apidef.GatewayResponse{}
		if sc := v.get("statusCode"); sc != nil {
			s, err := im.statusCode(sc, f+".statusCode")
			if err != nil {
				return err
			}
			gr.StatusCode = s
		}
		var err error
		if p := v.get("responseParameters"); p != nil {
			if gr.ResponseParameters, err = im.strMap(p, f+".responseParameters"); err != nil {
				return err
			}
		}
		if t := v.get("responseTemplates"); t != nil {
			if gr.ResponseTemplates, err = im.strMap(t, f+".responseTemplates"); err != nil {
				return err
			}
		}
		im.api.GatewayResponses[k.s] = gr
	}
	return nil
}

// statusCode reads a status code written as a number or a string and checks [1-5]\d\d.
func (im *importer) statusCode(n *node, field string) (string, error) {
	if n.kind != stringKind && n.kind != intKind {
		return "", im.errf(n, field, "must be a status code (string or integer), not %s", n.kind)
	}
	if !statusCodePattern.MatchString(n.s) {
		return "", im.errf(n, field, "invalid status code %q (want [1-5]\\d\\d)", n.s)
	}
	return n.s, nil
}

func (im *importer) requestValidators(n *node, field string) error {
	if err := im.wantMap(n, field); err != nil {
		return err
	}
	for i, k := range n.keys {
		f := field + "." + k.s
		v := n.vals[i]
		if err := im.wantMap(v, f); err != nil {
			return err
		}
		if err := im.checkFields(v, f, []string{"validateRequestBody", "validateRequestParameters"}, nil); err != nil {
			return err
		}
		rv := &apidef.RequestValidator{}
		if b := v.get("validateRequestBody"); b != nil {
			x, err := im.boolean(b, f+".validateRequestBody")
			if err != nil {
				return err
			}
			rv.ValidateRequestBody = x
		}
		if b := v.get("validateRequestParameters"); b != nil {
			x, err := im.boolean(b, f+".validateRequestParameters")
			if err != nil {
				return err
			}
			rv.ValidateRequestParameters = x
		}
		im.api.RequestValidators[k.s] = rv
	}
	return nil
}
