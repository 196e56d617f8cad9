package gateway_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"golang.org/x/net/http2/hpack"

	"github.com/portcullis/portcullis/internal/cause"
	"github.com/portcullis/portcullis/internal/certgen"
	"github.com/portcullis/portcullis/internal/config"
	"github.com/portcullis/portcullis/internal/ctxtemplate"
	"github.com/portcullis/portcullis/internal/decision"
	"github.com/portcullis/portcullis/internal/diagnose"
	"github.com/portcullis/portcullis/internal/diagnose/input"
	"github.com/portcullis/portcullis/internal/gateway"
	"github.com/portcullis/portcullis/internal/limits"
	"github.com/portcullis/portcullis/internal/logs"
	"github.com/portcullis/portcullis/internal/store"
)

// The round-trip acceptance harness (issue acceptance "Round trip"): for every catalogue cause a
// scenario of testdata/scenarios makes the live gateway produce it; the exchange is captured the
// three ways a user would hand it to the troubleshooter — a HAR file as Chrome DevTools exports
// it, a `curl -v` transcript (stderr and stdout merged, as pasted from a terminal) and the stage's
// access-log line — and `diagnose` must rank the true cause first, or tie it only with causes
// that input cannot tell apart and then say what would separate them (Finding.ToDecide).
//
// Every capture is real: curl itself sends the request (built exactly as TestScenarios builds it,
// SigV4 signing and Cognito tokens included, plus curl's own User-Agent and Accept: */* where the
// scenario sets none, as a curl user's request has them; the gateway must still answer with the
// scenario's cause) over plain HTTP on loopback, and its -v output is the transcript; a recording
// listener keeps the bytes that crossed the loopback socket, from which the HAR is rendered; the
// gateway's own access logger (config.AccessLog on each stage, rendered by logs.AccessLine from
// the request's $context variables) writes the access-log line to a file. AWS writes no access
// log for a request that never resolved a stage (facts §2: the log belongs to the stage), so
// for those causes the access-log cell is "n/a".
//
// Scenarios on the TLS listener (request.listener: tls; mutual TLS) go over HTTPS to the
// gateway's TLS config (custom-domain certificates by SNI, a client certificate requested where
// the domain has a truststore): curl trusts the demo CA (--cacert), connects with SNI = the
// scenario host and presents the scenario's client certificate (--cert/--key), so its transcript
// holds the real handshake lines; the listener offers h2 by ALPN, so curl speaks HTTP/2 there as
// it does to API Gateway; the recording listener keeps the plaintext above TLS (what a browser's
// DevTools shows: HTTP/2 frames, HPACK-decoded), and the HAR is Chrome's for an https://host/…
// HTTP/2 fetch.
//
// Environment:
//   - PORTCULLIS_ROUNDTRIP_TABLE=FILE writes the cause × input-format table there as Markdown.
//   - PORTCULLIS_ROUNDTRIP_DUMP=DIR writes every capture there (DIR/<file>/<n>.{har,curl,log}), for
//     `portcullis diagnose` by hand. The captures hold the test worlds' fixture keys and tokens.

// Input formats of the round trip, in table order.
var roundTripFormats = []string{input.FormatHAR, input.FormatCurl, input.FormatAccessLog}

// roundTripAccessFormat is a JSON access-log format a user would configure to debug 403s
// (variable names from facts §2.3). The error message goes in as $context.error.messageString —
// the quoted, JSON-escaped form of $context.error.message — because the raw message can hold
// quotes and line breaks (the SigV4 mismatch message does) that would break the JSON line.
const roundTripAccessFormat = `{"requestId":"$context.requestId","extendedRequestId":"$context.extendedRequestId",` +
	`"ip":"$context.identity.sourceIp","caller":"$context.identity.caller","user":"$context.identity.user",` +
	`"userArn":"$context.identity.userArn","userAgent":"$context.identity.userAgent","requestTime":"$context.requestTime",` +
	`"httpMethod":"$context.httpMethod","domainName":"$context.domainName","path":"$context.path",` +
	`"resourcePath":"$context.resourcePath","status":"$context.status","protocol":"$context.protocol",` +
	`"responseLength":"$context.responseLength","apiId":"$context.apiId","stage":"$context.stage",` +
	`"errorMessage":$context.error.messageString,"errorResponseType":"$context.error.responseType",` +
	`"authorizerError":"$context.authorizer.error","authorizerStatus":"$context.authorizer.status",` +
	`"apiKeyId":"$context.identity.apiKeyId","vpceId":"$context.identity.vpceId",` +
	`"wafError":"$context.waf.error","wafStatus":"$context.waf.status","wafResponseCode":"$context.wafResponseCode",` +
	`"webaclArn":"$context.webaclArn","integrationError":"$context.integration.error",` +
	`"integrationStatus":"$context.integration.status","basePathMatched":"$context.customDomain.basePathMatched",` +
	`"clientCertSubjectDN":"$context.identity.clientCert.subjectDN","clientCertIssuerDN":"$context.identity.clientCert.issuerDN"}`

// roundTripNoScenario lists the catalogue causes that no scenario produces, with the reason.
// TestRoundTrip fails for any other cause without a scenario, and for an entry here that has
// gained one (so the list cannot go stale).
var roundTripNoScenario = map[string]string{
	// The gateway emits it only when a check itself fails (a Go error, not a denial); a
	// correct world cannot provoke that on purpose.
	cause.GatewayInternalError: "produced only by a failing check (a gateway bug), not by a request",
	// The gateway has no request validators yet: nothing emits BAD_REQUEST_PARAMETERS or
	// BAD_REQUEST_BODY (internal/gatewayresponse knows the response types, no check uses them).
	cause.BadRequestParameters: "no emitter: request validators are not implemented in the gateway",
	cause.BadRequestBody:       "no emitter: request validators are not implemented in the gateway",
}

// rtCapture is one failing scenario exchange as it went over the wire, plus what the gateway
// recorded about it.
type rtCapture struct {
	file, name string
	scheme     string // "http" or "https" (the TLS listener); "" is "http"
	want       string // expect.cause
	status     int    // the response status on the wire
	errorType  string // the x-amzn-ErrorType response header on the wire ("" = absent)
	requestID  string
	decision   *decision.Decision
	started    time.Time
	clientBody []byte // the body the client meant to send (the server may answer before reading it)

	req, resp *wireMessage
	conn      wireTimes
	curl      []byte // curl -v output, stderr and stdout merged
	har       []byte
	access    []byte // nil when AWS writes no access log for this request (no stage)
}

// rtResult is the diagnosis of one capture in one format.
type rtResult struct {
	cause, format string
	captured      bool // false: no such capture exists for this request (no access log)
	rank          int  // rank of the expected cause; 0 = not listed
	tied          bool // another candidate has the same rank
	toDecide      bool // the finding names what would separate tied causes
}

func (r rtResult) pass() bool { return r.rank == 1 && (!r.tied || r.toDecide) }

// TestRoundTrip is the round-trip acceptance test; see the comment at the top of this file.
func TestRoundTrip(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Fatalf("the round-trip test drives the gateway with the real curl client, which is not installed (%v): "+
			"install it with `apt-get install curl` (Debian/Ubuntu) or `brew install curl`; CI installs it in .ci/run", err)
	}
	accessTmpl, err := logs.CompileAccess(roundTripAccessFormat)
	if err != nil {
		t.Fatalf("the harness's access-log format is invalid: %v", err)
	}
	if u := logs.Unsupported(accessTmpl); len(u) > 0 {
		t.Fatalf("the harness's access-log format names variables API Gateway does not define: %v", u)
	}
	paths, files := scenarioFiles(t)
	dump := os.Getenv("PORTCULLIS_ROUNDTRIP_DUMP")
	var results []rtResult
	scenarios := map[string]int{} // cause -> number of scenarios
	sampled := false
	for i, file := range paths {
		sf := files[i]
		base := filepath.Base(file)
		for _, sc := range sf.Scenarios {
			if sc.Expect.Status >= 400 && sc.Expect.Cause != "" {
				scenarios[sc.Expect.Cause]++
			}
		}
		t.Run(base, func(t *testing.T) {
			caps := captureFile(t, curl, file, sf, accessTmpl)
			for i, c := range caps {
				if dump != "" {
					dumpCapture(t, filepath.Join(dump, strings.TrimSuffix(base, ".yaml")), i, c)
				}
				if !sampled && c.want == cause.RouteNotFound && c.status == http.StatusForbidden && c.access != nil {
					sampled = true
					t.Logf("sample captures (secrets masked) of %q:\n--- HAR ---\n%s\n--- curl -v ---\n%s\n--- access log ---\n%s",
						c.name, maskSecrets(string(c.har)), maskSecrets(string(c.curl)), maskSecrets(string(c.access)))
				}
				t.Run(c.name, func(t *testing.T) {
					for _, format := range roundTripFormats {
						results = append(results, diagnoseCapture(t, c, format))
					}
				})
			}
		})
	}

	table := roundTripTable(results, scenarios)
	t.Logf("round trip: cause × input format → best rank of the true cause (captures ranked first without an unexplained tie / captures); "+
		"\"=\" tied with ToDecide, \"-\" not listed, \"n/a\" no such capture (no access log without a stage), \"—\" no scenario\n%s", table.text())
	if path := os.Getenv("PORTCULLIS_ROUNDTRIP_TABLE"); path != "" {
		if err := os.WriteFile(path, []byte(table.markdown()), 0o644); err != nil {
			t.Errorf("writing the table: %v", err)
		}
	}

	// Every cause the gateway can emit needs a scenario that makes it do so.
	var missing []string
	for _, e := range cause.All() {
		reason, allowed := roundTripNoScenario[e.ID]
		switch {
		case scenarios[e.ID] == 0 && !allowed:
			missing = append(missing, e.ID)
		case scenarios[e.ID] > 0 && allowed:
			t.Errorf("cause %s has %d scenario(s) now; remove it from roundTripNoScenario (%q)", e.ID, scenarios[e.ID], reason)
		}
	}
	for id := range roundTripNoScenario {
		if _, ok := cause.Lookup(id); !ok {
			t.Errorf("roundTripNoScenario names %q, which is not in the catalogue", id)
		}
	}
	if len(missing) > 0 {
		t.Errorf("%d catalogue cause(s) the gateway can emit have no scenario with a status >= 400 and expect.cause in testdata/scenarios: %s",
			len(missing), strings.Join(missing, ", "))
	}
}

