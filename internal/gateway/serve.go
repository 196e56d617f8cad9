package gateway

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/portcullis/portcullis/internal/cause"
	"github.com/portcullis/portcullis/internal/config"
	"github.com/portcullis/portcullis/internal/ctxvars"
	"github.com/portcullis/portcullis/internal/decision"
	"github.com/portcullis/portcullis/internal/gatewayresponse"
	"github.com/portcullis/portcullis/internal/integration"
	"github.com/portcullis/portcullis/internal/logs"
	"github.com/portcullis/portcullis/internal/pipeline"
	"github.com/portcullis/portcullis/internal/waf"
)

// serve handles one request end to end.
func (g *Gateway) serve(w http.ResponseWriter, r *http.Request, listener string) {
	st := g.cur.Load()
	world := st.world
	start := g.opts.Now()
	id, replaced := requestID(r)
	if !replaced && g.opts.Decisions != nil && r.Header.Get("x-amzn-RequestId") != "" {
		// A client-chosen id that is already recorded would overwrite another request's
		// decision; give this request its own id instead.
		if _, taken := g.opts.Decisions.Get(id); taken {
			id, replaced = uuid.NewString(), true
		}
	}
	ext := extendedID()

	d := &decision.Decision{
		Version:           decision.Version,
		RequestID:         id,
		ExtendedRequestID: ext,
		Time:              start.UTC(),
		Request: decision.Request{
			Method:    r.Method,
			Host:      r.Host,
			Path:      r.URL.EscapedPath(),
			Query:     r.URL.RawQuery,
			SourceIP:  sourceIP(r, world.TrustForwardedFor),
			UserAgent: r.UserAgent(),
			Protocol:  r.Proto,
			Listener:  listener,
		},
	}
	if replaced {
		d.Evidence = append(d.Evidence, "the client's x-amzn-RequestId is not a UUID; AWS replaces it (access logs show UUID_REPLACED_INVALID_REQUEST_ID)")
	}
	var lines []string
	var body []byte
	if r.ContentLength <= MaxBody {
		// API Gateway buffers the request (10 MB at most): SigV4 needs the payload hash and
		// integrations the body.
		var err error
		if body, err = io.ReadAll(io.LimitReader(r.Body, MaxBody+1)); err != nil {
			g.opts.Logger.Warn("reading the request body", "requestId", id, "err", err)
		}
	}
	pr := &pipeline.Request{
		Body:        body,
		TLS:         r.TLS != nil,
		HTTP:        r,
		World:       world,
		Now:         start,
		ID:          id,
		SourceIP:    d.Request.SourceIP,
		Listener:    listener,
		Host:        hostOnly(r.Host),
		RawPath:     removeDotSegments(r.URL.EscapedPath()),
		Log:         func(l string) { lines = append(lines, l) },
		Authorizers: st.authz,
		Limits:      g.opts.Limits,
		WAFRates:    g.wafRates,
	}
	pr.ContextValue = func(name string) (string, bool) { return newVars(d, pr, r, start, replaced).Lookup(name) }

	denial, checks, err := pipeline.Run(pr, g.checks)
	d.Checks = checks
	if pr.Degraded != "" {
		// Loud, but at most once a second: an outage must not also flood the log.
		if now := start.Unix(); g.lastDegradedLog.Swap(now) != now {
			g.opts.Logger.Error("LIMITS STORE UNAVAILABLE: applying redisUnavailable="+world.RedisUnavailable, "requestId", id, "err", pr.Degraded)
		}
		if g.opts.Metrics != nil {
			g.opts.Metrics.LimitsUnavailable()
		}
		d.Evidence = append(d.Evidence, pr.Degraded+" (redisUnavailable: "+world.RedisUnavailable+")")
	}
	if pr.Match.Method != nil {
		// Once a method is resolved AWS's execution log starts with the extended id, then the
		// authorizer and usage-plan lines the checks wrote (facts §3.1, §11 step 9).
		lines = append([]string{logs.ExtendedRequestIDLine(ext)}, lines...)
	}
	fillAPI(d, pr)
	if err != nil {
		g.opts.Logger.Error("pipeline failed; failing closed", "requestId", id, "err", err)
		denial = &decision.Denial{Cause: cause.GatewayInternalError, Reason: "the gateway failed: " + err.Error()}
	}

	vars := newVars(d, pr, r, start, replaced)
	rw := &countingWriter{ResponseWriter: w}
	if denial == nil {
		// The request reached its method: AWS's execution log starts here (facts §3.1).
		lines = append(lines, methodRequestLines(pr, r, id, ext)...)
		if g.opts.Offline {
			d.Status, d.Outcome = http.StatusOK, decision.Allow
			d.Reason = "every check passed; the offline replay does not call the integration"
			setIDHeaders(rw.Header(), id, ext)
			rw.WriteHeader(http.StatusOK)
		} else {
			denial = g.integrate(rw, r, pr, d, vars, st, &lines)
		}
	}
	if denial != nil {
		g.deny(rw, r, pr, d, vars, denial, &lines)
	}
	end := g.opts.Now()
	d.LatencyMs = float64(end.Sub(start).Microseconds()) / 1000
	d.ResponseLength = rw.n
	d.ExecutionLog = keepLines(lines, pr)
	vars.Status = d.Status
	vars.ResponseLength = ctxvars.Some(rw.n)
	vars.ResponseLatency = ctxvars.Some(end.Sub(start))
	g.record(d, pr, vars)
}

