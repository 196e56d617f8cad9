package browser_test

// The real-browser test of the troubleshooter (issue: "headless Chromium (Debian chromium)
// driven by playwright-core records HAR files of a page calling the gateway; diagnose handles
// them").
//
// Nothing is mocked: the test builds the real binary, runs `portcullis serve` on the embedded
// demo world on loopback port-0 listeners, serves a small single-page app from an httptest
// server on 127.0.0.1, and lets Debian's Chromium (through playwright-core, record-har.mjs)
// load it. The app's script calls the gateway with fetch() the way an SPA does: several calls
// that fail for different catalogue causes and one that succeeds. Playwright writes the HAR;
// the test checks it is HAR 1.2 with the calls in it, that the gateway really decided the
// expected cause for each (admin API), that internal/diagnose/input.Parse returns the failing
// entries, and that diagnose (library and `portcullis diagnose --json`) names the live
// gateway's cause at rank 1 with origin apigateway-rest.
//
// Three recordings of the same page:
//
//   - direct-full: Chromium with --disable-web-security. The gateway sends no CORS headers (nor
//     does API Gateway by default on its gateway responses), so this is the only way a
//     cross-origin page gets the 403s, with their headers and bodies, into a HAR. Playwright's
//     recordHar mode "full".
//   - direct-minimal: the same with recordHar mode "minimal"; the parser must read the same
//     exchanges from it.
//   - cors-full: Chromium as a user runs it (CORS enforced). Simple GETs reach the gateway and
//     are denied, but the browser withholds the response; calls with custom headers
//     (X-Forwarded-For, Authorization) are stopped at the CORS preflight, which the gateway
//     answers 403 (no OPTIONS method). Chromium records each call with no response at all
//     (Playwright: status -1, _failureText net::ERR_FAILED).

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/portcullis/portcullis/internal/cause"
	"github.com/portcullis/portcullis/internal/decision"
	"github.com/portcullis/portcullis/internal/diagnose"
	"github.com/portcullis/portcullis/internal/diagnose/input"
)

// chromiumPath is Debian's Chromium (apt-get install -y chromium); playwright-core drives it
// through executablePath, no browser is downloaded.
const chromiumPath = "/usr/bin/chromium"

// testBudget bounds everything after the binary is built: serve, three browser runs, the
// checks and the CLI runs.
const testBudget = 60 * time.Second

// buildTimeout bounds `go build` of the binary (a cold build cache in CI is the slow case).
const buildTimeout = 3 * time.Minute

// call is one fetch() of the single-page app and what the live gateway must answer.
type call struct {
	name    string
	api     string // API id: the host is {api}.execute-api.localhost
	path    string // /{stage}/{resource path}
	headers map[string]string
	// cause is the catalogue cause the gateway decides ("" = the call succeeds with status).
	cause string
	// status, when cause is "": the expected status of a successful call.
	status int
	// preflight: the call carries a header that is not CORS-safelisted, so with CORS enforced
	// Chromium sends an OPTIONS preflight first and the call itself never leaves the browser.
	preflight bool
}

// calls are the demo-world requests the app makes (internal/demo/world, testdata/scenarios/demo-*.yaml).
var calls = []call{
	{name: "pets", api: "a1b2c3d4e5", path: "/prod/pets", status: http.StatusOK},
	// Seed row 10: resource path doesn't exist.
	{name: "missing-route", api: "a1b2c3d4e5", path: "/prod/nope", cause: cause.RouteNotFound},
	// Seed row 17: stage in the URL is not valid.
	{name: "missing-stage", api: "a1b2c3d4e5", path: "/nostage/pets", cause: cause.StageNotFound},
	// Seed row 5: unsigned request to an AWS_IAM method.
	{name: "iam-unsigned", api: "iamdemo001", path: "/prod/whoami", cause: cause.MissingAuthenticationToken},
	// Seed row 7 family: an API-key method called without x-api-key.
	{name: "api-key-missing", api: "keysdemo01", path: "/prod/quota", cause: cause.APIKeyMissing},
	// Seed row 9: the waf stage's web ACL blocks 198.51.100.0/24, read from X-Forwarded-For.
	// (The web ACL's User-Agent rule cannot be hit from fetch(): Chromium drops a User-Agent
	// header set by a script.)
	{name: "waf-blocked", api: "a1b2c3d4e5", path: "/waf/pets", headers: map[string]string{"X-Forwarded-For": "198.51.100.23"},
		cause: cause.WAFBlocked, preflight: true},
	// Seed row 11: a missing route with a non-SigV4 Authorization header (a bearer token).
	{name: "bearer-missing-route", api: "a1b2c3d4e5", path: "/prod/nope", headers: map[string]string{"Authorization": "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJkZW1vIn0."},
		cause: cause.RouteNotFoundWithAuthorization, preflight: true},
}

// recording is one run of the page in Chromium.
type recording struct {
	name               string
	mode               string // Playwright recordHar mode: full | minimal
	disableWebSecurity bool
}