// captureFile runs the failing scenarios of one scenario file through a live gateway with curl
// and returns their captures. Scenarios that succeed are sent too: they move the counters
// (throttles, quotas, WAF rate rules) the failing ones depend on.
func captureFile(t *testing.T, curl, file string, sf scenarioFile, accessTmpl *ctxtemplate.Template) []*rtCapture {
	t.Helper()
	world, pki := loadWorld(t, filepath.Dir(file), sf.World)
	accessPath := filepath.Join(t.TempDir(), "access.log")
	for _, api := range world.APIList {
		for _, st := range api.StageList {
			// The stage's accessLogSettings, as a user would set them with
			// destinationArn "file:…" (worldFor removed the world's own).
			st.AccessLog = &config.AccessLog{Format: accessTmpl, DestinationArn: "file:" + accessPath, Path: accessPath}
		}
	}
	mem := store.NewMemory(1000)
	lim, err := limits.NewEmbedded("", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer lim.Close()
	gw := gateway.New(world, gateway.Options{Decisions: mem, Limits: lim})
	defer gw.Close()
	servers := map[string]*rtServer{}
	defer func() {
		for _, s := range servers {
			s.srv.Close()
			<-s.done // the Serve goroutine has returned
		}
	}()

	var caps []*rtCapture
	for _, sc := range sf.Scenarios {
		l := sc.Request.Listener
		if l == "" {
			l = "default"
		}
		if servers[l] == nil {
			var tlsCfg *tls.Config
			if l == "tls" {
				tlsCfg = gw.TLSConfig()
			}
			servers[l] = startRecordingServer(t, gw.Handler(l), tlsCfg)
		}
		failing := sc.Expect.Status >= 400 && sc.Expect.Cause != ""
		c, err := sendWithCurl(t, curl, servers[l], pki, mem, sc)
		if err != nil {
			t.Errorf("%s: %v", sc.Name, err)
			continue
		}
		if !failing {
			// Not diagnosed, but curl must get what the scenario expects (on the TLS listener:
			// proof that the client certificate reached the gateway's tls step).
			if c.status != sc.Expect.Status {
				t.Errorf("%s: sent by curl, the request got %d %s (reason: %s); the scenario expects %d",
					sc.Name, c.status, c.decision.Cause, c.decision.Reason, sc.Expect.Status)
			}
			continue
		}
		c.file = filepath.Base(file)
		if c.decision.Cause != sc.Expect.Cause || c.status != sc.Expect.Status {
			// The capture does not show the scenario's cause: a harness or gateway problem,
			// not a diagnosis problem. TestScenarios says which.
			t.Errorf("%s: sent by curl, the request got %d %s (reason: %s); the scenario expects %d %s",
				sc.Name, c.status, c.decision.Cause, c.decision.Reason, sc.Expect.Status, sc.Expect.Cause)
			continue
		}
		caps = append(caps, c)
	}

	// Closing the gateway's sinks flushes the access log (logs.File buffers up to 200 ms).
	if err := gw.Close(); err != nil {
		t.Fatalf("closing the gateway's log sinks: %v", err)
	}
	logData, err := os.ReadFile(accessPath)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	lines := strings.Split(string(logData), "\n")
	for _, c := range caps {
		var found []string
		for _, l := range lines {
			if strings.Contains(l, `"requestId":"`+c.requestID+`"`) {
				found = append(found, l)
			}
		}
		switch {
		case c.decision.API.Stage == "" && len(found) > 0:
			t.Errorf("%s: the request resolved no stage, yet the gateway wrote an access-log line: %s", c.name, found[0])
		case c.decision.API.Stage != "" && len(found) != 1:
			t.Errorf("%s: want exactly one access-log line for request %s on stage %s, found %d", c.name, c.requestID, c.decision.API.Stage, len(found))
		case len(found) == 1:
			c.access = []byte(found[0] + "\n")
		}
		c.har = renderHAR(c)
	}
	return caps
}

// sendWithCurl builds the scenario's request as runScenario does, sends it with curl -v and
// collects what crossed the wire and the gateway's decision. On the TLS listener curl speaks
// HTTPS with the scenario's client certificate.
func sendWithCurl(t *testing.T, curl string, s *rtServer, pki *certgen.Set, mem *store.Memory, sc scenario) (*rtCapture, error) {
	t.Helper()
	scheme, tlsArgs, err := curlTLSArgs(s, pki, sc)
	if err != nil {
		return nil, err
	}
	req, err := newScenarioRequest(t, sc, scheme+"://"+sc.Request.Host)
	if err != nil {
		return nil, fmt.Errorf("building the request: %w", err)
	}
	var body []byte
	if req.Body != nil {
		if body, err = io.ReadAll(req.Body); err != nil {
			return nil, fmt.Errorf("reading the request body: %w", err)
		}
	}

	args, err := curlArgs(req, body, scheme, s.port, tlsArgs)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, curl, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out // one pipe: the order a terminal shows
	cmd.Stdin = bytes.NewReader(body)
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("curl %s: %w\n%s", strings.Join(maskArgs(args), " "), err, maskSecrets(out.String()))
	}
	id := responseHeader(out.Bytes(), "x-amzn-RequestId")
	if id == "" {
		return nil, fmt.Errorf("curl's transcript has no x-amzn-RequestId response header:\n%s", maskSecrets(out.String()))
	}
	d, ok := mem.Get(id)
	for deadline := time.Now().Add(2 * time.Second); !ok && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
		d, ok = mem.Get(id)
	}
	if !ok {
		return nil, fmt.Errorf("no decision recorded for %s", id)
	}
	wc := s.conn(id)
	if wc == nil {
		return nil, fmt.Errorf("no connection on the recording listener carried response %s", id)
	}
	rawIn, rawOut, times := wc.snapshot()
	wreq, wresp, err := parseWireExchange(rawIn, rawOut, req.Method)
	if err != nil {
		return nil, err
	}
	return &rtCapture{
		name: sc.Name, scheme: scheme, want: sc.Expect.Cause, status: wresp.status, errorType: wresp.header("x-amzn-ErrorType"),
		requestID: id, decision: d, started: start, clientBody: body,
		req: wreq, resp: wresp, conn: times, curl: out.Bytes(),
	}, nil
}

// curlTLSArgs returns the URL scheme of a scenario's request and, on the TLS listener, the curl
// options of its TLS side: the demo CA as the only trusted root (curl then verifies the
// certificate the gateway picked by SNI, which is the URL's host) and the scenario's client
// certificate and key, if any.
func curlTLSArgs(s *rtServer, pki *certgen.Set, sc scenario) (scheme string, args []string, err error) {
	if !s.tls {
		if sc.Request.ClientCert != "" {
			return "", nil, fmt.Errorf("request.clientCert %q needs listener: tls", sc.Request.ClientCert)
		}
		return "http", nil, nil
	}
	if pki == nil {
		return "", nil, errors.New("listener tls: the world has no generated PKI (only the demo world has one)")
	}
	args = []string{"--cacert", pki.CAFile}
	certFile, keyFile, err := clientCertFiles(pki, sc.Request.ClientCert)
	if err != nil {
		return "", nil, err
	}
	if certFile != "" {
		args = append(args, "--cert", certFile, "--key", keyFile)
	}
	return "https", args, nil
}