// integrate runs the method's integration and streams its response. It returns a denial when
// the integration failed before anything was written to the client.
func (g *Gateway) integrate(w *countingWriter, r *http.Request, pr *pipeline.Request, d *decision.Decision, vars *ctxvars.Vars, st *state, lines *[]string) *decision.Denial {
	m := pr.Match.Method
	if m.Integration == nil {
		return &decision.Denial{Cause: cause.IntegrationConfigError, Reason: fmt.Sprintf("method %s %s has no integration", m.HTTPMethod, pr.Match.Resource.Path),
			Evidence: []string{"the definition has no x-amazon-apigateway-integration for this operation"}}
	}
	body := pr.Body
	*lines = append(*lines, logs.MethodRequestBody(string(body)))
	world := st.world
	stage := pr.Stage
	ireq := &integration.Request{
		Integration:       m.Integration,
		Method:            m,
		In:                r,
		Body:              body,
		APIID:             pr.API.ID,
		AccountID:         world.AccountID,
		Region:            world.Region,
		Stage:             stage.Name,
		DeploymentID:      stage.Deployment.ID,
		ResourcePath:      pr.Match.Resource.Path,
		ResourceID:        pr.Match.Resource.ID,
		Path:              stagePathOrRoot(pr.StagePath),
		FullPath:          vars.Path,
		PathParams:        pr.Match.PathParams,
		StageVariables:    stage.Variables,
		RequestID:         d.RequestID,
		ExtendedRequestID: d.ExtendedRequestID,
		RequestTime:       pr.Now,
		SourceIP:          pr.SourceIP,
		UserAgent:         r.UserAgent(),
		DomainName:        vars.DomainName,
		DomainPrefix:      domainPrefix(vars.DomainName),
		Protocol:          "HTTP/1.1",
		BinaryMediaTypes:  stage.Deployment.Def.BinaryMediaTypes,
		Vars:              vars.Lookup,
		Identity:          identity(pr),
		Authorizer:        authorizerEvent(pr),
		Log:               func(l string) { *lines = append(*lines, l) },
	}
	t0 := g.opts.Now()
	resp, fail := st.client.Invoke(r.Context(), ireq)
	lat := g.opts.Now().Sub(t0)
	vars.IntegrationLatency = ctxvars.Some(lat)
	di := &decision.Integration{Type: m.Integration.Type, LatencyMs: float64(lat.Microseconds()) / 1000}
	d.Integration = di
	if fail != nil {
		di.URI, di.Status, di.Error = fail.URI, fail.IntegrationStatus, fail.Detail
		vars.IntegrationStatus = fail.IntegrationStatus
		vars.IntegrationError = fail.Detail
		if integration.IsUnsupportedMediaType(fail) {
			return &decision.Denial{Cause: cause.UnsupportedMediaType, Reason: "no request template matches the request's Content-Type and passthroughBehavior is NEVER",
				Evidence: []string{fail.Detail, "Content-Type: " + r.Header.Get("Content-Type")}}
		}
		return &decision.Denial{Cause: fail.Cause, Reason: integrationReason(fail), Evidence: []string{fail.Detail}}
	}
	defer resp.Body.Close()
	di.URI, di.Status = resp.URI, resp.IntegrationStatus
	vars.IntegrationStatus = resp.IntegrationStatus
	vars.IntegrationBackendStatus = resp.Status

	h := w.Header()
	for k, v := range resp.Header {
		h[k] = v
	}
	setIDHeaders(h, d.RequestID, d.ExtendedRequestID)
	h["X-Amzn-Trace-Id"] = []string{traceID(pr.Now)}
	w.WriteHeader(resp.Status)
	var copyErr error
	if f, ok := w.ResponseWriter.(http.Flusher); ok && m.Integration.Type == "HTTP_PROXY" {
		_, copyErr = copyFlush(w, resp.Body, f)
	} else {
		_, copyErr = io.Copy(w, resp.Body)
	}
	d.Status = resp.Status
	d.Outcome = decision.Allow
	if copyErr != nil && r.Context().Err() == nil {
		d.Evidence = append(d.Evidence, "copying the integration response failed: "+copyErr.Error())
	}
	if resp.Status == http.StatusForbidden && resp.Header.Get("x-amzn-ErrorType") == "" {
		e := cause.MustLookup(cause.Backend403)
		d.Cause = e.ID
		d.Reason = "the integration itself answered 403; API Gateway passed it through"
		d.Remedy = e.Remedies
	}
	*lines = append(*lines, logs.MethodResponseHeaders(h), logs.SuccessfullyCompleted, logs.MethodCompleted(resp.Status))
	return nil
}

