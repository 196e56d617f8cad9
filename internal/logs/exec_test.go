package logs

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestTruncate(t *testing.T) {
	exact := strings.Repeat("a", MaxEventBytes)
	if got := Truncate(exact); got != exact {
		t.Errorf("a %d-byte line was changed", MaxEventBytes)
	}
	over := exact + "b"
	if got, want := Truncate(over), exact+" [TRUNCATED]"; got != want {
		t.Errorf("1025-byte line: got len %d suffix %q", len(got), got[len(got)-14:])
	}
	// A 2-byte character straddling byte 1024 is dropped whole.
	straddle := strings.Repeat("a", MaxEventBytes-1) + "é" + "tail"
	got := Truncate(straddle)
	if want := strings.Repeat("a", MaxEventBytes-1) + " [TRUNCATED]"; got != want {
		t.Errorf("straddling rune: got %q", got[MaxEventBytes-4:])
	}
	if !utf8.ValidString(got) {
		t.Error("truncation produced invalid UTF-8")
	}
}

func TestExecLevels(t *testing.T) {
	record := func(level string, dataTrace bool) *Exec {
		e := NewExec("r-1", level, dataTrace)
		e.Add("info line")
		e.Data("data line")
		e.Error("error line")
		return e
	}
	tests := []struct {
		level     string
		dataTrace bool
		want      string
	}{
		{"OFF", true, ""},
		{"", false, ""},
		{"bogus", true, ""},
		{"ERROR", true, "(r-1) error line\n"},
		{"error", false, "(r-1) error line\n"},
		{"INFO", false, "(r-1) info line\n(r-1) error line\n"},
		{"INFO", true, "(r-1) info line\n(r-1) data line\n(r-1) error line\n"},
	}
	for _, tt := range tests {
		e := record(tt.level, tt.dataTrace)
		var buf bytes.Buffer
		if err := e.Emit(NewWriterSink(&buf)); err != nil {
			t.Fatal(err)
		}
		if got := buf.String(); got != tt.want {
			t.Errorf("level %q dataTrace %v:\n%s", tt.level, tt.dataTrace, cmp.Diff(tt.want, got))
		}
		// Lines are kept whatever the level.
		if diff := cmp.Diff([]string{"info line", "data line", "error line"}, e.Lines()); diff != "" {
			t.Errorf("Lines at %q (-want +got):\n%s", tt.level, diff)
		}
	}
	for in, want := range map[string]Level{"OFF": LevelOff, "Error": LevelError, "info": LevelInfo, "DEBUG": LevelOff} {
		if got := ParseLevel(in); got != want {
			t.Errorf("ParseLevel(%q) = %v", in, got)
		}
	}
	if LevelInfo.String() != "INFO" || LevelError.String() != "ERROR" || LevelOff.String() != "OFF" {
		t.Error("Level.String")
	}
}

func TestExecTruncatesAndNil(t *testing.T) {
	e := NewExec("id", "INFO", true)
	e.Data("Method request body before transformations: " + strings.Repeat("x", 2000))
	l := e.Lines()[0]
	if len(l) != MaxEventBytes+len(TruncatedSuffix) || !strings.HasSuffix(l, TruncatedSuffix) {
		t.Errorf("line of len %d not truncated as expected", len(l))
	}
	if e.RequestID() != "id" {
		t.Error("RequestID")
	}

	var nilExec *Exec
	nilExec.Add("x")
	nilExec.Error("x")
	nilExec.Data("x")
	if nilExec.Lines() != nil || nilExec.Emit(Stdout()) != nil || nilExec.RequestID() != "" {
		t.Error("nil *Exec must discard")
	}
}

type failSink struct{ n int }

func (f *failSink) WriteLine([]byte) error { f.n++; return errors.New("disk full") }
func (f *failSink) Close() error           { return nil }

func TestExecEmitStopsOnError(t *testing.T) {
	e := NewExec("id", "INFO", false)
	e.Add("a")
	e.Add("b")
	s := &failSink{}
	if err := e.Emit(s); err == nil || s.n != 1 {
		t.Errorf("Emit err=%v after %d writes; want an error after 1", err, s.n)
	}
}

func TestMaskKey(t *testing.T) {
	tests := map[string]string{
		"":        "",
		"abc":     "***",
		"abcdef":  "******",
		"abcdefg": "*bcdefg",
		// A 40-character API key, as in the observed x-api-key=**********************************bMZHBg.
		"0123456789012345678901234567890123bMZHBg": "**********************************bMZHBg",
		"xxxxbkwef5": "****bkwef5", // "Using valid authorizer policy for principal: ****bkwef5"
		"ééééééééé":  "***éééééé",
	}
	for in, want := range tests {
		if got := MaskKey(in); got != want {
			t.Errorf("MaskKey(%q) = %q; want %q", in, got, want)
		}
	}
}