// curlArgs is the curl command line that sends req as built: the URL names the scenario's host
// (resolved to the test server with --resolve) and the Host header carries it without the
// port, as the request was signed. curl adds its own User-Agent and Accept: */* unless the
// scenario sets them; a Content-Type is sent only when the scenario has one. tlsArgs are the
// TLS options of an https request (curlTLSArgs).
func curlArgs(req *http.Request, body []byte, scheme, port string, tlsArgs []string) ([]string, error) {
	host := req.Host
	if strings.ContainsAny(host, ":/ ") || host == "" {
		return nil, fmt.Errorf("scenario host %q: want a bare host name", host)
	}
	args := []string{"-v", "-N", "--no-progress-meter", "--path-as-is", "--globoff", "--max-time", "30",
		"--resolve", host + ":" + port + ":127.0.0.1", "-H", "Host: " + host}
	args = append(args, tlsArgs...)
	keys := make([]string, 0, len(req.Header))
	for k := range req.Header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if strings.EqualFold(k, "Host") {
			continue
		}
		for _, v := range req.Header[k] {
			if v == "" {
				args = append(args, "-H", k+";") // curl's syntax for a header with an empty value
			} else {
				args = append(args, "-H", k+": "+v)
			}
		}
	}
	switch {
	case req.Method == http.MethodHead:
		args = append(args, "--head")
	case len(body) > 0:
		if req.Header.Get("Content-Type") == "" {
			args = append(args, "-H", "Content-Type:") // no form Content-Type: send what the scenario sends
		}
		args = append(args, "--data-binary", "@-")
		if req.Method != http.MethodPost {
			args = append(args, "-X", req.Method)
		}
	case req.Method != http.MethodGet:
		args = append(args, "-X", req.Method)
	}
	return append(args, scheme+"://"+host+":"+port+req.URL.RequestURI()), nil
}

// diagnoseCapture parses one capture, checks that it says what went over the wire, diagnoses it
// and returns the rank of the scenario's cause. Capture problems and ranking problems are
// reported separately.
func diagnoseCapture(t *testing.T, c *rtCapture, format string) rtResult {
	t.Helper()
	res := rtResult{cause: c.want, format: format}
	var data []byte
	switch format {
	case input.FormatHAR:
		data = c.har
	case input.FormatCurl:
		data = c.curl
	case input.FormatAccessLog:
		data = c.access
		if data == nil {
			return res // AWS writes no access log for a request that resolved no stage
		}
	}
	res.captured = true
	if got := input.Detect(data); got != format {
		t.Errorf("[capture] %s: input.Detect says %q for:\n%s", format, got, maskSecrets(string(data[:min(len(data), 4096)])))
		return res
	}
	xs, err := input.Parse(bytes.NewReader(data), "")
	if err != nil {
		t.Errorf("[capture] %s: input.Parse: %v", format, err)
		return res
	}
	if len(xs) != 1 {
		t.Errorf("[capture] %s: input.Parse returned %d exchanges, want 1", format, len(xs))
		return res
	}
	if !checkParsed(t, c, format, xs[0]) {
		return res
	}

	rep := diagnose.Diagnose(format, xs, diagnose.Options{})
	var f *diagnose.Finding
	for i := range rep.Findings {
		if rep.Findings[i].Entry == xs[0].Entry {
			f = &rep.Findings[i]
		}
	}
	if f == nil {
		t.Errorf("[rank] %s / %q / %s: diagnose returned no finding for the %d exchange (report: %d findings); want %s ranked 1",
			c.file, c.name, format, c.status, len(rep.Findings), c.want)
		return res
	}
	for _, cand := range f.Causes {
		if cand.ID == c.want {
			res.rank = cand.Rank
		}
	}
	if res.rank != 0 {
		for _, cand := range f.Causes {
			if cand.ID != c.want && cand.Rank == res.rank {
				res.tied = true
			}
		}
	}
	res.toDecide = len(f.ToDecide) > 0
	if !res.pass() {
		var why string
		switch {
		case res.rank == 0:
			why = "not listed"
		case res.rank != 1:
			why = fmt.Sprintf("ranked %d", res.rank)
		default:
			why = "tied at rank 1 and the finding has no toDecide"
		}
		t.Errorf("[rank] %s / %q / %s: %s %s; finding: origin %s, causes %s", c.file, c.name, format, c.want, why, f.Origin, describeCauses(f))
	}
	return res
}

// checkParsed verifies that the parsed capture says what went over the wire (status,
// x-amzn-ErrorType and, for HAR and curl, every header and the body).
func checkParsed(t *testing.T, c *rtCapture, format string, x input.Exchange) bool {
	t.Helper()
	ok := true
	bad := func(f string, a ...any) {
		t.Errorf("[capture] "+format+": "+f, a...)
		ok = false
	}
	if format == input.FormatAccessLog {
		if got := x.Fields["status"]; got != strconv.Itoa(c.status) {
			bad(`Fields["status"] = %q, want %d (line %s)`, got, c.status, maskSecrets(string(c.access)))
		}
		if got := x.Fields["requestId"]; got != c.requestID {
			bad(`Fields["requestId"] = %q, want %s`, got, c.requestID)
		}
		return ok
	}
	if x.Response == nil || x.Request == nil {
		bad("parsed exchange lacks a request or a response")
		return false
	}
	if x.Response.Status != c.status {
		bad("status %d, want %d", x.Response.Status, c.status)
	}
	if got := x.Response.Headers.Get("x-amzn-ErrorType"); got != c.errorType {
		bad("x-amzn-ErrorType %q, want %q", got, c.errorType)
	}
	reqHeaders := x.Request.Headers
	if c.req.proto == h2Proto {
		// HTTP/2 carries the host in :authority, which curl prints as "Host:" and a HAR as a
		// pseudo-header; the host is compared below.
		reqHeaders = reqHeaders.Clone()
		reqHeaders.Del("Host")
	}
	if got, want := headerSet(reqHeaders), c.req.headerSet(); got != want {
		bad("request headers differ from the wire:\n got %s\nwant %s", maskSecrets(got), maskSecrets(want))
	}
	if got, want := headerSet(x.Response.Headers), c.resp.headerSet(); got != want {
		bad("response headers differ from the wire:\n got %s\nwant %s", got, want)
	}
	// curl prints the body as received; its parser cannot tell a final newline of the body
	// from the one before curl's own trailer line, so compare without trailing newlines.
	if got, want := strings.TrimRight(string(x.Response.Body), "\n"), strings.TrimRight(string(c.resp.body), "\n"); got != want {
		bad("response body %q, want %q", got, want)
	}
	if x.Request.Method != c.req.method {
		bad("method %q, want %q", x.Request.Method, c.req.method)
	}
	if h := c.req.host(); x.Request.Host != h || !strings.Contains(x.Request.URL, "://"+h+"/") {
		bad("request host %q, URL %q; want host %q in both", x.Request.Host, x.Request.URL, h)
	}
	return ok
}

func describeCauses(f *diagnose.Finding) string {
	if len(f.Causes) == 0 {
		return "[] (none)"
	}
	var b strings.Builder
	for _, c := range f.Causes {
		fmt.Fprintf(&b, "\n    %d %s (%s): evidence %q against %q", c.Rank, c.ID, c.Confidence, c.Evidence, c.Against)
	}
	if len(f.ToDecide) > 0 {
		fmt.Fprintf(&b, "\n    toDecide: %q", f.ToDecide)
	}
	return b.String()
}

// ---- the table -------------------------------------------------------------------------------

type rtCell struct {
	captured, passed int
	absent           int // requests for which this capture cannot exist
	best             int // best rank over the captures; 0 = never listed
	bestTied         bool
}

type rtTable struct {
	rows []rtRow
}

type rtRow struct {
	id        string
	scenarios int
	note      string // "no scenario…" rows
	cells     []rtCell
}

func roundTripTable(results []rtResult, scenarios map[string]int) rtTable {
	byCause := map[string]map[string]*rtCell{}
	for _, r := range results {
		m := byCause[r.cause]
		if m == nil {
			m = map[string]*rtCell{}
			byCause[r.cause] = m
		}
		c := m[r.format]
		if c == nil {
			c = &rtCell{}
			m[r.format] = c
		}
		if !r.captured {
			c.absent++
			continue
		}
		c.captured++
		if r.pass() {
			c.passed++
		}
		better := r.rank > 0 && (c.best == 0 || r.rank < c.best || r.rank == c.best && c.bestTied && !r.tied)
		if better {
			c.best, c.bestTied = r.rank, r.tied
		}
	}
	var tb rtTable
	seen := map[string]bool{}
	add := func(id string) {
		seen[id] = true
		row := rtRow{id: id, scenarios: scenarios[id]}
		if row.scenarios == 0 {
			row.note = "no scenario"
			if why, ok := roundTripNoScenario[id]; ok {
				row.note += " (allowed: " + why + ")"
			}
		}
		for _, f := range roundTripFormats {
			c := rtCell{}
			if p := byCause[id][f]; p != nil {
				c = *p
			}
			row.cells = append(row.cells, c)
		}
		tb.rows = append(tb.rows, row)
	}
	for _, e := range cause.All() {
		add(e.ID)
	}
	var extra []string // expected causes that are not catalogue IDs (a scenario typo)
	for id := range scenarios {
		if !seen[id] {
			extra = append(extra, id)
		}
	}
	sort.Strings(extra)
	for _, id := range extra {
		add(id)
	}
	return tb
}