func TestChromiumHARDiagnosis(t *testing.T) {
	requireBrowserTools(t)
	bin := buildPortcullis(t)

	ctx, cancel := context.WithTimeout(context.Background(), testBudget)
	defer cancel()
	gw := startServe(t, ctx, bin)
	app := startApp(t, gw.port)

	// --- direct-full: every call reaches the gateway with its headers.
	full := record(t, ctx, recording{name: "direct-full", mode: "full", disableWebSecurity: true}, app)
	fullHAR := readHAR(t, full.har)
	t.Run("direct-full/har", func(t *testing.T) {
		checkHAR12(t, full.raw, true)
		checkCreator(t, fullHAR)
		for i, c := range calls {
			e := entryFor(t, fullHAR, full.run, c)
			res := full.results[i]
			if res.Name != c.name || res.Error != "" {
				t.Errorf("%s: the page's fetch() saw %+v, want a response", c.name, res)
				continue
			}
			checkDirectEntry(t, gw, c, e, res)
		}
	})
	fullXs := parseHAR(t, full.har)
	t.Run("direct-full/parse", func(t *testing.T) { checkParsed(t, fullHAR, fullXs, full.run) })
	t.Run("direct-full/diagnose-library", func(t *testing.T) {
		rep := diagnose.Diagnose(input.FormatHAR, fullXs, diagnose.Options{})
		checkReport(t, rep, fullHAR, full.run)
	})
	t.Run("direct-full/diagnose-cli", func(t *testing.T) {
		rep := diagnoseCLI(t, ctx, bin, full.har)
		checkReport(t, rep, fullHAR, full.run)
	})
	t.Run("direct-full/diagnose-cli-config", func(t *testing.T) {
		// With the demo world's config the CLI replays each request offline through the
		// pipeline: the exact cause, alone at rank 1, must be the one the live gateway decided.
		cfg := filepath.Join(moduleRoot(t), "internal", "demo", "world", "portcullis.yaml")
		rep := diagnoseCLI(t, ctx, bin, full.har, "--config", cfg)
		checkReport(t, rep, fullHAR, full.run)
		checkReplayed(t, rep, fullHAR, full.run)
	})

	// --- direct-minimal: Playwright's minimal HAR must give the parser the same exchanges.
	minimal := record(t, ctx, recording{name: "direct-minimal", mode: "minimal", disableWebSecurity: true}, app)
	t.Run("direct-minimal/parse-same-as-full", func(t *testing.T) {
		checkHAR12(t, minimal.raw, false)
		minHAR := readHAR(t, minimal.har)
		if len(minHAR.Log.Pages) != 0 {
			t.Errorf("minimal HAR has %d pages; Playwright's minimal mode omits them (did the mode reach Playwright?)", len(minHAR.Log.Pages))
		}
		minXs := parseHAR(t, minimal.har)
		checkParsed(t, minHAR, minXs, minimal.run)
		a, b := summarize(fullXs, full.run), summarize(minXs, minimal.run)
		if !slices.Equal(a, b) {
			t.Errorf("input.Parse reads different exchanges from the minimal and the full HAR of the same page:\nfull:    %q\nminimal: %q", a, b)
		}
	})

	// --- cors-full: the app as a user's Chromium runs it.
	cors := record(t, ctx, recording{name: "cors-full", mode: "full"}, app)
	corsHAR := readHAR(t, cors.har)
	t.Run("cors-full/har", func(t *testing.T) {
		checkHAR12(t, cors.raw, true)
		checkCreator(t, corsHAR)
		for i, c := range calls {
			res := cors.results[i]
			if res.Name != c.name || res.Error == "" || res.Status != 0 {
				t.Errorf("%s: with CORS enforced the page's fetch() must fail (no Access-Control-Allow-Origin); it saw %+v", c.name, res)
			}
			e := entryFor(t, corsHAR, cors.run, c)
			if e.Response.Status > 0 || len(e.Response.Headers) != 0 {
				t.Errorf("%s: Chromium recorded status %d and %d response headers for a response it withheld from the page", c.name, e.Response.Status, len(e.Response.Headers))
			}
			if got := e.Response.FailureText + e.Response.Error; !strings.Contains(got, "net::ERR_FAILED") {
				t.Errorf("%s: HAR failure text %q, want net::ERR_FAILED", c.name, got)
			}
			for k, v := range c.headers {
				if got := e.Request.header(k); got != v {
					t.Errorf("%s: HAR request header %s = %q, want %q (the script set it)", c.name, k, got, v)
				}
			}
		}
		for _, e := range corsHAR.Log.Entries {
			if e.Request.Method == http.MethodOptions {
				t.Logf("note: Playwright recorded a preflight: %s", e.Request.URL)
			}
		}
	})
	t.Run("cors-full/gateway-saw", func(t *testing.T) { checkCORSDecisions(t, gw, cors.run) })
	corsXs := parseHAR(t, cors.har)
	t.Run("cors-full/parse", func(t *testing.T) {
		// Every call failed without a response: the troubleshooter must get each one.
		want := make([]int, 0, len(calls))
		for _, c := range calls {
			want = append(want, entryIndex(t, corsHAR, cors.run, c))
		}
		got := entryIndexes(corsXs)
		if !slices.Equal(got, want) {
			t.Errorf("input.Parse kept HAR entries %v of the CORS-enforced recording, want %v (every call failed without a response). "+
				"Playwright records a response the browser withheld as status -1 with response._failureText %q (Chrome's DevTools export writes status 0 with _error)",
				got, want, "net::ERR_FAILED")
		}
		for _, x := range corsXs {
			if x.Response != nil {
				t.Errorf("entry %d: input.Parse made up a response (status %d) for a request Chromium got no response to", x.Entry, x.Response.Status)
			}
		}
	})
	t.Run("cors-full/diagnose-library", func(t *testing.T) {
		// The browser withheld every response (the demo sends no CORS headers, as API Gateway
		// by default): each failed call is attributed to the browser, CORS first.
		rep := diagnose.Diagnose(input.FormatHAR, corsXs, diagnose.Options{})
		for _, c := range calls {
			i := entryIndex(t, corsHAR, cors.run, c)
			f := findingFor(rep, i)
			if f == nil {
				t.Errorf("%s (HAR entry %d): no finding for a call the browser reported as failed", c.name, i)
				continue
			}
			if f.Origin != diagnose.OriginBrowser || len(f.Causes) == 0 || f.Causes[0].ID != "cors-blocked" || f.Causes[0].Rank != 1 {
				t.Errorf("%s (HAR entry %d): origin %s, causes %+v; want browser / cors-blocked first", c.name, i, f.Origin, f.Causes)
			}
		}
	})
}