func TestFormatMap(t *testing.T) {
	if got := FormatMap(nil, nil); got != "{}" {
		t.Errorf("empty map = %q", got)
	}
	if got := FormatMap(map[string]string{"petId": "1"}, nil); got != "{petId=1}" {
		t.Errorf("path map = %q", got)
	}
	h := map[string][]string{
		"x-api-key":       {"0123456789012345678901234567890123bMZHBg"},
		"Accept":          {"*/*"},
		"User-Agent":      {"curl/8.5.0"},
		"authorization":   {"Bearer abcdefghijklmnop"},
		"X-Forwarded-For": {"1.1.1.1", "203.0.113.7"},
		"Empty":           {},
	}
	want := "{Accept=*/*, authorization=*****************klmnop, Empty=, User-Agent=curl/8.5.0, x-api-key=**********************************bMZHBg, X-Forwarded-For=203.0.113.7}"
	if got := FormatValues(h, SensitiveHeader); got != want {
		t.Errorf("headers:\n%s", cmp.Diff(want, got))
	}
	pairs := []Pair{{"b", "2"}, {"a", "1"}}
	if got := FormatPairs(pairs, nil); got != "{b=2, a=1}" {
		t.Errorf("pairs keep their order: %q", got)
	}
	// Keys that differ only in case are ordered by bytes, deterministically.
	if got := FormatMap(map[string]string{"a": "1", "A": "2"}, nil); got != "{A=2, a=1}" {
		t.Errorf("case tie = %q", got)
	}
}

func TestStandardLines(t *testing.T) {
	const key = "0123456789012345678901234567890123bMZHBg"
	const masked = "**********************************bMZHBg"
	tests := []struct{ got, want string }{
		{ExtendedRequestIDLine("Vts2FFmArPEFh8g="), "Extended Request Id: Vts2FFmArPEFh8g="},
		{VerifyingUsagePlan("3323ffe5", "", "oo8kadh853", "Test"), "Verifying Usage Plan for request: 3323ffe5. API Key:  API Stage: oo8kadh853/Test"},
		{VerifyingUsagePlan("3323ffe5", key, "oo8kadh853", "Test"), "Verifying Usage Plan for request: 3323ffe5. API Key: " + masked + " API Stage: oo8kadh853/Test"},
		{APIKeyNotRequired("", "ANY", "/{resource+}"), "API Key  authorized because method 'ANY /{resource+}' does not require API Key. Request will not contribute to throttle or quota limits"},
		{APIKeyRequired(key, "GET", "/pets"), "API Key " + masked + " authorized because method 'GET /pets' requires API Key. Request will contribute to throttle or quota limits"},
		{APIKeyNotInUsagePlan(key, "GET", "/", "zsuvlqr7nb", "prod"), "API Key " + masked + " not authorized because method 'GET /' requires API Key and API Key is not associated with a Usage Plan for API Stage zsuvlqr7nb/prod: No Usage Plan found for key and API Stage"},
		{UsagePlanCheckSucceeded("", "oo8kadh853", "Test"), "Usage Plan check succeeded for API Key  and API Stage oo8kadh853/Test"},
		{KeyThrottleExceeded("uwe3g5jm54", "Prod", "k0w8mc", "POST", 1, 1), "Key throttle limit exceeded for RestApi uwe3g5jm54, Stage Prod, Resource k0w8mc, HttpMethod POST. Limit: 1.00 Burst: 1"},
		{StartingExecution("id-1"), "Starting execution for request: id-1"},
		{HTTPMethodLine("GET", "/all_state"), "HTTP Method: GET, Resource Path: /all_state"},
		{APIKeyLine(key), "API Key: " + masked},
		{MethodRequestPath(map[string]string{"resource": "all_state"}), "Method request path: {resource=all_state}"},
		{MethodRequestQueryString(nil), "Method request query string: {}"},
		{MethodRequestHeaders(map[string][]string{"x-api-key": {key}, "Accept": {"*/*"}}), "Method request headers: {Accept=*/*, x-api-key=" + masked + "}"},
		{MethodRequestBody(""), "Method request body before transformations: null"},
		{RequestValidationSucceeded("application/json"), "Request validation succeeded for content type application/json"},
		{EndpointRequestURI("http://127.0.0.1:9000/pets"), "Endpoint request URI: http://127.0.0.1:9000/pets"},
		{EndpointRequestHeaders(map[string][]string{"Authorization": {"AWS4-HMAC-SHA256 abcafc190"}}), "Endpoint request headers: {Authorization=********************afc190}"},
		{EndpointRequestBody(`{"a":1}`), `Endpoint request body after transformations: {"a":1}`},
		{SendingRequest("http://x"), "Sending request to http://x"},
		{ReceivedResponse(200, 2266*time.Millisecond+900*time.Microsecond), "Received response. Status: 200, Integration latency: 2266 ms"},
		{EndpointResponseBody(`"Bad response"`), `Endpoint response body before transformations: "Bad response"`},
		{EndpointResponseHeaders(map[string][]string{"Content-Type": {"application/json"}}), "Endpoint response headers: {Content-Type=application/json}"},
		{MethodResponseBody("{}"), "Method response body after transformations: {}"},
		{MethodResponseHeaders(map[string][]string{"Content-Type": {"application/json"}}), "Method response headers: {Content-Type=application/json}"},
		{SuccessfullyCompleted, "Successfully completed execution"},
		{MethodCompleted(504), "Method completed with status: 504"},
		{ExecutionFailedTimeout, "Execution failed due to a timeout error"},
		{ExecutionFailed("a timeout error"), ExecutionFailedTimeout},
		{ExecutionFailedConfig(MalformedLambdaProxyResponse), "Execution failed due to configuration error: Malformed Lambda proxy response"},
		{ExecutionFailedConfig(InvalidLambdaPermissions), "Execution failed due to configuration error: Invalid permissions on Lambda function"},
		{ExecutionFailedConfig(CouldNotParsePolicy), "Execution failed due to configuration error: Could not parse policy"},
		{ExecutionFailedConfig(AuthorizerErrorReason), "Execution failed due to configuration error: Authorizer error"},
		{LambdaInvocationFailed(429, "lr-1"), "Lambda invocation failed with status: 429. Lambda request id: lr-1"},
		{LambdaFunctionError(200, "Application error in a Lambda function", "lr-2"), "Lambda execution failed with status 200 due to customer function error: Application error in a Lambda function. Lambda request id: lr-2"},
		{AccessDenied("self signed certificate"), "Access denied. Reason: self signed certificate"},
		{StartingAuthorizer("62mgrc", "3323ffe5"), "Starting authorizer: 62mgrc for request: 3323ffe5"},
		{IncomingIdentity("abcdefghijklmnopqrstuvwxyzI1BUdE"), "Incoming identity: **************************I1BUdE"},
		{AuthorizerResultBody(""), "Authorizer result body before parsing: null"},
		{UsingAuthorizerPolicy("xxxxbkwef5"), "Using valid authorizer policy for principal: ****bkwef5"},
		{AuthorizerSucceeded, "Successfully completed authorizer execution"},
		{UnauthorizedRequest("fd443056"), "Unauthorized request: fd443056"},
		{XrayTracingID("Root=1-6962324d-273b8749616a929c8bd4fd14"), "X-ray Tracing ID : Root=1-6962324d-273b8749616a929c8bd4fd14"},
		{UsagePlanCheckInternalError, "Usage Plan check failed due to an internal error"},
		{InvalidAPIKeyIdentifier, "Invalid API Key identifier specified"},
	}
	for i, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("line %d:\n%s", i, cmp.Diff(tt.want, tt.got))
		}
	}
}