func (c rtCell) String() string {
	if c.captured == 0 && c.absent == 0 {
		return "—" // no scenario
	}
	if c.captured == 0 {
		return "n/a"
	}
	r := "-"
	if c.best > 0 {
		r = strconv.Itoa(c.best)
		if c.bestTied {
			r += "="
		}
	}
	return fmt.Sprintf("%s (%d/%d)", r, c.passed, c.captured)
}

func (tb rtTable) text() string {
	var b bytes.Buffer
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "cause\tscenarios\t%s\t\n", strings.Join(roundTripFormats, "\t"))
	for _, r := range tb.rows {
		cells := make([]string, len(r.cells))
		for i, c := range r.cells {
			cells[i] = c.String()
		}
		fmt.Fprintf(w, "%s\t%d\t%s\t%s\n", r.id, r.scenarios, strings.Join(cells, "\t"), r.note)
	}
	fmt.Fprintf(w, "TOTAL ranked first\t\t%s\t\n", strings.Join(tb.totals(), "\t"))
	w.Flush()
	return b.String()
}

func (tb rtTable) totals() []string {
	out := make([]string, len(roundTripFormats))
	for i := range roundTripFormats {
		p, n := 0, 0
		for _, r := range tb.rows {
			if r.note == "" {
				p += r.cells[i].passed
				n += r.cells[i].captured
			}
		}
		out[i] = fmt.Sprintf("%d/%d", p, n)
	}
	return out
}

func (tb rtTable) markdown() string {
	var b strings.Builder
	b.WriteString("| cause | scenarios | " + strings.Join(roundTripFormats, " | ") + " | note |\n")
	b.WriteString("|---|---:|" + strings.Repeat("---|", len(roundTripFormats)) + "---|\n")
	for _, r := range tb.rows {
		cells := make([]string, len(r.cells))
		for i, c := range r.cells {
			cells[i] = c.String()
		}
		fmt.Fprintf(&b, "| `%s` | %d | %s | %s |\n", r.id, r.scenarios, strings.Join(cells, " | "), r.note)
	}
	fmt.Fprintf(&b, "| **ranked first** | | %s | |\n", strings.Join(tb.totals(), " | "))
	b.WriteString("\nCell: best rank of the true cause over the scenarios (`=`: tied, with toDecide), then captures ranked first without an unexplained tie / captures. `-`: never listed; `n/a`: no such capture (AWS writes no access log for a request that resolved no stage); `—`: no scenario.\n")
	return b.String()
}

// ---- the recording listener ------------------------------------------------------------------

// rtServer is an httptest-style server whose listener records every byte of every connection
// (above TLS when it serves TLS).
type rtServer struct {
	srv  *http.Server
	ln   *wireListener
	port string
	tls  bool
	done chan struct{}
}

// startRecordingServer serves h on a loopback port, over TLS with tlsCfg when it is not nil.
func startRecordingServer(t *testing.T, h http.Handler, tlsCfg *tls.Config) *rtServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listening on loopback: %v", err)
	}
	wl := &wireListener{Listener: ln, tls: tlsCfg}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	if tlsCfg != nil {
		srv.Protocols = new(http.Protocols)
		srv.Protocols.SetHTTP1(true)
		srv.Protocols.SetUnencryptedHTTP2(true) // h2 negotiated by ALPN, handed over as plaintext
		srv.Handler = withTLSState(h)
		srv.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
			if wc, ok := c.(*wireConn); ok && wc.tlsConn != nil {
				return context.WithValue(ctx, tlsConnKey{}, wc.tlsConn)
			}
			return ctx
		}
	}
	s := &rtServer{srv: srv, ln: wl, tls: tlsCfg != nil, done: make(chan struct{})}
	_, s.port, _ = net.SplitHostPort(ln.Addr().String())
	go func() {
		defer close(s.done)
		_ = s.srv.Serve(wl)
	}()
	return s
}

// conn returns the connection whose response carried request id.
func (s *rtServer) conn(id string) *wireConn {
	needle := []byte("\r\nx-amzn-RequestId: " + id + "\r\n")
	s.ln.mu.Lock()
	defer s.ln.mu.Unlock()
	for i := len(s.ln.conns) - 1; i >= 0; i-- {
		c := s.ln.conns[i]
		in, out, _ := c.snapshot()
		hit := bytes.Contains(bytes.ToLower(out), bytes.ToLower(needle))
		if isH2(in) {
			// HPACK hides the header's bytes: decode the response.
			resp, err := parseH2Response(out, 0)
			hit = err == nil && resp.header("x-amzn-RequestId") == id
		}
		if hit {
			return c
		}
	}
	return nil
}

// tlsConnKey keys the *tls.Conn of a connection in its context (http.Server.ConnContext).
type tlsConnKey struct{}

// withTLSState sets r.TLS from the connection's *tls.Conn, as net/http does itself when the
// listener hands it a *tls.Conn: the recording wrapper around the *tls.Conn hides it from
// net/http, and the gateway's tls step reads the client certificate from r.TLS.
func withTLSState(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tc, ok := r.Context().Value(tlsConnKey{}).(*tls.Conn); ok && r.TLS == nil {
			st := tc.ConnectionState()
			r = r.WithContext(r.Context()) // a shallow copy: the server's request stays as it was
			r.TLS = &st
		}
		h.ServeHTTP(w, r)
	})
}

// wireListener records every connection it accepts. With tls set it serves TLS and records the
// plaintext above it: a recorder below TLS would see only ciphertext.
type wireListener struct {
	net.Listener
	tls   *tls.Config
	mu    sync.Mutex
	conns []*wireConn
}

func (l *wireListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	w := &wireConn{Conn: c}
	if l.tls != nil {
		w.tlsConn = tls.Server(c, l.tls)
		w.Conn = w.tlsConn
	}
	w.times.accepted = time.Now()
	_, w.times.clientPort, _ = net.SplitHostPort(c.RemoteAddr().String())
	l.mu.Lock()
	l.conns = append(l.conns, w)
	l.mu.Unlock()
	return w, nil
}

// wireTimes are when bytes crossed one connection (and when its TLS handshake ran, if any).
type wireTimes struct {
	accepted, firstIn, lastIn, firstOut, lastOut time.Time
	tlsStart, tlsDone                            time.Time
	clientPort                                   string
}

type wireConn struct {
	net.Conn
	tlsConn *tls.Conn // the TLS connection Conn is, on a TLS listener
	hsOnce  sync.Once
	hsErr   error
	mu      sync.Mutex
	in, out bytes.Buffer
	times   wireTimes
}

// handshake runs the TLS handshake once, timed, before the first plaintext byte is read.
func (c *wireConn) handshake() error {
	c.hsOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		start := time.Now()
		err := c.tlsConn.HandshakeContext(ctx)
		done := time.Now()
		c.mu.Lock()
		c.times.tlsStart, c.times.tlsDone = start, done
		c.mu.Unlock()
		if err != nil {
			c.hsErr = fmt.Errorf("TLS handshake: %w", err)
		}
	})
	return c.hsErr
}

func (c *wireConn) Read(p []byte) (int, error) {
	if c.tlsConn != nil {
		if err := c.handshake(); err != nil {
			return 0, err
		}
	}
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.mu.Lock()
		now := time.Now()
		if c.in.Len() == 0 {
			c.times.firstIn = now
		}
		c.times.lastIn = now
		c.in.Write(p[:n])
		c.mu.Unlock()
	}
	return n, err
}

// Write records p before sending it, so that once the client has read a byte it is recorded.
func (c *wireConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	now := time.Now()
	if c.out.Len() == 0 {
		c.times.firstOut = now
	}
	c.times.lastOut = now
	c.out.Write(p)
	c.mu.Unlock()
	return c.Conn.Write(p)
}

func (c *wireConn) snapshot() (in, out []byte, t wireTimes) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return bytes.Clone(c.in.Bytes()), bytes.Clone(c.out.Bytes()), c.times
}

// ---- HTTP/2 above TLS ------------------------------------------------------------------------

// The TLS listener offers h2 by ALPN (mtls.SecurityPolicy), so curl speaks HTTP/2 there as it
// would to API Gateway. The recording listener hides the *tls.Conn from net/http, which would
// otherwise take h2 over itself; the server instead accepts HTTP/2 with prior knowledge on the
// plaintext it is handed (http.Protocols.SetUnencryptedHTTP2), which is the same bytes.

// h2Proto is the proto of an HTTP/2 wireMessage (net/http's Request.Proto for HTTP/2).
const h2Proto = "HTTP/2.0"

// h2Preface is the client connection preface (RFC 9113 §3.4).
const h2Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

// isH2 reports whether a client's bytes are HTTP/2 with prior knowledge (or after ALPN h2).
func isH2(in []byte) bool { return bytes.HasPrefix(in, []byte(h2Preface)) }

