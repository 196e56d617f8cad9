// Package route matches a request path and method against an API's resource tree with API
// Gateway's precedence (facts §9, DESIGN.md §2 step 5). Build once per deployment; Match is pure.
package route

import "github.com/portcullis/portcullis/internal/apidef"

// Router is an immutable index of a deployment's resources.
type Router struct{}

// Match is the result of matching a path.
type Match struct {
	// Resource is the matched resource (nil when no resource matches the path).
	Resource *apidef.Resource
	// Method is the method that serves the request (the explicit verb, else ANY); nil when the
	// resource has neither.
	Method *apidef.Method
	// PathParams holds the URL-decoded path parameters ({petId} -> "a b"; {proxy+} -> "a/b").
	PathParams map[string]string
}

// New builds a router from resources. TODO(helper): implement.
func New(resources []*apidef.Resource) (*Router, error) { return &Router{}, nil }

// Match matches path (the part after the stage, e.g. "/pets/1"; "" and "/" are the root) and an
// HTTP method. TODO(helper): implement.
func (r *Router) Match(path, method string) Match { return Match{} }
