package redact_test

import (
	"bytes"
	"fmt"
	"github.com/portcullis/portcullis/internal/memtest"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portcullis/portcullis/internal/diagnose/input"
	"github.com/portcullis/portcullis/internal/diagnose/redact"
	"github.com/portcullis/portcullis/internal/sigv4"
)

const (
	largeFailEvery = 199      // every 199th entry is a 403
	largeHeapBound = 64 << 20 // peak heap allowed while redacting and re-parsing
	largeEntryBody = 48 << 10
)

// secretHARGen is an io.Reader producing a valid HAR of about size bytes on the fly, every entry
// carrying secrets: a SigV4 Authorization header, x-api-key, a session cookie (header and
// cookies array), and in the 200 entries' big JSON bodies an "apiKey" member. Every failEvery-th
// entry is a 403 from API Gateway. It never holds more than one entry.
type secretHARGen struct {
	n, failEvery int
	i, state     int
	buf          []byte
	pos          int
	bodyHead     string
	bodyTail     string
	total        int64
}

const largeBodyLine = `{\"id\":1234,\"name\":\"widget \\\"deluxe\\\"\",\"price\":12.5,\"updated\":\"2026-11-26T10:00:00Z\",\"note\":\"a=b; c: d — café\"},`

func newSecretHARGen(size int64, failEvery int) *secretHARGen {
	g := &secretHARGen{failEvery: failEvery}
	half := strings.Repeat(largeBodyLine, largeEntryBody/len(largeBodyLine)/2)
	g.bodyHead = "[" + half
	g.bodyTail = half + `{\"end\":true}]`
	g.n = int(size / int64(len(g.entry(1))+2))
	return g
}

func (g *secretHARGen) failing(i int) bool { return i%g.failEvery == 0 }

func (g *secretHARGen) entry(i int) []byte {
	status, body := 200, g.bodyHead+`{\"apiKey\":\"`+sAPIKey+`\"},`+g.bodyTail
	if g.failing(i) {
		status, body = 403, `{\"message\":\"Forbidden\"}`
	}
	return fmt.Appendf(nil, `{"_resourceType":"fetch","startedDateTime":"2026-11-26T10:00:00.000Z","time":12.25,`+
		`"request":{"method":"GET","url":"https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/items/%d","httpVersion":"http/2.0",`+
		`"headers":[{"name":":authority","value":"a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"},{"name":"authorization","value":"%s"},`+
		`{"name":"x-amz-date","value":"20261126T100000Z"},{"name":"x-api-key","value":"%s"},{"name":"cookie","value":"session=%s"}],`+
		`"queryString":[],"cookies":[{"name":"session","value":"%s"}],"headersSize":-1,"bodySize":0},`+
		`"response":{"status":%d,"statusText":"","httpVersion":"http/2.0","headers":[{"name":"content-type","value":"application/json"},`+
		`{"name":"x-amzn-requestid","value":"00000000-0000-0000-0000-%012d"},{"name":"x-amzn-errortype","value":"ForbiddenException"}],`+
		`"cookies":[],"content":{"size":%d,"mimeType":"application/json","text":"%s"},"redirectURL":"","headersSize":-1,"bodySize":-1,"_error":null},`+
		`"cache":{},"timings":{"blocked":1,"dns":-1,"ssl":-1,"connect":-1,"send":0,"wait":10,"receive":2}}`,
		i, sSigV4, sAPIKey, sCookie, sCookie, status, i, len(body), body)
}

func (g *secretHARGen) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if g.pos == len(g.buf) {
			switch {
			case g.state == 0:
				g.buf, g.state = []byte(`{"log":{"version":"1.2","creator":{"name":"WebInspector","version":"537.36"},"entries":[`+"\n"), 1
			case g.state == 1 && g.i < g.n:
				g.buf = g.entry(g.i)
				if g.i++; g.i < g.n {
					g.buf = append(g.buf, ",\n"...)
				}
			case g.state == 1:
				g.buf, g.state = []byte("\n]}}\n"), 2
			default:
				g.total += int64(n)
				if n == 0 {
					return 0, io.EOF
				}
				return n, nil
			}
			g.pos = 0
		}
		k := copy(p[n:], g.buf[g.pos:])
		g.pos += k
		n += k
	}
	g.total += int64(n)
	return n, nil
}

// leakWriter fails the test when a secret is written, even across Write calls.
type leakWriter struct {
	secrets []string
	carry   []byte
	leaked  string
	n       int64
}

func (w *leakWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	buf := append(w.carry, p...)
	for _, s := range w.secrets {
		if w.leaked == "" && bytes.Contains(buf, []byte(s)) {
			w.leaked = s
		}
	}
	keep := min(len(buf), 256)
	w.carry = append(w.carry[:0], buf[len(buf)-keep:]...)
	return len(p), nil
}