// HTTP/2 frame types and flags the parser needs (RFC 9113 §6).
const (
	h2FrameData         = 0x0
	h2FrameHeaders      = 0x1
	h2FrameContinuation = 0x9
	h2FlagEndHeaders    = 0x4
	h2FlagPadded        = 0x8
	h2FlagPriority      = 0x20
	h2MaxStreams        = 64 // streams one recording may hold: curl opens one
)

// h2Stream is what one endpoint sent on one stream: its header blocks in order (interim
// responses, the final one, trailers) and its DATA.
type h2Stream struct {
	blocks     [][]hpack.HeaderField
	blockBytes []int // encoded size of each block
	data       []byte
	dataOnWire int // DATA payload bytes, padding included
}

// parseH2Frames decodes the frames one endpoint sent (after the client preface): header blocks
// (HEADERS plus CONTINUATION, HPACK-decoded in order, as the one decoder of that direction
// must) and DATA, by stream, in the order streams first appear. A frame cut off at the end of the
// recording ends the parse: the rest had not crossed the socket when it was recorded.
func parseH2Frames(data []byte) (map[uint32]*h2Stream, []uint32, error) {
	dec := hpack.NewDecoder(4096, nil)
	dec.SetMaxStringLength(1 << 20)
	dec.SetAllowedMaxDynamicTableSize(1 << 16)
	streams := map[uint32]*h2Stream{}
	var order []uint32
	get := func(id uint32) (*h2Stream, error) {
		st := streams[id]
		if st == nil {
			if len(streams) == h2MaxStreams {
				return nil, fmt.Errorf("more than %d streams", h2MaxStreams)
			}
			st = &h2Stream{}
			streams[id] = st
			order = append(order, id)
		}
		return st, nil
	}
	var block []byte
	var blockStream uint32
	inBlock := false
	endBlock := func() error {
		fields, err := dec.DecodeFull(block)
		if err != nil {
			return fmt.Errorf("stream %d: HPACK: %w", blockStream, err)
		}
		st, err := get(blockStream)
		if err != nil {
			return err
		}
		st.blocks = append(st.blocks, fields)
		st.blockBytes = append(st.blockBytes, len(block))
		return nil
	}
	for len(data) >= 9 {
		length := int(data[0])<<16 | int(data[1])<<8 | int(data[2])
		typ, flags := data[3], data[4]
		id := binary.BigEndian.Uint32(data[5:9]) & (1<<31 - 1)
		if len(data) < 9+length {
			break
		}
		payload := data[9 : 9+length]
		data = data[9+length:]
		if inBlock && (typ != h2FrameContinuation || id != blockStream) {
			return nil, nil, fmt.Errorf("stream %d: frame type %d inside a header block", id, typ)
		}
		switch typ {
		case h2FrameData, h2FrameHeaders:
			if id == 0 {
				return nil, nil, fmt.Errorf("frame type %d on stream 0", typ)
			}
			p := payload
			if flags&h2FlagPadded != 0 {
				if len(p) < 1 || int(p[0]) > len(p)-1 {
					return nil, nil, fmt.Errorf("stream %d: bad padding", id)
				}
				p = p[1 : len(p)-int(p[0])]
			}
			if typ == h2FrameData {
				st, err := get(id)
				if err != nil {
					return nil, nil, err
				}
				st.data = append(st.data, p...)
				st.dataOnWire += length
				continue
			}
			if flags&h2FlagPriority != 0 {
				if len(p) < 5 {
					return nil, nil, fmt.Errorf("stream %d: short priority", id)
				}
				p = p[5:]
			}
			block, blockStream, inBlock = append(block[:0], p...), id, flags&h2FlagEndHeaders == 0
		case h2FrameContinuation:
			if !inBlock {
				return nil, nil, fmt.Errorf("stream %d: CONTINUATION outside a header block", id)
			}
			block, inBlock = append(block, payload...), flags&h2FlagEndHeaders == 0
		default: // SETTINGS, WINDOW_UPDATE, PING, GOAWAY, RST_STREAM, PRIORITY: nothing to record
			continue
		}
		if !inBlock {
			if err := endBlock(); err != nil {
				return nil, nil, err
			}
		}
	}
	return streams, order, nil
}

// parseH2Request parses the request of the first stream a client opened: pseudo-headers and
// fields in wire order (as Chrome lists them), and its DATA.
func parseH2Request(in []byte) (*wireMessage, uint32, error) {
	if !isH2(in) {
		return nil, 0, errors.New("no HTTP/2 client preface")
	}
	streams, order, err := parseH2Frames(in[len(h2Preface):])
	if err != nil {
		return nil, 0, err
	}
	for _, id := range order {
		st := streams[id]
		if len(st.blocks) == 0 {
			continue
		}
		m := &wireMessage{proto: h2Proto, headSize: -1, h2HeadBytes: st.blockBytes[0], body: st.data, bodyOnWire: st.dataOnWire}
		for _, f := range st.blocks[0] {
			if err := checkH2Field(f, true); err != nil {
				return nil, 0, fmt.Errorf("stream %d: %w", id, err)
			}
			m.headers = append(m.headers, [2]string{f.Name, f.Value})
			switch f.Name {
			case ":method":
				m.method = f.Value
			case ":path":
				m.target = f.Value
			}
		}
		if !tokenRE.MatchString(m.method) || !strings.HasPrefix(m.target, "/") || !h2AuthorityRE.MatchString(m.header(":authority")) {
			return nil, 0, fmt.Errorf("stream %d: request without a valid :method, :path (origin form) or :authority", id)
		}
		m.startLine = m.method + " " + m.target + " HTTP/2"
		return m, id, nil
	}
	return nil, 0, errors.New("no request headers")
}

// parseH2Response parses the final response a server sent on stream (0: the first stream with
// one): interim 1xx header blocks are skipped, as browsers and curl do; the fields exclude
// :status, as Chrome lists them.
func parseH2Response(out []byte, stream uint32) (*wireMessage, error) {
	streams, order, err := parseH2Frames(out)
	if err != nil {
		return nil, err
	}
	for _, id := range order {
		if stream != 0 && id != stream {
			continue
		}
		st := streams[id]
		for i, b := range st.blocks {
			m := &wireMessage{proto: h2Proto, headSize: -1, h2HeadBytes: st.blockBytes[i], body: st.data, bodyOnWire: st.dataOnWire}
			code := ""
			for _, f := range b {
				if err := checkH2Field(f, false); err != nil {
					return nil, fmt.Errorf("stream %d: %w", id, err)
				}
				if f.Name == ":status" {
					code = f.Value
				} else if !strings.HasPrefix(f.Name, ":") {
					m.headers = append(m.headers, [2]string{f.Name, f.Value})
				}
			}
			status, err := strconv.Atoi(code)
			if err != nil || len(code) != 3 || status < 100 {
				return nil, fmt.Errorf("stream %d: bad :status %q", id, code)
			}
			if status < 200 {
				continue
			}
			m.status, m.startLine = status, "HTTP/2 "+code
			return m, nil
		}
	}
	return nil, fmt.Errorf("no final response on stream %d", stream)
}

// h2AuthorityRE is a host name or IP literal with an optional port: what curl and browsers send.
var h2AuthorityRE = regexp.MustCompile(`^(?:[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$`)

// checkH2Field rejects what an HTTP/2 endpoint must treat as malformed (RFC 9113 §8.2, §8.3):
// an unknown pseudo-header, an uppercase or non-token name, a value with CR, LF or NUL.
func checkH2Field(f hpack.HeaderField, request bool) error {
	if name, ok := strings.CutPrefix(f.Name, ":"); ok {
		known := name == "status"
		if request {
			known = name == "method" || name == "path" || name == "scheme" || name == "authority"
		}
		if !known {
			return fmt.Errorf("pseudo-header %q", f.Name)
		}
	} else if !tokenRE.MatchString(f.Name) || strings.ToLower(f.Name) != f.Name {
		return fmt.Errorf("field name %q", f.Name)
	}
	if strings.ContainsAny(f.Value, "\r\n\x00") {
		return fmt.Errorf("field %s: value with CR, LF or NUL", f.Name)
	}
	return nil
}

// parseWireExchange parses the bytes of one connection, HTTP/1.x or HTTP/2.
func parseWireExchange(rawIn, rawOut []byte, method string) (req, resp *wireMessage, err error) {
	if isH2(rawIn) {
		req, id, err := parseH2Request(rawIn)
		if err != nil {
			return nil, nil, fmt.Errorf("the HTTP/2 request on the wire: %w", err)
		}
		resp, err := parseH2Response(rawOut, id)
		if err != nil {
			return nil, nil, fmt.Errorf("the HTTP/2 response on the wire: %w", err)
		}
		return req, resp, nil
	}
	if req, err = parseWireRequest(rawIn); err != nil {
		return nil, nil, fmt.Errorf("the request bytes on the wire: %w", err)
	}
	if resp, err = parseWireResponse(rawOut, method); err != nil {
		return nil, nil, fmt.Errorf("the response bytes on the wire: %w", err)
	}
	return req, resp, nil
}

