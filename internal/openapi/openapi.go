// Package openapi imports OpenAPI 3.0 and Swagger 2.0 definitions (JSON or YAML) with the
// x-amazon-apigateway-* extensions into an apidef.API, as `aws apigateway import-rest-api`
// does (facts §9), so that the output of `aws apigateway get-export --parameters
// extensions=apigateway` loads unchanged.
//
// What is reproduced:
//   - every path becomes a resource, with the intermediate resources API Gateway creates and
//     "/" always present; path segments are validated as API Gateway does (facts §9);
//   - root-level `security` is ignored, only operation-level requirements count (facts §9);
//   - security schemes map to the method's authorization type: a scheme with
//     x-amazon-apigateway-authorizer → CUSTOM or COGNITO_USER_POOLS, x-amazon-apigateway-authtype
//     awsSigv4 → AWS_IAM, the `x-api-key` header apiKey scheme → apiKeyRequired (facts §4.1, §6);
//   - x-amazon-apigateway-integration, -gateway-responses (facts §1.1, §1.2), -api-key-source,
//     -binary-media-types, -endpoint-configuration, -policy, -request-validators,
//     -request-validator, -minimum-compression-size, -security-policy and
//     -endpoint-access-mode (facts §8.6, §9);
//   - files larger than the 6 MB import limit are rejected (facts §9).
//
// Every error is an *Error carrying the file, line, column and field path.
//
// Deliberately not reproduced: external $ref (API Gateway imports one file), inline (unnamed)
// request/response schemas (they do not become models here), `basePath` handling other than
// the default `ignore` mode, and x-amazon-apigateway-documentation (ignored).
package openapi

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/portcullis/portcullis/internal/apidef"
)

// MaxFileSize is the API Gateway import limit: "the import file is at most 6 MB" (facts §9).
const MaxFileSize = 6 << 20

// Error is an import error with its position. Line and Column are 1-based; 0 when unknown.
// Field is the dotted path of the offending value, e.g.
// "paths./pets.get.x-amazon-apigateway-integration.type".
type Error struct {
	File         string
	Line, Column int
	Field        string
	Msg          string
}

// Error formats the error as "file:line:column: field: msg", leaving out the parts that are
// unknown.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Column)
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// LoadFile reads and imports a definition file. Errors name the path as given.
func LoadFile(path string) (*apidef.API, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	if fi.Size() > MaxFileSize {
		return nil, tooLarge(path, fi.Size())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	return Parse(data, path)
}

func tooLarge(file string, n int64) *Error {
	return &Error{File: file, Msg: fmt.Sprintf(
		"definition is %d bytes; API Gateway imports at most 6 MB (%d bytes)", n, MaxFileSize)}
}

// Parse imports a definition from bytes (JSON or YAML; OpenAPI 3.0.x or Swagger 2.0);
// filename is used in error messages only. Malformed input yields an *Error, never a panic.
func Parse(data []byte, filename string) (api *apidef.API, err error) {
	if len(data) > MaxFileSize {
		return nil, tooLarge(filename, int64(len(data)))
	}
	defer func() {
		// The YAML parser is third-party code; a panic inside it must not take the
		// gateway down on a bad file.
		if r := recover(); r != nil {
			api, err = nil, &Error{File: filename, Msg: fmt.Sprintf("invalid YAML/JSON: parser failure: %v", r)}
		}
	}()
	root, err := decode(data, filename)
	if err != nil {
		return nil, err
	}
	im := &importer{file: filename, root: root}
	return im.run()
}

type importer struct {
	file    string
	root    *node
	swagger bool
	api     *apidef.API
	schemes map[string]*scheme
}

func (im *importer) errf(n *node, field, format string, args ...any) error {
	e := &Error{File: im.file, Field: field, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line, e.Column = n.line, n.col
	}
	return e
}

var oas30Version = regexp.MustCompile(`^3\.0(\.\d+)?$`)

func (im *importer) run() (*apidef.API, error) {
	root := im.root
	if root.kind != mapKind {
		return nil, im.errf(root, "", "the document must be an object, not %s", root.kind)
	}
	oa, sw := root.get("openapi"), root.get("swagger")
	switch {
	case oa != nil && sw != nil:
		return nil, im.errf(sw, "swagger", "both openapi and swagger are set; use one")
	case oa != nil:
		v, err := im.text(oa, "openapi")
		if err != nil {
			return nil, err
		}
		if !oas30Version.MatchString(v) {
			return nil, im.errf(oa, "openapi", "unsupported OpenAPI version %q: API Gateway REST APIs import OpenAPI 3.0.x and Swagger 2.0", v)
		}
	case sw != nil:
		v, err := im.text(sw, "swagger")
		if err != nil {
			return nil, err
		}
		if v != "2.0" {
			return nil, im.errf(sw, "swagger", "unsupported Swagger version %q: API Gateway REST APIs import OpenAPI 3.0.x and Swagger 2.0", v)
		}
		im.swagger = true
	default:
		return nil, im.errf(root, "openapi", "missing openapi or swagger version field (API Gateway REST APIs import OpenAPI 3.0.x and Swagger 2.0)")
	}

	im.api = &apidef.API{
		Authorizers:       map[string]*apidef.Authorizer{},
		GatewayResponses:  map[string]*apidef.GatewayResponse{},
		RequestValidators: map[string]*apidef.RequestValidator{},
		Models:            map[string]json.RawMessage{},
	}
	if err := im.info(); err != nil {
		return nil, err
	}
	if err := im.rootExtensions(); err != nil {
		return nil, err
	}
	if err := im.models(); err != nil {
		return nil, err
	}
	if err := im.securitySchemes(); err != nil {
		return nil, err
	}
	if err := im.paths(); err != nil {
		return nil, err
	}
	return im.api, nil
}

func (im *importer) info() error {
	info := im.root.get("info")
	if info == nil {
		return nil
	}
	if err := im.wantMap(info, "info"); err != nil {
		return err
	}
	if t := info.get("title"); t != nil {
		s, err := im.text(t, "info.title")
		if err != nil {
			return err
		}
		im.api.Title = s
	}
	if v := info.get("version"); v != nil {
		s, err := im.text(v, "info.version")
		if err != nil {
			return err
		}
		im.api.Version = s
	}
	return nil
}

// models imports components.schemas (OAS3) or definitions (Swagger) as JSON.
func (im *importer) models() error {
	field := "components.schemas"
	schemas := im.root.get("components").get("schemas")
	if im.swagger {
		field = "definitions"
		schemas = im.root.get("definitions")
	}
	if schemas == nil {
		return nil
	}
	if err := im.wantMap(schemas, field); err != nil {
		return err
	}
	for i, k := range schemas.keys {
		v := schemas.vals[i]
		if err := im.wantMap(v, field+"."+k.s); err != nil {
			return err
		}
		js, err := v.appendJSON(nil)
		if err != nil {
			return im.errf(v, field+"."+k.s, "%v", err)
		}
		im.api.Models[k.s] = js
	}
	return nil
}
