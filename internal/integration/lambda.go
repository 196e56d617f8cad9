package integration

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/portcullis/portcullis/internal/lambdainvoke"
)

// lambdaClient returns the Client's Lambda Invoke API client.
func (c *Client) lambdaClient() *lambdainvoke.Client { return c.lambda }

// requestTimeLayout is $context.requestTime's format (CLF), e.g. 09/Apr/2015:12:34:56 +0000.
const requestTimeLayout = "02/Jan/2006:15:04:05 -0700"

// functionARN extracts the function ARN from an AWS_PROXY URI after stage-variable
// substitution (facts §10: a stage variable may name the function or alias).
func (k *call) functionARN() (string, bool) {
	return lambdainvoke.FunctionARN(k.render(k.Integration.URI))
}

// lambda runs an AWS_PROXY integration through the Lambda Invoke API (RequestResponse), with
// the shared internal/lambdainvoke client.
func (k *call) lambda(ctx context.Context) (*Response, *Failure) {
	fn, ok := k.functionARN()
	if !ok {
		return nil, &Failure{Cause: CauseConfigError, URI: k.Integration.URI, Detail: fmt.Sprintf(
			"Execution failed due to configuration error: Invalid Lambda function URI %s", k.Integration.URI)}
	}
	lc := k.c.lambdaClient()
	uri, err := lc.URL(fn)
	if err != nil {
		return nil, &Failure{Cause: CauseLambdaInvokeFailed, Detail: fmt.Sprintf(
			"Execution failed due to configuration error: no Lambda endpoint configured for function %s (set lambda.endpoint or lambda.functions[].endpoint)", fn)}
	}
	endpoint := lc.Endpoint(fn)
	event, err := k.lambdaEvent()
	if err != nil {
		return nil, &Failure{Cause: CauseConfigError, URI: uri, Detail: "Execution failed due to configuration error: " + err.Error()}
	}

	h := http.Header{}
	h.Set("X-Amzn-Lambda-Integration-Tag", k.RequestID)
	h.Set("X-Amz-Invocation-Type", "RequestResponse")
	h.Set("X-Amz-Source-Arn", k.sourceARN())
	h.Set("X-Amzn-Apigateway-Api-Id", k.APIID)
	h.Set("Accept", "application/json")
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "AmazonAPIGateway_"+k.APIID)

	k.logf("Endpoint request URI: %s", uri)
	k.logf("Endpoint request headers: %s", formatHeaders(h))
	k.logf("Endpoint request body after transformations: %s", event)
	k.logf("Sending request to %s", uri)

	tctx, dl := startDeadline(ctx, k.Integration)
	defer dl.cancel()
	res, err := lc.Do(tctx, &lambdainvoke.Request{FunctionARN: fn, Payload: event, Header: h})
	if timedOut := dl.stop(); timedOut {
		return nil, &Failure{Cause: CauseTimeout, URI: uri, Detail: "Execution failed due to a timeout error"}
	}
	if err != nil {
		switch {
		case errors.Is(err, lambdainvoke.ErrInvalidEndpoint):
			return nil, &Failure{Cause: CauseLambdaInvokeFailed, URI: uri, Detail: fmt.Sprintf(
				"Execution failed due to configuration error: invalid Lambda endpoint %s", endpoint)}
		case errors.Is(err, lambdainvoke.ErrCredentials):
			return nil, &Failure{Cause: CauseLambdaInvokeFailed, URI: uri, Detail: fmt.Sprintf(
				"Execution failed due to configuration error: %v", err)}
		}
		var ie *lambdainvoke.InvokeError
		if errors.As(err, &ie) {
			err = ie.Err
		}
		return nil, &Failure{Cause: CauseLambdaInvokeFailed, URI: uri, Detail: fmt.Sprintf(
			"Execution failed due to configuration error: cannot reach the Lambda Invoke API at %s: %v", endpoint, unwrapURLError(err))}
	}
	payload := res.Payload
	latency := res.Latency.Milliseconds()
	lambdaRequestID := res.RequestID
	k.logf("Received response. Status: %d, Integration latency: %d ms", res.Status, latency)
	k.logf("Endpoint response headers: %s", formatHeaders(res.Header))
	k.logf("Endpoint response body before transformations: %s", payload)

	if res.Status != http.StatusOK {
		// facts §3.3: "Lambda invocation failed with status: 429. Lambda request id: …" then
		// "Execution failed due to configuration error: Rate Exceeded."
		return nil, &Failure{Cause: CauseLambdaInvokeFailed, URI: uri, IntegrationStatus: res.Status,
			Detail: fmt.Sprintf("Lambda invocation failed with status: %d. Lambda request id: %s", res.Status, lambdaRequestID),
			more:   []string{"Execution failed due to configuration error: " + invokeErrorMessage(res.Status, payload)}}
	}
	// X-Amz-Function-Error, or aws-lambda-rie's header-less error payload (lambdainvoke).
	if res.FunctionError != "" {
		return nil, &Failure{Cause: CauseLambdaFunctionError, URI: uri, IntegrationStatus: res.Status, Detail: fmt.Sprintf(
			"Lambda execution failed with status %d due to customer function error: %s. Lambda request id: %s",
			res.Status, functionErrorMessage(payload), lambdaRequestID)}
	}
	pr, err := ParseProxyResponse(payload)
	if err != nil {
		return nil, &Failure{Cause: CauseLambdaMalformed, URI: uri, IntegrationStatus: res.Status,
			Detail: "Execution failed due to configuration error: Malformed Lambda proxy response"}
	}
	body := []byte(pr.Body)
	if pr.IsBase64Encoded && (isBinary(k.In.Header.Get("Accept"), k.BinaryMediaTypes) || isBinary(pr.Header.Get("Content-Type"), k.BinaryMediaTypes)) {
		if body, err = base64.StdEncoding.DecodeString(pr.Body); err != nil {
			return nil, &Failure{Cause: CauseLambdaMalformed, URI: uri, IntegrationStatus: res.Status,
				Detail: "Execution failed due to configuration error: Unable to base64 decode the body"}
		}
	}
	out := pr.Header
	remapHeaders(out)
	if out.Get("Content-Type") == "" {
		out.Set("Content-Type", "application/json")
	}
	k.logf("Method response body after transformations: %s", body)
	return &Response{
		Status:            pr.StatusCode,
		Header:            out,
		Body:              io.NopCloser(bytes.NewReader(body)),
		IntegrationStatus: res.Status,
		URI:               uri,
	}, nil
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// invokeErrorMessage is the message of an Invoke API error ({"Type":"User","message":"…"} or
// {"Message":"…"}); 403 is AWS's "Invalid permissions on Lambda function" (facts §3.3).
func invokeErrorMessage(status int, payload []byte) string {
	if status == http.StatusForbidden {
		return "Invalid permissions on Lambda function"
	}
	var e struct {
		Message  string `json:"message"`
		Message2 string `json:"Message"`
	}
	if json.Unmarshal(payload, &e) == nil {
		if e.Message != "" {
			return e.Message
		}
		if e.Message2 != "" {
			return e.Message2
		}
	}
	return strings.TrimSpace(string(payload))
}