// ---- HTTP/1.1 wire messages ------------------------------------------------------------------

// wireMessage is one HTTP/1.1 message as it crossed the wire: the start line, the header fields
// in wire order and spelling, and the body with any chunked framing removed.
type wireMessage struct {
	startLine            string
	method, target       string // requests
	proto                string
	status               int // responses
	reason               string
	headers              [][2]string
	headSize, bodyOnWire int // bytes of start line + fields + blank line (-1 over HTTP/2, as Chrome); of the framed body
	h2HeadBytes          int // HTTP/2: bytes of the HPACK header block
	body                 []byte
}

func (m *wireMessage) header(name string) string {
	for _, h := range m.headers {
		if strings.EqualFold(h[0], name) {
			return h[1]
		}
	}
	return ""
}

// host is the request's Host header, or its :authority over HTTP/2.
func (m *wireMessage) host() string {
	if m.proto == h2Proto {
		return m.header(":authority")
	}
	return m.header("Host")
}

// headerSet renders the header fields, without HTTP/2 pseudo-headers (which HTTP/1.x cannot have).
func (m *wireMessage) headerSet() string {
	h := http.Header{}
	for _, kv := range m.headers {
		if !strings.HasPrefix(kv[0], ":") {
			h.Add(kv[0], kv[1])
		}
	}
	return headerSet(h)
}

// headerSet is a canonical rendering of a header multiset, for comparisons.
func headerSet(h http.Header) string {
	var out []string
	for k, vs := range h {
		for _, v := range vs {
			out = append(out, strings.ToLower(k)+": "+v)
		}
	}
	sort.Strings(out)
	return strings.Join(out, " | ")
}

var tokenRE = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")

// parseWireHead splits an HTTP/1.x head (start line and header fields, up to the blank line).
func parseWireHead(data []byte) (m *wireMessage, rest []byte, err error) {
	end := bytes.Index(data, []byte("\r\n\r\n"))
	if end < 0 {
		return nil, nil, errors.New("no end of header section (CRLF CRLF)")
	}
	lines := strings.Split(string(data[:end]), "\r\n")
	m = &wireMessage{startLine: lines[0], headSize: end + 4}
	for i, l := range lines[1:] {
		k, v, ok := strings.Cut(l, ":")
		if !ok || !tokenRE.MatchString(k) {
			return nil, nil, fmt.Errorf("header line %d %q is malformed", i+1, l)
		}
		m.headers = append(m.headers, [2]string{k, strings.Trim(v, " \t")})
	}
	return m, data[end+4:], nil
}

// parseWireRequest parses the bytes a client sent on one connection (one request).
func parseWireRequest(data []byte) (*wireMessage, error) {
	m, rest, err := parseWireHead(data)
	if err != nil {
		return nil, err
	}
	parts := strings.Split(m.startLine, " ")
	if len(parts) != 3 || !tokenRE.MatchString(parts[0]) || !strings.HasPrefix(parts[2], "HTTP/1.") {
		return nil, fmt.Errorf("malformed request line %q", m.startLine)
	}
	m.method, m.target, m.proto = parts[0], parts[1], parts[2]
	r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(data)))
	if err != nil {
		return nil, fmt.Errorf("request: %w", err)
	}
	// A server may answer before the body arrives (413 on the Content-Length alone, with
	// Expect: 100-continue unanswered): keep what crossed the wire.
	if m.body, err = io.ReadAll(r.Body); err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, fmt.Errorf("request body: %w", err)
	}
	m.bodyOnWire = len(rest)
	return m, nil
}

// parseWireResponse parses the bytes a server sent on one connection for one request: interim
// 1xx responses (100 Continue) are skipped, as browsers and curl's parser do.
func parseWireResponse(data []byte, method string) (*wireMessage, error) {
	for {
		m, rest, err := parseWireHead(data)
		if err != nil {
			return nil, err
		}
		proto, code, ok := strings.Cut(m.startLine, " ")
		codeStr, reason, _ := strings.Cut(code, " ")
		status, cerr := strconv.Atoi(codeStr)
		if !ok || !strings.HasPrefix(proto, "HTTP/1.") || cerr != nil || len(codeStr) != 3 || status < 100 {
			return nil, fmt.Errorf("malformed status line %q", m.startLine)
		}
		if status >= 100 && status < 200 && status != http.StatusSwitchingProtocols {
			data = rest
			continue
		}
		m.proto, m.status, m.reason = proto, status, reason
		resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(data)), &http.Request{Method: method})
		if err != nil {
			return nil, fmt.Errorf("response: %w", err)
		}
		defer resp.Body.Close()
		if m.body, err = io.ReadAll(resp.Body); err != nil {
			return nil, fmt.Errorf("response body: %w", err)
		}
		m.bodyOnWire = len(rest)
		return m, nil
	}
}

