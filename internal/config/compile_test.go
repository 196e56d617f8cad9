package config

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

// writeFiles writes name -> content into a fresh directory and returns it.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func readTestdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

const compileConfig = `accountId: "123456789012"
region: eu-west-1
trustForwardedFor: true
restApis:
  - id: abcdefghij
    name: pets
    definition: defs/min.oas30.yaml
    deployments:
      - {id: d1, definition: defs/v2.oas30.yaml}
      - {id: d2}
    stages:
      - stageName: prod
        variables: {backend: "127.0.0.1:9000"}
        methodSettings:
          "*/*": {throttlingRateLimit: 100, throttlingBurstLimit: 50, loggingLevel: INFO}
          "/pets/{petId}/GET": {throttlingRateLimit: 1}
        accessLogSettings: {format: JSON, destinationArn: "file:logs/access.log"}
      - stageName: old
        deploymentId: d1
      - stageName: same
        deploymentId: d2
  - id: k2k2k2k2k2
    definition: defs/min.oas30.yaml
    policy: {Version: "2012-10-17", Statement: [{Effect: Deny, Principal: "*", Action: "execute-api:Invoke", Resource: "execute-api:/*"}]}
    disableExecuteApiEndpoint: false
    endpointConfiguration: {types: [PRIVATE], vpcEndpointIds: [vpce-0abc]}
    apiKeySource: HEADER
lambda:
  endpoint: http://127.0.0.1:3001
  functions: [{arn: "arn:aws:lambda:eu-west-1:123456789012:function:auth", endpoint: "http://127.0.0.1:9001"}]
domainNames:
  - domainName: API.Example.test
`

func TestCompile(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"portcullis.yaml":     compileConfig,
		"defs/min.oas30.yaml": readTestdata(t, "min.oas30.yaml"),
		"defs/v2.oas30.yaml":  readTestdata(t, "v2.oas30.yaml"),
	})
	w, err := Load(filepath.Join(dir, "portcullis.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if w.AccountID != "123456789012" || w.Region != "eu-west-1" || !w.TrustForwardedFor || w.ErrorMessageStyle != "seed" || w.Raw == nil {
		t.Errorf("world header: %+v", w)
	}
	if len(w.APIList) != 2 || w.APIs["abcdefghij"] != w.APIList[0] || w.APIs["k2k2k2k2k2"] != w.APIList[1] {
		t.Fatalf("APIs: %v", w.APIs)
	}

	a := w.APIs["abcdefghij"]
	type apiView struct {
		Name                      string
		Policy                    string
		DisableExecuteAPIEndpoint bool
		EndpointTypes             []string
		VpcEndpointIDs            []string
		APIKeySource              string
	}
	view := func(r *RestAPI) apiView {
		return apiView{r.Name, string(r.Policy), r.DisableExecuteAPIEndpoint, r.EndpointTypes, r.VpcEndpointIDs, r.APIKeySource}
	}
	// From the definition: policy, disabled endpoint, AUTHORIZER key source; default REGIONAL.
	want := apiView{"pets", `{"Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Principal":"*","Resource":"execute-api:/*"}],"Version":"2012-10-17"}`,
		true, []string{"REGIONAL"}, nil, "AUTHORIZER"}
	got := view(a)
	got.Policy = compactJSON(t, got.Policy)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("api from definition (-want +got):\n%s", diff)
	}
	// Config overrides everything.
	want2 := apiView{"", `{"Statement":[{"Action":"execute-api:Invoke","Effect":"Deny","Principal":"*","Resource":"execute-api:/*"}],"Version":"2012-10-17"}`, false, []string{"PRIVATE"}, []string{"vpce-0abc"}, "HEADER"}
	got2 := view(w.APIs["k2k2k2k2k2"])
	got2.Policy = compactJSON(t, got2.Policy)
	if diff := cmp.Diff(want2, got2); diff != "" {
		t.Errorf("api from config (-want +got):\n%s", diff)
	}

	if a.Current == nil || a.Current.ID != "" || a.Current.Router == nil || a.Current.Def == nil {
		t.Fatalf("Current: %+v", a.Current)
	}
	var paths []string
	for _, r := range a.Current.Def.Resources {
		paths = append(paths, r.Path)
	}
	if diff := cmp.Diff([]string{"/", "/pets", "/pets/{petId}"}, paths); diff != "" {
		t.Errorf("current resources (-want +got):\n%s", diff)
	}
	if m := a.Current.Router.Match("/pets/7", "GET"); m.Resource == nil || m.Resource.Path != "/pets/{petId}" || m.PathParams["petId"] != "7" {
		t.Errorf("router match: %+v", m)
	}

	if names := stageNames(a); !cmp.Equal(names, []string{"prod", "old", "same"}) {
		t.Errorf("stages %v", names)
	}
	prod := a.Stages["prod"]
	if prod.API != a || prod.Deployment != a.Current || prod.DeploymentID != "" {
		t.Errorf("prod deployment: %+v", prod)
	}
	rate, burst, one := 100.0, 50, 1.0
	wantMS := map[string]*MethodSetting{
		"*/*": {ThrottlingRateLimit: &rate, ThrottlingBurstLimit: &burst, LoggingLevel: "INFO"},
		// A method's own settings override */* field by field and inherit the rest.
		"/pets/{petId}/GET": {ThrottlingRateLimit: &one, ThrottlingBurstLimit: &burst, LoggingLevel: "INFO"},
	}
	if diff := cmp.Diff(wantMS, prod.MethodSettings); diff != "" {
		t.Errorf("method settings (-want +got):\n%s", diff)
	}
	if prod.Setting("/pets/{petId}", "GET") != prod.MethodSettings["/pets/{petId}/GET"] || prod.Setting("/pets", "GET") != prod.MethodSettings["*/*"] {
		t.Errorf("Setting lookup")
	}
	if diff := cmp.Diff(map[string]string{"backend": "127.0.0.1:9000"}, prod.Variables); diff != "" {
		t.Errorf("variables (-want +got):\n%s", diff)
	}
	al := prod.AccessLog
	if al == nil || al.Path != filepath.Join(dir, "logs", "access.log") || al.DestinationArn != "file:logs/access.log" ||
		al.Format.Source() != AccessLogPresets["JSON"] {
		t.Errorf("access log: %+v", al)
	}

	old := a.Stages["old"]
	if old.DeploymentID != "d1" || old.Deployment != a.Deployments["d1"] || old.Deployment.Def.Title != "minimal v2" || old.AccessLog != nil {
		t.Errorf("old stage: %+v", old)
	}
	if m := old.Deployment.Router.Match("/pets", "GET"); m.Resource != nil {
		t.Errorf("deployment d1 should not have /pets: %+v", m.Resource)
	}
	if same := a.Stages["same"]; same.Deployment.Def != a.Current.Def || same.Deployment.ID != "d2" {
		t.Errorf("d2 should snapshot the current definition")
	}

	if w.LambdaEndpoint != "http://127.0.0.1:3001" ||
		!cmp.Equal(w.LambdaFunctions, map[string]string{"arn:aws:lambda:eu-west-1:123456789012:function:auth": "http://127.0.0.1:9001"}) {
		t.Errorf("lambda: %q %v", w.LambdaEndpoint, w.LambdaFunctions)
	}
	if d := w.Domains["api.example.test"]; d == nil || d.Name != "API.Example.test" {
		t.Errorf("domains: %v", w.Domains)
	}
}