// functionErrorMessage is the errorMessage of a function error payload (the whole payload
// when it has none).
func functionErrorMessage(payload []byte) string {
	var e struct {
		ErrorMessage *string `json:"errorMessage"`
	}
	if json.Unmarshal(payload, &e) == nil && e.ErrorMessage != nil {
		return *e.ErrorMessage
	}
	return strings.TrimSpace(string(payload))
}

// sourceARN is X-Amz-Source-Arn: the method as defined and the resource template (facts §3.1).
func (k *call) sourceARN() string {
	method := k.In.Method
	if k.Method != nil && k.Method.HTTPMethod != "" {
		method = k.Method.HTTPMethod
	}
	return fmt.Sprintf("arn:aws:execute-api:%s:%s:%s/%s/%s%s", k.Region, k.AccountID, k.APIID, k.Stage, method, k.ResourcePath)
}

// proxyEvent is the Lambda proxy event, payload format 1.0, as API Gateway sends it: the
// aws-lambda-go event with the fields API Gateway writes differently from that struct's JSON
// tags — body is null when empty, isBase64Encoded is always present, and requestContext
// carries identity fields as null and deploymentId.
type proxyEvent struct {
	events.APIGatewayProxyRequest
	RequestContext  eventContext `json:"requestContext"`
	Body            *string      `json:"body"`
	IsBase64Encoded bool         `json:"isBase64Encoded"`
}

type eventContext struct {
	ResourceID        string         `json:"resourceId"`
	ResourcePath      string         `json:"resourcePath"`
	Authorizer        map[string]any `json:"authorizer,omitempty"`
	HTTPMethod        string         `json:"httpMethod"`
	ExtendedRequestID string         `json:"extendedRequestId"`
	RequestTime       string         `json:"requestTime"`
	Path              string         `json:"path"`
	AccountID         string         `json:"accountId"`
	Protocol          string         `json:"protocol"`
	Stage             string         `json:"stage"`
	DomainPrefix      string         `json:"domainPrefix"`
	RequestTimeEpoch  int64          `json:"requestTimeEpoch"`
	RequestID         string         `json:"requestId"`
	Identity          eventIdentity  `json:"identity"`
	DomainName        string         `json:"domainName"`
	DeploymentID      string         `json:"deploymentId"`
	APIID             string         `json:"apiId"`
}

