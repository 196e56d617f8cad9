package input

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

type harNV struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type harEntry struct {
	Request struct {
		Method      string  `json:"method"`
		URL         string  `json:"url"`
		HTTPVersion string  `json:"httpVersion"`
		Headers     []harNV `json:"headers"`
		PostData    *struct {
			Text     string `json:"text"`
			Encoding string `json:"encoding"`
		} `json:"postData"`
	} `json:"request"`
	Response struct {
		Status      int     `json:"status"`
		HTTPVersion string  `json:"httpVersion"`
		Headers     []harNV `json:"headers"`
		Content     struct {
			Text     string `json:"text"`
			Encoding string `json:"encoding"`
		} `json:"content"`
		Error   string `json:"_error"`       // Chrome DevTools: net::ERR_…
		Failure string `json:"_failureText"` // Playwright: net::ERR_FAILED (status -1)
	} `json:"response"`
}

// harSmall: below this many entries every entry is kept.
const harSmall = 5

func parseHAR(r io.Reader) ([]Exchange, error) {
	dec := json.NewDecoder(r)
	fail := func(format string, a ...any) error {
		return fmt.Errorf("har: offset %d: "+format, append([]any{dec.InputOffset()}, a...)...)
	}
	if err := expectDelim(dec, '{'); err != nil {
		return nil, fail("%v", err)
	}
	var kept, early []Exchange // early: first entries that are not failures, in case the HAR is small
	total := 0
	foundEntries := false
	// walk top-level object, then "log" object, then "entries" array
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return nil, fail("%v", err)
		}
		if key != "log" {
			if err := skipValue(dec); err != nil {
				return nil, fail("%v", err)
			}
			continue
		}
		if err := expectDelim(dec, '{'); err != nil {
			return nil, fail("log: %v", err)
		}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return nil, fail("log: %v", err)
			}
			if k != "entries" {
				if err := skipValue(dec); err != nil {
					return nil, fail("log.%v: %v", k, err)
				}
				continue
			}
			foundEntries = true
			if err := expectDelim(dec, '['); err != nil {
				return nil, fail("log.entries: %v", err)
			}
			for dec.More() {
				var e harEntry
				if err := dec.Decode(&e); err != nil {
					return nil, fail("entry %d: %v", total, err)
				}
				x := harExchange(&e, total)
				failing := e.Response.Status >= 400 || (e.Response.Status <= 0 && (e.Response.Error != "" || e.Response.Failure != ""))
				if failing {
					kept = append(kept, x)
				} else if total < harSmall {
					early = append(early, x)
				}
				total++
			}
			if _, err := dec.Token(); err != nil { // ]
				return nil, fail("log.entries: %v", err)
			}
		}
		if _, err := dec.Token(); err != nil { // }
			return nil, fail("log: %v", err)
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, fail("%v", err)
	}
	if !foundEntries {
		return nil, errors.New("har: no log.entries array")
	}
	if total < harSmall {
		kept = append(kept, early...)
		sort.Slice(kept, func(i, j int) bool { return kept[i].Entry < kept[j].Entry })
	}
	return kept, nil
}

func expectDelim(dec *json.Decoder, d json.Delim) error {
	t, err := dec.Token()
	if err != nil {
		return err
	}
	if t != d {
		return fmt.Errorf("expected %q, got %v", d, t)
	}
	return nil
}

// skipValue discards the next JSON value token by token (bounded memory).
func skipValue(dec *json.Decoder) error {
	depth := 0
	for {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		switch t {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 0 {
			return nil
		}
	}
}

func harHeaders(nvs []harNV) (http.Header, string) {
	h := http.Header{}
	authority := ""
	for _, nv := range nvs {
		if strings.HasPrefix(nv.Name, ":") { // HTTP/2 pseudo-headers (Chrome)
			if nv.Name == ":authority" {
				authority = nv.Value
			}
			continue
		}
		h.Add(nv.Name, nv.Value)
	}
	return h, authority
}

func harText(text, encoding string) []byte {
	if strings.EqualFold(encoding, "base64") {
		if b, err := base64.StdEncoding.DecodeString(text); err == nil {
			return capBody(b)
		}
		if b, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(text, "=")); err == nil {
			return capBody(b)
		}
	}
	if text == "" {
		return nil
	}
	return capBody([]byte(text))
}

func harExchange(e *harEntry, i int) Exchange {
	x := Exchange{Source: FormatHAR, Entry: i}
	if e.Request.Method != "" || e.Request.URL != "" {
		h, authority := harHeaders(e.Request.Headers)
		host := h.Get("Host")
		if host == "" {
			host = authority
		}
		if host == "" {
			if u, err := url.Parse(e.Request.URL); err == nil {
				host = u.Host
			}
		}
		req := &Req{Method: e.Request.Method, URL: e.Request.URL, Host: host, Proto: e.Request.HTTPVersion, Headers: h}
		if e.Request.PostData != nil {
			req.Body = harText(e.Request.PostData.Text, e.Request.PostData.Encoding)
		}
		x.Request = req
	}
	if e.Response.Error == "" {
		e.Response.Error = e.Response.Failure
	}
	if e.Response.Status > 0 {
		h, _ := harHeaders(e.Response.Headers)
		x.Response = &Resp{Status: e.Response.Status, Proto: e.Response.HTTPVersion, Headers: h,
			Body: harText(e.Response.Content.Text, e.Response.Content.Encoding)}
	}
	if e.Response.Error != "" {
		x.Fields = map[string]string{"browserError": e.Response.Error}
		if u := strings.ToUpper(e.Response.Error); strings.Contains(u, "SSL") || strings.Contains(u, "CERT") || strings.Contains(u, "TLS") {
			x.TLS = &TLSInfo{HandshakeError: e.Response.Error, ServerName: hostOnly(x.Request)}
		}
	}
	return x
}

func hostOnly(r *Req) string {
	if r == nil {
		return ""
	}
	h := r.Host
	if i := strings.LastIndexByte(h, ':'); i > 0 && !strings.Contains(h[i:], "]") {
		h = h[:i]
	}
	return h
}
