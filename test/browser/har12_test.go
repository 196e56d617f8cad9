package browser_test

// A structural validator for HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/): every
// object and field the spec marks required is present with its JSON type; optional fields, when
// present, have their type. Custom fields (leading underscore) are allowed, as the spec says.
// One deviation is accepted on purpose: Playwright writes -1 for the required send, wait and
// receive timings it does not know (the spec reserves -1 for optional timings).

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/portcullis/portcullis/internal/diagnose/input"
)

// maxHARErrors caps the violations reported for one file.
const maxHARErrors = 20

type harValidator struct {
	errs []error
}

func (v *harValidator) fail(path, format string, a ...any) {
	if len(v.errs) < maxHARErrors {
		v.errs = append(v.errs, fmt.Errorf("%s: "+format, append([]any{path}, a...)...))
	}
}

type jsonObject = map[string]json.RawMessage

// kind is the JSON type of raw: object, array, string, number, bool, null ("" when empty).
func kind(raw json.RawMessage) string {
	t := bytes.TrimLeft(raw, " \t\r\n")
	if len(t) == 0 {
		return ""
	}
	switch t[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "bool"
	case 'n':
		return "null"
	}
	return "number"
}

// field checks that o[key] exists (when required) and has JSON type want; ok reports presence
// with the right type.
func (v *harValidator) field(o jsonObject, path, key, want string, required bool) (json.RawMessage, bool) {
	raw, present := o[key]
	if !present {
		if required {
			v.fail(path, "missing required field %q", key)
		}
		return nil, false
	}
	if k := kind(raw); k != want {
		v.fail(path+"."+key, "is %s, want %s", k, want)
		return nil, false
	}
	return raw, true
}

func (v *harValidator) object(o jsonObject, path, key string, required bool) jsonObject {
	raw, ok := v.field(o, path, key, "object", required)
	if !ok {
		return nil
	}
	var m jsonObject
	if err := json.Unmarshal(raw, &m); err != nil {
		v.fail(path+"."+key, "%v", err)
		return nil
	}
	return m
}

func (v *harValidator) array(o jsonObject, path, key string, required bool) []json.RawMessage {
	raw, ok := v.field(o, path, key, "array", required)
	if !ok {
		return nil
	}
	var a []json.RawMessage
	if err := json.Unmarshal(raw, &a); err != nil {
		v.fail(path+"."+key, "%v", err)
		return nil
	}
	return a
}

func (v *harValidator) str(o jsonObject, path, key string, required bool) (string, bool) {
	raw, ok := v.field(o, path, key, "string", required)
	if !ok {
		return "", false
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		v.fail(path+"."+key, "%v", err)
		return "", false
	}
	return s, true
}

func (v *harValidator) num(o jsonObject, path, key string, required bool) {
	raw, ok := v.field(o, path, key, "number", required)
	if !ok {
		return
	}
	if _, err := strconv.ParseFloat(string(bytes.TrimSpace(raw)), 64); err != nil {
		v.fail(path+"."+key, "not a number: %v", err)
	}
}

// integer: sizes and the status are integers (Go decoders read them as int).
func (v *harValidator) integer(o jsonObject, path, key string, required bool) {
	raw, ok := v.field(o, path, key, "number", required)
	if !ok {
		return
	}
	if _, err := strconv.ParseInt(string(bytes.TrimSpace(raw)), 10, 32); err != nil {
		v.fail(path+"."+key, "not an integer: %s", raw)
	}
}

// elements turns an array's items into objects, reporting items that are not.
func (v *harValidator) elements(a []json.RawMessage, path string) []jsonObject {
	var out []jsonObject
	for i, raw := range a {
		p := fmt.Sprintf("%s[%d]", path, i)
		if kind(raw) != "object" {
			v.fail(p, "is %s, want object", kind(raw))
			continue
		}
		var m jsonObject
		if err := json.Unmarshal(raw, &m); err != nil {
			v.fail(p, "%v", err)
			continue
		}
		out = append(out, m)
	}
	return out
}

func (v *harValidator) nameValues(o jsonObject, path, key string) {
	for i, nv := range v.elements(v.array(o, path, key, true), path+"."+key) {
		p := fmt.Sprintf("%s.%s[%d]", path, key, i)
		v.str(nv, p, "name", true)
		v.str(nv, p, "value", true)
	}
}

