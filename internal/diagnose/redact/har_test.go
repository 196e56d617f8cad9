package redact_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/portcullis/portcullis/internal/diagnose"
	"github.com/portcullis/portcullis/internal/diagnose/input"
	"github.com/portcullis/portcullis/internal/diagnose/redact"
	"github.com/portcullis/portcullis/internal/sigv4"
)

func redactHAR(t *testing.T, in string) (string, redact.Stats) {
	t.Helper()
	var out bytes.Buffer
	st, err := redact.HAR(&out, strings.NewReader(in))
	if err != nil {
		t.Fatalf("HAR: %v", err)
	}
	return out.String(), st
}

// noLeak fails when any 7-byte window of a secret occurs in text: every mask keeps at most six
// characters of a secret in a row.
func noLeak(t *testing.T, where, text string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		for i := 0; i+7 <= len(s); i++ {
			if w := s[i : i+7]; strings.Contains(text, w) {
				at := strings.Index(text, w)
				t.Errorf("%s: %q (part of secret %.4s…) survives near %q", where, w, s, text[max(0, at-30):min(len(text), at+40)])
				break
			}
		}
	}
}

// noJWTLeak decodes the payload of every copy of the sample JWT in text and checks that no
// identifying claim is left.
func noJWTLeak(t *testing.T, text string) {
	t.Helper()
	if strings.Contains(text, sJWTPayload) {
		t.Errorf("JWT payload survives")
	}
	for rest := text; ; {
		i := strings.Index(rest, sJWTHeader+".")
		if i < 0 {
			return
		}
		rest = rest[i+len(sJWTHeader)+1:]
		seg, _, _ := strings.Cut(rest, ".")
		p, err := base64.RawURLEncoding.DecodeString(seg)
		if err != nil {
			t.Errorf("masked JWT payload %q: %v", seg, err)
			continue
		}
		noLeak(t, "JWT payload", string(p), sSubject, sEmail)
		if !strings.Contains(string(p), `"exp":1795000000`) {
			t.Errorf("masked JWT payload lost exp: %s", p)
		}
	}
}

// shape lists a JSON document's structure in order: every member path with its type, and the
// value of every non-string. Two documents with the same shape differ only in string values.
func shape(t *testing.T, doc string) []string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	var out []string
	var walk func(path string) error
	walk = func(path string) error {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch v := tok.(type) {
		case json.Delim:
			out = append(out, path+" "+v.String())
			for i := 0; dec.More(); i++ {
				p := fmt.Sprintf("%s[%d]", path, i)
				if v == '{' {
					k, err := dec.Token()
					if err != nil {
						return err
					}
					p = path + "." + k.(string)
				}
				if err := walk(p); err != nil {
					return err
				}
			}
			_, err = dec.Token()
			return err
		case string:
			out = append(out, path+" string")
		default:
			out = append(out, fmt.Sprintf("%s %T %v", path, v, v))
		}
		return nil
	}
	if err := walk(""); err != nil {
		t.Fatalf("shape: %v", err)
	}
	return out
}

func parseAll(t *testing.T, s string) []input.Exchange {
	t.Helper()
	xs, err := input.Parse(strings.NewReader(s), "")
	if err != nil {
		t.Fatalf("input.Parse: %v", err)
	}
	return xs
}

