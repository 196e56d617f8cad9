package authorizer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/portcullis/portcullis/internal/iampolicy"
	"github.com/portcullis/portcullis/internal/lambdainvoke"
)

// Execution-log failure lines (facts §3.2).
const (
	logAuthorizerError = "Execution failed due to configuration error: Authorizer error"
	logCouldNotParse   = "Execution failed due to configuration error: Could not parse policy"
)

// authorizer URIs: arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{functionArn}/invocations
// (facts §4.1).
// FunctionARN extracts the Lambda function ARN from an authorizerUri (after stage-variable
// substitution), facts §4.1.
func FunctionARN(uri string) (string, bool) { return lambdainvoke.FunctionARN(uri) }

// SourceARN is the X-Amz-Source-Arn of an authorizer invocation (facts §3.2):
// arn:aws:execute-api:REGION:ACCOUNT:APIID/authorizers/AUTHORIZERID.
func SourceARN(region, account, apiID, authorizerID string) string {
	return fmt.Sprintf("arn:aws:execute-api:%s:%s:%s/authorizers/%s", region, account, apiID, authorizerID)
}

// invoke calls the function and parses its output; log already holds the first lines.
func (s *Service) invoke(ctx context.Context, in *Input, c *compiled, log *logger) Outcome {
	a := in.Authorizer
	fail := func(out Outcome, lines ...string) Outcome {
		for _, l := range lines {
			log.add(l)
		}
		out.Log = log.lines
		return out
	}
	uri := c.uri.Render(func(name string) (string, bool) {
		if n, ok := strings.CutPrefix(name, "stageVariables."); ok {
			v, ok := in.StageVariables[n]
			return v, ok
		}
		return "", false
	}, "")
	fn, ok := FunctionARN(uri)
	if !ok {
		return fail(Outcome{Kind: Failed, Detail: fmt.Sprintf("invalid authorizerUri %q: want arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/FUNCTION_ARN/invocations", uri)}, logAuthorizerError)
	}
	if s.o.Invoke == nil {
		return fail(Outcome{Kind: Failed, Detail: "no Lambda client configured"}, logAuthorizerError)
	}
	event, err := buildEvent(in, s.o.AccountID)
	if err != nil {
		return fail(Outcome{Kind: Failed, Detail: err.Error()}, logAuthorizerError)
	}
	src := SourceARN(s.o.Region, s.o.AccountID, in.APIID, a.ID)
	h := http.Header{}
	h.Set("X-Amz-Source-Arn", src)
	h.Set("X-Amzn-Apigateway-Api-Id", in.APIID)
	h.Set("User-Agent", "AmazonAPIGateway_"+in.APIID)
	h.Set("Accept", "application/json")
	h.Set("Content-Type", "application/json")
	h.Set("X-Amz-Invocation-Type", "RequestResponse")

	if u, err := s.o.Invoke.URL(fn); err == nil {
		log.add("Endpoint request URI: " + u)
	}
	log.add("Endpoint request headers: " + formatHeaders(h))
	log.add("Endpoint request body after transformations: " + string(maskEvent(in, event)))

	tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.o.Timeout)
	defer cancel()
	res, err := s.o.Invoke.Do(tctx, &lambdainvoke.Request{FunctionARN: fn, Payload: event, SourceARN: src, Header: h})
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return fail(Outcome{Kind: Failed, Detail: fmt.Sprintf("the authorizer function %s did not answer within %s", fn, s.o.Timeout)},
				"Execution failed due to a timeout error", logAuthorizerError)
		}
		return fail(Outcome{Kind: Failed, Detail: fmt.Sprintf("cannot invoke the authorizer function: %v", err)}, logAuthorizerError)
	}
	out := Outcome{Latency: res.Latency, IntegrationStatus: res.Status, LambdaRequestID: res.RequestID}
	if res.Status != http.StatusOK {
		out.Kind = Failed
		out.Detail = fmt.Sprintf("Lambda invocation failed with status: %d. Lambda request id: %s", res.Status, res.RequestID)
		return fail(out, out.Detail, logAuthorizerError)
	}
	if res.FunctionError != "" {
		msg, _ := lambdainvoke.ErrorMessage(res.Payload)
		if msg == "Unauthorized" { // exactly (facts §4.4, §1.1 surprise 5)
			out.Kind = Unauthorized
			out.Detail = `the authorizer function failed with "Unauthorized"`
			return fail(out, "Unauthorized request: "+in.RequestID)
		}
		out.Kind = Failed
		out.Detail = fmt.Sprintf("the authorizer function failed: %s (only exactly \"Unauthorized\" gives a 401)", strings.TrimSpace(string(res.Payload)))
		return fail(out, fmt.Sprintf("Lambda execution failed with status %d due to customer function error: %s. Lambda request id: %s",
			res.Status, msg, res.RequestID), logAuthorizerError)
	}
	log.add("Authorizer result body before parsing: " + string(res.Payload))
	parsed, err := ParseOutput(res.Payload)
	if err != nil {
		out.Kind = Failed
		out.Detail = err.Error()
		return fail(out, logCouldNotParse)
	}
	out.Kind = Policy
	out.PrincipalID = parsed.PrincipalID
	out.Policy = parsed.Policy
	out.PolicyJSON = parsed.PolicyJSON
	out.Context = parsed.Context
	out.UsageIdentifierKey = parsed.UsageIdentifierKey
	log.add("Using valid authorizer policy for principal: " + maskPrincipal(out.PrincipalID))
	log.add("Successfully completed authorizer execution")
	out.Log = log.lines
	return out
}

