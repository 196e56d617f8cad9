package integration

import (
	"context"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/portcullis/portcullis/internal/apidef"
)

func mockIntegration() *apidef.Integration {
	return &apidef.Integration{
		Type: "MOCK",
		RequestTemplates: map[string]string{
			"application/json": `{"statusCode": 200}`,
			"text/plain":       `{"statusCode": 404}`,
		},
		Responses: []*apidef.IntegrationResponse{
			{SelectionPattern: "4\\d{2}", StatusCode: "404",
				ResponseParameters: map[string]string{
					"method.response.header.X-Static":  "'yes'",
					"method.response.header.X-Stage":   "context.stage",
					"method.response.header.X-Env":     "stageVariables.env",
					"method.response.header.X-Missing": "stageVariables.nope",
				},
				ResponseTemplates: map[string]string{"application/json": `{"message":"not here","id":"$context.requestId","env":"$stageVariables.env","x":"$context.unknown"}`}},
			{SelectionPattern: "", StatusCode: "200",
				ResponseTemplates: map[string]string{"application/json": `{"ok":true}`}},
		},
	}
}

func TestMock(t *testing.T) {
	c := NewClient(Options{})
	tests := []struct {
		name     string
		edit     func(*apidef.Integration)
		ct, body string
		status   int
		header   http.Header
		want     string
	}{
		{name: "default response", status: 200, header: header("Content-Type", "application/json"), want: `{"ok":true}`},
		{name: "selection by pattern with parameters", ct: "text/plain; charset=utf-8", body: "x", status: 404,
			header: header("Content-Type", "application/json", "X-Static", "yes", "X-Stage", "prod", "X-Env", "test"),
			want:   `{"message":"not here","id":"c0ffee00-0000-4000-8000-000000000001","env":"test","x":""}`},
		{name: "lenient statusCode", edit: func(in *apidef.Integration) {
			in.RequestTemplates["application/json"] = "#set($x = 1)\n{ \"statusCode\" :\n 404, \"other\": 200}"
		}, status: 404},
		{name: "pattern is anchored", edit: func(in *apidef.Integration) {
			in.Responses[0].SelectionPattern = "4"
			in.RequestTemplates["application/json"] = `{"statusCode": 404}`
		}, status: 200},
		{name: "no template means 200", edit: func(in *apidef.Integration) { in.RequestTemplates = nil }, status: 200},
		{name: "unmatched content type passes the body through", ct: "application/xml", body: `<a statusCode="x"/>{"statusCode": 404}`, status: 404},
		{name: "parameter sets Content-Type", edit: func(in *apidef.Integration) {
			in.Responses[1].ResponseParameters = map[string]string{"method.response.header.Content-Type": "'text/html'"}
			in.Responses[1].ResponseTemplates = map[string]string{"text/html": "<p>hi</p>"}
		}, status: 200, header: header("Content-Type", "text/html"), want: "<p>hi</p>"},
		{name: "no response template means empty body", edit: func(in *apidef.Integration) {
			in.Responses[1].ResponseTemplates = nil
		}, status: 200, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := mockIntegration()
			if tt.edit != nil {
				tt.edit(in)
			}
			hdr := map[string]string{}
			if tt.ct != "" {
				hdr["Content-Type"] = tt.ct
			}
			r, _ := newReq(t, in, "POST", "/pets/1", tt.body, hdr)
			resp := invokeOK(t, c, r)
			body := readBody(t, resp)
			if resp.Status != tt.status {
				t.Errorf("status %d, want %d", resp.Status, tt.status)
			}
			if tt.header != nil {
				if d := cmp.Diff(tt.header, resp.Header); d != "" {
					t.Errorf("headers (-want +got):\n%s", d)
				}
				if body != tt.want {
					t.Errorf("body %q, want %q", body, tt.want)
				}
			}
		})
	}
}