func integrationReason(f *integration.Failure) string {
	e, ok := cause.Lookup(f.Cause)
	if !ok {
		return f.Detail
	}
	return e.RootCause
}

// deny renders a gateway response for a denial and fills the decision from the catalogue.
func (g *Gateway) deny(w *countingWriter, r *http.Request, pr *pipeline.Request, d *decision.Decision, vars *ctxvars.Vars, den *decision.Denial, lines *[]string) {
	e, ok := cause.Lookup(den.Cause)
	if !ok {
		g.opts.Logger.Error("unknown cause id; failing closed", "cause", den.Cause)
		e = cause.MustLookup(cause.GatewayInternalError)
	}
	style := cause.Style(pr.World.ErrorMessageStyle)
	var msg *string
	if !e.NullMessage {
		s := den.Message
		if s == "" {
			s = e.MessageFor(style)
		}
		msg = &s
		d.Message = s
	}
	d.Cause = e.ID
	d.Reason = den.Reason
	d.Evidence = append(d.Evidence, den.Evidence...)
	d.Remedy = concreteRemedies(pr, den.Remedy, e.Remedies)
	d.ResponseType = e.ResponseType
	d.ErrorType = e.ErrorType
	if den.ErrorType != "" {
		d.ErrorType = den.ErrorType
	}
	switch {
	case e.Status >= 500:
		d.Outcome = decision.Error
	default:
		d.Outcome = decision.Deny
	}
	vars.ErrorMessage = msg
	vars.ErrorResponseType = e.ResponseType

	var resp gatewayresponse.Response
	if cr := wafCustom(pr); cr != nil && e.ID == cause.WAFBlocked {
		// A WAF custom response (or CAPTCHA/CHALLENGE interstitial) wins over gateway responses.
		resp = gatewayresponse.Response{Status: cr.StatusCode, Header: http.Header{}, Body: cr.Body}
		for _, h := range cr.Headers {
			resp.Header.Add(h[0], h[1])
		}
		if cr.ContentType != "" {
			resp.Header.Set("Content-Type", cr.ContentType)
		}
		d.ErrorType = ""
	} else if e.ID == cause.RequestTooLarge {
		resp = gatewayresponse.Render(gatewayresponse.Input{Type: gatewayresponse.RequestTooLarge, Message: msg})
	} else {
		in := gatewayresponse.Input{
			Type:      gatewayresponse.Type(e.ResponseType),
			Message:   msg,
			ErrorType: d.ErrorType,
			Vars:      vars.Lookup,
			Param:     requestParam(r, pr),
			Accept:    r.Header.Get("Accept"),
		}
		if e.Customizable && pr.Stage != nil {
			in.Custom = pr.Stage.Deployment.Def.GatewayResponses
		}
		if spec, ok := gatewayresponse.Lookup(in.Type); ok && spec.Status != e.Status {
			in.Status = e.Status // e.g. a malformed Lambda proxy response: API_CONFIGURATION_ERROR, 502
		}
		resp = gatewayresponse.Render(in)
	}
	d.Status = resp.Status
	h := w.Header()
	for k, v := range resp.Header {
		if strings.EqualFold(k, "x-amzn-ErrorType") {
			h["x-amzn-ErrorType"] = v
			continue
		}
		h[k] = v
	}
	setIDHeaders(h, d.RequestID, d.ExtendedRequestID)
	h["X-Amzn-Trace-Id"] = []string{traceID(pr.Now)}
	if g.opts.Debug {
		h.Set("X-Portcullis-Cause", e.ID)
		h.Set("X-Portcullis-Reason", headerSafe(den.Reason))
	}
	h.Set("Content-Length", strconv.Itoa(len(resp.Body)))
	w.WriteHeader(resp.Status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(resp.Body)
	}
	if len(*lines) > 0 { // execution had started (facts §3.3: failures end with this line)
		*lines = append(*lines, logs.MethodCompleted(resp.Status))
	}
}