// Output is a parsed authorizer output (facts §4.3).
type Output struct {
	PrincipalID        string
	Policy             *iampolicy.Policy
	PolicyJSON         string
	Context            map[string]string
	UsageIdentifierKey string
}

// ErrOutput is an authorizer output API Gateway cannot use (500, "Could not parse policy").
var ErrOutput = errors.New("invalid authorizer output")

// ParseOutput parses a Lambda authorizer's output as API Gateway does (facts §4.3, §4.4): a
// JSON object with principalId (a string) and policyDocument (an IAM policy whose Action and
// Resource may be strings or arrays and whose Condition is tolerated), an optional context
// whose values must be strings, numbers or booleans (stringified: numbers as written,
// booleans "true"/"false"; null values are dropped — [UNCONFIRMED]) and an optional
// usageIdentifierKey. Anything else — not JSON, null, a missing field, a policy that does not
// parse, an object or array in context — is ErrOutput. Unknown top-level keys are ignored.
func ParseOutput(payload []byte) (*Output, error) {
	var top map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(payload))
	if err := dec.Decode(&top); err != nil {
		return nil, fmt.Errorf("%w: not a JSON object: %v", ErrOutput, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: trailing data after the JSON object", ErrOutput)
	}
	if top == nil {
		return nil, fmt.Errorf("%w: the function returned null", ErrOutput)
	}
	out := &Output{}
	raw, ok := top["principalId"]
	if !ok || string(raw) == "null" {
		return nil, fmt.Errorf("%w: principalId is missing", ErrOutput)
	}
	if err := json.Unmarshal(raw, &out.PrincipalID); err != nil {
		return nil, fmt.Errorf("%w: principalId must be a string", ErrOutput)
	}
	raw, ok = top["policyDocument"]
	if !ok || string(raw) == "null" {
		return nil, fmt.Errorf("%w: policyDocument is missing", ErrOutput)
	}
	pol, err := iampolicy.Parse(raw, iampolicy.ParseOptions{Kind: iampolicy.Identity})
	if err != nil {
		return nil, fmt.Errorf("%w: policyDocument: %w", ErrOutput, err)
	}
	out.Policy = pol
	out.PolicyJSON = string(raw)
	if raw, ok := top["context"]; ok && string(raw) != "null" {
		var ctx map[string]json.RawMessage
		if err := json.Unmarshal(raw, &ctx); err != nil {
			return nil, fmt.Errorf("%w: context must be an object", ErrOutput)
		}
		out.Context = make(map[string]string, len(ctx))
		for k, v := range ctx {
			s, keep, err := contextValue(v)
			if err != nil {
				return nil, fmt.Errorf("%w: context.%s: %w", ErrOutput, k, err)
			}
			if keep {
				out.Context[k] = s
			}
		}
	}
	if raw, ok := top["usageIdentifierKey"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &out.UsageIdentifierKey); err != nil {
			return nil, fmt.Errorf("%w: usageIdentifierKey must be a string", ErrOutput)
		}
	}
	return out, nil
}

