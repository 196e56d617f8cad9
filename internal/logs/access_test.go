package logs

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/portcullis/portcullis/internal/ctxtemplate"
	"github.com/portcullis/portcullis/internal/ctxvars"
)

// request is a 403 served to a curl client, with everything the presets print set.
func request() *ctxvars.Vars {
	msg := "Forbidden"
	return &ctxvars.Vars{
		RequestID:         "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
		ExtendedRequestID: "Vts2FFmArPEFh8g=",
		APIID:             "a1b2c3d4e5",
		Stage:             "prod",
		SourceIP:          "203.0.113.7",
		Caller:            "AIDACALLER",
		User:              "AIDAUSER",
		RequestTime:       time.Date(2024, time.March, 5, 7, 8, 9, 0, time.UTC),
		HTTPMethod:        "GET",
		ResourcePath:      "/pets/{petId}",
		Protocol:          "HTTP/2.0",
		Status:            403,
		ResponseLength:    ctxvars.Some(int64(23)),
		ErrorMessage:      &msg,
		StageVariables:    map[string]string{"backend": "b"},
	}
}

func TestPresets(t *testing.T) {
	// The preset constants were checked byte for byte against facts §2.2; these goldens pin
	// what they render to.
	v := request()
	tests := []struct {
		name string
		want string
	}{
		{"CLF", `203.0.113.7 AIDACALLER AIDAUSER [05/Mar/2024:07:08:09 +0000] "GET /pets/{petId} HTTP/1.1" 403 23 c6af9ac6-7b61-11e6-9a41-93e8deadbeef Vts2FFmArPEFh8g=` + "\n"},
		{"json", `{ "requestId":"c6af9ac6-7b61-11e6-9a41-93e8deadbeef", "extendedRequestId":"Vts2FFmArPEFh8g=", "ip": "203.0.113.7", "caller":"AIDACALLER", "user":"AIDAUSER", "requestTime":"05/Mar/2024:07:08:09 +0000", "httpMethod":"GET", "resourcePath":"/pets/{petId}", "status":"403", "protocol":"HTTP/1.1", "responseLength":"23" }` + "\n"},
		{"Xml", `<request id="c6af9ac6-7b61-11e6-9a41-93e8deadbeef"> <extendedRequestId>Vts2FFmArPEFh8g=</extendedRequestId> <ip>203.0.113.7</ip> <caller>AIDACALLER</caller> <user>AIDAUSER</user> <requestTime>05/Mar/2024:07:08:09 +0000</requestTime> <httpMethod>GET</httpMethod> <resourcePath>/pets/{petId}</resourcePath> <status>403</status> <protocol>HTTP/1.1</protocol> <responseLength>23</responseLength> </request>` + "\n"},
		{"CSV", `203.0.113.7,AIDACALLER,AIDAUSER,05/Mar/2024:07:08:09 +0000,GET,/pets/{petId},HTTP/1.1,403,23,c6af9ac6-7b61-11e6-9a41-93e8deadbeef,Vts2FFmArPEFh8g=` + "\n"},
	}
	for _, tt := range tests {
		f, ok := Preset(tt.name)
		if !ok {
			t.Fatalf("Preset(%q) not found", tt.name)
		}
		tpl, err := CompileAccess(f)
		if err != nil {
			t.Fatalf("preset %s: %v", tt.name, err)
		}
		if got := string(AccessLine(nil, tpl, v.Lookup)); got != tt.want {
			t.Errorf("%s line:\n%s", tt.name, cmp.Diff(tt.want, got))
		}
		if u := Unsupported(tpl); len(u) != 0 {
			t.Errorf("preset %s references unsupported variables %v", tt.name, u)
		}
	}
	if _, ok := Preset("YAML"); ok {
		t.Error("Preset(YAML) found")
	}
	// Each preset names the same eleven variables.
	want := []string{"context.identity.sourceIp", "context.identity.caller", "context.identity.user", "context.requestTime", "context.httpMethod", "context.resourcePath", "context.protocol", "context.status", "context.responseLength", "context.requestId", "context.extendedRequestId"}
	if got := ctxtemplate.Compile(CLF).Names(); !cmp.Equal(got, want) {
		t.Errorf("CLF names: %s", cmp.Diff(want, got))
	}
	if got := ctxtemplate.Compile(CSV).Names(); !cmp.Equal(got, want) {
		t.Errorf("CSV names: %s", cmp.Diff(want, got))
	}
}

