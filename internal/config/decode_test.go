package config

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// lines joins lines with "\n" so that test inputs can be written one line per argument and line
// numbers in expected errors are easy to check.
func lines(l ...string) string { return strings.Join(l, "\n") + "\n" }

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"unknown top-level field",
			lines(`accountId: "123456789012"`, `regoin: us-east-1`),
			`c.yaml:2:1: regoin: unknown field "regoin"`},
		{"unknown nested field with case hint",
			lines(`restApis:`, `  - id: abcdefghij`, `    stages:`, `      - stageName: prod`, `      - StageName: dev`),
			`c.yaml:5:9: restApis[0].stages[1].StageName: unknown field "StageName" (did you mean "stageName"?)`},
		{"string expected",
			lines(`region: [us-east-1]`),
			`c.yaml:1:9: region: expected a string, got a sequence`},
		{"boolean expected",
			lines(`trustForwardedFor: "yes"`),
			`c.yaml:1:20: trustForwardedFor: expected a boolean, got a string`},
		{"integer expected",
			lines(`restApis:`, `  - stages:`, `      - methodSettings:`, `          "*/*": {throttlingBurstLimit: 1.5}`),
			`c.yaml:4:41: restApis[0].stages[0].methodSettings["*/*"].throttlingBurstLimit: expected an integer, got a number`},
		{"number expected",
			lines(`usagePlans:`, `  - throttle: {rateLimit: fast}`),
			`c.yaml:2:27: usagePlans[0].throttle.rateLimit: expected a number, got a string`},
		{"integer out of range",
			lines(`usagePlans:`, `  - quota: {limit: 99999999999999999999999}`),
			`c.yaml:2:20: usagePlans[0].quota.limit: integer 99999999999999999999999 out of range`},
		{"sequence expected",
			lines(`restApis: {id: x}`),
			`c.yaml:1:11: restApis: expected a sequence, got a mapping`},
		{"mapping expected",
			lines(`iam: [a]`),
			`c.yaml:1:6: iam: expected a mapping, got a sequence`},
		{"duplicate field",
			lines(`region: a`, `region: b`),
			`c.yaml:2:1: region: duplicate key "region"`},
		{"duplicate map key",
			lines(`restApis:`, `  - stages:`, `      - variables: {a: x, a: y}`),
			`c.yaml:3:27: restApis[0].stages[0].variables.a: duplicate key "a"`},
		{"unknown alias",
			lines(`region: *nope`),
			`c.yaml:1:9: region: unknown alias *nope`},
		{"merge key",
			lines(`iam:`, `  <<: {users: []}`),
			`c.yaml:2:3: iam: merge keys (<<) are not supported`},
		{"two documents",
			lines(`region: a`, `---`, `region: b`),
			`c.yaml:2:1: a configuration file holds one YAML document, found several`},
		{"JSON unknown field",
			`{"accountId": "123456789012", "restApis": [{"id": "abcdefghij", "stagez": []}]}`,
			`c.yaml:1:65: restApis[0].stagez: unknown field "stagez"`},
		{"invalid JSON in policy string",
			lines(`restApis:`, `  - policy: '{"Version": '`),
			`c.yaml:2:13: restApis[0].policy: invalid JSON in string: unexpected end of JSON input`},
		{"WAF Name not a string",
			lines(`wafv2:`, `  webAcls:`, `    - {Name: [x], Id: a}`),
			`c.yaml:3:14: wafv2.webAcls[0].Name: expected a string`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode([]byte(tt.in), "c.yaml")
			if err == nil {
				t.Fatalf("Decode succeeded, want %s", tt.want)
			}
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %T is not a *config.Error: %v", err, err)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("error:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestDecodeSyntaxErrorHasPosition(t *testing.T) {
	_, err := Decode([]byte("region: a\n  bad: [\n"), "c.yaml")
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("want *Error, got %T %v", err, err)
	}
	if ce.Line == 0 || ce.File != "c.yaml" || ce.Field != "" {
		t.Errorf("syntax error without position: %+v", ce)
	}
}