// --- prerequisites and the binary

// browserDir is this directory (go test runs in the package directory).
func browserDir(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatalf("getwd: %v", err)
	}
	return wd
}

// requireBrowserTools fails (never skips) with how to install what is missing.
func requireBrowserTools(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("Chromium is not installed at %s (%v): install Debian's chromium with `apt-get install -y chromium`", chromiumPath, err)
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatalf("node is not on PATH (%v): install Node.js 20 or later (Debian: `apt-get install -y nodejs npm`)", err)
	}
	pkg := filepath.Join(browserDir(t), "node_modules", "playwright-core", "package.json")
	if _, err := os.Stat(pkg); err != nil {
		t.Fatalf("playwright-core is not installed (%v): run `npm ci` in test/browser", err)
	}
	if got, want := installedPlaywright(t), pinnedPlaywright(t); got != want {
		t.Fatalf("node_modules has playwright-core %s but package.json pins %s: run `npm ci` in test/browser", got, want)
	}
}

func installedPlaywright(t *testing.T) string {
	t.Helper()
	var p struct{ Version string }
	readJSON(t, filepath.Join(browserDir(t), "node_modules", "playwright-core", "package.json"), &p)
	return p.Version
}

func pinnedPlaywright(t *testing.T) string {
	t.Helper()
	var p struct{ Dependencies map[string]string }
	readJSON(t, filepath.Join(browserDir(t), "package.json"), &p)
	v := p.Dependencies["playwright-core"]
	if !regexp.MustCompile(`^\d+\.\d+\.\d+$`).MatchString(v) {
		t.Fatalf("package.json must pin an exact playwright-core version, has %q", v)
	}
	return v
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// moduleRoot is the directory of go.mod, two levels above test/browser.
func moduleRoot(t *testing.T) string {
	t.Helper()
	root := filepath.Dir(filepath.Dir(browserDir(t)))
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found above test/browser: %v", err)
	}
	return root
}

// buildPortcullis runs `go build -o TMP/portcullis ./cmd/portcullis` from the module root.
func buildPortcullis(t *testing.T) string {
	t.Helper()
	root := moduleRoot(t)
	bin := filepath.Join(t.TempDir(), "portcullis")
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/portcullis")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go build ./cmd/portcullis: %v\n%s", err, out)
	}
	return bin
}

// isolatedEnv keeps subprocesses away from the user's state, config and cache directories.
func isolatedEnv(t *testing.T) []string {
	home := t.TempDir()
	return append(os.Environ(), "HOME="+home, "XDG_STATE_HOME="+filepath.Join(home, "state"),
		"XDG_CONFIG_HOME="+filepath.Join(home, "config"), "XDG_CACHE_HOME="+filepath.Join(home, "cache"))
}

// --- portcullis serve

// syncBuffer is a bytes.Buffer safe for the exec copier and the test to share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// gateway is a running `portcullis serve` on the embedded demo world.
type gateway struct {
	port  string // data-plane port on 127.0.0.1
	admin string // admin API host:port
}

var (
	bannerData  = regexp.MustCompile(`(?m)^\s*data plane\s+http://(\S+)`)
	bannerAdmin = regexp.MustCompile(`(?m)^\s*admin API\s+http://(\S+)`)
)