// TestExecGolden writes the observed INFO + data-trace flow of facts §3.1 for a GET with no
// API key and compares the file with the expected bytes.
func TestExecGolden(t *testing.T) {
	const id = "a1335dfd-5bcc-4e1b-aa45-f6726cb95816"
	e := NewExec(id, "INFO", true)
	e.Add(ExtendedRequestIDLine("UBuxiEZSIAMFQ1Q="))
	e.Add(VerifyingUsagePlan(id, "", "oo8kadh853", "Test"))
	e.Add(APIKeyNotRequired("", "ANY", "/{resource+}"))
	e.Add(UsagePlanCheckSucceeded("", "oo8kadh853", "Test"))
	e.Add(StartingExecution(id))
	e.Add(HTTPMethodLine("GET", "/all_state"))
	e.Data(MethodRequestPath(map[string]string{"resource": "all_state"}))
	e.Data(MethodRequestQueryString(map[string][]string{}))
	e.Data(MethodRequestHeaders(map[string][]string{"Accept": {"*/*"}}))
	e.Data(MethodRequestBody(""))
	e.Data(MethodResponseBody(`{"ok":true}`))
	e.Data(MethodResponseHeaders(map[string][]string{"Content-Type": {"application/json"}}))
	e.Add(SuccessfullyCompleted)
	e.Add(MethodCompleted(200))

	path := ExecDir(t.TempDir(), "oo8kadh853", "Test")
	if !strings.HasSuffix(filepath.ToSlash(path), "/logs/API-Gateway-Execution-Logs_oo8kadh853/Test.log") {
		t.Fatalf("ExecDir = %q", path)
	}
	f, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Emit(f); err != nil {
		t.Fatal(err)
	}
	f.Close()
	got := strings.Join(readLines(t, path), "\n") + "\n"
	want := `(a1335dfd-5bcc-4e1b-aa45-f6726cb95816) Extended Request Id: UBuxiEZSIAMFQ1Q=
(a1335dfd-5bcc-4e1b-aa45-f6726cb95816) Verifying Usage Plan for request: a1335dfd-5bcc-4e1b-aa45-f6726cb95816. API Key:  API Stage: oo8kadh853/Test
(a1335dfd-5bcc-4e1b-aa45-f6726cb95816) API Key  authorized because method 'ANY /{resource+}' does not require API Key. Request will not contribute to throttle or quota limits
(a1335dfd-5bcc-4e1b-aa45-f6726cb95816) Usage Plan check succeeded for API Key  and API Stage oo8kadh853/Test
(a1335dfd-5bcc-4e1b-aa45-f6726cb95816) Starting execution for request: a1335dfd-5bcc-4e1b-aa45-f6726cb95816
(a1335dfd-5bcc-4e1b-aa45-f6726cb95816) HTTP Method: GET, Resource Path: /all_state
(a1335dfd-5bcc-4e1b-aa45-f6726cb95816) Method request path: {resource=all_state}
(a1335dfd-5bcc-4e1b-aa45-f6726cb95816) Method request query string: {}
(a1335dfd-5bcc-4e1b-aa45-f6726cb95816) Method request headers: {Accept=*/*}
(a1335dfd-5bcc-4e1b-aa45-f6726cb95816) Method request body before transformations: null
(a1335dfd-5bcc-4e1b-aa45-f6726cb95816) Method response body after transformations: {"ok":true}
(a1335dfd-5bcc-4e1b-aa45-f6726cb95816) Method response headers: {Content-Type=application/json}
(a1335dfd-5bcc-4e1b-aa45-f6726cb95816) Successfully completed execution
(a1335dfd-5bcc-4e1b-aa45-f6726cb95816) Method completed with status: 200
`
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("execution log (-want +got):\n%s", diff)
	}
	if g := ExecLogGroup("oo8kadh853", "Test"); g != "API-Gateway-Execution-Logs_oo8kadh853/Test" {
		t.Errorf("ExecLogGroup = %q", g)
	}
}

