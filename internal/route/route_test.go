package route

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/portcullis/portcullis/internal/apidef"
)

// res builds a resource with the given methods.
func res(path string, methods ...string) *apidef.Resource {
	r := &apidef.Resource{Path: path, Methods: map[string]*apidef.Method{}}
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		r.PathPart = path[i+1:]
	}
	for _, m := range methods {
		r.Methods[m] = &apidef.Method{HTTPMethod: m}
	}
	return r
}

func mustNew(t testing.TB, rs ...*apidef.Resource) *Router {
	t.Helper()
	r, err := New(rs)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return r
}

// petsTree is a typical imported API: the root, literals, a parameter and a greedy proxy under
// a literal.
func petsTree() []*apidef.Resource {
	return []*apidef.Resource{
		res("/", "GET"),
		res("/pets", "GET", "POST"),
		res("/pets/{petId}", "GET", "DELETE"),
		res("/pets/{petId}/toys", "ANY"),
		res("/pets/mine", "GET"),
		res("/files"),
		res("/files/{proxy+}", "ANY", "GET"),
		res("/a"),
		res("/a/b"),
		res("/a/b/c", "GET"),
		res("/{x}"),
		res("/{x}/b"),
		res("/{x}/b/d", "GET"),
	}
}

func TestMatch(t *testing.T) {
	r := mustNew(t, petsTree()...)
	tests := []struct {
		path, method string
		wantPath     string // "" = no resource
		wantMethod   string // "" = nil method
		wantParams   map[string]string
	}{
		{"", "GET", "/", "GET", nil},
		{"/", "GET", "/", "GET", nil},
		{"//", "GET", "/", "GET", nil},
		{"/pets", "GET", "/pets", "GET", nil},
		{"/pets/", "POST", "/pets", "POST", nil},
		{"/pets", "PUT", "/pets", "", nil}, // resource by path, no method -> caller answers MAT
		{"/Pets", "GET", "/{x}", "", map[string]string{"x": "Pets"}},
		{"/pe%74s", "GET", "/pets", "GET", nil}, // decoded literal
		{"/pets/mine", "GET", "/pets/mine", "GET", nil},
		{"/pets/mine", "DELETE", "/pets/mine", "", nil}, // literal wins by path, even without the verb
		{"/pets/1", "GET", "/pets/{petId}", "GET", map[string]string{"petId": "1"}},
		{"/pets/a%20b", "GET", "/pets/{petId}", "GET", map[string]string{"petId": "a b"}},
		{"/pets/a+b", "GET", "/pets/{petId}", "GET", map[string]string{"petId": "a+b"}},
		{"/pets/a%2Fb", "GET", "/pets/{petId}", "GET", map[string]string{"petId": "a/b"}},
		{"/pets/%zz", "GET", "/pets/{petId}", "GET", map[string]string{"petId": "%zz"}},
		{"/pets/1/toys", "PATCH", "/pets/{petId}/toys", "ANY", map[string]string{"petId": "1"}},
		{"/pets//toys", "GET", "", "", nil}, // empty segment never matches a parameter
		{"/pets/1/2", "GET", "", "", nil},
		{"/files", "GET", "/files", "", nil},
		{"/files/a", "GET", "/files/{proxy+}", "GET", map[string]string{"proxy": "a"}},
		{"/files/a/b/c", "PUT", "/files/{proxy+}", "ANY", map[string]string{"proxy": "a/b/c"}},
		{"/files/a%20x/b%2Fc", "GET", "/files/{proxy+}", "GET", map[string]string{"proxy": "a x/b/c"}},
		{"/files/a//b", "GET", "/files/{proxy+}", "GET", map[string]string{"proxy": "a//b"}},
		{"/files/a/b/", "GET", "/files/{proxy+}", "GET", map[string]string{"proxy": "a/b"}},
		{"/files//a", "GET", "", "", nil}, // greedy needs a non-empty first segment
		{"/a/b/c", "GET", "/a/b/c", "GET", nil},
		{"/a/b/d", "GET", "/{x}/b/d", "GET", map[string]string{"x": "a"}}, // backtracking
		{"/a/b", "GET", "/a/b", "", nil},
		{"/zzz/b", "GET", "/{x}/b", "", map[string]string{"x": "zzz"}},
		{"/a/b/e", "GET", "", "", nil},
		{"pets", "GET", "/pets", "GET", nil},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			m := r.Match(tt.path, tt.method)
			gotPath := ""
			if m.Resource != nil {
				gotPath = m.Resource.Path
			}
			gotMethod := ""
			if m.Method != nil {
				gotMethod = m.Method.HTTPMethod
			}
			if gotPath != tt.wantPath || gotMethod != tt.wantMethod {
				t.Errorf("Match(%q, %q) = resource %q method %q, want %q %q", tt.path, tt.method, gotPath, gotMethod, tt.wantPath, tt.wantMethod)
			}
			if diff := cmp.Diff(tt.wantParams, m.PathParams); diff != "" {
				t.Errorf("PathParams (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMatchRootGreedy(t *testing.T) {
	r := mustNew(t, res("/"), res("/{proxy+}", "ANY"), res("/health", "GET"))
	tests := []struct {
		path     string
		wantPath string
		params   map[string]string
	}{
		{"/", "/", nil},
		{"/health", "/health", nil},
		{"/health/x", "/{proxy+}", map[string]string{"proxy": "health/x"}},
		{"/x", "/{proxy+}", map[string]string{"proxy": "x"}},
	}
	for _, tt := range tests {
		m := r.Match(tt.path, "GET")
		if m.Resource == nil || m.Resource.Path != tt.wantPath {
			t.Errorf("Match(%q) = %v, want %s", tt.path, m.Resource, tt.wantPath)
			continue
		}
		if diff := cmp.Diff(tt.params, m.PathParams); diff != "" {
			t.Errorf("Match(%q) params (-want +got):\n%s", tt.path, diff)
		}
	}
	// The root resource exists but has no methods: the caller answers Missing Authentication Token.
	if m := r.Match("/", "GET"); m.Method != nil {
		t.Errorf("root method = %v, want nil", m.Method)
	}
}

func TestMatchEmptyRouter(t *testing.T) {
	r := mustNew(t)
	if m := r.Match("/x", "GET"); m.Resource != nil {
		t.Errorf("empty router matched %v", m.Resource)
	}
	var nilRouter *Router
	if m := nilRouter.Match("/", "GET"); m.Resource != nil {
		t.Errorf("nil router matched %v", m.Resource)
	}
}

// TestMatchMissingIntermediate: a definition that omits an intermediate resource still matches
// the declared one; the missing prefix itself matches nothing.
func TestMatchMissingIntermediate(t *testing.T) {
	r := mustNew(t, res("/a/b", "GET"))
	if m := r.Match("/a/b", "GET"); m.Resource == nil {
		t.Fatal("/a/b did not match")
	}
	if m := r.Match("/a", "GET"); m.Resource != nil {
		t.Errorf("/a matched %v", m.Resource.Path)
	}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name    string
		paths   []string
		wantErr error
		wantMsg string
	}{
		{"duplicate", []string{"/a", "/a"}, ErrConflict, "duplicate resource path '/a'"},
		{"two params", []string{"/u/{id}", "/u/{uid}/x"}, ErrConflict,
			"unable to create resource at path '/u/{uid}/x': A sibling ({id}) of this resource already has a variable path part -- only one is allowed"},
		{"param and greedy", []string{"/{id}", "/{proxy+}"}, ErrConflict,
			"A sibling ({id}) of this resource already has a variable path part -- only one is allowed"},
		{"greedy not last", []string{"/{proxy+}/x"}, ErrConflict,
			"Cannot create a child of a resource with a greedy path variable: {proxy+}"},
		{"no slash", []string{"a"}, ErrInvalidPath, "must start with '/'"},
		{"trailing slash", []string{"/a/"}, ErrInvalidPath, "must start with '/' and not end with one"},
		{"empty segment", []string{"/a//b"}, ErrInvalidPath, "empty path segment"},
		{"bad var", []string{"/{a"}, ErrInvalidPath, "malformed path variable"},
		{"empty var", []string{"/{}"}, ErrInvalidPath, "malformed path variable"},
		{"empty greedy", []string{"/{+}"}, ErrInvalidPath, "malformed path variable"},
		{"bad char", []string{"/a~b"}, ErrInvalidPath, "path segments can only contain"},
		{"brace in literal", []string{"/a{b}"}, ErrInvalidPath, "path segments can only contain"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rs []*apidef.Resource
			for _, p := range tt.paths {
				rs = append(rs, res(p))
			}
			_, err := New(rs)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("New(%v) error = %v, want %v", tt.paths, err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not contain %q", err, tt.wantMsg)
			}
		})
	}
	if _, err := New([]*apidef.Resource{nil}); !errors.Is(err, ErrInvalidPath) {
		t.Errorf("nil resource: error = %v", err)
	}
	// The same variable written twice at one level is fine.
	if _, err := New([]*apidef.Resource{res("/u/{id}"), res("/u/{id}/x"), res("/u/{id}/y")}); err != nil {
		t.Errorf("shared variable: %v", err)
	}
}

func TestMatchAllocs(t *testing.T) {
	r := mustNew(t, petsTree()...)
	tests := []struct {
		path string
		max  float64
	}{
		{"/pets/mine", 0},
		{"/pets/", 0},
		{"/a/b/c", 0},
		{"/nope/nope/nope", 0},
		{"/pets/1", 2},    // the PathParams map (header + one group)
		{"/files/a/b", 2}, // the PathParams map; the undecoded greedy value is a substring
	}
	for _, tt := range tests {
		got := testing.AllocsPerRun(100, func() { r.Match(tt.path, "GET") })
		if got > tt.max {
			t.Errorf("Match(%q) allocs = %v, want <= %v", tt.path, got, tt.max)
		}
	}
}

func BenchmarkMatch(b *testing.B) {
	rs := petsTree()
	for _, p := range []string{"/orders", "/orders/{id}", "/orders/{id}/items", "/orders/{id}/items/{item}", "/users", "/users/me", "/static", "/static/{proxy+}"} {
		rs = append(rs, res(p, "GET"))
	}
	r := mustNew(b, rs...)
	for _, bc := range []struct{ name, path string }{
		{"literal", "/pets/mine"},
		{"param", "/orders/123/items/456"},
		{"greedy", "/static/css/site/main.css"},
		{"miss", "/nothing/here/at/all"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r.Match(bc.path, "GET")
			}
		})
	}
}

