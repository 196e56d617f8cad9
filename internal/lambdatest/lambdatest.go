// Package lambdatest is a real, in-process AWS Lambda Invoke API server for tests and for local
// runs. It serves POST /2015-03-31/functions/{FunctionName}/invocations the way the Lambda
// service does for a synchronous (RequestResponse) invocation:
//
//   - success: status 200, the handler's JSON payload, X-Amz-Executed-Version: $LATEST and
//     x-amzn-RequestId;
//   - a handler error or panic: still status 200, with X-Amz-Function-Error: Unhandled and a
//     body {"errorMessage":"…","errorType":"…"} (the aws-lambda-go runtime's error shape: the
//     error's Go type name as errorType);
//   - an unknown function: 404, x-amzn-ErrorType: ResourceNotFoundException and
//     {"Type":"User","message":"Function not found: arn:…"}.
//
// Functions are registered by name or by full ARN and can be invoked by either (the name
// of an ARN key is its function-name segment). Handlers are any function aws-lambda-go accepts
// (lambda.NewHandler). Faults (a delay, a raw response) can be injected per function.
package lambdatest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambda/messages"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/google/uuid"
)

// DefaultRegion and DefaultAccount are used to build the ARN of a function registered by name.
const (
	DefaultRegion  = "us-east-1"
	DefaultAccount = "123456789012"
)

// Fault changes how one function answers. A zero Fault means "no fault".
type Fault struct {
	// Delay is waited before answering (cut short when the caller goes away).
	Delay time.Duration
	// Raw, when true, answers Status/Header/Body instead of running the handler.
	Raw    bool
	Status int // 0 = 200
	Header http.Header
	Body   []byte
}

type function struct {
	arn     string
	name    string
	handler lambda.Handler
}

// Server is a running Lambda Invoke API server. It is safe for concurrent use.
type Server struct {
	srv *httptest.Server
	mux *http.ServeMux

	fns []*function // immutable after New

	mu          sync.Mutex
	invocations map[string]int // by function name
	faults      map[string]Fault
}

// New starts a server with the given functions, keyed by function name
// ("auth") or ARN ("arn:aws:lambda:us-east-1:123456789012:function:auth"). Each value is a
// handler function of any signature lambda.NewHandler accepts, or a lambda.Handler.
func New(fns map[string]any) *Server {
	s := NewHandler(fns)
	s.srv = httptest.NewServer(s.Handler())
	return s
}

// NewHandler is New without a listener: mount Handler() on a server of your own (the demo
// backend serves the demo world's functions this way). URL and Close need New.
func NewHandler(fns map[string]any) *Server {
	s := &Server{invocations: map[string]int{}, faults: map[string]Fault{}}
	for key, fn := range fns {
		f := &function{}
		if name, ok := nameFromARN(key); ok {
			f.arn, f.name = key, name
		} else {
			f.name = key
			f.arn = fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", DefaultRegion, DefaultAccount, key)
		}
		if h, ok := fn.(lambda.Handler); ok {
			f.handler = h
		} else {
			f.handler = lambda.NewHandler(fn)
		}
		s.fns = append(s.fns, f)
	}
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("POST /2015-03-31/functions/{fn}/invocations", s.invoke)
	return s
}

// Handler serves the Lambda Invoke API.
func (s *Server) Handler() http.Handler { return s.mux }

// URL is the endpoint to configure as the Lambda endpoint (no trailing slash).
func (s *Server) URL() string { return s.srv.URL }

// Close shuts the server down, waiting for in-flight invocations.
func (s *Server) Close() { s.srv.Close() }