// concreteRemedies puts the request's own API id, stage, resource id and method into the
// catalogue's remedies (placeholders API_ID, STAGE, RES_ID, VERB).
func concreteRemedies(pr *pipeline.Request, first, catalogue []string) []string {
	out := make([]string, 0, len(first)+len(catalogue))
	for _, r := range append(append([]string(nil), first...), catalogue...) {
		if pr.API != nil {
			r = replaceIf(r, "API_ID", pr.API.ID)
		}
		if pr.Stage != nil {
			r = replaceIf(r, "STAGE", pr.Stage.Name)
		}
		r = replaceIf(r, "REGION", pr.World.Region)
		r = replaceIf(r, "ACCOUNT", pr.World.AccountID)
		if m := pr.Match; m.Resource != nil && m.Method != nil {
			r = replaceIf(r, "RES_ID", m.Resource.ID)
			r = replaceIf(r, "--http-method VERB", "--http-method "+m.Method.HTTPMethod)
		}
		out = append(out, r)
	}
	return out
}

func replaceIf(s, old, new string) string {
	if !strings.Contains(s, old) {
		return s
	}
	return strings.ReplaceAll(s, old, new)
}

func headerSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r > 0x7e {
			return ' '
		}
		return r
	}, s)
}

func setIDHeaders(h http.Header, id, ext string) {
	h["x-amzn-RequestId"] = []string{id}
	h["x-amz-apigw-id"] = []string{ext}
}