// contextValue stringifies one context value (facts §4.3: "you cannot set a JSON object or
// array as a valid value of any key in the context map").
func contextValue(raw json.RawMessage) (string, bool, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "", false, errors.New("empty value")
	}
	switch raw[0] {
	case '{', '[':
		return "", false, errors.New("a JSON object or array is not a valid context value")
	case '"':
		var s string
		err := json.Unmarshal(raw, &s)
		return s, true, err
	case 'n':
		return "", false, nil
	case 't', 'f':
		var b bool
		if err := json.Unmarshal(raw, &b); err != nil {
			return "", false, err
		}
		if b {
			return "true", true, nil
		}
		return "false", true, nil
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		return "", false, err
	}
	return n.String(), true, nil
}

// requestEvent is the REQUEST authorizer event: aws-lambda-go's type with a requestContext
// carrying what API Gateway sends beyond that struct (userAgent, extendedRequestId, request
// time, domain, clientCert as null without mTLS), facts §4.2.
type requestEvent struct {
	events.APIGatewayCustomAuthorizerRequestTypeRequest
	RequestContext requestContext `json:"requestContext"`
}

type requestContext struct {
	ResourceID        string          `json:"resourceId"`
	ResourcePath      string          `json:"resourcePath"`
	HTTPMethod        string          `json:"httpMethod"`
	ExtendedRequestID string          `json:"extendedRequestId"`
	RequestTime       string          `json:"requestTime"`
	Path              string          `json:"path"`
	AccountID         string          `json:"accountId"`
	Protocol          string          `json:"protocol"`
	Stage             string          `json:"stage"`
	DomainPrefix      string          `json:"domainPrefix"`
	RequestTimeEpoch  int64           `json:"requestTimeEpoch"`
	RequestID         string          `json:"requestId"`
	Identity          requestIdentity `json:"identity"`
	DomainName        string          `json:"domainName"`
	APIID             string          `json:"apiId"`
}

// requestIdentity is requestContext.identity in API Gateway's field order (as in proxy
// events), absent values null.
type requestIdentity struct {
	CognitoIdentityPoolID         *string     `json:"cognitoIdentityPoolId"`
	AccountID                     *string     `json:"accountId"`
	CognitoIdentityID             *string     `json:"cognitoIdentityId"`
	Caller                        *string     `json:"caller"`
	SourceIP                      string      `json:"sourceIp"`
	PrincipalOrgID                *string     `json:"principalOrgId"`
	AccessKey                     *string     `json:"accessKey"`
	CognitoAuthenticationType     *string     `json:"cognitoAuthenticationType"`
	CognitoAuthenticationProvider *string     `json:"cognitoAuthenticationProvider"`
	UserArn                       *string     `json:"userArn"`
	UserAgent                     string      `json:"userAgent"`
	User                          *string     `json:"user"`
	APIKey                        *string     `json:"apiKey"`
	ClientCert                    *clientCert `json:"clientCert"`
}

type clientCert struct {
	events.APIGatewayCustomAuthorizerRequestTypeRequestIdentityClientCert
}

// certTimeLayout is the clientCert validity format ("May 28 12:30:02 2019 GMT", AWS docs
// example for mTLS).
const certTimeLayout = "Jan _2 15:04:05 2006 GMT"

// requestTimeLayout is $context.requestTime (CLF).
const requestTimeLayout = "02/Jan/2006:15:04:05 -0700"