// Invocations reports how many times the function (by name or ARN) was invoked, faults
// included.
func (s *Server) Invocations(nameOrARN string) int {
	f := s.lookup(nameOrARN)
	if f == nil {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.invocations[f.name]
}

// SetFault installs (or, with a zero Fault, removes) a fault for the function.
func (s *Server) SetFault(nameOrARN string, f Fault) {
	fn := s.lookup(nameOrARN)
	if fn == nil {
		panic("lambdatest: SetFault for unknown function " + nameOrARN)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if reflect.ValueOf(f).IsZero() {
		delete(s.faults, fn.name)
		return
	}
	s.faults[fn.name] = f
}

// nameFromARN returns the function-name segment of
// arn:aws:lambda:region:account:function:name[:qualifier].
func nameFromARN(s string) (string, bool) {
	parts := strings.Split(s, ":")
	if len(parts) < 7 || parts[0] != "arn" || parts[2] != "lambda" || parts[5] != "function" || parts[6] == "" {
		return "", false
	}
	return parts[6], true
}

func (s *Server) lookup(nameOrARN string) *function {
	for _, f := range s.fns {
		if f.arn == nameOrARN {
			return f
		}
	}
	name := nameOrARN
	if n, ok := nameFromARN(nameOrARN); ok {
		name = n
	}
	for _, f := range s.fns {
		if f.name == name {
			return f
		}
	}
	return nil
}

func (s *Server) invoke(w http.ResponseWriter, r *http.Request) {
	requestID := uuid.NewString()
	w.Header().Set("x-amzn-RequestId", requestID)
	target := r.PathValue("fn")
	f := s.lookup(target)
	if f == nil {
		arn := target
		if _, ok := nameFromARN(target); !ok {
			arn = fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", DefaultRegion, DefaultAccount, target)
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("x-amzn-ErrorType", "ResourceNotFoundException")
		w.WriteHeader(http.StatusNotFound)
		body, _ := json.Marshal(map[string]string{"Type": "User", "message": "Function not found: " + arn})
		_, _ = w.Write(body)
		return
	}
	s.mu.Lock()
	s.invocations[f.name]++
	fault := s.faults[f.name]
	s.mu.Unlock()

	payload, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if fault.Delay > 0 {
		t := time.NewTimer(fault.Delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	if fault.Raw {
		for k, vs := range fault.Header {
			w.Header()[k] = vs
		}
		status := fault.Status
		if status == 0 {
			status = http.StatusOK
		}
		w.WriteHeader(status)
		_, _ = w.Write(fault.Body)
		return
	}

	w.Header().Set("X-Amz-Executed-Version", "$LATEST")
	w.Header().Set("Content-Type", "application/json")
	ctx := lambdacontext.NewContext(r.Context(), &lambdacontext.LambdaContext{
		AwsRequestID:       requestID,
		InvokedFunctionArn: f.arn,
	})
	out, ierr := callHandler(ctx, f.handler, payload)
	if ierr != nil {
		w.Header().Set("X-Amz-Function-Error", "Unhandled")
		body, _ := json.Marshal(struct {
			Message string `json:"errorMessage"`
			Type    string `json:"errorType"`
		}{ierr.Message, ierr.Type})
		_, _ = w.Write(body)
		return
	}
	_, _ = w.Write(out)
}

// callHandler runs the handler, turning an error or a panic into the runtime's error shape
// (errorType is the Go type name of the error or panic value, as aws-lambda-go reports it).
func callHandler(ctx context.Context, h lambda.Handler, payload []byte) (out []byte, ierr *messages.InvokeResponse_Error) {
	defer func() {
		if v := recover(); v != nil {
			out, ierr = nil, &messages.InvokeResponse_Error{Message: fmt.Sprintf("%v", v), Type: typeName(v)}
		}
	}()
	out, err := h.Invoke(ctx, payload)
	if err != nil {
		if ive, ok := err.(messages.InvokeResponse_Error); ok {
			return nil, &ive
		}
		return nil, &messages.InvokeResponse_Error{Message: err.Error(), Type: typeName(err)}
	}
	if out == nil {
		out = []byte("null")
	}
	return bytes.TrimRight(out, "\n"), nil
}

func typeName(v any) string {
	t := reflect.TypeOf(v)
	if t == nil {
		return ""
	}
	if t.Kind() == reflect.Pointer {
		return t.Elem().Name()
	}
	return t.Name()
}