func headerNames(h http.Header) []string {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

// sameExchanges checks that input.Parse reads the redacted copy as it reads the original: same
// entries, methods, hosts, statuses, header names, non-secret header values; secret headers
// masked as Value masks them; URLs masked as URL masks them.
func sameExchanges(t *testing.T, orig, red []input.Exchange) {
	t.Helper()
	if len(orig) != len(red) {
		t.Fatalf("input.Parse: %d exchanges from the original, %d from the copy", len(orig), len(red))
	}
	for i := range orig {
		o, r := orig[i], red[i]
		if o.Entry != r.Entry || o.Source != r.Source || (o.Request == nil) != (r.Request == nil) || (o.Response == nil) != (r.Response == nil) {
			t.Errorf("exchange %d: %+v vs %+v", i, o, r)
			continue
		}
		if o.Request != nil {
			if o.Request.Method != r.Request.Method || o.Request.Host != r.Request.Host || o.Request.Proto != r.Request.Proto {
				t.Errorf("exchange %d request: %+v vs %+v", i, o.Request, r.Request)
			}
			if r.Request.URL != redact.URL(o.Request.URL) {
				t.Errorf("exchange %d URL %q, want %q", i, r.Request.URL, redact.URL(o.Request.URL))
			}
			sameHeaders(t, fmt.Sprintf("exchange %d request", i), o.Request.Headers, r.Request.Headers)
		}
		if o.Response != nil {
			if o.Response.Status != r.Response.Status || o.Response.Proto != r.Response.Proto {
				t.Errorf("exchange %d response: %d %s vs %d %s", i, o.Response.Status, o.Response.Proto, r.Response.Status, r.Response.Proto)
			}
			sameHeaders(t, fmt.Sprintf("exchange %d response", i), o.Response.Headers, r.Response.Headers)
		}
		if !cmp.Equal(o.Fields, r.Fields) || (o.TLS == nil) != (r.TLS == nil) {
			t.Errorf("exchange %d fields/TLS: %v %+v vs %v %+v", i, o.Fields, o.TLS, r.Fields, r.TLS)
		}
	}
}

func sameHeaders(t *testing.T, where string, o, r http.Header) {
	t.Helper()
	if !slices.Equal(headerNames(o), headerNames(r)) {
		t.Errorf("%s header names: %v vs %v", where, headerNames(o), headerNames(r))
		return
	}
	for k, ov := range o {
		for j, v := range ov {
			got := r[k][j]
			switch {
			case redact.IsSecret(k):
				if got != redact.Value(k, v) || (got == v && v != "") {
					t.Errorf("%s %s: %q, want %q", where, k, got, redact.Value(k, v))
				}
			case k == "Referer" || k == "Location":
				if got != redact.URL(v) {
					t.Errorf("%s %s: %q, want %q", where, k, got, redact.URL(v))
				}
			default:
				if got != v {
					t.Errorf("%s %s changed: %q -> %q", where, k, v, got)
				}
			}
		}
	}
}

// sameDiagnosis: the copy diagnoses as the original (origins, error types, ranked causes).
func sameDiagnosis(t *testing.T, format string, orig, red []input.Exchange) {
	t.Helper()
	a, b := diagnose.Diagnose(format, orig, diagnose.Options{}), diagnose.Diagnose(format, red, diagnose.Options{})
	type cand struct {
		ID, Confidence string
		Rank           int
	}
	type key struct {
		Entry, Status     int
		Origin, ErrorType string
		Causes            []cand
	}
	keys := func(r diagnose.Report) []key {
		var ks []key
		for _, f := range r.Findings {
			k := key{f.Entry, f.Status, f.Origin, f.ErrorType, nil}
			for _, c := range f.Causes {
				k.Causes = append(k.Causes, cand{c.ID, c.Confidence, c.Rank})
			}
			ks = append(ks, k)
		}
		return ks
	}
	if d := cmp.Diff(keys(a), keys(b)); d != "" || a.Input != b.Input {
		t.Errorf("diagnosis of the copy differs (-original +copy):\n%s %+v %+v", d, a.Input, b.Input)
	}
}

func TestHARBrowsers(t *testing.T) {
	for _, tc := range []struct {
		name, har string
		entries   int
		masked    map[redact.Kind]int
	}{
		{"chrome", chromeHAR, 4, nil},
		{"firefox", firefoxHAR, 5, map[redact.Kind]int{
			redact.KindAPIKey: 1, redact.KindAuthorization: 1, redact.KindSecurityToken: 1,
			redact.KindCredential: 2, redact.KindSignature: 2}},
		{"safari", safariHAR, 1, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, st := redactHAR(t, tc.har)
			if !json.Valid([]byte(out)) {
				t.Fatalf("output is not JSON:\n%s", out)
			}
			if st.Entries != tc.entries || st.Total() == 0 {
				t.Errorf("stats %+v, want %d entries and masks", st, tc.entries)
			}
			if tc.masked != nil && !cmp.Equal(st.Masked, tc.masked) {
				t.Errorf("masked %v, want %v", st.Masked, tc.masked)
			}
			noLeak(t, "output", out, allSecrets()...)
			noJWTLeak(t, out)
			if d := cmp.Diff(shape(t, tc.har), shape(t, out)); d != "" {
				t.Errorf("structure changed (-original +copy):\n%s", d)
			}
			orig, red := parseAll(t, tc.har), parseAll(t, out)
			sameExchanges(t, orig, red)
			sameDiagnosis(t, input.FormatHAR, orig, red)
			for _, x := range red { // decoded bodies (base64) leak nothing either
				if x.Request != nil {
					noLeak(t, "request body", string(x.Request.Body), allSecrets()...)
				}
				if x.Response != nil {
					noLeak(t, "response body", string(x.Response.Body), allSecrets()...)
				}
			}
			again, st2 := redactHAR(t, out)
			if again != out || st2.Total() != 0 {
				t.Errorf("redacting the copy again changed it (%v):\n%s\n%s", st2.Masked, out, again)
			}
		})
	}
}