// startServe runs `portcullis serve` with every listener on 127.0.0.1 port 0 and a fresh
// --data, reads the bound addresses from its banner, and stops it (SIGTERM, then SIGKILL)
// when the test ends.
func startServe(t *testing.T, ctx context.Context, bin string) *gateway {
	t.Helper()
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	cmd := exec.Command(bin, "serve", "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0",
		"--tls-listen", "127.0.0.1:0", "--demo-backend", "127.0.0.1:0", "--data", t.TempDir())
	cmd.Env = isolatedEnv(t)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start portcullis serve: %v", err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() {
		waitErr = cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		select {
		case <-exited:
		default:
			_ = cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-exited:
			case <-time.After(10 * time.Second):
				t.Errorf("portcullis serve did not exit 10 s after SIGTERM; killing it")
				_ = cmd.Process.Kill()
				<-exited
			}
		}
		if t.Failed() {
			t.Logf("portcullis serve stderr (last 4 KiB):\n%s", tail(stderr.String(), 4096))
		}
	})
	for {
		out := stdout.String()
		d, a := bannerData.FindStringSubmatch(out), bannerAdmin.FindStringSubmatch(out)
		if d != nil && a != nil {
			host, port, err := net.SplitHostPort(d[1])
			if err != nil || host != "127.0.0.1" {
				t.Fatalf("data plane address %q: want 127.0.0.1:PORT (%v)", d[1], err)
			}
			return &gateway{port: port, admin: a[1]}
		}
		select {
		case <-exited:
			t.Fatalf("portcullis serve exited before printing its banner (%v)\nstdout:\n%s\nstderr:\n%s", waitErr, out, stderr.String())
		case <-ctx.Done():
			t.Fatalf("no banner from portcullis serve: %v\nstdout:\n%s\nstderr:\n%s", ctx.Err(), out, stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

var adminClient = &http.Client{Timeout: 5 * time.Second}

// decisionByID polls the admin API for the decision record of one request id.
func (g *gateway) decisionByID(t *testing.T, id string) *decision.Decision {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := adminClient.Get("http://" + g.admin + "/decisions/" + url.PathEscape(id))
		if err != nil {
			t.Fatalf("admin API: %v", err)
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			var d decision.Decision
			if err := json.Unmarshal(body, &d); err != nil {
				t.Fatalf("decision %s: %v", id, err)
			}
			return &d
		}
		if resp.StatusCode != http.StatusNotFound || time.Now().After(deadline) {
			t.Fatalf("GET /decisions/%s: %d %s", id, resp.StatusCode, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// decisionsOfRun lists the recorded decisions whose query string names the run, waiting until
// there are at least want of them (or 5 s).
func (g *gateway) decisionsOfRun(t *testing.T, run string, want int) []*decision.Decision {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := adminClient.Get("http://" + g.admin + "/decisions?limit=500")
		if err != nil {
			t.Fatalf("admin API: %v", err)
		}
		var list struct {
			Decisions []*decision.Decision `json:"decisions"`
		}
		err = json.NewDecoder(io.LimitReader(resp.Body, 16<<20)).Decode(&list)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /decisions: %d %v", resp.StatusCode, err)
		}
		var ds []*decision.Decision
		for _, d := range list.Decisions {
			if q, err := url.ParseQuery(d.Request.Query); err == nil && q.Get("run") == run {
				ds = append(ds, d)
			}
		}
		if len(ds) >= want || time.Now().After(deadline) {
			return ds
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// --- the single-page app

// appCall is what the page's script gets for one call.
type appCall struct {
	Name    string            `json:"name"`
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers"`
}

// callURL is the gateway URL of c in one run; the query names the run and the call so that
// HAR entries and decision records can be told apart.
func callURL(port, run string, c call) string {
	return "http://" + c.api + ".execute-api.localhost:" + port + callRequestURI(run, c)
}

// callRequestURI is the path and query of c in one run.
func callRequestURI(run string, c call) string {
	return c.path + "?" + url.Values{"run": {run}, "call": {c.name}}.Encode()
}

// pageTemplate is the app: it calls the gateway one call at a time, like an SPA loading its
// data, records what each fetch() returned, then signals record-har.mjs.
var pageTemplate = template.Must(template.New("app").Parse(`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>pets SPA</title><link rel="icon" href="data:,"></head>
<body>
<h1>pets SPA</h1>
<pre id="log"></pre>
<script>
const calls = {{.}};
(async () => {
  const results = [];
  for (const c of calls) {
    const r = { name: c.name };
    try {
      const resp = await fetch(c.url, { method: c.method, headers: c.headers, mode: 'cors', credentials: 'omit', cache: 'no-store' });
      r.status = resp.status;
      r.body = await resp.text();
    } catch (e) {
      r.error = String(e);
    }
    results.push(r);
    document.getElementById('log').textContent += c.name + ': ' + (r.error || r.status) + '\n';
  }
  window.__portcullisResults = results;
  window.__portcullisDone = true;
})();
</script>
</body>
</html>
`))

// startApp serves the app on 127.0.0.1; GET /?run=NAME is the page for one run.
func startApp(t *testing.T, gwPort string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		run := r.URL.Query().Get("run")
		cs := make([]appCall, 0, len(calls))
		for _, c := range calls {
			h := c.headers
			if h == nil {
				h = map[string]string{}
			}
			cs = append(cs, appCall{Name: c.name, Method: http.MethodGet, URL: callURL(gwPort, run, c), Headers: h})
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if err := pageTemplate.Execute(w, cs); err != nil {
			t.Errorf("rendering the app: %v", err)
		}
	}))
	t.Cleanup(srv.Close)
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Fatalf("httptest server at %s, want 127.0.0.1", srv.URL)
	}
	return srv
}

// --- recording a HAR

// pageResult is what the page's script saw for one call.
type pageResult struct {
	Name   string `json:"name"`
	Status int    `json:"status"`
	Body   string `json:"body"`
	Error  string `json:"error"`
}

// recorded is one HAR written by record-har.mjs.
type recorded struct {
	run     string
	har     string
	raw     []byte
	results []pageResult
}

// record runs record-har.mjs for one recording and returns the HAR it wrote. The recorder
// gets SIGTERM when ctx ends (Playwright then kills the browser) and SIGKILL 5 s later; any
// Chromium process left with this run's profile directory is killed by pid and reported.
func record(t *testing.T, ctx context.Context, rec recording, app *httptest.Server) *recorded {
	t.Helper()
	dir := t.TempDir()
	profile := filepath.Join(dir, "profile")
	if err := os.Mkdir(profile, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reapChromium(t, profile) })
	har := filepath.Join(dir, rec.name+".har")
	args := []string{"record-har.mjs", "--url", app.URL + "/?run=" + url.QueryEscape(rec.name), "--har", har,
		"--user-data-dir", profile, "--mode", rec.mode, "--content", "embed", "--chromium", chromiumPath,
		"--timeout-ms", "20000"}
	if rec.disableWebSecurity {
		args = append(args, "--disable-web-security")
	}
	cmd := exec.CommandContext(ctx, "node", args...)
	cmd.Dir = browserDir(t)
	cmd.Env = isolatedEnv(t)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	if err != nil {
		t.Fatalf("node record-har.mjs (%s): %v (ctx: %v)\nstderr:\n%s", rec.name, err, ctx.Err(), tail(stderr.String(), 8192))
	}
	var out struct {
		Results []pageResult      `json:"results"`
		Phases  map[string]uint64 `json:"phases"`
	}
	if err := json.Unmarshal(bytes.TrimSpace(stdout.Bytes()), &out); err != nil {
		t.Fatalf("record-har.mjs (%s) stdout: %v\n%s", rec.name, err, tail(stdout.String(), 4096))
	}
	t.Logf("%s: recorded in %v (ms since start: launched %d, loaded %d, calls done %d, closed %d)", rec.name,
		time.Since(start).Round(time.Millisecond), out.Phases["launched"], out.Phases["loaded"], out.Phases["calls done"], out.Phases["closed"])
	if len(out.Results) != len(calls) {
		t.Fatalf("%s: the page reported %d results, want %d: %+v", rec.name, len(out.Results), len(calls), out.Results)
	}
	raw, err := os.ReadFile(har)
	if err != nil {
		t.Fatalf("%s: %v", rec.name, err)
	}
	keepArtifact(t, har)
	return &recorded{run: rec.name, har: har, raw: raw, results: out.Results}
}

// keepArtifact copies a HAR into $PORTCULLIS_BROWSER_ARTIFACTS, when set (CI uploads it).
func keepArtifact(t *testing.T, path string) {
	dir := os.Getenv("PORTCULLIS_BROWSER_ARTIFACTS")
	if dir == "" {
		return
	}
	b, err := os.ReadFile(path)
	if err == nil {
		err = os.MkdirAll(dir, 0o755)
	}
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, filepath.Base(path)), b, 0o644)
	}
	if err != nil {
		t.Errorf("keeping %s: %v", path, err)
	}
}

