package authorizer

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/portcullis/portcullis/internal/iampolicy"
	"github.com/portcullis/portcullis/internal/lambdainvoke"
)

// rieModule is how the test installs the AWS Lambda runtime interface emulator when it is
// not on PATH nor in $(go env GOPATH)/bin.
const rieModule = "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@latest"

// findRIE returns the aws-lambda-rie binary, installing it with `go install` when needed. It
// fails the test (never skips) when the emulator cannot be had.
func findRIE(t *testing.T, ctx context.Context) string {
	t.Helper()
	if p, err := exec.LookPath("aws-lambda-rie"); err == nil {
		return p
	}
	if out, err := exec.CommandContext(ctx, "go", "env", "GOPATH").Output(); err == nil {
		for _, dir := range filepath.SplitList(strings.TrimSpace(string(out))) {
			p := filepath.Join(dir, "bin", "aws-lambda-rie")
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
	}
	bin := t.TempDir()
	cmd := exec.CommandContext(ctx, "go", "install", rieModule)
	cmd.Env = append(os.Environ(), "GOBIN="+bin, "GOFLAGS=-mod=mod")
	cmd.Dir = bin
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("aws-lambda-rie is not installed and `GOBIN=DIR go install %s` failed: %v\n%s", rieModule, err, out)
	}
	return filepath.Join(bin, "aws-lambda-rie")
}

// TestAgainstRIE runs a real aws-lambda-go authorizer (testdata/rieauth) under the AWS Lambda
// runtime interface emulator and authorizes through it, addressing the emulator by its full
// invocations URL as a per-function endpoint.
func TestAgainstRIE(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	rie := findRIE(t, ctx)

	fn := filepath.Join(t.TempDir(), "rieauth")
	build := exec.CommandContext(ctx, "go", "build", "-o", fn, "./testdata/rieauth")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build rieauth: %v\n%s", err, out)
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()

	runCtx, stop := context.WithTimeout(ctx, 2*time.Minute)
	defer stop()
	cmd := exec.CommandContext(runCtx, rie, "--runtime-interface-emulator-address", addr, fn)
	cmd.Env = append(os.Environ(), "AWS_LAMBDA_FUNCTION_TIMEOUT=10")
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatalf("start aws-lambda-rie: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("aws-lambda-rie output:\n%s", logs.String())
		}
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("aws-lambda-rie did not listen on %s", addr)
		}
		time.Sleep(50 * time.Millisecond)
	}

	invoke := lambdainvoke.NewClient(lambdainvoke.Options{Functions: map[string]string{
		authFn: "http://" + addr + "/2015-03-31/functions/function/invocations"}})
	svc := New(Options{Invoke: invoke, Region: "us-east-1", AccountID: account, Timeout: 20 * time.Second})
	a := tokenAuthorizer(intp(0))

	tests := []struct {
		tok    string
		kind   Kind
		effect iampolicy.Effect
		detail string
	}{
		{tok: "allow", kind: Policy, effect: iampolicy.Allow},
		{tok: "deny", kind: Policy, effect: iampolicy.Deny},
		{tok: "unauthorized", kind: Unauthorized},
		{tok: "something-else", kind: Failed, detail: "invalid token"},
		{tok: "panic", kind: Failed, detail: "status: 502"}, // the runtime exits; RIE answers 502
		{tok: "allow", kind: Policy, effect: iampolicy.Allow},
	}
	for _, tt := range tests {
		out := svc.Authorize(ctx, tokenInput(a, tt.tok, methodA))
		if out.Kind != tt.kind {
			t.Errorf("%s: kind %v, want %v (detail %q, log %q)", tt.tok, out.Kind, tt.kind, out.Detail, out.Log)
			continue
		}
		if !strings.Contains(out.Detail, tt.detail) {
			t.Errorf("%s: detail %q does not contain %q", tt.tok, out.Detail, tt.detail)
		}
		if tt.kind == Policy {
			if e := out.Policy.Evaluate(&iampolicy.Request{Action: "execute-api:Invoke", Resource: methodA}).Effect; e != tt.effect {
				t.Errorf("%s: effect %v, want %v", tt.tok, e, tt.effect)
			}
			if out.Context["numberKey"] != "1" || out.Context["booleanKey"] != "true" || out.Context["stringKey"] != "value" {
				t.Errorf("%s: context %v", tt.tok, out.Context)
			}
		}
	}
}