// TestHARChromeDetails checks the masks one by one on the Chrome sample.
func TestHARChromeDetails(t *testing.T) {
	out, st := redactHAR(t, chromeHAR)
	var doc struct {
		Log struct {
			Pages   []struct{ Title string }
			Entries []struct {
				Initiator struct {
					Stack struct {
						CallFrames []struct{ URL string }
					}
				} `json:"_initiator"`
				Request struct {
					URL         string
					Headers     []struct{ Name, Value string }
					QueryString []struct{ Name, Value string }
					Cookies     []struct{ Name, Value, Domain string }
					PostData    *struct {
						Text   string
						Params []struct{ Name, Value string }
					}
				}
				Response struct {
					Headers     []struct{ Name, Value string }
					Cookies     []struct{ Name, Value string }
					Content     struct{ Text, Encoding string }
					RedirectURL string
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	e := doc.Log.Entries
	mAPIKey := strings.Repeat("*", len(sAPIKey)-6) + sAPIKey[len(sAPIKey)-6:]
	checks := []struct{ what, got, want string }{
		{"page title", doc.Log.Pages[0].Title, "https://app.example.com/callback?code=" + strings.Repeat("*", len(sCode)-6) + sCode[len(sCode)-6:] + "&state=af0ifjsldkj"},
		{"initiator url", e[0].Initiator.Stack.CallFrames[0].URL, "https://app.example.com/app.js?apikey=" + mAPIKey},
		{"url", e[0].Request.URL, "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/pets?limit=5&api_key=" + mAPIKey},
		{"x-api-key", e[0].Request.Headers[5].Value, mAPIKey},
		{"cookie header", e[0].Request.Headers[6].Value, "session=*******************281706; theme=****"},
		{"query api_key", e[0].Request.QueryString[1].Value, mAPIKey},
		{"query limit", e[0].Request.QueryString[0].Value, "5"},
		{"cookie", e[0].Request.Cookies[0].Value, "*******************281706"},
		{"cookie name/domain", e[0].Request.Cookies[0].Name + " " + e[0].Request.Cookies[0].Domain, "session app.example.com"},
		{"set-cookie", e[0].Response.Headers[2].Value, "session=*******************281706; Path=/; HttpOnly; Secure"},
		{"authorization", e[1].Request.Headers[1].Value, "Bearer " + redact.JWT(sJWT)},
		{"json body", e[1].Request.PostData.Text, `{"qty": 1, "refresh_token": "` + redact.Secret(sRefresh) + `", "note": "token ` + redact.JWT(sJWT) + `"}`},
		{"basic", e[2].Request.Headers[2].Value, "Basic ********"},
		{"form body", e[2].Request.PostData.Text, "grant_type=authorization_code&code=" + redact.Secret(sCode) + "&client_secret=********&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcallback"},
		{"params", e[2].Request.PostData.Params[0].Value + " " + e[2].Request.PostData.Params[1].Value + " " + e[2].Request.PostData.Params[2].Value, "authorization_code " + redact.Secret(sCode) + " ********"},
		{"redirectURL", e[2].Response.RedirectURL, "https://app.example.com/cb#access_token=" + redact.Secret(sOpaque) + "&token_type=Bearer&id_token=" + redact.JWT(sJWT)},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.what, c.got, c.want)
		}
	}
	body, err := base64.StdEncoding.DecodeString(e[1].Response.Content.Text)
	if err != nil || e[1].Response.Content.Encoding != "base64" {
		t.Fatalf("base64 body: %v %q", err, e[1].Response.Content.Encoding)
	}
	if want := `{"message":"Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=Bearer ` + redact.JWT(sJWT) + `"}`; string(body) != want {
		t.Errorf("403 body:\n got %s\nwant %s", body, want)
	}
	// One line per entry.
	if n := strings.Count(out, "\n"); n != 6 {
		t.Errorf("%d newlines, want one before each of 4 entries, one before ] and one at the end:\n%s", n, out)
	}
	t.Logf("%s", st)
}

// The masked SigV4 header in a copy still parses as SigV4 with the same scope, as the diagnoser
// reads it.
func TestHARSigV4Shape(t *testing.T) {
	out, _ := redactHAR(t, firefoxHAR)
	xs := parseAll(t, out)
	if len(xs) != 2 {
		t.Fatalf("%d exchanges", len(xs))
	}
	auth := xs[0].Request.Headers.Get("Authorization")
	h := sigv4.ParseAuthHeader(auth)
	if !h.IsSigV4() || h.Params["SignedHeaders"] != "host;x-amz-date;x-amz-security-token" ||
		h.Params["Credential"] != "ASIA************4QRS/20261126/us-east-1/execute-api/aws4_request" || len(h.Params["Signature"]) != 64 {
		t.Errorf("masked Authorization %q parses as %+v", auth, h)
	}
	if got := xs[0].Request.Headers.Get("X-Amz-Date"); got != "20261126T100000Z" {
		t.Errorf("X-Amz-Date %q", got)
	}
}

func TestHARErrors(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"truncated", `{"log":{"entries":[{"request":{"method":"GET"}},{"request":`, "entry 1"},
		{"bad token", `{"log":{"entries":[{"response":{"status":4x}}]}}`, "offset"},
		{"empty", ``, "unexpected EOF"},
		{"trailing", `{"log":{"entries":[]}} {}`, "after the document"},
		{"trailing junk", `{"log":{"entries":[]}} x`, "after the document"},
		{"too deep", strings.Repeat("[", redact.MaxDepth+2) + strings.Repeat("]", redact.MaxDepth+2), "nested too deeply"},
	} {
		var out bytes.Buffer
		_, err := redact.HAR(&out, strings.NewReader(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want mention of %q", tc.name, err, tc.want)
		}
	}
	if _, err := redact.HAR(io.Discard, strings.NewReader(strings.Repeat("[", redact.MaxDepth+2))); !errors.Is(err, redact.ErrTooDeep) {
		t.Errorf("depth error %v is not ErrTooDeep", err)
	}
	// Writer failure is reported.
	if _, err := redact.HAR(failWriter{}, strings.NewReader(chromeHAR)); err == nil || !strings.Contains(err.Error(), "write") {
		t.Errorf("write error: %v", err)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// Any JSON document is copied (masked) whole; a BOM is dropped.
func TestHARAnyJSON(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`[1,2.50,{"password":"` + sPassword + `"},null,true]`, `[1,2.50,{"password":"********"},null,true]` + "\n"},
		{`"x-api-key: ` + sAPIKey + `"`, `"x-api-key: ` + redact.Secret(sAPIKey) + `"` + "\n"},
		{"\xef\xbb\xbf" + `{"log":{"entries":[]}}`, `{"log":{"entries":[]}}` + "\n"},
		{`{"log":{"entries":{"not":"an array"}},"entries":[1e400]}`, `{"log":{"entries":{"not":"an array"}},"entries":[1e400]}` + "\n"},
		{`{"a":"<b>&\u2028\u0001é\ud83d\ude00"}`, "{\"a\":\"<b>&\\u2028\\u0001é\U0001F600\"}\n"},
	} {
		out, _ := redactHAR(t, tc.in)
		if out != tc.want {
			t.Errorf("HAR(%.30q):\n got %s\nwant %s", tc.in, out, tc.want)
		}
	}
}

// An entry that is not an object, and entries carrying duplicate members, are kept.
func TestHARKeepsOddEntries(t *testing.T) {
	in := `{"log":{"entries":[7,{"request":{"url":"https://x/?sig=` + sSig + `","url":"dup"}}]}}`
	out, st := redactHAR(t, in)
	want := "{\"log\":{\"entries\":[\n7,\n{\"request\":{\"url\":\"https://x/?sig=" + strings.Repeat("*", 64) + "\",\"url\":\"dup\"}}\n]}}\n"
	if out != want || st.Entries != 2 || st.Masked[redact.KindSignature] != 1 {
		t.Errorf("got %s (%+v)", out, st)
	}
}