func (v *harValidator) date(o jsonObject, path, key string) {
	s, ok := v.str(o, path, key, true)
	if !ok {
		return
	}
	if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
		v.fail(path+"."+key, "%q is not an ISO 8601 date-time: %v", s, err)
	}
}

// validateHAR12 returns every HAR 1.2 violation in data (at most maxHARErrors), joined.
func validateHAR12(data []byte) error {
	v := &harValidator{}
	var root jsonObject
	if err := json.Unmarshal(data, &root); err != nil {
		return fmt.Errorf("not a JSON object: %w", err)
	}
	log := v.object(root, "$", "log", true)
	if log == nil {
		return errors.Join(v.errs...)
	}
	if ver, ok := v.str(log, "log", "version", true); ok && ver != "1.2" {
		v.fail("log.version", "%q, want \"1.2\"", ver)
	}
	for _, key := range []string{"creator", "browser"} {
		if c := v.object(log, "log", key, key == "creator"); c != nil {
			v.str(c, "log."+key, "name", true)
			v.str(c, "log."+key, "version", true)
		}
	}
	pageIDs := map[string]bool{}
	for i, p := range v.elements(v.array(log, "log", "pages", false), "log.pages") {
		path := fmt.Sprintf("log.pages[%d]", i)
		v.date(p, path, "startedDateTime")
		if id, ok := v.str(p, path, "id", true); ok {
			pageIDs[id] = true
		}
		v.str(p, path, "title", true)
		if pt := v.object(p, path, "pageTimings", true); pt != nil {
			v.num(pt, path+".pageTimings", "onContentLoad", false)
			v.num(pt, path+".pageTimings", "onLoad", false)
		}
	}
	for i, e := range v.elements(v.array(log, "log", "entries", true), "log.entries") {
		path := fmt.Sprintf("log.entries[%d]", i)
		if ref, ok := v.str(e, path, "pageref", false); ok && !pageIDs[ref] {
			v.fail(path+".pageref", "%q names no page", ref)
		}
		v.date(e, path, "startedDateTime")
		v.num(e, path, "time", true)
		v.object(e, path, "cache", true)
		v.str(e, path, "serverIPAddress", false)
		v.str(e, path, "connection", false)
		if req := v.object(e, path, "request", true); req != nil {
			p := path + ".request"
			v.str(req, p, "method", true)
			v.str(req, p, "url", true)
			v.str(req, p, "httpVersion", true)
			v.nameValues(req, p, "cookies")
			v.nameValues(req, p, "headers")
			v.nameValues(req, p, "queryString")
			if pd := v.object(req, p, "postData", false); pd != nil {
				v.str(pd, p+".postData", "mimeType", true)
			}
			v.integer(req, p, "headersSize", true)
			v.integer(req, p, "bodySize", true)
		}
		if resp := v.object(e, path, "response", true); resp != nil {
			p := path + ".response"
			v.integer(resp, p, "status", true)
			v.str(resp, p, "statusText", true)
			v.str(resp, p, "httpVersion", true)
			v.nameValues(resp, p, "cookies")
			v.nameValues(resp, p, "headers")
			if c := v.object(resp, p, "content", true); c != nil {
				v.integer(c, p+".content", "size", true)
				v.integer(c, p+".content", "compression", false)
				v.str(c, p+".content", "mimeType", true)
				v.str(c, p+".content", "text", false)
				v.str(c, p+".content", "encoding", false)
			}
			v.str(resp, p, "redirectURL", true)
			v.integer(resp, p, "headersSize", true)
			v.integer(resp, p, "bodySize", true)
		}
		if tm := v.object(e, path, "timings", true); tm != nil {
			for _, k := range []string{"blocked", "dns", "connect", "ssl"} {
				v.num(tm, path+".timings", k, false)
			}
			for _, k := range []string{"send", "wait", "receive"} {
				v.num(tm, path+".timings", k, true)
			}
		}
	}
	return errors.Join(v.errs...)
}