// requestParam resolves method.request.{header|querystring|path}.NAME for gateway responses.
func requestParam(r *http.Request, pr *pipeline.Request) func(loc, name string) (string, bool) {
	return func(loc, name string) (string, bool) {
		switch loc {
		case "header":
			v := r.Header.Values(name)
			if len(v) == 0 {
				return "", false
			}
			return v[0], true
		case "querystring":
			q := r.URL.Query()
			if !q.Has(name) {
				return "", false
			}
			return q.Get(name), true
		case "path":
			v, ok := pr.Match.PathParams[name]
			return v, ok
		}
		return "", false
	}
}

// record writes the access log and execution log, stores the decision and counts it.
func (g *Gateway) record(d *decision.Decision, pr *pipeline.Request, vars *ctxvars.Vars) {
	if pr.Stage != nil {
		if al := pr.Stage.AccessLog; al != nil && al.Format != nil && al.Path != "-" {
			if s, err := g.sink(al.Path); err != nil {
				g.opts.Logger.Error("access log", "path", al.Path, "err", err)
			} else {
				line := logs.AccessLine(make([]byte, 0, 512), al.Format, vars.Lookup)
				if err := s.WriteLine(line); err != nil {
					g.opts.Logger.Error("access log write", "path", al.Path, "err", err)
				}
			}
		}
		g.writeExec(d, pr)
		if pr.WAF != nil && g.opts.DataDir != "" {
			// AWS WAF's own log record (one JSON object a line), as a logging configuration sends it.
			path := filepath.Join(g.opts.DataDir, "logs", "aws-waf-logs-"+pr.API.ID+".log")
			line := pr.WAF.LogJSON(pr.WAFRequest, waf.LogInfo{HTTPSourceID: pr.API.ID + ":" + pr.Stage.Name, RequestID: d.RequestID, HTTPVersion: "HTTP/1.1"})
			if s, err := g.sink(path); err == nil {
				_ = s.WriteLine(line)
			}
		}
	}
	if g.opts.Decisions != nil {
		var keys []string
		if pr.APIKey != nil {
			keys = append(keys, pr.APIKey.Value)
		}
		if pr.UsageIdentifierKey != "" {
			keys = append(keys, pr.UsageIdentifierKey)
		}
		redact(d, pr.HTTP, keys...)
		g.opts.Decisions.Put(d)
	}
	if g.opts.Metrics != nil {
		g.opts.Metrics.Observe(d)
	}
}

// writeExec appends the execution log to {DataDir}/logs/API-Gateway-Execution-Logs_{api}/{stage}.log
// when the stage's */* loggingLevel is INFO or ERROR (facts §3).
func (g *Gateway) writeExec(d *decision.Decision, pr *pipeline.Request) {
	if g.opts.DataDir == "" || len(d.ExecutionLog) == 0 {
		return
	}
	level, trace := logLevel(pr)
	if level == "" || level == "OFF" {
		return
	}
	ex := logs.NewExec(d.RequestID, level, trace)
	for _, l := range d.ExecutionLog {
		switch {
		case d.Outcome == decision.Error && (strings.HasPrefix(l, "Execution failed") || strings.HasPrefix(l, "Method completed")):
			ex.Error(l)
		case logs.IsDataTrace(l):
			ex.Data(l)
		default:
			ex.Add(l)
		}
	}
	path := logs.ExecDir(g.opts.DataDir, pr.API.ID, pr.Stage.Name)
	s, err := g.sink(path)
	if err != nil {
		g.opts.Logger.Error("execution log", "path", path, "err", err)
		return
	}
	if err := ex.Emit(s); err != nil {
		g.opts.Logger.Error("execution log write", "path", path, "err", err)
	}
}