// responseHeader finds a response header in a curl -v transcript ("< name: value").
func responseHeader(transcript []byte, name string) string {
	for _, l := range strings.Split(string(transcript), "\n") {
		l = strings.TrimRight(l, "\r")
		if k, v, ok := strings.Cut(strings.TrimPrefix(l, "< "), ":"); ok && strings.HasPrefix(l, "< ") && strings.EqualFold(k, name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// ---- HAR, as Chrome DevTools exports it ------------------------------------------------------

type harNV struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type harPostData struct {
	MimeType string `json:"mimeType"`
	Text     string `json:"text"`
}

type harRequest struct {
	Method      string       `json:"method"`
	URL         string       `json:"url"`
	HTTPVersion string       `json:"httpVersion"`
	Headers     []harNV      `json:"headers"`
	QueryString []harNV      `json:"queryString"`
	Cookies     []harNV      `json:"cookies"`
	HeadersSize int          `json:"headersSize"`
	BodySize    int          `json:"bodySize"`
	PostData    *harPostData `json:"postData,omitempty"`
}

type harContent struct {
	Size        int    `json:"size"`
	MimeType    string `json:"mimeType"`
	Compression int    `json:"compression"`
	Text        string `json:"text,omitempty"`
	Encoding    string `json:"encoding,omitempty"`
}

type harResponse struct {
	Status       int        `json:"status"`
	StatusText   string     `json:"statusText"`
	HTTPVersion  string     `json:"httpVersion"`
	Headers      []harNV    `json:"headers"`
	Cookies      []harNV    `json:"cookies"`
	Content      harContent `json:"content"`
	RedirectURL  string     `json:"redirectURL"`
	HeadersSize  int        `json:"headersSize"`
	BodySize     int        `json:"bodySize"`
	TransferSize int        `json:"_transferSize"`
	Error        *string    `json:"_error"`
}

type harTimings struct {
	Blocked         float64 `json:"blocked"`
	DNS             float64 `json:"dns"`
	SSL             float64 `json:"ssl"`
	Connect         float64 `json:"connect"`
	Send            float64 `json:"send"`
	Wait            float64 `json:"wait"`
	Receive         float64 `json:"receive"`
	BlockedQueueing float64 `json:"_blocked_queueing"`
}

type harEntry struct {
	Initiator       map[string]string `json:"_initiator"`
	Priority        string            `json:"_priority"`
	ResourceType    string            `json:"_resourceType"`
	Cache           struct{}          `json:"cache"`
	Connection      string            `json:"connection"`
	Pageref         string            `json:"pageref"`
	Request         harRequest        `json:"request"`
	Response        harResponse       `json:"response"`
	ServerIPAddress string            `json:"serverIPAddress"`
	StartedDateTime string            `json:"startedDateTime"`
	Time            float64           `json:"time"`
	Timings         harTimings        `json:"timings"`
}

type harPage struct {
	StartedDateTime string             `json:"startedDateTime"`
	ID              string             `json:"id"`
	Title           string             `json:"title"`
	PageTimings     map[string]float64 `json:"pageTimings"`
}

type harFile struct {
	Log struct {
		Version string            `json:"version"`
		Creator map[string]string `json:"creator"`
		Pages   []harPage         `json:"pages"`
		Entries []harEntry        `json:"entries"`
	} `json:"log"`
}

func ms(from, to time.Time) float64 {
	if from.IsZero() || to.IsZero() || to.Before(from) {
		return 0
	}
	return float64(to.Sub(from).Microseconds()) / 1000
}

// harVersion is Chrome's httpVersion for a wire protocol.
func harVersion(proto string) string {
	if proto == h2Proto {
		return "http/2.0"
	}
	return proto
}

// renderHAR renders one capture as a HAR 1.2 file the way Chrome DevTools' "Export HAR" writes
// a fetch: headers in wire order and spelling, sizes from the wire, the body as text (base64
// when it is not UTF-8), Chrome's underscore extensions, two-space indentation. Over HTTP/2 (the
// TLS listener) Chrome writes httpVersion "http/2.0", the request's pseudo-headers (:authority,
// :method, :path, :scheme) among its headers, no status text and headersSize -1.
func renderHAR(c *rtCapture) []byte {
	host := c.req.host()
	scheme := c.scheme
	if scheme == "" {
		scheme = "http"
	}
	u := scheme + "://" + host + c.req.target
	var e harEntry
	e.Initiator = map[string]string{"type": "script"}
	e.Priority, e.ResourceType, e.Pageref = "High", "fetch", "page_1"
	e.Connection = c.conn.clientPort // Chrome's "connection" is the socket's id; the client port here
	e.ServerIPAddress = "127.0.0.1"
	e.StartedDateTime = c.started.UTC().Format("2006-01-02T15:04:05.000Z")

	// Chrome records the body the page sent, whether or not the server read it.
	reqBody := c.req.body
	if len(c.clientBody) > len(reqBody) {
		reqBody = c.clientBody
	}
	rq := harRequest{Method: c.req.method, URL: u, HTTPVersion: harVersion(c.req.proto), Cookies: []harNV{}, QueryString: []harNV{},
		HeadersSize: c.req.headSize, BodySize: len(reqBody)}
	for _, h := range c.req.headers {
		rq.Headers = append(rq.Headers, harNV{h[0], h[1]})
	}
	if _, q, ok := strings.Cut(c.req.target, "?"); ok && q != "" {
		for _, p := range strings.Split(q, "&") {
			k, v, _ := strings.Cut(p, "=")
			if dk, err := url.QueryUnescape(k); err == nil {
				k = dk
			}
			if dv, err := url.QueryUnescape(v); err == nil {
				v = dv
			}
			rq.QueryString = append(rq.QueryString, harNV{k, v})
		}
	}
	if len(reqBody) > 0 {
		rq.PostData = &harPostData{MimeType: c.req.header("Content-Type"), Text: string(reqBody)}
	}
	e.Request = rq

	rs := harResponse{Status: c.resp.status, StatusText: c.resp.reason, HTTPVersion: harVersion(c.resp.proto), Cookies: []harNV{},
		HeadersSize: c.resp.headSize, BodySize: c.resp.bodyOnWire, TransferSize: max(c.resp.headSize, 0) + c.resp.h2HeadBytes + c.resp.bodyOnWire}
	for _, h := range c.resp.headers {
		rs.Headers = append(rs.Headers, harNV{h[0], h[1]})
	}
	mt := "x-unknown"
	if ct := c.resp.header("Content-Type"); ct != "" {
		if m, _, err := mime.ParseMediaType(ct); err == nil {
			mt = m
		}
	}
	rs.Content = harContent{Size: len(c.resp.body), MimeType: mt}
	switch {
	case len(c.resp.body) == 0:
	case utf8.Valid(c.resp.body):
		rs.Content.Text = string(c.resp.body)
	default:
		rs.Content.Text, rs.Content.Encoding = base64.StdEncoding.EncodeToString(c.resp.body), "base64"
	}
	e.Response = rs

	w := c.conn
	e.Timings = harTimings{Blocked: ms(c.started, w.accepted), DNS: -1, SSL: -1, Connect: 0,
		Send: ms(w.firstIn, w.lastIn), Wait: ms(w.lastIn, w.firstOut), Receive: ms(w.firstOut, w.lastOut)}
	if !w.tlsStart.IsZero() {
		// Chrome's "connect" includes the TLS handshake, which "ssl" is on its own.
		e.Timings.SSL = ms(w.tlsStart, w.tlsDone)
		e.Timings.Connect = e.Timings.SSL
	}
	e.Timings.BlockedQueueing = e.Timings.Blocked
	e.Time = e.Timings.Blocked + e.Timings.Connect + e.Timings.Send + e.Timings.Wait + e.Timings.Receive

	var f harFile
	f.Log.Version = "1.2"
	f.Log.Creator = map[string]string{"name": "WebInspector", "version": "537.36"}
	f.Log.Pages = []harPage{{StartedDateTime: e.StartedDateTime, ID: "page_1", Title: scheme + "://" + host + "/",
		PageTimings: map[string]float64{"onContentLoad": -1, "onLoad": -1}}}
	f.Log.Entries = []harEntry{e}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(f); err != nil {
		panic(err) // only strings, numbers and maps of them
	}
	return b.Bytes()
}

// ---- secrets in logs -------------------------------------------------------------------------

var secretRE = regexp.MustCompile(`(?i)((?:"name":\s*"|\b)(?:x-api-key|authorization|x-amz-security-token)(?:"\s*,\s*"value"\s*:\s*"|:\s*))([^"\r\n]{4})[^"\r\n]*`)

// maskSecrets keeps the first four characters of API keys, Authorization values and session
// tokens in text that goes to the test log.
func maskSecrets(s string) string {
	return secretRE.ReplaceAllString(s, "${1}${2}…")
}

func maskArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = maskSecrets(a)
	}
	return out
}

func dumpCapture(t *testing.T, dir string, i int, c *rtCapture) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Errorf("dump: %v", err)
		return
	}
	base := filepath.Join(dir, fmt.Sprintf("%02d-%s", i, c.want))
	files := map[string][]byte{".har": c.har, ".curl": c.curl, ".txt": []byte(c.name + "\n")}
	if c.access != nil {
		files[".log"] = c.access
	}
	for ext, data := range files {
		if err := os.WriteFile(base+ext, data, 0o644); err != nil {
			t.Errorf("dump: %v", err)
		}
	}
}

// FuzzRoundTripWire fuzzes the harness's HTTP/1.1 wire parsers and its HAR renderer: arbitrary
// client and server bytes must not panic them, and whatever they accept must come back
// unchanged — status, reason, every header and the body — through input.Parse of the HAR.
func FuzzRoundTripWire(f *testing.F) {
	f.Add([]byte("GET /prod/pets?a=1&b=%20x HTTP/1.1\r\nHost: a1b2c3d4e5.execute-api.localhost\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n"),
		[]byte("HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: 23\r\nx-amzn-ErrorType: ForbiddenException\r\nx-amzn-RequestId: 9f0e8d7c-6b5a-4c3d-2e1f-0a9b8c7d6e5f\r\n\r\n{\"message\":\"Forbidden\"}"))
	f.Add([]byte("POST /prod/search HTTP/1.1\r\nHost: wafapi0001.execute-api.localhost\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\nhello"),
		[]byte("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 403 Forbidden\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"))
	f.Add([]byte("PUT /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"),
		[]byte("HTTP/1.1 413 Request Entity Too Large\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\n\xff\xfe\x00"))
	f.Add([]byte("GET / HTTP/1.0\r\n\r\n"), []byte("HTTP/1.1 200\r\nX: \t\r\n\r\n"))
	// Found by fuzzing: a status of 000 must be rejected.
	f.Add([]byte("0 /0 HTTP/1.0\r\nHost:0\r\n00000000000000:0000000\r\n\r\n"), []byte("HTTP/1.0 000 0000\r\n\r\n000"))
	f.Fuzz(func(t *testing.T, rawReq, rawResp []byte) {
		req, errReq := parseWireRequest(rawReq)
		resp, errResp := parseWireResponse(rawResp, http.MethodGet)
		if errReq != nil || errResp != nil {
			return
		}
		if req.headSize > len(rawReq) || resp.headSize > len(rawResp) {
			t.Fatalf("head sizes %d/%d exceed the input %d/%d", req.headSize, resp.headSize, len(rawReq), len(rawResp))
		}
		if resp.status < 100 || resp.status > 999 {
			t.Fatalf("accepted status %d", resp.status)
		}
		c := &rtCapture{req: req, resp: resp, started: time.Unix(0, 0)}
		har := renderHAR(c)
		if got := input.Detect(har); got != input.FormatHAR {
			t.Fatalf("Detect(HAR) = %q\n%s", got, har)
		}
		xs, err := input.Parse(bytes.NewReader(har), "")
		if err != nil {
			t.Fatalf("the rendered HAR does not parse: %v\n%s", err, har)
		}
		if len(xs) != 1 || xs[0].Response == nil || xs[0].Request == nil {
			t.Fatalf("want one exchange with a request and a response, got %+v", xs)
		}
		x := xs[0]
		if x.Response.Status != resp.status || x.Request.Method != req.method {
			t.Fatalf("status %d method %q, want %d %q", x.Response.Status, x.Request.Method, resp.status, req.method)
		}
		// JSON carries text; HAR, like Chrome, replaces invalid UTF-8 in header values.
		valid := func(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }
		if got, want := valid(headerSet(x.Response.Headers)), valid(resp.headerSet()); got != want {
			t.Fatalf("response headers\n got %q\nwant %q", got, want)
		}
		if got, want := valid(headerSet(x.Request.Headers)), valid(req.headerSet()); got != want {
			t.Fatalf("request headers\n got %q\nwant %q", got, want)
		}
		if !bytes.Equal(x.Response.Body, resp.body) && !(len(x.Response.Body) == 0 && len(resp.body) == 0) {
			t.Fatalf("response body %q, want %q", x.Response.Body, resp.body)
		}
	})
}

