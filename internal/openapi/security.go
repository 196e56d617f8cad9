package openapi

import (
	"crypto/sha256"
	"encoding/binary"
	"regexp"
	"strconv"
	"strings"

	"github.com/portcullis/portcullis/internal/apidef"
)

type schemeKind uint8

const (
	schemeOther      schemeKind = iota // no API Gateway meaning: ignored, like API Gateway does
	schemeAuthorizer                   // x-amazon-apigateway-authorizer → CUSTOM / COGNITO_USER_POOLS
	schemeSigV4                        // x-amazon-apigateway-authtype: awsSigv4 → AWS_IAM
	schemeAPIKey                       // apiKey in header named x-api-key → apiKeyRequired
)

type scheme struct {
	kind       schemeKind
	authorizer *apidef.Authorizer
}

// securitySchemes reads components.securitySchemes (OAS3) or securityDefinitions (Swagger) and
// fills api.Authorizers with every scheme that has x-amazon-apigateway-authorizer (facts §4.1, §9).
func (im *importer) securitySchemes() error {
	im.schemes = map[string]*scheme{}
	field := "components.securitySchemes"
	schemes := im.root.get("components").get("securitySchemes")
	if im.swagger {
		field = "securityDefinitions"
		schemes = im.root.get("securityDefinitions")
	}
	if schemes == nil {
		return nil
	}
	if err := im.wantMap(schemes, field); err != nil {
		return err
	}
	for i, k := range schemes.keys {
		v, f, err := im.resolve(schemes.vals[i], field+"."+k.s)
		if err != nil {
			return err
		}
		if err := im.wantMap(v, f); err != nil {
			return err
		}
		var typ, name, in, authType string
		for _, p := range []struct {
			key string
			dst *string
		}{{"type", &typ}, {"name", &name}, {"in", &in}, {ext + "authtype", &authType}} {
			if x := v.get(p.key); x != nil {
				if *p.dst, err = im.str(x, f+"."+p.key); err != nil {
					return err
				}
			}
		}
		s := &scheme{}
		switch {
		case v.get(ext+"authorizer") != nil:
			a, err := im.authorizer(v.get(ext+"authorizer"), f+"."+ext+"authorizer", k.s, in, name)
			if err != nil {
				return err
			}
			a.AuthType = authType
			s.kind, s.authorizer = schemeAuthorizer, a
			im.api.Authorizers[k.s] = a
		case strings.EqualFold(authType, "awsSigv4"):
			s.kind = schemeSigV4
		case typ == "apiKey" && in == "header" && strings.EqualFold(name, "x-api-key"):
			s.kind = schemeAPIKey
		}
		im.schemes[k.s] = s
	}
	return nil
}

// authorizer reads x-amazon-apigateway-authorizer (facts §4.1). For TOKEN and Cognito
// authorizers AWS exports the token header as the scheme's `name` and leaves identitySource
// out; it is rebuilt here as method.request.header.NAME.
func (im *importer) authorizer(n *node, field, schemeName, in, headerName string) (*apidef.Authorizer, error) {
	if err := im.wantMap(n, field); err != nil {
		return nil, err
	}
	if err := im.checkFields(n, field,
		[]string{"type", "authorizerUri", "authorizerCredentials", "identitySource", "identityValidationExpression", "authorizerResultTtlInSeconds", "providerARNs"},
		[]string{"authorizerPayloadFormatVersion", "enableSimpleResponses", "jwtConfiguration"}); err != nil {
		return nil, err
	}
	a := &apidef.Authorizer{ID: stableID("authorizer:" + schemeName), Name: schemeName}
	t := n.get("type")
	if t == nil {
		return nil, im.errf(n, field+".type", "missing authorizer type (want token, request, cognito_user_pools)")
	}
	typ, err := im.str(t, field+".type")
	if err != nil {
		return nil, err
	}
	switch strings.ToLower(typ) {
	case "token", "request", "cognito_user_pools":
		a.Type = strings.ToUpper(typ)
	case "jwt":
		return nil, im.errf(t, field+".type", "jwt authorizers exist only for HTTP APIs (want token, request, cognito_user_pools)")
	default:
		return nil, im.errf(t, field+".type", "unknown authorizer type %q (want token, request, cognito_user_pools)", typ)
	}
	for _, p := range []struct {
		key string
		dst *string
	}{
		{"authorizerUri", &a.AuthorizerURI}, {"authorizerCredentials", &a.AuthorizerCredentials},
		{"identitySource", &a.IdentitySource}, {"identityValidationExpression", &a.IdentityValidationExpression},
	} {
		if x := n.get(p.key); x != nil {
			if *p.dst, err = im.str(x, field+"."+p.key); err != nil {
				return nil, err
			}
		}
	}
	if x := n.get("authorizerResultTtlInSeconds"); x != nil {
		ttl, err := im.integer(x, field+".authorizerResultTtlInSeconds", 0, 3600)
		if err != nil {
			return nil, err
		}
		a.ResultTTLInSeconds = &ttl
	}
	if x := n.get("providerARNs"); x != nil {
		if a.ProviderARNs, err = im.strList(x, field+".providerARNs"); err != nil {
			return nil, err
		}
	}
	switch a.Type {
	case "TOKEN", "REQUEST":
		if a.AuthorizerURI == "" {
			return nil, im.errf(n, field+".authorizerUri", "a %s authorizer needs authorizerUri (the Lambda function's invocation ARN)", strings.ToLower(a.Type))
		}
		if !isAPIGatewayARN(a.AuthorizerURI) {
			return nil, im.errf(n.get("authorizerUri"), field+".authorizerUri", "%q is not an arn:aws:apigateway: invocation URI", a.AuthorizerURI)
		}
	case "COGNITO_USER_POOLS":
		if len(a.ProviderARNs) == 0 {
			return nil, im.errf(n, field+".providerARNs", "a cognito_user_pools authorizer needs providerARNs")
		}
	}
	if a.IdentitySource == "" && a.Type != "REQUEST" {
		if in != "header" || headerName == "" {
			return nil, im.errf(n, field+".identitySource", "missing identitySource, and the security scheme names no header to take the token from")
		}
		a.IdentitySource = "method.request.header." + headerName
	}
	if x := n.get("identityValidationExpression"); x != nil {
		if _, err := regexp.Compile(a.IdentityValidationExpression); err != nil {
			return nil, im.errf(x, field+".identityValidationExpression", "does not compile as a regular expression: %v", err)
		}
	}
	return a, nil
}