func TestMockFailures(t *testing.T) {
	c := NewClient(Options{})

	in := mockIntegration()
	in.Responses = in.Responses[:1] // no default
	r, lb := newReq(t, in, "GET", "/pets/1", "", nil)
	f := mustFail(t, nil, nil2(c.Invoke(context.Background(), r)), CauseConfigError,
		"Execution failed due to configuration error: No match for output mapping and no default output mapping configured. Endpoint Response Status Code: 200")
	if f.IntegrationStatus != 200 {
		t.Errorf("IntegrationStatus %d", f.IntegrationStatus)
	}
	if !lb.has("Execution failed due to configuration error: No match for output mapping") {
		t.Errorf("detail not logged: %q", lb.all())
	}

	for _, behavior := range []string{"NEVER", "WHEN_NO_TEMPLATES"} {
		in = mockIntegration()
		in.PassthroughBehavior = behavior
		r, _ = newReq(t, in, "POST", "/pets/1", "<x/>", map[string]string{"Content-Type": "application/xml"})
		resp, f := c.Invoke(context.Background(), r)
		f = mustFail(t, resp, f, CauseConfigError, "")
		if !IsUnsupportedMediaType(f) {
			t.Errorf("%s: not an unsupported media type: %q", behavior, f.Detail)
		}
	}
	// WHEN_NO_TEMPLATES with no templates passes through.
	in = mockIntegration()
	in.PassthroughBehavior = "WHEN_NO_TEMPLATES"
	in.RequestTemplates = nil
	r, _ = newReq(t, in, "POST", "/pets/1", "<x/>", map[string]string{"Content-Type": "application/xml"})
	resp := invokeOK(t, c, r)
	if resp.Status != 200 {
		t.Errorf("status %d", resp.Status)
	}
	resp.Body.Close()

	in = mockIntegration()
	in.Responses[1].StatusCode = "abc"
	r, _ = newReq(t, in, "GET", "/pets/1", "", nil)
	resp, f = c.Invoke(context.Background(), r)
	mustFail(t, resp, f, CauseConfigError, `Execution failed due to configuration error: Invalid method response status code "abc"`)
}

// nil2 discards a nil *Response for mustFail's single-result form.
func nil2(resp *Response, f *Failure) *Failure {
	if resp != nil {
		resp.Body.Close()
		return &Failure{Cause: "unexpected-response"}
	}
	return f
}

func TestUnsupportedTypes(t *testing.T) {
	c := NewClient(Options{})
	r, _ := newReq(t, &apidef.Integration{Type: "AWS", URI: "arn:aws:apigateway:us-east-1:s3:path/b/k"}, "GET", "/pets/1", "", nil)
	resp, f := c.Invoke(context.Background(), r)
	mustFail(t, resp, f, CauseConfigError, "Execution failed due to configuration error: AWS (non-proxy) integrations are not supported yet")

	r.Integration = nil
	resp, f = c.Invoke(context.Background(), r)
	mustFail(t, resp, f, CauseConfigError, "")
}

func TestLookupAndSources(t *testing.T) {
	r, _ := newReq(t, &apidef.Integration{Type: "MOCK"}, "POST", "/pets/1?q=1&q=2", `{"a":{"b":[10,"x"]}}`, map[string]string{"X-H": "v"})
	r.In.Header.Add("X-H", "w")
	k := newCall(NewClient(Options{}), r)
	for name, want := range map[string]string{
		"context.accountId": "123456789012", "context.apiId": "a1b2c3d4e5", "context.stage": "prod",
		"context.deploymentId": "d1", "context.requestId": "c0ffee00-0000-4000-8000-000000000001",
		"context.extendedRequestId": "N7SvJHWQDoEEXeA=", "context.resourcePath": "/pets/{petId}",
		"context.resourceId": "abc123", "context.httpMethod": "POST", "context.path": "/prod/pets/1",
		"context.protocol": "HTTP/1.1", "context.domainName": "a1b2c3d4e5.execute-api.localhost",
		"context.domainPrefix": "a1b2c3d4e5", "context.identity.sourceIp": "203.0.113.9",
		"context.identity.userAgent": "curl/8.5.0", "context.requestTime": "09/Mar/2024:08:07:06 +0000",
		"context.requestTimeEpoch": "1709971626005", "stageVariables.env": "test",
	} {
		if got, ok := k.lookup(name); !ok || got != want {
			t.Errorf("lookup(%s) = %q, %v; want %q", name, got, ok, want)
		}
	}
	if _, ok := k.lookup("context.nope"); ok {
		t.Error("unknown context variable resolved")
	}
	k.Vars = func(name string) (string, bool) { return "from-vars", name == "context.stage" }
	if got, _ := k.lookup("context.stage"); got != "from-vars" {
		t.Errorf("Vars not preferred: %q", got)
	}

	for expr, want := range map[string]string{
		"'static'": "static", "method.request.path.petId": "1", "method.request.querystring.q": "2",
		"method.request.multivaluequerystring.q": "1,2", "method.request.header.x-h": "w",
		"method.request.multivalueheader.X-H": "v,w", "method.request.body": `{"a":{"b":[10,"x"]}}`,
		"method.request.body.a.b.0": "10", "method.request.body.a.b.1": "x", "method.request.body.a": `{"b":[10,"x"]}`,
	} {
		if got, ok := k.source(expr); !ok || got != want {
			t.Errorf("source(%s) = %q, %v; want %q", expr, got, ok, want)
		}
	}
	for _, expr := range []string{"method.request.path.nope", "method.request.body.a.c", "method.request.body.a.b.9", "other.thing", "method.request.querystring.none"} {
		if got, ok := k.source(expr); ok {
			t.Errorf("source(%s) = %q, want none", expr, got)
		}
	}
}
