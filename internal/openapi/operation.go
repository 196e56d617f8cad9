package openapi

import (
	"github.com/portcullis/portcullis/internal/apidef"
)

var operationFields = []string{
	"tags", "summary", "description", "externalDocs", "operationId", "parameters", "requestBody",
	"responses", "callbacks", "deprecated", "security", "servers", "consumes", "produces", "schemes",
	ext + "integration", ext + "request-validator",
}

// param is one resolved parameter object.
type param struct {
	name, in string
	required bool
	schema   *node // Swagger body parameter schema
	node     *node
	field    string
}

// operation imports one operation as a method.
func (im *importer) operation(n *node, field, verb string, shared []param) (*apidef.Method, error) {
	n, field, err := im.resolve(n, field)
	if err != nil {
		return nil, err
	}
	if err := im.wantMap(n, field); err != nil {
		return nil, err
	}
	if err := im.checkFields(n, field, operationFields, httpAPIOnly); err != nil {
		return nil, err
	}
	m := &apidef.Method{HTTPMethod: verb, RequestValidator: im.api.DefaultRequestValidator}
	if x := n.get("operationId"); x != nil {
		if m.OperationID, err = im.str(x, field+".operationId"); err != nil {
			return nil, err
		}
	}
	// Operation parameters override path-item parameters with the same name and location.
	params := append([]param(nil), shared...)
	if ps := n.get("parameters"); ps != nil {
		own, err := im.params(ps, field+".parameters")
		if err != nil {
			return nil, err
		}
		for _, p := range own {
			replaced := false
			for i := range params {
				if params[i].name == p.name && params[i].in == p.in {
					params[i], replaced = p, true
				}
			}
			if !replaced {
				params = append(params, p)
			}
		}
	}
	for _, p := range params {
		key := ""
		switch p.in {
		case "query":
			key = "method.request.querystring." + p.name
		case "header":
			key = "method.request.header." + p.name
		case "path":
			key, p.required = "method.request.path."+p.name, true
		case "body":
			if err := im.bodyModels(p, n, m); err != nil {
				return nil, err
			}
		}
		if key != "" {
			if m.RequestParameters == nil {
				m.RequestParameters = map[string]bool{}
			}
			m.RequestParameters[key] = p.required
		}
	}
	if rb := n.get("requestBody"); rb != nil && !im.swagger {
		if err := im.requestBody(rb, field+".requestBody", m); err != nil {
			return nil, err
		}
	}
	if rs := n.get("responses"); rs != nil {
		if err := im.methodResponses(rs, field+".responses", n, m); err != nil {
			return nil, err
		}
	}
	if err := im.methodSecurity(n.get("security"), field+".security", m); err != nil {
		return nil, err
	}
	if v := n.get(ext + "request-validator"); v != nil {
		f := field + "." + ext + "request-validator"
		name, err := im.str(v, f)
		if err != nil {
			return nil, err
		}
		if _, ok := im.api.RequestValidators[name]; !ok {
			return nil, im.errf(v, f, "request validator %q is not defined in x-amazon-apigateway-request-validators", name)
		}
		m.RequestValidator = name
	}
	if x := n.get(ext + "integration"); x != nil {
		if m.Integration, err = im.integration(x, field+"."+ext+"integration"); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (im *importer) params(list *node, field string) ([]param, error) {
	if list.kind != seqKind {
		return nil, im.errf(list, field, "must be an array of parameters, not %s", list.kind)
	}
	var out []param
	for i, it := range list.items {
		p, f, err := im.resolve(it, field+idx(i))
		if err != nil {
			return nil, err
		}
		if err := im.wantMap(p, f); err != nil {
			return nil, err
		}
		pr := param{node: p, field: f, schema: p.get("schema")}
		for _, req := range []string{"name", "in"} {
			x := p.get(req)
			if x == nil {
				return nil, im.errf(p, f+"."+req, "missing parameter %s", req)
			}
			s, err := im.str(x, f+"."+req)
			if err != nil {
				return nil, err
			}
			if req == "name" {
				pr.name = s
			} else {
				pr.in = s
			}
		}
		switch pr.in {
		case "query", "header", "path", "cookie":
		case "body", "formData":
			if !im.swagger {
				return nil, im.errf(p.get("in"), f+".in", "unknown parameter location %q (want query, header, path, cookie)", pr.in)
			}
		default:
			return nil, im.errf(p.get("in"), f+".in", "unknown parameter location %q", pr.in)
		}
		if x := p.get("required"); x != nil {
			if pr.required, err = im.boolean(x, f+".required"); err != nil {
				return nil, err
			}
		}
		out = append(out, pr)
	}
	return out, nil
}

// mediaTypes returns the Swagger consumes/produces list of an operation, falling back to the
// root list and then to application/json.
func (im *importer) mediaTypes(op *node, key string) []string {
	for _, n := range []*node{op.get(key), im.root.get(key)} {
		if n == nil || n.kind != seqKind {
			continue
		}
		var out []string
		for _, it := range n.items {
			if it.kind == stringKind {
				out = append(out, it.s)
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	return []string{"application/json"}
}

// model checks that a referenced model exists and returns its name ("" for no reference).
func (im *importer) model(schema *node, field string) (string, error) {
	name := im.refName(schema)
	if name == "" {
		return "", nil
	}
	if _, ok := im.api.Models[name]; !ok {
		return "", im.errf(schema.get("$ref"), field+".$ref", "model %q is not defined", name)
	}
	return name, nil
}

// bodyModels maps a Swagger body parameter's schema to request models, one per consumed type.
func (im *importer) bodyModels(p param, op *node, m *apidef.Method) error {
	if p.schema == nil {
		return nil
	}
	name, err := im.model(p.schema, p.field+".schema")
	if err != nil || name == "" {
		return err
	}
	for _, t := range im.mediaTypes(op, "consumes") {
		if m.RequestModels == nil {
			m.RequestModels = map[string]string{}
		}
		m.RequestModels[t] = name
	}
	return nil
}

// contentModels maps an OAS3 content object to media type → model name.
func (im *importer) contentModels(content *node, field string) (map[string]string, error) {
	if err := im.wantMap(content, field); err != nil {
		return nil, err
	}
	var out map[string]string
	for i, k := range content.keys {
		mt := content.vals[i]
		if err := im.wantMap(mt, field+"."+k.s); err != nil {
			return nil, err
		}
		name, err := im.model(mt.get("schema"), field+"."+k.s+".schema")
		if err != nil {
			return nil, err
		}
		if name != "" {
			if out == nil {
				out = map[string]string{}
			}
			out[k.s] = name
		}
	}
	return out, nil
}

func (im *importer) requestBody(rb *node, field string, m *apidef.Method) error {
	rb, field, err := im.resolve(rb, field)
	if err != nil {
		return err
	}
	if err := im.wantMap(rb, field); err != nil {
		return err
	}
	if c := rb.get("content"); c != nil {
		if m.RequestModels, err = im.contentModels(c, field+".content"); err != nil {
			return err
		}
	}
	return nil
}

// methodResponses imports the declared responses whose key is a status code; "default" and
// ranges such as "2XX" have no API Gateway equivalent and are skipped. Each response header
// becomes method.response.header.NAME (not required).
func (im *importer) methodResponses(rs *node, field string, op *node, m *apidef.Method) error {
	if err := im.wantMap(rs, field); err != nil {
		return err
	}
	for i, k := range rs.keys {
		if !statusCodePattern.MatchString(k.s) {
			continue
		}
		r, f, err := im.resolve(rs.vals[i], field+"."+k.s)
		if err != nil {
			return err
		}
		if err := im.wantMap(r, f); err != nil {
			return err
		}
		mr := &apidef.MethodResponse{StatusCode: k.s}
		if h := r.get("headers"); h != nil {
			if err := im.wantMap(h, f+".headers"); err != nil {
				return err
			}
			for _, hk := range h.keys {
				if mr.ResponseParameters == nil {
					mr.ResponseParameters = map[string]bool{}
				}
				mr.ResponseParameters["method.response.header."+hk.s] = false
			}
		}
		if im.swagger {
			name, err := im.model(r.get("schema"), f+".schema")
			if err != nil {
				return err
			}
			if name != "" {
				mr.ResponseModels = map[string]string{}
				for _, t := range im.mediaTypes(op, "produces") {
					mr.ResponseModels[t] = name
				}
			}
		} else if c := r.get("content"); c != nil {
			if mr.ResponseModels, err = im.contentModels(c, f+".content"); err != nil {
				return err
			}
		}
		if m.Responses == nil {
			m.Responses = map[string]*apidef.MethodResponse{}
		}
		m.Responses[k.s] = mr
	}
	return nil
}