// validHAR is a small HAR 1.2 file with one failing entry, as Playwright writes one.
const validHAR = `{"log":{"version":"1.2","creator":{"name":"Playwright","version":"1.65.1"},
"browser":{"name":"chromium","version":"148.0.7778.167"},
"pages":[{"startedDateTime":"2026-11-26T23:09:09.417Z","id":"page@1","title":"pets SPA","pageTimings":{"onContentLoad":54,"onLoad":54}}],
"entries":[{"pageref":"page@1","startedDateTime":"2026-11-26T23:09:09.485Z","time":5.7,
"request":{"method":"GET","url":"http://a1b2c3d4e5.execute-api.localhost:4570/prod/nope","httpVersion":"HTTP/1.1","cookies":[],
 "headers":[{"name":"Host","value":"a1b2c3d4e5.execute-api.localhost:4570"}],"queryString":[],"headersSize":517,"bodySize":0},
"response":{"status":403,"statusText":"Forbidden","httpVersion":"HTTP/1.1","cookies":[],
 "headers":[{"name":"x-amzn-ErrorType","value":"MissingAuthenticationTokenException"}],
 "content":{"size":42,"mimeType":"application/json","compression":0,"text":"{\"message\":\"Missing Authentication Token\"}"},
 "redirectURL":"","headersSize":319,"bodySize":42,"_transferSize":361},
"cache":{},"timings":{"dns":-1,"connect":-1,"ssl":-1,"send":0,"wait":0.529,"receive":5.177},"_resourceType":"fetch"}]}}`

// TestValidateHAR12 shows the validator can fail: each mutation of a valid file is rejected
// with the path of the field at fault.
func TestValidateHAR12(t *testing.T) {
	if err := validateHAR12([]byte(validHAR)); err != nil {
		t.Fatalf("valid HAR rejected: %v", err)
	}
	tests := []struct{ name, old, new, want string }{
		{"wrong version", `"version":"1.2"`, `"version":"1.1"`, `log.version: "1.1"`},
		{"no creator", `"creator":{"name":"Playwright","version":"1.65.1"},`, ``, `log: missing required field "creator"`},
		{"no entries", `"entries":[`, `"entriez":[`, `log: missing required field "entries"`},
		{"bad date", `"startedDateTime":"2026-11-26T23:09:09.485Z"`, `"startedDateTime":"yesterday"`, `log.entries[0].startedDateTime: "yesterday"`},
		{"status as string", `"status":403`, `"status":"403"`, `log.entries[0].response.status: is string, want number`},
		{"fractional size", `"headersSize":319`, `"headersSize":3.5`, `log.entries[0].response.headersSize: not an integer`},
		{"header without value", `{"name":"Host","value":"a1b2c3d4e5.execute-api.localhost:4570"}`, `{"name":"Host"}`, `log.entries[0].request.headers[0]: missing required field "value"`},
		{"no queryString", `"queryString":[],`, ``, `log.entries[0].request: missing required field "queryString"`},
		{"no content mimeType", `"mimeType":"application/json",`, ``, `log.entries[0].response.content: missing required field "mimeType"`},
		{"no receive timing", `,"receive":5.177`, ``, `log.entries[0].timings: missing required field "receive"`},
		{"dangling pageref", `"pageref":"page@1"`, `"pageref":"page@2"`, `log.entries[0].pageref: "page@2" names no page`},
		{"entry not an object", `"entries":[{`, `"entries":[1,{`, `log.entries[0]: is number, want object`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(validHAR, tc.old) {
				t.Fatalf("test bug: %q not in the valid HAR", tc.old)
			}
			err := validateHAR12([]byte(strings.Replace(validHAR, tc.old, tc.new, 1)))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// FuzzValidateHAR12: the validator never panics, and whatever it accepts is a HAR that the
// test's typed reader decodes and the troubleshooter's parser reads without error.
func FuzzValidateHAR12(f *testing.F) {
	f.Add([]byte(validHAR))
	f.Add([]byte(`{"log":{"version":"1.2","creator":{"name":"x","version":"1"},"entries":[]}}`))
	f.Add([]byte(`{"log":{"version":"1.2","creator":{"name":"x","version":"1"},"entries":[{"startedDateTime":"2026-01-01T00:00:00Z","time":1,"request":{},"response":{"status":-1,"_failureText":"net::ERR_FAILED"}}]}}`))
	f.Add([]byte(`{"log":[]}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"log":{"version":"1.2","entries":[null,1,"x",[]]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := validateHAR12(data); err != nil {
			if n := len(strings.Split(err.Error(), "\n")); n > maxHARErrors {
				t.Fatalf("%d violations reported, cap is %d", n, maxHARErrors)
			}
			return
		}
		var h harDoc
		if err := json.Unmarshal(data, &h); err != nil {
			t.Fatalf("validator accepted a HAR the typed reader rejects: %v", err)
		}
		if _, err := input.Parse(bytes.NewReader(data), input.FormatHAR); err != nil {
			t.Fatalf("validator accepted a HAR that input.Parse rejects: %v", err)
		}
	})
}