// redact masks the request's secrets — the Authorization value, the session token, the API
// key and a presigned URL's signature and token — wherever the decision record repeats them
// (the query string, an IncompleteSignature message quoting the header, a canonical request
// listing the token), as AWS masks keys in its logs (stars and the last six characters). The
// HTTP response itself is sent as AWS sends it.
func redact(d *decision.Decision, r *http.Request, extra ...string) {
	secrets := append([]string(nil), extra...)
	for _, h := range [...]string{"Authorization", "X-Amz-Security-Token", "X-Api-Key"} {
		secrets = append(secrets, r.Header.Values(h)...)
	}
	q := r.URL.Query()
	for _, k := range [...]string{"X-Amz-Signature", "X-Amz-Security-Token"} {
		secrets = append(secrets, q[k]...)
	}
	n := 0
	for _, s := range secrets {
		if len(s) >= 8 { // shorter values are no secrets, and masking them would mangle prose
			secrets[n] = s
			n++
		}
	}
	if n == 0 {
		return
	}
	secrets = secrets[:n]
	mask := func(s string) string {
		for _, sec := range secrets {
			if strings.Contains(s, sec) {
				s = strings.ReplaceAll(s, sec, logs.MaskKey(sec))
			}
		}
		return s
	}
	d.Request.Query = mask(d.Request.Query)
	if e := url.QueryEscape(secrets[0]); e != secrets[0] { // query values appear escaped
		for _, sec := range secrets {
			d.Request.Query = strings.ReplaceAll(d.Request.Query, url.QueryEscape(sec), logs.MaskKey(sec))
		}
	}
	d.Message = mask(d.Message)
	d.Reason = mask(d.Reason)
	for i := range d.Evidence {
		d.Evidence[i] = mask(d.Evidence[i])
	}
	for i := range d.ExecutionLog {
		d.ExecutionLog[i] = mask(d.ExecutionLog[i])
	}
	for i := range d.Checks {
		d.Checks[i].Detail = mask(d.Checks[i].Detail)
	}
}

// keepLines drops the request and response data lines (bodies, headers) from what the
// decision record keeps unless the stage traces data, as AWS's execution log does: the
// record must not hold more than the stage's logging would.
func keepLines(lines []string, pr *pipeline.Request) []string {
	if len(lines) == 0 || pr.Stage == nil {
		return lines
	}
	if _, trace := logLevel(pr); trace {
		return lines
	}
	out := lines[:0]
	for _, l := range lines {
		if !logs.IsDataTrace(l) {
			out = append(out, l)
		}
	}
	return out
}

// removeDotSegments resolves "." and ".." path segments (RFC 3986 §5.2.4) in a raw path, as an
// HTTP front end does before routing; percent-encoded dots are data and stay.
func removeDotSegments(p string) string {
	if !strings.Contains(p, "/.") {
		return p
	}
	segs := strings.Split(p, "/")
	out := make([]string, 0, len(segs))
	for i, s := range segs {
		last := i == len(segs)-1
		switch s {
		case ".":
			if last {
				out = append(out, "")
			}
		case "..":
			if len(out) > 1 {
				out = out[:len(out)-1]
			}
			if last {
				out = append(out, "")
			}
		default:
			out = append(out, s)
		}
	}
	return strings.Join(out, "/")
}

// logLevel picks the method setting that applies: "/resource/VERB" first, then "*/*".
func logLevel(pr *pipeline.Request) (string, bool) {
	var s *config.MethodSetting
	if pr.Match.Method != nil {
		s = pr.Stage.Setting(pr.Match.Resource.Path, pr.Match.Method.HTTPMethod)
	} else {
		s = pr.Stage.MethodSettings["*/*"]
	}
	if s == nil {
		return "", false
	}
	return s.LoggingLevel, s.DataTraceEnabled
}

// methodRequestLines are the execution-log lines AWS writes when a request reaches its method
// (facts §3.1, in order).
func methodRequestLines(pr *pipeline.Request, r *http.Request, id, ext string) []string {
	m := pr.Match
	out := []string{
		logs.StartingExecution(id),
		logs.HTTPMethodLine(r.Method, stagePathOrRoot(pr.StagePath)),
	}
	if pr.APIKey != nil {
		out = append(out, logs.APIKeyLine(pr.APIKey.Value))
	}
	out = append(out,
		logs.MethodRequestPath(m.PathParams),
		logs.MethodRequestQueryString(r.URL.Query()),
		logs.MethodRequestHeaders(r.Header),
	)
	return out
}