// identityFields are requestContext.identity's fields in API Gateway's order.
var identityFields = []string{
	"cognitoIdentityPoolId", "accountId", "cognitoIdentityId", "caller", "sourceIp",
	"principalOrgId", "accessKey", "cognitoAuthenticationType", "cognitoAuthenticationProvider",
	"userArn", "userAgent", "user",
}

type eventIdentity map[string]*string

// MarshalJSON writes the identity in API Gateway's field order, absent fields as null, then
// any extra fields (apiKey, apiKeyId, …) sorted. "clientCert" holds a JSON object (facts §8.5:
// the client certificate is passed to integrations in requestContext.identity.clientCert).
func (id eventIdentity) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	write := func(i int, k string, v *string) {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		if v == nil {
			b.WriteString("null")
			return
		}
		if k == "clientCert" && json.Valid([]byte(*v)) { // an object: the mTLS client certificate
			b.WriteString(*v)
			return
		}
		b.Write(marshalNoEscape(*v))
	}
	n := 0
	known := map[string]bool{}
	for _, k := range identityFields {
		known[k] = true
		write(n, k, id[k])
		n++
	}
	var extra []string
	for k := range id {
		if !known[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	for _, k := range extra {
		write(n, k, id[k])
		n++
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func marshalNoEscape(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return []byte("null")
	}
	return bytes.TrimRight(b.Bytes(), "\n")
}

// eventHeaders are the headers of the Lambda event: the client's (minus the dropped ones),
// Host, X-Forwarded-For/Proto/Port and X-Amzn-Trace-Id.
func (k *call) eventHeaders() http.Header {
	h := http.Header{}
	for name, vs := range k.In.Header {
		if droppedRequestHeaders[name] {
			continue
		}
		h[name] = append([]string(nil), vs...)
	}
	if k.In.Host != "" {
		h.Set("Host", k.In.Host)
	}
	xff, proto, port := k.forwarded()
	h.Set("X-Forwarded-For", xff)
	h.Set("X-Forwarded-Proto", proto)
	h.Set("X-Forwarded-Port", port)
	h.Set("X-Amzn-Trace-Id", k.traceID())
	return h
}

// lambdaEvent builds the payload-format-1.0 event (facts §4.2 for its shape; AWS docs
// "Input format of a Lambda function for proxy integration"): headers hold each header's last
// value, multiValue* hold all; query, path parameters and stage variables are null when empty;
// body is null when empty and base64 (isBase64Encoded true) when the Content-Type is a binary
// media type.
func (k *call) lambdaEvent() ([]byte, error) {
	ev := proxyEvent{}
	ev.Resource = k.ResourcePath
	ev.Path = k.Path
	ev.HTTPMethod = k.In.Method

	hdr := k.eventHeaders()
	if len(hdr) > 0 {
		ev.Headers = map[string]string{}
		ev.MultiValueHeaders = map[string][]string{}
		for name, vs := range hdr {
			ev.Headers[name] = vs[len(vs)-1]
			ev.MultiValueHeaders[name] = vs
		}
	}
	if len(k.query) > 0 {
		ev.QueryStringParameters = map[string]string{}
		ev.MultiValueQueryStringParameters = map[string][]string{}
		for _, p := range k.query {
			ev.QueryStringParameters[p.k] = p.v
			ev.MultiValueQueryStringParameters[p.k] = append(ev.MultiValueQueryStringParameters[p.k], p.v)
		}
	}
	if len(k.PathParams) > 0 {
		ev.PathParameters = k.PathParams
	}
	if len(k.StageVariables) > 0 {
		ev.StageVariables = k.StageVariables
	}
	if len(k.Body) > 0 {
		var s string
		if isBinary(k.In.Header.Get("Content-Type"), k.BinaryMediaTypes) {
			s = base64.StdEncoding.EncodeToString(k.Body)
			ev.IsBase64Encoded = true
		} else {
			s = string(k.Body)
		}
		ev.Body = &s
	}
	id := eventIdentity{}
	src, ua := k.SourceIP, k.UserAgent
	id["sourceIp"] = &src
	id["userAgent"] = &ua
	for key, v := range k.Identity {
		id[key] = v
	}
	ev.RequestContext = eventContext{
		ResourceID:        k.ResourceID,
		ResourcePath:      k.ResourcePath,
		Authorizer:        k.Authorizer,
		HTTPMethod:        k.In.Method,
		ExtendedRequestID: k.ExtendedRequestID,
		RequestTime:       k.RequestTime.UTC().Format(requestTimeLayout),
		Path:              k.FullPath,
		AccountID:         k.AccountID,
		Protocol:          k.Protocol,
		Stage:             k.Stage,
		DomainPrefix:      k.DomainPrefix,
		RequestTimeEpoch:  k.RequestTime.UnixMilli(),
		RequestID:         k.RequestID,
		Identity:          id,
		DomainName:        k.DomainName,
		DeploymentID:      k.DeploymentID,
		APIID:             k.APIID,
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(ev); err != nil {
		return nil, fmt.Errorf("encode Lambda event: %w", err)
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// ProxyResponse is a parsed Lambda proxy response (payload format 1.0).
type ProxyResponse struct {
	StatusCode      int
	Header          http.Header // headers and multiValueHeaders merged
	Body            string
	IsBase64Encoded bool
}

// ErrMalformed is returned by ParseProxyResponse for a response API Gateway rejects with
// "Malformed Lambda proxy response" (facts §3.3).
var ErrMalformed = errors.New("malformed Lambda proxy response")

// ParseProxyResponse validates and parses a Lambda proxy response the way API Gateway does:
//
//   - the payload must be a JSON object whose keys are only statusCode, headers,
//     multiValueHeaders, body and isBase64Encoded (any other key, e.g. cookies, which is
//     payload format 2.0, is malformed);
//   - every field is optional; a missing or null statusCode means 200; statusCode may be an
//     integer or a string holding one, within 100–599;
//   - body must be a string (an object or number body is the classic malformed response);
//   - headers values must be strings or booleans; multiValueHeaders values arrays of them;
//   - isBase64Encoded must be a boolean.
//
// Sources: LocalStack's AWS-validated parser (facts [LS], integrations/aws.py
// RestApiAwsProxyIntegration: "none of the lambda response fields are mandatory, but you
// cannot return any other fields"); the 100–599 range is [UNCONFIRMED].
//
// Headers merge as AWS documents: a name present in multiValueHeaders takes only those values;
// other names come from headers. Header names that are not HTTP tokens are dropped and CR/LF
// in values become spaces.
func ParseProxyResponse(payload []byte) (*ProxyResponse, error) {
	var fields map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	if err := dec.Decode(&fields); err != nil || fields == nil {
		return nil, fmt.Errorf("%w: not a JSON object", ErrMalformed)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: trailing data", ErrMalformed)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: trailing data", ErrMalformed)
	}
	pr := &ProxyResponse{StatusCode: 200, Header: http.Header{}}
	var headers map[string]string
	var multi map[string][]string
	for key, raw := range fields {
		null := string(raw) == "null"
		var err error
		switch key {
		case "statusCode":
			if !null {
				pr.StatusCode, err = parseStatusCode(raw)
			}
		case "body":
			if !null {
				err = json.Unmarshal(raw, &pr.Body)
			}
		case "isBase64Encoded":
			if !null {
				err = json.Unmarshal(raw, &pr.IsBase64Encoded)
			}
		case "headers":
			if !null {
				headers, err = parseHeaderMap(raw)
			}
		case "multiValueHeaders":
			if !null {
				multi, err = parseMultiHeaderMap(raw)
			}
		default:
			err = fmt.Errorf("unexpected field %q", key)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrMalformed, key, err)
		}
	}
	for name, vs := range multi {
		if !validHeaderName(name) {
			continue
		}
		for _, v := range vs {
			pr.Header.Add(name, cleanHeaderValue(v))
		}
	}
	for name, v := range headers {
		if !validHeaderName(name) {
			continue
		}
		if multiHas(multi, name) {
			continue
		}
		pr.Header.Add(name, cleanHeaderValue(v))
	}
	return pr, nil
}

func multiHas(multi map[string][]string, name string) bool {
	for k := range multi {
		if strings.EqualFold(k, name) {
			return true
		}
	}
	return false
}

func parseStatusCode(raw json.RawMessage) (int, error) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return 0, err
	}
	var s string
	switch t := v.(type) {
	case json.Number:
		s = t.String()
	case string:
		s = strings.TrimSpace(t)
	default:
		return 0, errors.New("not an integer")
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, errors.New("not an integer")
	}
	if n < 200 || n > 599 { // a 1xx is not a final response
		return 0, errors.New("out of range")
	}
	return n, nil
}

func headerValue(v any) (string, error) {
	switch t := v.(type) {
	case string:
		return t, nil
	case bool:
		return strconv.FormatBool(t), nil
	}
	return "", errors.New("header value must be a string or boolean")
}

func parseHeaderMap(raw json.RawMessage) (map[string]string, error) {
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		s, err := headerValue(v)
		if err != nil {
			return nil, err
		}
		out[k] = s
	}
	return out, nil
}

func parseMultiHeaderMap(raw json.RawMessage) (map[string][]string, error) {
	var m map[string][]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	out := make(map[string][]string, len(m))
	for k, vs := range m {
		for _, v := range vs {
			s, err := headerValue(v)
			if err != nil {
				return nil, err
			}
			out[k] = append(out[k], s)
		}
	}
	return out, nil
}

func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

func cleanHeaderValue(v string) string {
	return strings.NewReplacer("\r", " ", "\n", " ", "\x00", " ").Replace(v)
}