// h2Frame encodes one HTTP/2 frame (for fuzz seeds).
func h2Frame(typ, flags byte, stream uint32, payload []byte) []byte {
	b := []byte{byte(len(payload) >> 16), byte(len(payload) >> 8), byte(len(payload)), typ, flags, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(b[5:], stream)
	return append(b, payload...)
}

// h2Block HPACK-encodes header fields with enc (one encoder per direction, as on a connection).
func h2Block(enc *hpack.Encoder, buf *bytes.Buffer, kv ...string) []byte {
	buf.Reset()
	for i := 0; i+1 < len(kv); i += 2 {
		_ = enc.WriteField(hpack.HeaderField{Name: kv[i], Value: kv[i+1]})
	}
	return bytes.Clone(buf.Bytes())
}

// h2Seeds are HTTP/2 connections as curl and the gateway write them: client bytes, server bytes.
func h2Seeds() [][2][]byte {
	var cb, sb bytes.Buffer
	cenc, senc := hpack.NewEncoder(&cb), hpack.NewEncoder(&sb)
	settings := h2Frame(0x4, 0, 0, nil)
	req := h2Block(cenc, &cb, ":method", "GET", ":path", "/v1/pets", ":scheme", "https", ":authority", "mtls.demo.localhost",
		"user-agent", "curl/7.88.1", "accept", "*/*")
	resp := h2Block(senc, &sb, ":status", "403", "content-type", "application/json", "x-amzn-errortype", "ForbiddenException",
		"x-amzn-requestid", "657dc30b-ed0f-4d96-bd7c-5b3f46a52e1a", "content-length", "23")
	body := []byte(`{"message":"Forbidden"}`)
	in := slices.Concat([]byte(h2Preface), settings, h2Frame(h2FrameHeaders, h2FlagEndHeaders|0x1, 1, req))
	out := slices.Concat(settings, h2Frame(h2FrameHeaders, h2FlagEndHeaders, 1, resp), h2Frame(h2FrameData, 0x1, 1, body))
	// A second request on the same encoders (dynamic-table references), split over CONTINUATION,
	// padded and with priority; an interim 100 response; a body in two padded DATA frames.
	req2 := h2Block(cenc, &cb, ":method", "POST", ":path", "/prod/pets?x=1", ":scheme", "https", ":authority", "mtls.demo.localhost",
		"user-agent", "curl/7.88.1", "content-type", "application/json", "expect", "100-continue")
	hdr := slices.Concat([]byte{3}, []byte{0, 0, 0, 0, 15}, req2[:4], []byte{0, 0, 0})
	in2 := slices.Concat([]byte(h2Preface), settings, h2Frame(h2FrameHeaders, h2FlagPadded|h2FlagPriority, 3, hdr),
		h2Frame(h2FrameContinuation, h2FlagEndHeaders, 3, req2[4:]), h2Frame(h2FrameData, h2FlagPadded|0x1, 3, []byte{1, 'h', 'i', 0}))
	interim := h2Block(senc, &sb, ":status", "100")
	final := h2Block(senc, &sb, ":status", "201", "content-type", "application/json", "x-amzn-requestid", "1b4e28ba-2fa1-11d2-883f-0016541e9b2d")
	out2 := slices.Concat(settings, h2Frame(h2FrameHeaders, h2FlagEndHeaders, 3, interim), h2Frame(h2FrameHeaders, h2FlagEndHeaders, 3, final),
		h2Frame(h2FrameData, 0, 3, []byte(`{"a"`)), h2Frame(h2FrameData, h2FlagPadded|0x1, 3, []byte{2, ':', '1', '}', 0, 0}))
	both := [2][]byte{slices.Concat(in, in2[len(h2Preface):]), slices.Concat(out, out2)} // one connection, two streams
	return [][2][]byte{{in, out}, both, {[]byte(h2Preface), {}}, {in[:len(in)-3], out[:len(out)-5]}}
}

// The HTTP/2 parsers read what the seeds hold: HPACK with dynamic-table references across
// requests, CONTINUATION, padding, priority, an interim 100 response; and reject a connection
// without a complete request.
func TestRoundTripH2Parse(t *testing.T) {
	seeds := h2Seeds()
	req, resp, err := parseWireExchange(seeds[0][0], seeds[0][1], http.MethodGet)
	if err != nil {
		t.Fatal(err)
	}
	if req.method != "GET" || req.target != "/v1/pets" || req.host() != "mtls.demo.localhost" || req.header("user-agent") != "curl/7.88.1" {
		t.Errorf("request %q %q host %q headers %q", req.method, req.target, req.host(), req.headers)
	}
	if resp.status != 403 || resp.header("x-amzn-ErrorType") != "ForbiddenException" || string(resp.body) != `{"message":"Forbidden"}` || resp.header(":status") != "" {
		t.Errorf("response %d headers %q body %q", resp.status, resp.headers, resp.body)
	}
	// The second stream alone lacks the dynamic-table entries the first request added.
	in, out := seeds[1][0], seeds[1][1]
	alone := slices.Concat([]byte(h2Preface), in[len(seeds[0][0]):])
	if _, _, err := parseWireExchange(alone, out[len(seeds[0][1]):], http.MethodPost); err == nil || !strings.Contains(err.Error(), "HPACK") {
		t.Errorf("the second stream without the first one's HPACK state: err %v, want an HPACK error", err)
	}
	streams, order, err := parseH2Frames(in[len(h2Preface):])
	if err != nil || len(order) != 2 || string(streams[3].data) != "hi" {
		t.Fatalf("client streams %v (err %v)", order, err)
	}
	var got []string
	for _, f := range streams[3].blocks[0] {
		got = append(got, f.Name+"="+f.Value)
	}
	if want := ":method=POST :path=/prod/pets?x=1 :scheme=https :authority=mtls.demo.localhost user-agent=curl/7.88.1 content-type=application/json expect=100-continue"; strings.Join(got, " ") != want {
		t.Errorf("second request\n got %s\nwant %s", strings.Join(got, " "), want)
	}
	resp, err = parseH2Response(out, 3)
	if err != nil || resp.status != 201 || string(resp.body) != `{"a":1}` || resp.header("x-amzn-RequestId") != "1b4e28ba-2fa1-11d2-883f-0016541e9b2d" {
		t.Errorf("second response %+v (err %v)", resp, err)
	}
	for i, s := range seeds[2:] {
		if _, _, err := parseWireExchange(s[0], s[1], http.MethodGet); err == nil {
			t.Errorf("seed %d without a complete request parsed", i+2)
		}
	}
}

// FuzzRoundTripH2 fuzzes the harness's HTTP/2 frame and HPACK parsers (the TLS listener's
// plaintext) and the HAR renderer on them: arbitrary client and server bytes must not panic
// them, and what they accept must come back unchanged through input.Parse of the HAR.
func FuzzRoundTripH2(f *testing.F) {
	for _, s := range h2Seeds() {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, rawIn, rawOut []byte) {
		req, resp, err := parseWireExchange(rawIn, rawOut, http.MethodGet)
		if err != nil || req.proto != h2Proto {
			return
		}
		if resp.status < 200 || resp.status > 999 {
			t.Fatalf("accepted final status %d", resp.status)
		}
		if len(req.body) > len(rawIn) || len(resp.body) > len(rawOut) {
			t.Fatalf("bodies %d/%d exceed the input %d/%d", len(req.body), len(resp.body), len(rawIn), len(rawOut))
		}
		c := &rtCapture{req: req, resp: resp, scheme: "https", started: time.Unix(0, 0)}
		har := renderHAR(c)
		xs, err := input.Parse(bytes.NewReader(har), "")
		if err != nil {
			t.Fatalf("the rendered HAR does not parse: %v\n%s", err, har)
		}
		if len(xs) != 1 || xs[0].Response == nil || xs[0].Request == nil {
			t.Fatalf("want one exchange with a request and a response, got %+v", xs)
		}
		x := xs[0]
		if x.Response.Status != resp.status || x.Request.Method != req.method || x.Request.Host != req.host() {
			t.Fatalf("status %d method %q host %q, want %d %q %q", x.Response.Status, x.Request.Method, x.Request.Host, resp.status, req.method, req.host())
		}
		valid := func(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }
		if got, want := valid(headerSet(x.Response.Headers)), valid(resp.headerSet()); got != want {
			t.Fatalf("response headers\n got %q\nwant %q", got, want)
		}
		reqHeaders := x.Request.Headers.Clone()
		reqHeaders.Del("Host")
		if got, want := valid(headerSet(reqHeaders)), valid(req.headerSet()); got != want {
			t.Fatalf("request headers\n got %q\nwant %q", got, want)
		}
		if !bytes.Equal(x.Response.Body, resp.body) && !(len(x.Response.Body) == 0 && len(resp.body) == 0) {
			t.Fatalf("response body %q, want %q", x.Response.Body, resp.body)
		}
	})
}