// reapChromium finds processes started with this run's --user-data-dir (only Chromium
// processes the recorder launched carry it), waits up to 3 s for them to exit, then kills
// the survivors by pid and fails the test: the recorder must not leave a browser behind.
func reapChromium(t *testing.T, profile string) {
	deadline := time.Now().Add(3 * time.Second)
	for {
		pids := profilePIDs(profile)
		if len(pids) == 0 {
			return
		}
		if time.Now().After(deadline) {
			for _, pid := range pids {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
			t.Errorf("Chromium processes %v (profile %s) outlived record-har.mjs; killed them", pids, profile)
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func profilePIDs(profile string) []int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	needle := []byte("--user-data-dir=" + profile + "\x00")
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		if bytes.Contains(append(b, 0), needle) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// --- HAR reading and checks

type harNV struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type harHeaders []harNV

// header returns the first value of the named header (case-insensitive).
func (h harHeaders) header(name string) string {
	for _, nv := range h {
		if strings.EqualFold(nv.Name, name) {
			return nv.Value
		}
	}
	return ""
}

type harRequest struct {
	Method      string     `json:"method"`
	URL         string     `json:"url"`
	HTTPVersion string     `json:"httpVersion"`
	Headers     harHeaders `json:"headers"`
}

func (r harRequest) header(name string) string { return r.Headers.header(name) }

type harResponse struct {
	Status      int        `json:"status"`
	HTTPVersion string     `json:"httpVersion"`
	Headers     harHeaders `json:"headers"`
	Content     struct {
		Size     int    `json:"size"`
		MimeType string `json:"mimeType"`
		Text     string `json:"text"`
		Encoding string `json:"encoding"`
	} `json:"content"`
	FailureText string `json:"_failureText"` // Playwright: the request failed
	Error       string `json:"_error"`       // Chrome DevTools export: the request failed
}

type harEntry struct {
	Request  harRequest  `json:"request"`
	Response harResponse `json:"response"`
}

type harDoc struct {
	Log struct {
		Version string `json:"version"`
		Creator struct {
			Name    string `json:"name"`
			Version string `json:"version"`
		} `json:"creator"`
		Browser *struct {
			Name    string `json:"name"`
			Version string `json:"version"`
		} `json:"browser"`
		Pages   []json.RawMessage `json:"pages"`
		Entries []harEntry        `json:"entries"`
	} `json:"log"`
}

func readHAR(t *testing.T, path string) *harDoc {
	t.Helper()
	var h harDoc
	readJSON(t, path, &h)
	return &h
}

// checkHAR12 fails the test with every HAR 1.2 violation in data.
func checkHAR12(t *testing.T, data []byte, wantPages bool) {
	t.Helper()
	if err := validateHAR12(data); err != nil {
		t.Errorf("not a valid HAR 1.2 file: %v", err)
	}
	var h struct {
		Log struct {
			Pages []json.RawMessage `json:"pages"`
		} `json:"log"`
	}
	if err := json.Unmarshal(data, &h); err == nil && wantPages && len(h.Log.Pages) == 0 {
		t.Errorf("HAR has no pages (recordHar mode full records the page)")
	}
}

// checkCreator: the HAR comes from the pinned playwright-core driving Chromium.
func checkCreator(t *testing.T, h *harDoc) {
	t.Helper()
	if h.Log.Creator.Name != "Playwright" || h.Log.Creator.Version != pinnedPlaywright(t) {
		t.Errorf("HAR creator %+v, want Playwright %s", h.Log.Creator, pinnedPlaywright(t))
	}
	if h.Log.Browser == nil || h.Log.Browser.Name != "chromium" || h.Log.Browser.Version == "" {
		t.Errorf("HAR browser %+v, want chromium with a version", h.Log.Browser)
	}
}

// entryIndex returns the index of the HAR entry of call c in run (exactly one GET).
func entryIndex(t *testing.T, h *harDoc, run string, c call) int {
	t.Helper()
	want := callRequestURI(run, c)
	found := -1
	for i, e := range h.Log.Entries {
		u, err := url.Parse(e.Request.URL)
		if err != nil || !strings.HasPrefix(u.Host, c.api+".execute-api.localhost:") || u.RequestURI() != want {
			continue
		}
		if e.Request.Method != http.MethodGet {
			t.Errorf("%s: HAR entry %d has method %s, want GET", c.name, i, e.Request.Method)
		}
		if found >= 0 {
			t.Fatalf("%s: HAR entries %d and %d are both %s", c.name, found, i, e.Request.URL)
		}
		found = i
	}
	if found < 0 {
		t.Fatalf("%s: no HAR entry for %s on %s.execute-api.localhost (entries: %d)", c.name, want, c.api, len(h.Log.Entries))
	}
	return found
}

func entryFor(t *testing.T, h *harDoc, run string, c call) harEntry {
	t.Helper()
	return h.Log.Entries[entryIndex(t, h, run, c)]
}

// checkDirectEntry checks one call's HAR entry against what the page saw, the catalogue and
// the live gateway's decision record.
func checkDirectEntry(t *testing.T, gw *gateway, c call, e harEntry, res pageResult) {
	t.Helper()
	wantStatus, wantErrType := c.status, ""
	if c.cause != "" {
		ent := cause.MustLookup(c.cause)
		wantStatus, wantErrType = ent.Status, ent.ErrorType
	}
	if e.Response.Status != wantStatus || res.Status != wantStatus {
		t.Errorf("%s: HAR status %d, page saw %d, want %d", c.name, e.Response.Status, res.Status, wantStatus)
	}
	if got := e.Response.Headers.header("x-amzn-ErrorType"); got != wantErrType {
		t.Errorf("%s: HAR x-amzn-ErrorType %q, want %q", c.name, got, wantErrType)
	}
	if e.Response.Content.Encoding != "" || e.Response.Content.Text != res.Body || res.Body == "" {
		t.Errorf("%s: HAR body %q (encoding %q), the page read %q", c.name, e.Response.Content.Text, e.Response.Content.Encoding, res.Body)
	}
	for k, v := range c.headers {
		if got := e.Request.header(k); got != v {
			t.Errorf("%s: HAR request header %s = %q, want %q", c.name, k, got, v)
		}
	}
	id := e.Response.Headers.header("x-amzn-RequestId")
	if id == "" || e.Response.Headers.header("x-amz-apigw-id") == "" {
		t.Errorf("%s: HAR response lacks x-amzn-RequestId / x-amz-apigw-id: %v", c.name, e.Response.Headers)
		return
	}
	d := gw.decisionByID(t, id)
	if d.Cause != c.cause || d.Status != wantStatus || d.Request.Method != http.MethodGet {
		t.Errorf("%s: the gateway decided %s %d cause %q, want GET %d cause %q", c.name, d.Request.Method, d.Status, d.Cause, wantStatus, c.cause)
	}
}

// parseHAR runs the troubleshooter's parser on the file with the format auto-detected.
func parseHAR(t *testing.T, path string) []input.Exchange {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := input.Detect(b); got != input.FormatHAR {
		t.Errorf("input.Detect(%s) = %q, want %q", filepath.Base(path), got, input.FormatHAR)
	}
	xs, err := input.Parse(bytes.NewReader(b), "auto")
	if err != nil {
		t.Fatalf("input.Parse(%s, auto): %v", filepath.Base(path), err)
	}
	return xs
}

// failingIndexes are the HAR entries the troubleshooter must look at: an HTTP error status,
// or no response at all.
func failingIndexes(h *harDoc) []int {
	var is []int
	for i, e := range h.Log.Entries {
		if e.Response.Status >= 400 || (e.Response.Status <= 0 && e.Response.FailureText+e.Response.Error != "") {
			is = append(is, i)
		}
	}
	return is
}

func entryIndexes(xs []input.Exchange) []int {
	is := make([]int, 0, len(xs))
	for _, x := range xs {
		is = append(is, x.Entry)
	}
	return is
}

// checkParsed: input.Parse returns exactly the failing calls, each as Chromium recorded it.
func checkParsed(t *testing.T, h *harDoc, xs []input.Exchange, run string) {
	t.Helper()
	var want []int
	for _, c := range calls {
		if c.cause != "" {
			want = append(want, entryIndex(t, h, run, c))
		}
	}
	slices.Sort(want)
	if fi := failingIndexes(h); !slices.Equal(fi, want) {
		t.Errorf("failing HAR entries %v, want the failing calls %v", fi, want)
	}
	if got := entryIndexes(xs); !slices.Equal(got, want) {
		t.Fatalf("input.Parse returned HAR entries %v, want the failing calls %v", got, want)
	}
	for _, x := range xs {
		e := h.Log.Entries[x.Entry]
		if x.Source != input.FormatHAR || x.Request == nil || x.Response == nil {
			t.Errorf("entry %d: source %q, request %v, response %v", x.Entry, x.Source, x.Request != nil, x.Response != nil)
			continue
		}
		if x.Request.Method != e.Request.Method || x.Request.URL != e.Request.URL || x.Request.Host != e.Request.header("Host") {
			t.Errorf("entry %d: parsed request %s %s host %q, HAR has %s %s host %q", x.Entry, x.Request.Method, x.Request.URL, x.Request.Host,
				e.Request.Method, e.Request.URL, e.Request.header("Host"))
		}
		if x.Response.Status != e.Response.Status || string(x.Response.Body) != e.Response.Content.Text ||
			x.Response.Headers.Get("x-amzn-ErrorType") != e.Response.Headers.header("x-amzn-ErrorType") {
			t.Errorf("entry %d: parsed response %d %q %q, HAR has %d %q %q", x.Entry, x.Response.Status,
				x.Response.Headers.Get("x-amzn-ErrorType"), x.Response.Body, e.Response.Status, e.Response.Headers.header("x-amzn-ErrorType"), e.Response.Content.Text)
		}
		for _, nv := range e.Request.Headers {
			if !strings.HasPrefix(nv.Name, ":") && !slices.Contains(x.Request.Headers.Values(nv.Name), nv.Value) {
				t.Errorf("entry %d: parsed request lacks header %s", x.Entry, nv.Name)
			}
		}
	}
}

// summarize reduces exchanges to what must not depend on the HAR mode (the run name, which
// differs between runs, is cut from the URL; per-request ids and dates are left out).
func summarize(xs []input.Exchange, run string) []string {
	var s []string
	for _, x := range xs {
		line := fmt.Sprintf("entry %d", x.Entry)
		if x.Request != nil {
			u := strings.Replace(x.Request.URL, "run="+url.QueryEscape(run), "run=RUN", 1)
			line += fmt.Sprintf(" %s %s authorization=%q xff=%q", x.Request.Method, u, x.Request.Headers.Get("Authorization"), x.Request.Headers.Get("X-Forwarded-For"))
		}
		if x.Response != nil {
			line += fmt.Sprintf(" -> %d %s %s %s", x.Response.Status, x.Response.Headers.Get("x-amzn-ErrorType"), x.Response.Headers.Get("Content-Type"), x.Response.Body)
		}
		s = append(s, line)
	}
	return s
}

// --- diagnosis checks

func findingFor(rep diagnose.Report, entry int) *diagnose.Finding {
	for i := range rep.Findings {
		if rep.Findings[i].Entry == entry {
			return &rep.Findings[i]
		}
	}
	return nil
}

// checkReport: one finding per failing call, from API Gateway REST, with the live gateway's
// cause among the rank-1 candidates (candidates the input cannot tell apart share a rank).
func checkReport(t *testing.T, rep diagnose.Report, h *harDoc, run string) {
	t.Helper()
	if rep.Version != diagnose.Version || rep.Input.Format != input.FormatHAR {
		t.Errorf("report version %d format %q, want %d %q", rep.Version, rep.Input.Format, diagnose.Version, input.FormatHAR)
	}
	for _, c := range calls {
		i := entryIndex(t, h, run, c)
		f := findingFor(rep, i)
		if c.cause == "" {
			if f != nil {
				t.Errorf("%s (HAR entry %d, status %d): a finding for a successful call: %+v", c.name, i, c.status, f)
			}
			continue
		}
		if f == nil {
			t.Errorf("%s (HAR entry %d): no finding; want origin %s, cause %s at rank 1", c.name, i, diagnose.OriginREST, c.cause)
			continue
		}
		if f.Status != cause.MustLookup(c.cause).Status {
			t.Errorf("%s (HAR entry %d): finding status %d, want %d", c.name, i, f.Status, cause.MustLookup(c.cause).Status)
		}
		if f.Origin != diagnose.OriginREST {
			t.Errorf("%s (HAR entry %d): origin %q, want %q (evidence %q)", c.name, i, f.Origin, diagnose.OriginREST, f.OriginEvidence)
		}
		var rank1 []string
		for _, cand := range f.Causes {
			if cand.Rank == 1 {
				rank1 = append(rank1, cand.ID)
			}
		}
		if !slices.Contains(rank1, c.cause) {
			t.Errorf("%s (HAR entry %d): rank-1 causes %q, want %q among them (all: %s)", c.name, i, rank1, c.cause, candidateList(f.Causes))
		}
	}
}

func candidateList(cs []diagnose.Candidate) string {
	var parts []string
	for _, c := range cs {
		parts = append(parts, fmt.Sprintf("%d:%s(%s)", c.Rank, c.ID, c.Confidence))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, " ")
}

// diagnoseCLI runs `portcullis diagnose --json [extra…] HARFILE` and decodes its report, which
// must be all of stdout.
func diagnoseCLI(t *testing.T, ctx context.Context, bin, har string, extra ...string) diagnose.Report {
	t.Helper()
	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	args := append(append([]string{"diagnose", "--json"}, extra...), har)
	cmd := exec.CommandContext(cctx, bin, args...)
	cmd.Env = isolatedEnv(t)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("portcullis diagnose: %v", err)
		}
		code = ee.ExitCode()
	}
	if strings.Contains(stderr.String(), `unknown command "diagnose"`) {
		t.Fatalf("portcullis has no diagnose command yet (DESIGN.md §1): %s", strings.TrimSpace(stderr.String()))
	}
	// 0: diagnosed; 1: it ran and found a problem (the 403s). 2 is a usage or input error.
	if code != 0 && code != 1 {
		t.Fatalf("portcullis diagnose --json %s: exit code %d\nstderr:\n%s", filepath.Base(har), code, tail(stderr.String(), 4096))
	}
	out := stdout.Bytes()
	if first := bytes.TrimLeft(out, " \t\r\n"); len(first) == 0 || first[0] != '{' {
		t.Errorf("portcullis %s: stdout does not start with the JSON report; it starts:\n%s", strings.Join(args[:len(args)-1], " "), head(string(out), 1024))
		if i := bytes.IndexByte(out, '{'); i >= 0 {
			out = out[i:] // decode the report anyway, to check the rest
		}
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	var rep diagnose.Report
	if err := dec.Decode(&rep); err != nil {
		t.Fatalf("portcullis %s: output is not the JSON report: %v\n%s", strings.Join(args[:len(args)-1], " "), err, tail(stdout.String(), 4096))
	}
	if _, err := dec.Token(); err != io.EOF {
		t.Errorf("portcullis %s: stdout has more after the JSON report (%v)", strings.Join(args[:len(args)-1], " "), err)
	}
	return rep
}

// checkReplayed: with --config each failing call's finding carries the replayed decision, and
// the live gateway's cause is the only rank-1 candidate, with high confidence.
func checkReplayed(t *testing.T, rep diagnose.Report, h *harDoc, run string) {
	t.Helper()
	for _, c := range calls {
		if c.cause == "" {
			continue
		}
		i := entryIndex(t, h, run, c)
		f := findingFor(rep, i)
		if f == nil {
			continue // checkReport said so
		}
		if f.Decision == nil || f.Decision.Cause != c.cause {
			var got any = nil
			if f.Decision != nil {
				got = f.Decision.Cause
			}
			var notes []string
			for _, td := range f.ToDecide {
				if strings.Contains(td, "replay") {
					notes = append(notes, td)
				}
			}
			t.Errorf("%s (HAR entry %d): replayed decision cause %v, want %q (replay notes: %q)", c.name, i, got, c.cause, notes)
			continue
		}
		if len(f.Causes) == 0 || f.Causes[0].ID != c.cause || f.Causes[0].Rank != 1 || f.Causes[0].Confidence != diagnose.High ||
			(len(f.Causes) > 1 && f.Causes[1].Rank == 1) {
			t.Errorf("%s (HAR entry %d): causes %s, want %s alone at rank 1 with high confidence", c.name, i, candidateList(f.Causes), c.cause)
		}
	}
}

// checkCORSDecisions: with CORS enforced, the gateway answered each simple GET (the browser
// then withheld the answer) and only a preflight for calls with custom headers.
func checkCORSDecisions(t *testing.T, gw *gateway, run string) {
	t.Helper()
	ds := gw.decisionsOfRun(t, run, len(calls))
	byCall := map[string][]*decision.Decision{}
	for _, d := range ds {
		q, _ := url.ParseQuery(d.Request.Query)
		byCall[q.Get("call")] = append(byCall[q.Get("call")], d)
	}
	for _, c := range calls {
		got := byCall[c.name]
		if len(got) != 1 {
			t.Errorf("%s: the gateway recorded %d requests, want 1", c.name, len(got))
			continue
		}
		d := got[0]
		want := struct {
			method, cause string
		}{http.MethodGet, c.cause}
		if c.preflight {
			// No API in the demo world has OPTIONS methods: the preflight is a missing route.
			want.method, want.cause = http.MethodOptions, cause.RouteNotFound
		}
		if d.Request.Method != want.method || d.Cause != want.cause {
			t.Errorf("%s: the gateway saw %s and decided %q, want %s and %q", c.name, d.Request.Method, d.Cause, want.method, want.cause)
		}
	}
}

func head(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