func fillAPI(d *decision.Decision, pr *pipeline.Request) {
	if pr.API != nil {
		d.API.RestAPIID = pr.API.ID
	}
	if pr.Stage != nil {
		d.API.Stage = pr.Stage.Name
		d.API.DeploymentID = pr.Stage.DeploymentID
	}
	if m := pr.Match; m.Resource != nil && m.Method != nil {
		d.API.ResourcePath = m.Resource.Path
		d.API.ResourceID = m.Resource.ID
		d.API.HTTPMethod = pr.HTTP.Method
	}
	d.API.DomainName = pr.DomainName
	d.API.BasePathMatched = pr.BasePathMatched
}

// newVars fills the $context variables known once the checks ran.
func newVars(d *decision.Decision, pr *pipeline.Request, r *http.Request, start time.Time, replaced bool) *ctxvars.Vars {
	v := &ctxvars.Vars{
		RequestID:         d.RequestID,
		ExtendedRequestID: d.ExtendedRequestID,
		AccountID:         pr.World.AccountID,
		DomainName:        r.Host,
		HTTPMethod:        r.Method,
		Protocol:          r.Proto,
		RequestTime:       start,
		SourceIP:          pr.SourceIP,
		UserAgent:         r.UserAgent(),
		Path:              r.URL.EscapedPath(),
	}
	if replaced {
		v.RequestID = "UUID_REPLACED_INVALID_REQUEST_ID"
	}
	if h := hostOnly(r.Host); h != "" {
		v.DomainName = h
	}
	if pr.API != nil {
		v.APIID = pr.API.ID
	}
	if st := pr.Stage; st != nil {
		v.Stage = st.Name
		v.DeploymentID = st.DeploymentID
		v.StageVariables = st.Variables
		if pr.HostKind == "path-style" {
			v.Path = "/" + st.Name + stagePathOrRoot(pr.StagePath)
		}
	}
	if m := pr.Match; m.Resource != nil && m.Method != nil {
		v.ResourcePath = m.Resource.Path
		v.ResourceID = m.Resource.ID
	}
	if pr.BasePathMatched != nil {
		v.CustomDomainBasePathMatched = *pr.BasePathMatched
	}
	v.CustomDomainRoutingRuleIDMatched = pr.RoutingRuleID
	if a := pr.Authorizer; a != nil {
		v.Claims = a.Claims
		if a.PrincipalID != "" || len(a.Context) > 0 {
			v.Authorizer = make(map[string]string, len(a.Context)+1)
			for k, val := range a.Context {
				v.Authorizer[k] = val
			}
			v.Authorizer["principalId"] = a.PrincipalID
		}
	}
	if k := pr.APIKey; k != nil {
		v.APIKey, v.APIKeyID = k.Value, k.ID
	}
	if e := pr.VPCEndpoint; e != nil {
		v.VpceID, v.VpcID = e.ID, e.VPCID
	}
	if c := pr.ClientCert; c != nil {
		v.ClientCert = &ctxvars.ClientCert{PEM: c.PEM, SubjectDN: c.SubjectDN, IssuerDN: c.IssuerDN,
			SerialNumber: c.SerialNumber, NotBefore: c.NotBeforeString(), NotAfter: c.NotAfterString()}
	}
	if res := pr.WAF; res != nil {
		v.WebACLArn = res.WebACLArn
		v.WAFResponseCode = "WAF_ALLOW"
		v.WAFStatus = 200
		if res.Blocked() {
			v.WAFResponseCode = "WAF_BLOCK"
			v.WAFStatus = 403
			if res.CustomResponse != nil {
				v.WAFStatus = res.CustomResponse.StatusCode
			}
		}
	}
	if cs := r.TLS; cs != nil {
		v.TLSVersion, v.CipherSuite = tlsVersionName(cs.Version), tls.CipherSuiteName(cs.CipherSuite)
	}
	if c := pr.Caller; c != nil {
		v.Caller = c.Principal.Caller
		v.User = c.Principal.UserID
		v.UserArn = c.Principal.ARN
		v.IdentityAccountID = c.Principal.Account
		v.AccessKey = c.AccessKeyID
	}
	return v
}