// FuzzFormatMap checks the shape of the Map.toString rendering and that masking keeps the
// length and never shows more than the last six characters.
func FuzzFormatMap(f *testing.F) {
	f.Add("x-api-key", "0123456789012345678901234567890123bMZHBg", "Accept", "*/*")
	f.Add("", "", "Authorization", "é")
	f.Add("a=b", "c, d}", "{", "\xff\xfe")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		got := FormatValues(map[string][]string{k1: {v1}, k2: {"ignored", v2}}, SensitiveHeader)
		if !strings.HasPrefix(got, "{") || !strings.HasSuffix(got, "}") {
			t.Fatalf("not braced: %q", got)
		}
		m := FormatMap(map[string]string{k1: v1}, SensitiveHeader)
		masked := v1
		if SensitiveHeader(k1) {
			masked = MaskKey(v1)
		}
		if want := "{" + k1 + "=" + masked + "}"; m != want {
			t.Fatalf("FormatMap = %q; want %q", m, want)
		}
	})
}

func FuzzMaskKey(f *testing.F) {
	for _, s := range []string{"", "abc", "abcdef", "abcdefg", "ééééééééé", "\xff\xfe\xfd\xfc\xfb\xfa\xf9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m := MaskKey(s)
		n := utf8.RuneCountInString(s)
		if utf8.RuneCountInString(m) != n {
			t.Fatalf("MaskKey(%q) = %q changes the length", s, m)
		}
		stars := max(n-MaskKeep, 0)
		if n <= MaskKeep {
			stars = n
		}
		if !strings.HasPrefix(m, strings.Repeat("*", stars)) || !strings.HasSuffix(s, m[stars:]) {
			t.Fatalf("MaskKey(%q) = %q", s, m)
		}
	})
}

func FuzzTruncate(f *testing.F) {
	f.Add(strings.Repeat("a", MaxEventBytes))
	f.Add(strings.Repeat("é", MaxEventBytes))
	f.Add(strings.Repeat("\xff", MaxEventBytes+1))
	f.Fuzz(func(t *testing.T, s string) {
		got := Truncate(s)
		if len(s) <= MaxEventBytes {
			if got != s {
				t.Fatal("short line changed")
			}
			return
		}
		head, ok := strings.CutSuffix(got, TruncatedSuffix)
		if !ok || len(head) > MaxEventBytes || len(head) < MaxEventBytes-utf8.UTFMax || !strings.HasPrefix(s, head) {
			t.Fatalf("Truncate of %d bytes gave %d bytes", len(s), len(got))
		}
		if utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Fatal("valid UTF-8 became invalid")
		}
	})
}