// FuzzMatch: Match never panics, and a match's resource path with the parameters substituted
// back (escaped) matches the same resource with the same parameters.
func FuzzMatch(f *testing.F) {
	rs := petsTree()
	rs = append(rs, res("/{x}/b/{y}", "GET"), res("/q/{v}/{w}", "ANY"), res("/q"))
	r := mustNew(f, rs...)
	for _, s := range []string{"", "/", "/pets/1", "/pets/a%20b/toys", "/files/a/b/c", "/a/b/d", "/a/b/c/",
		"//", "/pets//toys", "/files/%zz/%", "/x/b/%41", "/q/1/2", "/pe%74s/mine", "%", "/\x00/b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		m := r.Match(path, "GET")
		if m.Resource == nil {
			if m.Method != nil || m.PathParams != nil {
				t.Fatalf("no resource but method %v params %v", m.Method, m.PathParams)
			}
			return
		}
		if strings.Contains(strings.ToLower(path), "%2f") {
			return // a decoded "/" inside a greedy value cannot be substituted back unambiguously
		}
		var b strings.Builder
		for _, seg := range strings.Split(strings.TrimPrefix(m.Resource.Path, "/"), "/") {
			if seg == "" {
				continue
			}
			b.WriteByte('/')
			switch {
			case strings.HasSuffix(seg, "+}"):
				v, ok := m.PathParams[seg[1:len(seg)-2]]
				if !ok {
					t.Fatalf("missing greedy param for %s in %v", seg, m.PathParams)
				}
				pieces := strings.Split(v, "/")
				for i, p := range pieces {
					pieces[i] = url.PathEscape(p)
				}
				b.WriteString(strings.Join(pieces, "/"))
			case strings.HasPrefix(seg, "{"):
				v, ok := m.PathParams[seg[1:len(seg)-1]]
				if !ok {
					t.Fatalf("missing param for %s in %v", seg, m.PathParams)
				}
				b.WriteString(url.PathEscape(v))
			default:
				b.WriteString(seg)
			}
		}
		again := r.Match(b.String(), "GET")
		if again.Resource != m.Resource {
			t.Fatalf("%q matched %s; substituted %q matched %v", path, m.Resource.Path, b.String(), again.Resource)
		}
		if diff := cmp.Diff(m.PathParams, again.PathParams); diff != "" {
			t.Fatalf("%q vs %q params (-first +again):\n%s", path, b.String(), diff)
		}
	})
}