func TestDecodeValues(t *testing.T) {
	in := lines(
		`accountId: 012345678901      # unquoted: kept as written`,
		`region: &r us-east-1`,
		`errorMessageStyle: current`,
		`restApis:`,
		`  - id: abcdefghij`,
		`    definition: api.yaml`,
		`    disableExecuteApiEndpoint: false`,
		`    policy: '{"Version":"2012-10-17","Statement":[]}'`,
		`    stages:`,
		`      - stageName: prod`,
		`        variables: {backend: "127.0.0.1:9000", region: *r}`,
		`        methodSettings:`,
		`          "*/*": {throttlingRateLimit: 10, throttlingBurstLimit: 5}`,
		`vpcEndpoints:`,
		`  - vpcEndpointId: vpce-0abc`,
		`    policyDocument:`,
		`      Statement: [{Effect: Allow, Principal: "*", Action: "*", Resource: "*"}]`,
		`wafv2:`,
		`  webAcls:`,
		`    - WebACL: {Name: main, Id: "1111", ARN: "arn:aws:wafv2:x", DefaultAction: {Allow: {}}}`,
		`      LockToken: abc`,
	)
	c, err := Decode([]byte(in), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	f := false
	rate, burst := 10.0, 5
	want := &Config{
		AccountID:         "012345678901",
		Region:            "us-east-1",
		ErrorMessageStyle: "current",
		RestAPIs: []*RestAPIConfig{{
			ID: "abcdefghij", Definition: "api.yaml", DisableExecuteAPIEndpoint: &f,
			Policy: []byte(`{"Statement":[],"Version":"2012-10-17"}`),
			Stages: []*StageConfig{{
				StageName: "prod",
				Variables: map[string]string{"backend": "127.0.0.1:9000", "region": "us-east-1"},
				MethodSettings: map[string]*MethodSettingConfig{
					"*/*": {ThrottlingRateLimit: &rate, ThrottlingBurstLimit: &burst},
				},
			}},
		}},
		VPCEndpoints: []*VPCEndpointConfig{{
			VPCEndpointID:  "vpce-0abc",
			PolicyDocument: []byte(`{"Statement":[{"Action":"*","Effect":"Allow","Principal":"*","Resource":"*"}]}`),
		}},
		WAFv2: &WAFv2Config{WebACLs: []*WAFObject{{
			Name: "main", ID: "1111", ARN: "arn:aws:wafv2:x",
			Body: []byte(`{"ARN":"arn:aws:wafv2:x","DefaultAction":{"Allow":{}},"Id":"1111","Name":"main"}`),
		}}},
	}
	if diff := cmp.Diff(want, c, cmp.AllowUnexported(Config{}), cmp.FilterPath(func(p cmp.Path) bool {
		sf, ok := p.Last().(cmp.StructField)
		return ok && (sf.Name() == "pos" || sf.Name() == "file" || sf.Name() == "dir")
	}, cmp.Ignore())); diff != "" {
		t.Errorf("Decode (-want +got):\n%s", diff)
	}
}

func TestDecodeEmpty(t *testing.T) {
	c, err := Decode(nil, "empty.yaml")
	if err != nil {
		t.Fatal(err)
	}
	err = c.Validate()
	want := "empty.yaml: accountId: is required\nempty.yaml: region: is required"
	if err == nil || err.Error() != want {
		t.Errorf("Validate() = %v, want %s", err, want)
	}
}

func TestPaths(t *testing.T) {
	for _, tt := range []struct{ path, parent string }{
		{`a.b`, `a`},
		{`a`, ``},
		{`a[3]`, `a`},
		{`a.b[3].c`, `a.b[3]`},
		{`a["*/*"]`, `a`},
		{`a["x\"]"]`, `a`},
		{`a["[\""]`, `a`},
	} {
		if got := parentPath(tt.path); got != tt.parent {
			t.Errorf("parentPath(%q) = %q, want %q", tt.path, got, tt.parent)
		}
	}
	if got := keyPath("v", "backend_1"); got != "v.backend_1" {
		t.Errorf("keyPath ident = %q", got)
	}
	if got := keyPath("m", "/pets/GET"); got != `m["/pets/GET"]` {
		t.Errorf("keyPath non-ident = %q", got)
	}
}

func FuzzDecode(f *testing.F) {
	for _, name := range []string{"../../examples/pets/portcullis.yaml", "../../examples/orders/portcullis.yaml"} {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
	for _, s := range []string{
		"", "{}", "[]", "null", "region: *a", "a: &a [*a]", "<<: {}", "restApis: [{id: x, stages: [{variables: {a: 1}}]}]",
		"{\"restApis\": [{\"policy\": \"{\\\"a\\\": 1}\"}]}", "region: !!binary aGVsbG8=", "wafv2: {webAcls: [{WebACL: {Name: 1}}]}",
		"accountId: [", "restApis:\n  - id: a\n    id: b\n", "iam: {users: [{policies: [.inf]}]}", "x: !!int 3\n---\ny: 1",
		"a: &a [1,2]\nb: &b [*a,*a,*a]\nc: [*b,*b,*b]\n", "? [a]\n: b\n", "usagePlans: [{quota: {limit: -1e400}}]",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Decode(data, "f.yaml")
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("error is %T, not *Error: %v", err, err)
			}
			return
		}
		_ = c.Validate()
	})
}