// TestAccessLineUnset: a request denied before anything is known prints "-" for every
// unset variable (facts §2.1 [OBS]).
func TestAccessLineUnset(t *testing.T) {
	tpl, err := CompileAccess(CLF)
	if err != nil {
		t.Fatal(err)
	}
	v := &ctxvars.Vars{RequestID: "r1", Status: 403, ResponseLength: ctxvars.Some(int64(42))}
	want := `- - - [-] "- - -" 403 42 r1 -` + "\n"
	if got := string(AccessLine(nil, tpl, v.Lookup)); got != want {
		t.Errorf("got %q want %q", got, want)
	}
}

func TestAccessLineAppends(t *testing.T) {
	tpl, err := CompileAccess("$context.requestId $context.error.messageString $stageVariables.backend $context.authorizer.principalId")
	if err != nil {
		t.Fatal(err)
	}
	dst := []byte("prefix|")
	got := string(AccessLine(dst, tpl, request().Lookup))
	if want := "prefix|c6af9ac6-7b61-11e6-9a41-93e8deadbeef \"Forbidden\" b -\n"; got != want {
		t.Errorf("got %q want %q", got, want)
	}
}

func TestCompileAccess(t *testing.T) {
	tests := []struct {
		format string
		err    error
	}{
		{"$context.requestId", nil},
		{"${context.requestId} $context.status", nil},
		{"$context.extendedRequestId", nil},
		{"$context.requestId\n", nil}, // one trailing newline is dropped
		{"", ErrFormatEmpty},
		{"\n", ErrFormatEmpty},
		{"$context.status", ErrFormatNoRequestID},
		{"$context.requestid", ErrFormatNoRequestID}, // names are case-sensitive
		{"requestId", ErrFormatNoRequestID},
		{"$context.requestId\n$context.status", ErrFormatMultiline},
		{"$context.requestId\r", ErrFormatMultiline},
		{"$context.requestId\n\n", ErrFormatMultiline},
		{"$context.requestId " + strings.Repeat("x", MaxAccessFormatBytes), ErrFormatTooLarge},
	}
	for _, tt := range tests {
		tpl, err := CompileAccess(tt.format)
		if !errors.Is(err, tt.err) || (err == nil) != (tt.err == nil) {
			t.Errorf("CompileAccess(%q) error = %v; want %v", tt.format, err, tt.err)
		}
		if err == nil && tpl == nil {
			t.Errorf("CompileAccess(%q) returned no template", tt.format)
		}
	}
	// Exactly at the limit is accepted.
	f := "$context.requestId " + strings.Repeat("x", MaxAccessFormatBytes-len("$context.requestId "))
	if _, err := CompileAccess(f); err != nil {
		t.Errorf("format of exactly %d bytes: %v", MaxAccessFormatBytes, err)
	}
	// The trailing newline is not rendered twice.
	tpl, _ := CompileAccess("$context.requestId\n")
	if got := string(AccessLine(nil, tpl, request().Lookup)); strings.Count(got, "\n") != 1 {
		t.Errorf("line %q has more than one newline", got)
	}
}

func TestUnsupported(t *testing.T) {
	tpl, err := CompileAccess("$context.requestId $context.requestID $stageVariables.x $context.authorizer.tenant $context.identity.sourceIp $context.nope.x")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"context.requestID", "stageVariables.x", "context.nope.x"}
	if diff := cmp.Diff(want, Unsupported(tpl)); diff != "" {
		t.Errorf("Unsupported (-want +got):\n%s", diff)
	}
}

// FuzzCompileAccess compiles arbitrary formats and renders the accepted ones: it must never
// panic, and an accepted format must render exactly one line.
func FuzzCompileAccess(f *testing.F) {
	for _, s := range []string{CLF, JSON, XML, CSV, "", "$", "${", "${context.requestId", "$context.requestId\n", "$$context.requestId.$", "${context.requestId}}$context.", "$stageVariables.x.y $context.requestId"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, format string) {
		tpl, err := CompileAccess(format)
		if err != nil {
			if tpl != nil {
				t.Fatal("template returned with an error")
			}
			return
		}
		for _, v := range []*ctxvars.Vars{{}, request()} {
			line := AccessLine(nil, tpl, v.Lookup)
			if len(line) == 0 || line[len(line)-1] != '\n' || strings.ContainsAny(string(line[:len(line)-1]), "\r\n") {
				t.Fatalf("format %q rendered %q: not one line", format, line)
			}
		}
	})
}

func BenchmarkAccessLine(b *testing.B) {
	tpl, err := CompileAccess(CLF)
	if err != nil {
		b.Fatal(err)
	}
	v := request()
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		buf = AccessLine(buf[:0], tpl, v.Lookup)
	}
}
