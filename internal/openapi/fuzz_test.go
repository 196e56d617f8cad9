package openapi

import (
	"errors"
	"os"
	"testing"
)

// FuzzParse: malformed input must yield an *Error, never a panic; a successful import must
// satisfy the model's invariants.
func FuzzParse(f *testing.F) {
	for _, p := range []string{"../../examples/pets/pets.oas30.json", "../../examples/orders/orders.swagger.yaml"} {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		"", "{}", "[]", "null", "openapi: 3.0.1", "swagger: '2.0'\npaths: {/a: {get: {}}}",
		"openapi: 3.0.1\npaths:\n  /a/{b+}:\n    x-amazon-apigateway-any-method: {}\n",
		"openapi: 3.0.1\npaths: {/a: {get: {parameters: [{$ref: '#/paths/~1a/get/parameters/0'}]}}}",
		"openapi: 3.0.1\na: &a {b: *a}\n",
		"openapi: 3.0.1\npaths: {/a: {get: {x-amazon-apigateway-integration: {type: http, httpMethod: GET, uri: 'http://${stageVariables.x}/'}}}}",
		"openapi: 3.0.1\nx-amazon-apigateway-policy: '{\"a\": [1, 2.5e400]}'",
		"openapi: 3.0.1\ncomponents: {schemas: {A: {x: .inf}}}",
		"openapi: 3.0.1\n<<: {paths: {}}\n",
		"{\"openapi\": \"3.0.0\", \"paths\": {\"/\": {\"get\": {\"responses\": {\"200\": {\"$ref\": \"#/x\"}}}}}}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		api, err := Parse(data, "fuzz.yaml")
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not *openapi.Error: %v", err, err)
			}
			return
		}
		if len(api.Resources) == 0 || api.Resources[0].Path != "/" {
			t.Fatalf("no root resource: %+v", api.Resources)
		}
		for i, r := range api.Resources {
			if i > 0 && api.Resources[i-1].Path >= r.Path {
				t.Fatalf("resources not sorted: %s then %s", api.Resources[i-1].Path, r.Path)
			}
			if !idPattern.MatchString(r.ID) || r.Methods == nil {
				t.Fatalf("bad resource %+v", r)
			}
		}
	})
}