// TestHARLargeBoundedMemory redacts a generated 200 MB HAR (40 MB under -race) and parses the
// copy with input.Parse as it is written, through a pipe: nothing holds the file. No secret
// reaches the copy, every mask is counted, the 403 entries come back with their headers masked,
// and the heap of the whole pipeline stays bounded.
func TestHARLargeBoundedMemory(t *testing.T) {
	g := newSecretHARGen(largeHARSize, largeFailEvery)
	leak := &leakWriter{secrets: []string{sAPIKey, sCookie, sSig, sAKID}}
	var (
		st             redact.Stats
		herr, perr     error
		xs             []input.Exchange
		redactDuration time.Duration
	)
	peak := memtest.PeakHeap(func() {
		pr, pw := io.Pipe()
		var wg sync.WaitGroup
		wg.Go(func() {
			start := time.Now()
			st, herr = redact.HAR(io.MultiWriter(pw, leak), g)
			redactDuration = time.Since(start)
			pw.CloseWithError(herr)
		})
		xs, perr = input.Parse(pr, "har")
		_, _ = io.Copy(io.Discard, pr) // let HAR finish if Parse stopped early
		wg.Wait()
	})
	if herr != nil || perr != nil {
		t.Fatalf("HAR: %v; Parse: %v", herr, perr)
	}
	t.Logf("redacted %d MiB (%d entries) in %v (%.0f MB/s), copy %d MiB, peak heap %.1f MiB; %s",
		g.total>>20, g.n, redactDuration.Round(time.Millisecond), float64(g.total)/1e6/redactDuration.Seconds(), leak.n>>20, float64(peak)/(1<<20), st)
	if g.total < largeHARSize*95/100 || g.state != 2 {
		t.Fatalf("generator produced %d bytes, want about %d, fully read", g.total, largeHARSize)
	}
	if leak.leaked != "" {
		t.Errorf("secret %.4s… reached the copy", leak.leaked)
	}
	fails := 0
	for i := range g.n {
		if g.failing(i) {
			fails++
		}
	}
	want := map[redact.Kind]int{redact.KindAuthorization: g.n, redact.KindAPIKey: 2*g.n - fails, redact.KindCookie: 2 * g.n}
	if st.Entries != g.n || fmt.Sprint(st.Masked) != fmt.Sprint(want) {
		t.Errorf("stats %d entries %v, want %d entries %v", st.Entries, st.Masked, g.n, want)
	}
	if len(xs) != fails || fails < 3 {
		t.Fatalf("input.Parse returned %d exchanges from the copy, want the %d failing entries", len(xs), fails)
	}
	for k, x := range xs {
		i := k * g.failEvery
		auth := sigv4.ParseAuthHeader(x.Request.Headers.Get("Authorization"))
		if x.Entry != i || x.Response.Status != 403 || x.Request.URL != fmt.Sprintf("https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/items/%d", i) ||
			x.Request.Headers.Get("X-Api-Key") != redact.Secret(sAPIKey) || x.Request.Headers.Get("X-Amz-Date") != "20261126T100000Z" ||
			!auth.IsSigV4() || auth.Params["Credential"] != "AKIA************2WXY/20261126/us-east-1/execute-api/aws4_request" ||
			x.Response.Headers.Get("X-Amzn-Errortype") != "ForbiddenException" || string(x.Response.Body) != `{"message":"Forbidden"}` {
			t.Errorf("exchange %d (entry %d): %+v %+v %+v", k, i, x, x.Request, x.Response)
		}
	}
	if peak > largeHeapBound {
		t.Errorf("heap peaked at %.1f MiB while redacting %d MiB: want under %d MiB", float64(peak)/(1<<20), g.total>>20, largeHeapBound>>20)
	}
}

// BenchmarkHAR redacts a ~20 MB HAR held in memory (2000 entries with secrets and 48 KiB bodies).
func BenchmarkHAR(b *testing.B) {
	data, err := io.ReadAll(newSecretHARGen(20<<20, largeFailEvery))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		st, err := redact.HAR(io.Discard, bytes.NewReader(data))
		if err != nil || st.Total() == 0 {
			b.Fatal(st, err)
		}
	}
}

// BenchmarkHAR200MB streams a generated 200 MB HAR through HAR per iteration and reports the
// peak heap (MiB) next to the throughput.
func BenchmarkHAR200MB(b *testing.B) {
	n, err := io.Copy(io.Discard, newSecretHARGen(200<<20, largeFailEvery))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(n)
	var peak uint64
	for b.Loop() {
		g := newSecretHARGen(200<<20, largeFailEvery)
		peak = max(peak, memtest.PeakHeap(func() {
			if _, err := redact.HAR(io.Discard, g); err != nil {
				b.Fatal(err)
			}
		}))
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
}

// BenchmarkText redacts a ~10 MB curl -v transcript.
func BenchmarkText(b *testing.B) {
	data := []byte(strings.Repeat(curlTranscript, (10<<20)/len(curlTranscript)))
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		st, err := redact.TextStats(io.Discard, bytes.NewReader(data))
		if err != nil || st.Total() == 0 {
			b.Fatal(st, err)
		}
	}
}
