// Package demo embeds the demo world that `portcullis serve` runs with no --config, and the
// small HTTP backend its HTTP_PROXY integrations call. Every catalogue cause the gateway can
// produce so far is reproducible against it with one curl line (README).
package demo

import (
	"crypto/tls"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/portcullis/portcullis/internal/certgen"
	"github.com/portcullis/portcullis/internal/config"
	"github.com/portcullis/portcullis/internal/domain"
	"github.com/portcullis/portcullis/internal/lambdatest"
	"github.com/portcullis/portcullis/internal/mtls"
)

//go:embed world
var files embed.FS

// APIID is the demo pets API.
const APIID = "a1b2c3d4e5"

// DisabledAPIID is the demo API whose default endpoint is disabled.
const DisabledAPIID = "z9y8x7w6v5"

// BackendAddr is where the demo stage variables point the HTTP integrations.
const BackendAddr = "127.0.0.1:4575"

// FS returns the demo world's files.
func FS() fs.FS {
	sub, err := fs.Sub(files, "world")
	if err != nil {
		panic(err) // the embed pattern guarantees the directory
	}
	return sub
}

// Load compiles the demo world. baseDir is where relative file: log destinations would go;
// backendAddr, when not "", replaces the "backend" stage variable of every stage (the demo
// backend may listen elsewhere than BackendAddr). The world is not shared before Load returns.
func Load(baseDir, backendAddr string) (*config.World, error) {
	w, err := config.LoadFS(FS(), "portcullis.yaml", config.Options{BaseDir: baseDir})
	if err != nil {
		return nil, err
	}
	w.Source = "<embedded demo world>"
	if baseDir != "" {
		if err := addDomains(w, filepath.Join(baseDir, "certs")); err != nil {
			return nil, err
		}
	}
	if backendAddr != "" {
		w.LambdaEndpoint = "http://" + backendAddr
		for _, api := range w.APIList {
			for _, st := range api.StageList {
				if _, ok := st.Variables["backend"]; ok {
					st.Variables["backend"] = backendAddr
				}
			}
		}
	}
	return w, nil
}

// Backend is the demo HTTP backend:
//
//	GET /pets/{id}   a pet as JSON (404 for ids other than 1..3)
//	ANY /echo/...    the request echoed back as JSON
//	GET /slow        answers after 3 s (the integration times out after 1 s: 504)
//	GET /forbidden   the backend's own 403 (passed through without x-amzn-ErrorType)
//	POST /2015-03-31/functions/{fn}/invocations   the Lambda Invoke API for the demo functions
func Backend() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/2015-03-31/functions/", lambdatest.NewHandler(Functions()).Handler())
	pets := map[string]string{"1": "dog", "2": "cat", "3": "fish"}
	mux.HandleFunc("GET /pets/{id}", func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		t, ok := pets[id]
		w.Header().Set("Content-Type", "application/json")
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"error":"no pet `+jsonEscape(id)+`"}`)
			return
		}
		_, _ = io.WriteString(w, `{"id":`+id+`,"type":"`+t+`"}`)
	})
	mux.HandleFunc("/echo/", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		hdr := map[string]string{}
		for k := range r.Header {
			hdr[k] = strings.Join(r.Header.Values(k), ", ")
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"method": r.Method, "path": r.URL.Path, "query": r.URL.RawQuery, "headers": hdr, "body": string(body),
		})
	})
	mux.HandleFunc("GET /slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(3 * time.Second):
			_, _ = io.WriteString(w, `{"slow":true}`)
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("GET /forbidden", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusForbidden)
		_, _ = io.WriteString(w, "backend says no\n")
	})
	return mux
}

// Demo custom domain names (*.localhost resolves to loopback):
//
//	api.demo.localhost   no mutual TLS: (none) → a1b2c3d4e5/prod, legacy → z9y8x7w6v5/prod
//	mtls.demo.localhost  mutual TLS with the generated CA: v1 → a1b2c3d4e5/prod only
const (
	DomainAPI  = "api.demo.localhost"
	DomainMTLS = "mtls.demo.localhost"
)

// addDomains generates (once) a CA, a server certificate for the demo domains and client
// certificates good and bad under certDir, and adds the demo's custom domains to w.
func addDomains(w *config.World, certDir string) error {
	set, err := certgen.Generate(certgen.Options{Dir: certDir, Hosts: []string{DomainAPI, DomainMTLS, "localhost", "127.0.0.1"}})
	if err != nil {
		return fmt.Errorf("demo certificates: %w", err)
	}
	cert, err := tls.LoadX509KeyPair(set.ServerCert, set.ServerKey)
	if err != nil {
		return fmt.Errorf("demo certificates: %w", err)
	}
	caPEM, err := os.ReadFile(set.CAFile)
	if err != nil {
		return err
	}
	ts, _, err := mtls.LoadTruststore(caPEM)
	if err != nil {
		return fmt.Errorf("demo truststore: %w", err)
	}
	api, err := domain.Compile(DomainAPI, "", []domain.Mapping{
		{BasePath: "(none)", RestAPIID: APIID, Stage: "prod"},
		{BasePath: "legacy", RestAPIID: DisabledAPIID, Stage: "prod"},
	}, nil)
	if err != nil {
		return err
	}
	m, err := domain.Compile(DomainMTLS, "", []domain.Mapping{{BasePath: "v1", RestAPIID: APIID, Stage: "prod"}}, nil)
	if err != nil {
		return err
	}
	w.Domains[DomainAPI] = &config.DomainName{Name: DomainAPI, Router: api, Certificate: &cert}
	w.Domains[DomainMTLS] = &config.DomainName{Name: DomainMTLS, Router: m, Certificate: &cert, Truststore: ts}
	return nil
}

// Functions are the demo world's Lambda functions. demo-auth is a TOKEN authorizer written as
// a user would write one for AWS (aws-lambda-go events types):
//
//	allow         Allow for exactly the method ARN called (so a cached result denies other methods)
//	deny          an explicit Deny
//	unauthorized  fails with "Unauthorized" (401)
//	broken        returns no policy (500 {"message": null})
//	anything else an explicit Deny
func Functions() map[string]any {
	return map[string]any{
		"arn:aws:lambda:us-east-1:123456789012:function:demo-auth": func(ev events.APIGatewayCustomAuthorizerRequest) (any, error) {
			effect := "Deny"
			switch ev.AuthorizationToken {
			case "allow":
				effect = "Allow"
			case "unauthorized":
				return nil, errors.New("Unauthorized")
			case "broken":
				return map[string]any{"principalId": "demo-user"}, nil
			}
			return events.APIGatewayCustomAuthorizerResponse{
				PrincipalID: "demo-user",
				PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{Version: "2012-10-17", Statement: []events.IAMPolicyStatement{
					{Action: []string{"execute-api:Invoke"}, Effect: effect, Resource: []string{ev.MethodArn}},
				}},
				Context: map[string]any{"plan": "free", "logins": 3},
			}, nil
		},
	}
}

func jsonEscape(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}
