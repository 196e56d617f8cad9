package openapi

import (
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/portcullis/portcullis/internal/apidef"
)

// Path segments: "Path segments can only contain alphanumeric characters, underscores, hyphens,
// periods, commas, colons, and curly braces" (facts §9); the braces only around a whole
// segment, with an optional "+" (greedy) before the closing brace.
var (
	literalSegment  = regexp.MustCompile(`^[A-Za-z0-9._,:-]+$`)
	variableSegment = regexp.MustCompile(`^\{([A-Za-z0-9._,:-]+)(\+?)\}$`)
)

// operationVerbs maps path-item keys to API Gateway HTTP methods.
var operationVerbs = map[string]string{
	"get": "GET", "put": "PUT", "post": "POST", "delete": "DELETE", "options": "OPTIONS",
	"head": "HEAD", "patch": "PATCH", ext + "any-method": "ANY",
}

// checkPath validates a paths key and returns a message, or "" when it is valid.
func checkPath(p string) string {
	if !strings.HasPrefix(p, "/") {
		return "a path must start with /"
	}
	if p == "/" {
		return ""
	}
	segs := strings.Split(p[1:], "/")
	seen := map[string]bool{}
	for i, seg := range segs {
		if seg == "" {
			return "empty path segment (a path must not contain // or end with /)"
		}
		if m := variableSegment.FindStringSubmatch(seg); m != nil {
			if m[2] == "+" && i != len(segs)-1 {
				return "greedy path variable " + seg + " must be the last segment"
			}
			if seen[m[1]] {
				return "path variable {" + m[1] + "} appears twice"
			}
			seen[m[1]] = true
			continue
		}
		if !literalSegment.MatchString(seg) {
			return "invalid path segment " + quote(seg) + ": path segments can only contain alphanumeric characters, underscores, hyphens, periods, commas, colons, and curly braces around a whole segment ({name} or {name+})"
		}
	}
	return ""
}

func quote(s string) string { return "\"" + s + "\"" }

func isVariable(seg string) bool { return strings.HasPrefix(seg, "{") }

// paths builds the resource tree. API Gateway creates every intermediate resource of a
// declared path and always has "/" (facts §9); a resource may have at most one variable
// child, as CreateResource enforces.
func (im *importer) paths() error {
	byPath := map[string]*apidef.Resource{}
	ensure := func(p string) *apidef.Resource {
		r, ok := byPath[p]
		if !ok {
			r = &apidef.Resource{Path: p, PathPart: p[strings.LastIndexByte(p, '/')+1:], Methods: map[string]*apidef.Method{}}
			byPath[p] = r
		}
		return r
	}
	ensure("/")
	paths := im.root.get("paths")
	if paths != nil {
		if err := im.wantMap(paths, "paths"); err != nil {
			return err
		}
	} else {
		paths = &node{kind: mapKind}
	}
	variableChild := map[string]string{} // parent path → its variable path part
	for i, k := range paths.keys {
		p, f := k.s, "paths."+k.s
		if msg := checkPath(p); msg != "" {
			return im.errf(k, f, "%s", msg)
		}
		if p != "/" {
			cur := ""
			for _, seg := range strings.Split(p[1:], "/") {
				parent := cur
				if parent == "" {
					parent = "/"
				}
				cur += "/" + seg
				if isVariable(seg) {
					if other, ok := variableChild[parent]; ok && other != seg {
						return im.errf(k, f, "A sibling (%s) of this resource already has a variable path part -- only one is allowed", other)
					}
					variableChild[parent] = seg
				}
				ensure(cur)
			}
		}
		item, itemField, err := im.resolve(paths.vals[i], f)
		if err != nil {
			return err
		}
		if err := im.pathItem(item, itemField, byPath[p]); err != nil {
			return err
		}
	}
	res := make([]*apidef.Resource, 0, len(byPath))
	for _, r := range byPath {
		res = append(res, r)
	}
	sort.Slice(res, func(i, j int) bool { return res[i].Path < res[j].Path })
	used := map[string]bool{}
	for _, r := range res {
		id := stableID("resource:" + r.Path)
		for n := 1; used[id]; n++ {
			id = stableID("resource:" + r.Path + "#" + strconv.Itoa(n))
		}
		used[id] = true
		r.ID = id
	}
	im.api.Resources = res
	return nil
}

func (im *importer) pathItem(item *node, field string, r *apidef.Resource) error {
	if item.kind == nullKind {
		return nil
	}
	if err := im.wantMap(item, field); err != nil {
		return err
	}
	for _, k := range item.keys {
		switch k.s {
		case "trace":
			return im.errf(k, field+".trace", "API Gateway REST APIs do not support the TRACE method")
		case "parameters", "summary", "description", "servers":
		default:
			if _, ok := operationVerbs[k.s]; !ok {
				if err := im.checkFields(item, field, []string{"get", "put", "post", "delete", "options", "head", "patch", ext + "any-method", "parameters", "summary", "description", "servers"}, nil); err != nil {
					return err
				}
			}
		}
	}
	var shared []param
	if ps := item.get("parameters"); ps != nil {
		var err error
		if shared, err = im.params(ps, field+".parameters"); err != nil {
			return err
		}
	}
	for i, k := range item.keys {
		verb, ok := operationVerbs[k.s]
		if !ok {
			continue
		}
		m, err := im.operation(item.vals[i], field+"."+k.s, verb, shared)
		if err != nil {
			return err
		}
		r.Methods[verb] = m
	}
	return nil
}