var apigatewayARN = regexp.MustCompile(`^arn:aws[a-z-]*:apigateway:`)

// isAPIGatewayARN reports whether uri is an API Gateway service integration ARN
// (arn:aws:apigateway:{region}:{service}:{path|action}/...), in any partition.
func isAPIGatewayARN(uri string) bool { return apigatewayARN.MatchString(uri) }

// stableID derives a 6-character lowercase alphanumeric id from s (base 36 of a SHA-256 prefix),
// shaped like API Gateway resource and authorizer ids.
func stableID(s string) string {
	h := sha256.Sum256([]byte(s))
	const space = 36 * 36 * 36 * 36 * 36 * 36
	id := strconv.FormatUint(binary.BigEndian.Uint64(h[:8])%space, 36)
	return strings.Repeat("0", 6-len(id)) + id
}

// methodSecurity applies an operation's `security` requirements to m (facts §9: only
// operation-level security counts; root-level security is ignored). The union of all the
// requirement objects is used.
func (im *importer) methodSecurity(sec *node, field string, m *apidef.Method) error {
	m.AuthorizationType = "NONE"
	if sec == nil {
		return nil
	}
	if sec.kind != seqKind {
		return im.errf(sec, field, "must be an array of security requirements, not %s", sec.kind)
	}
	var authName string // the scheme that set AuthorizationType
	for i, req := range sec.items {
		rf := field + idx(i)
		if err := im.wantMap(req, rf); err != nil {
			return err
		}
		for j, k := range req.keys {
			f := rf + "." + k.s
			s, ok := im.schemes[k.s]
			if !ok {
				return im.errf(k, f, "security scheme %q is not defined", k.s)
			}
			scopes, err := im.strList(req.vals[j], f)
			if err != nil {
				return err
			}
			authType := ""
			switch s.kind {
			case schemeAPIKey:
				m.APIKeyRequired = true
				continue
			case schemeOther:
				continue
			case schemeSigV4:
				authType = "AWS_IAM"
			case schemeAuthorizer:
				authType = "CUSTOM"
				if s.authorizer.Type == "COGNITO_USER_POOLS" {
					authType = "COGNITO_USER_POOLS"
				}
			}
			if authName != "" && authName != k.s {
				return im.errf(k, f, "the operation uses two authorization schemes (%s and %s); an API Gateway method has one authorization type", authName, k.s)
			}
			authName = k.s
			m.AuthorizationType = authType
			if s.kind == schemeAuthorizer {
				m.AuthorizerName = k.s
			}
			if authType == "COGNITO_USER_POOLS" {
				for _, sc := range scopes {
					if !contains(m.AuthorizationScopes, sc) {
						m.AuthorizationScopes = append(m.AuthorizationScopes, sc)
					}
				}
			}
		}
	}
	return nil
}