// buildEvent builds the event API Gateway sends (facts §4.2).
func buildEvent(in *Input, account string) ([]byte, error) {
	a := in.Authorizer
	var v any
	switch a.Type {
	case "TOKEN":
		tok := ""
		if srcs, err := parseIdentitySource(a.IdentitySource); err == nil && len(srcs) == 1 {
			tok = srcs[0].value(in)
		}
		v = events.APIGatewayCustomAuthorizerRequest{Type: "TOKEN", AuthorizationToken: tok, MethodArn: in.MethodARN}
	default:
		v = requestEventFor(in, account)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encode authorizer event: %w", err)
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

func requestEventFor(in *Input, account string) requestEvent {
	var ev requestEvent
	ev.Type = "REQUEST"
	ev.MethodArn = in.MethodARN
	ev.Resource = in.ResourcePath
	ev.Path = in.Path
	method, proto := "", ""
	if r := in.HTTP; r != nil {
		method, proto = r.Method, r.Proto
		ev.Headers = map[string]string{}
		ev.MultiValueHeaders = map[string][]string{}
		for name, vs := range r.Header {
			if len(vs) == 0 {
				continue
			}
			ev.Headers[name] = vs[len(vs)-1]
			ev.MultiValueHeaders[name] = append([]string(nil), vs...)
		}
		if r.Host != "" {
			ev.Headers["Host"] = r.Host
			ev.MultiValueHeaders["Host"] = []string{r.Host}
		}
		if r.URL != nil {
			if q := r.URL.Query(); len(q) > 0 {
				ev.QueryStringParameters = map[string]string{}
				ev.MultiValueQueryStringParameters = map[string][]string{}
				for k, vs := range q {
					ev.QueryStringParameters[k] = vs[len(vs)-1]
					ev.MultiValueQueryStringParameters[k] = vs
				}
			}
		}
	}
	ev.HTTPMethod = method
	// pathParameters and stageVariables are {} when empty, as in AWS's example (facts §4.2).
	ev.PathParameters = map[string]string{}
	for k, v := range in.PathParams {
		ev.PathParameters[k] = v
	}
	ev.StageVariables = map[string]string{}
	for k, v := range in.StageVariables {
		ev.StageVariables[k] = v
	}
	id := requestIdentity{SourceIP: in.SourceIP, UserAgent: in.UserAgent}
	if in.HTTP != nil {
		if k := in.HTTP.Header.Get("X-Api-Key"); k != "" {
			id.APIKey = &k
		}
	}
	if cc := in.ClientCert; cc != nil {
		id.ClientCert = &clientCert{}
		id.ClientCert.ClientCertPem = cc.PEM
		id.ClientCert.SubjectDN = cc.SubjectDN
		id.ClientCert.IssuerDN = cc.IssuerDN
		id.ClientCert.SerialNumber = cc.SerialNumber
		id.ClientCert.Validity.NotBefore = cc.NotBefore.UTC().Format(certTimeLayout)
		id.ClientCert.Validity.NotAfter = cc.NotAfter.UTC().Format(certTimeLayout)
	}
	domainPrefix, _, _ := strings.Cut(in.DomainName, ".")
	ev.RequestContext = requestContext{
		ResourceID:        in.ResourceID,
		ResourcePath:      in.ResourcePath,
		HTTPMethod:        method,
		ExtendedRequestID: in.ExtendedRequestID,
		RequestTime:       in.RequestTime.UTC().Format(requestTimeLayout),
		Path:              "/" + in.Stage + in.Path,
		AccountID:         account,
		Protocol:          proto,
		Stage:             in.Stage,
		DomainPrefix:      domainPrefix,
		RequestTimeEpoch:  in.RequestTime.UnixMilli(),
		RequestID:         in.RequestID,
		Identity:          id,
		DomainName:        in.DomainName,
		APIID:             in.APIID,
	}
	return ev
}

// maskEvent masks the token in a TOKEN event for the execution log, as the Incoming identity
// line is masked (facts §3.2 shows the token elided); REQUEST events are logged as sent.
func maskEvent(in *Input, event []byte) []byte {
	if in.Authorizer.Type != "TOKEN" {
		return event
	}
	var ev events.APIGatewayCustomAuthorizerRequest
	if json.Unmarshal(event, &ev) != nil {
		return event
	}
	ev.AuthorizationToken = mask(ev.AuthorizationToken)
	b, err := json.Marshal(ev)
	if err != nil {
		return event
	}
	return b
}

// formatHeaders renders headers as the execution log does: {Name=value, …}, sorted.
func formatHeaders(h http.Header) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range sortedKeys(h) {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(k + "=" + strings.Join(h[k], ","))
	}
	b.WriteByte('}')
	return b.String()
}
