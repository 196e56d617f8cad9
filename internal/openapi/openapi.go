// Package openapi imports OpenAPI 3.0 and Swagger 2.0 definitions (JSON or YAML) with the
// x-amazon-apigateway-* extensions into an apidef.API, as `aws apigateway import-rest-api`
// does (facts §9).
package openapi

import "github.com/portcullis/portcullis/internal/apidef"

// LoadFile reads and imports a definition file. TODO(helper): implement.
func LoadFile(path string) (*apidef.API, error) { return &apidef.API{}, nil }

// Parse imports a definition from bytes; filename is used in error messages only.
// TODO(helper): implement.
func Parse(data []byte, filename string) (*apidef.API, error) { return &apidef.API{}, nil }