func compactJSON(t *testing.T, s string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func stageNames(a *RestAPI) []string {
	var out []string
	for _, s := range a.StageList {
		out = append(out, s.Name)
	}
	return out
}

func TestCompileErrors(t *testing.T) {
	defs := map[string]string{
		"min.oas30.yaml":    readTestdata(t, "min.oas30.yaml"),
		"broken.oas30.yaml": readTestdata(t, "broken.oas30.yaml"),
	}
	tests := []struct {
		name, config string
		want         string // exact, with DIR for the temp directory
	}{
		{"method setting for a missing resource", cfg(head, []string{`restApis:`, `  - id: abcdefghij`, `    definition: min.oas30.yaml`,
			`    stages:`, `      - stageName: prod`, `        methodSettings: {"/cats/GET": {}}`}),
			`DIR/c.yaml:8:26: restApis[0].stages[0].methodSettings["/cats/GET"]: no resource /cats in the stage's definition`},
		{"usage plan throttle for a missing resource", cfg(head, []string{`restApis:`, `  - id: abcdefghij`, `    definition: min.oas30.yaml`,
			`    stages: [{stageName: prod}]`, `usagePlans: [{id: u, apiStages: [{apiId: abcdefghij, stage: prod, throttle: {"/dogs/GET": {rateLimit: 1}}}]}]`}),
			`DIR/c.yaml:7:78: usagePlans[0].apiStages[0].throttle["/dogs/GET"]: no resource /dogs in stage prod of rest API abcdefghij`},
		{"missing definition file", cfg(head, []string{`restApis:`, `  - id: abcdefghij`, `    definition: nope.yaml`}),
			`DIR/c.yaml:5:17: restApis[0].definition: cannot import definition: `},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{"c.yaml": tt.config}
			for k, v := range defs {
				files[k] = v
			}
			dir := writeFiles(t, files)
			_, err := Load(filepath.Join(dir, "c.yaml"))
			if err == nil {
				t.Fatal("Load succeeded")
			}
			want := strings.ReplaceAll(tt.want, "DIR", dir)
			got := err.Error()
			if strings.HasSuffix(want, ": ") {
				if !strings.HasPrefix(got, want) {
					t.Errorf("error:\n got %s\nwant prefix %s", got, want)
				}
			} else if got != want {
				t.Errorf("error:\n got %s\nwant %s", got, want)
			}
		})
	}
}