// authorizerEvent is requestContext.authorizer of a Lambda proxy event: the Lambda authorizer's
// principalId and context values, or a Cognito authorizer's claims (facts §4.2, §2.3).
func authorizerEvent(pr *pipeline.Request) map[string]any {
	a := pr.Authorizer
	if a == nil {
		return nil
	}
	out := map[string]any{}
	if a.Claims != nil {
		claims := make(map[string]any, len(a.Claims))
		for k, v := range a.Claims {
			claims[k] = v
		}
		out["claims"] = claims
		return out
	}
	for k, v := range a.Context {
		out[k] = v
	}
	out["principalId"] = a.PrincipalID
	out["integrationLatency"] = a.IntegrationLatency.Milliseconds()
	return out
}

// wafCustom is the web ACL's custom response for a blocked request, if any.
func wafCustom(pr *pipeline.Request) *waf.CustomResponse {
	if pr.WAF == nil {
		return nil
	}
	return pr.WAF.CustomResponse
}

// tlsVersionName is $context.tlsVersion: "TLSv1.2", "TLSv1.3".
func tlsVersionName(v uint16) string {
	switch v {
	case tls.VersionTLS13:
		return "TLSv1.3"
	case tls.VersionTLS12:
		return "TLSv1.2"
	case tls.VersionTLS11:
		return "TLSv1.1"
	case tls.VersionTLS10:
		return "TLSv1"
	}
	return ""
}

// identity is requestContext.identity's caller and client-certificate fields for a Lambda
// proxy event (facts §4.2, §8.5).
func identity(pr *pipeline.Request) map[string]*string {
	s := func(v string) *string { return &v }
	out := map[string]*string{}
	if c := pr.Caller; c != nil {
		out["caller"], out["user"], out["userArn"] = s(c.Principal.Caller), s(c.Principal.UserID), s(c.Principal.ARN)
		out["accountId"], out["accessKey"] = s(c.Principal.Account), s(c.AccessKeyID)
	}
	if k := pr.APIKey; k != nil {
		out["apiKey"], out["apiKeyId"] = s(k.Value), s(k.ID)
	}
	if c := pr.ClientCert; c != nil {
		b, _ := json.Marshal(map[string]any{"clientCertPem": c.PEM, "subjectDN": c.SubjectDN, "issuerDN": c.IssuerDN,
			"serialNumber": c.SerialNumber, "validity": map[string]string{"notBefore": c.NotBeforeString(), "notAfter": c.NotAfterString()}})
		out["clientCert"] = s(string(b))
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func stagePathOrRoot(p string) string {
	if p == "" {
		return "/"
	}
	return p
}

func domainPrefix(host string) string {
	p, _, _ := strings.Cut(host, ".")
	return p
}

// countingWriter counts body bytes written.
type countingWriter struct {
	http.ResponseWriter
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.ResponseWriter.Write(p)
	c.n += int64(n)
	return n, err
}

func (c *countingWriter) Flush() {
	if f, ok := c.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// copyFlush streams src to w, flushing after each read so that a streaming backend's chunks
// reach the client as they arrive.
func copyFlush(w io.Writer, src io.Reader, f http.Flusher) (int64, error) {
	buf := make([]byte, 32*1024)
	var n int64
	for {
		k, err := src.Read(buf)
		if k > 0 {
			wk, werr := w.Write(buf[:k])
			n += int64(wk)
			if werr != nil {
				return n, werr
			}
			f.Flush()
		}
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}