// An import error names the config field and keeps the definition's own file:line:column.
func TestCompileWrapsImportError(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"c.yaml":            cfg(head, []string{`restApis:`, `  - id: abcdefghij`, `    definition: broken.oas30.yaml`}),
		"broken.oas30.yaml": readTestdata(t, "broken.oas30.yaml"),
	})
	_, err := Load(filepath.Join(dir, "c.yaml"))
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("want *Error, got %T %v", err, err)
	}
	prefix := filepath.Join(dir, "c.yaml") + ":5:17: restApis[0].definition: cannot import definition: " + filepath.Join(dir, "broken.oas30.yaml") + ":5:"
	if !strings.HasPrefix(err.Error(), prefix) {
		t.Errorf("error:\n got %s\nwant prefix %s", err, prefix)
	}
	if ce.Err == nil || !strings.Contains(ce.Err.Error(), "broken.oas30.yaml:5:") {
		t.Errorf("underlying importer error lost: %v", ce.Err)
	}
}

func TestLoadFS(t *testing.T) {
	fsys := fstest.MapFS{
		"demo/portcullis.yaml":     {Data: []byte(cfg(head, []string{`restApis:`, `  - id: abcdefghij`, `    definition: defs/min.oas30.yaml`, `    stages:`, `      - stageName: prod`, `        accessLogSettings: {format: CLF, destinationArn: "file:a.log"}`}))},
		"demo/defs/min.oas30.yaml": {Data: []byte(readTestdata(t, "min.oas30.yaml"))},
	}
	base := t.TempDir()
	w, err := LoadFS(fsys, "demo/portcullis.yaml", Options{BaseDir: base})
	if err != nil {
		t.Fatal(err)
	}
	s := w.APIs["abcdefghij"].Stages["prod"]
	if s.AccessLog.Path != filepath.Join(base, "a.log") {
		t.Errorf("access log path %q, want under %s", s.AccessLog.Path, base)
	}
	if w.Source != "demo/portcullis.yaml" || len(s.Deployment.Def.Resources) != 3 {
		t.Errorf("source %q, resources %d", w.Source, len(s.Deployment.Def.Resources))
	}
	// A definition missing from the FS is an error naming the field.
	delete(fsys, "demo/defs/min.oas30.yaml")
	_, err = LoadFS(fsys, "demo/portcullis.yaml", Options{})
	if err == nil || !strings.HasPrefix(err.Error(), "demo/portcullis.yaml:5:17: restApis[0].definition: cannot import definition: open demo/defs/min.oas30.yaml") {
		t.Errorf("missing definition: %v", err)
	}
}

func TestJSONConfig(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"c.json": `{"accountId": "123456789012", "region": "us-east-1",
  "restApis": [{"id": "abcdefghij", "definition": "min.oas30.yaml",
    "stages": [{"stageName": "prod", "variables": {"b": "x"},
      "accessLogSettings": {"format": "$context.requestId", "destinationArn": "stdout"}}]}]}`,
		"min.oas30.yaml": readTestdata(t, "min.oas30.yaml"),
	})
	w, err := Load(filepath.Join(dir, "c.json"))
	if err != nil {
		t.Fatal(err)
	}
	s := w.APIs["abcdefghij"].Stages["prod"]
	if s.Variables["b"] != "x" || s.AccessLog.Path != "" || s.AccessLog.DestinationArn != "stdout" {
		t.Errorf("stage: %+v %+v", s, s.AccessLog)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "none.yaml"))
	var ce *Error
	if !errors.As(err, &ce) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("want *Error wrapping ErrNotExist, got %v", err)
	}
}

func TestExamples(t *testing.T) {
	t.Run("pets", func(t *testing.T) {
		w, err := Load("../../examples/pets/portcullis.yaml")
		if err != nil {
			t.Fatal(err)
		}
		a := w.APIs["petsapi001"]
		if a == nil || !cmp.Equal(stageNames(a), []string{"prod", "dev"}) {
			t.Fatalf("pets API: %+v", a)
		}
		prod := a.Stages["prod"]
		abs, _ := filepath.Abs("../../examples/pets/access.log")
		if prod.Variables["backend"] != "127.0.0.1:9000" || prod.AccessLog == nil || prod.AccessLog.Path != abs ||
			prod.AccessLog.Format.Source() != AccessLogPresets["JSON"] {
			t.Errorf("prod stage: %+v", prod)
		}
		if m := prod.Deployment.Router.Match("/pets", "GET"); m.Method == nil {
			t.Errorf("GET /pets does not route")
		}
	})
	t.Run("orders", func(t *testing.T) {
		w, err := Load("../../examples/orders/portcullis.yaml")
		if err != nil {
			t.Fatal(err)
		}
		a := w.APIs["ordersapi1"]
		if a == nil || a.Stages["v1"] == nil || w.LambdaEndpoint != "http://127.0.0.1:3001" ||
			w.LambdaFunctions["arn:aws:lambda:us-east-1:123456789012:function:orders"] == "" {
			t.Fatalf("orders world: %+v", w)
		}
	})
}
