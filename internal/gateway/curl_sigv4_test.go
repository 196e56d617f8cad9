package gateway_test

import (
	"net"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"

	"github.com/portcullis/portcullis/internal/gateway"
	"github.com/portcullis/portcullis/internal/store"
)

// curl --aws-sigv4 is a real SigV4 client: requests it signs must verify, and the gateway's
// denials must reach it byte for byte (issue #3 acceptance). CI installs curl; a missing curl
// fails the test rather than skipping it.
func TestCurlSigV4(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Fatal("curl is required for this test: ", err)
	}
	w := worldFor(t, "../../testdata/scenarios", "worlds/iam/portcullis.yaml")
	srv := httptest.NewServer(gateway.New(w, gateway.Options{Decisions: store.NewMemory(100)}).Handler("default"))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	host := "tableapi01.execute-api.localhost"
	run := func(user, path string, extra ...string) string {
		args := append([]string{"-s", "-i", "--resolve", host + ":" + port + ":127.0.0.1",
			"--aws-sigv4", "aws:amz:us-east-1:execute-api", "--user", user}, extra...)
		args = append(args, "http://"+host+":"+port+path)
		out, err := exec.Command(curl, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("curl %v: %v\n%s", args, err, out)
		}
		return strings.ReplaceAll(string(out), "\r\n", "\n")
	}
	for _, tc := range []struct {
		name, user, path string
		extra            []string
		want             []string
	}{
		{"allowed", "AKIAIA00000000000001:secret-ia", "/prod/ra/x", nil,
			[]string{"HTTP/1.1 200 OK", `"userArn":"arn:aws:iam::123456789012:user/ia"`}},
		{"sorted query", "AKIAIA00000000000001:secret-ia", "/prod/ra/x?a=1&b=2", nil, []string{"HTTP/1.1 200 OK"}},
		{"POST body", "AKIAIA00000000000001:secret-ia", "/prod/ra/x", []string{"-d", `{"order":42}`, "-H", "Content-Type: application/json"}, []string{"HTTP/1.1 200 OK"}},
		{"explicit deny", "AKIAIA00000000000001:secret-ia", "/prod/rd/x", nil, []string{
			"HTTP/1.1 403 Forbidden", "x-amzn-ErrorType: AccessDeniedException",
			`{"Message":"User: arn:aws:iam::123456789012:user/ia is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********9012:tableapi01/prod/GET/rd/x with an explicit deny"}`}},
		{"wrong secret", "AKIAIA00000000000001:wrong", "/prod/ra/x", nil, []string{
			"HTTP/1.1 403 Forbidden", "x-amzn-ErrorType: InvalidSignatureException",
			`{"message":"The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.\n\nThe Canonical String for this request should have been\n'GET\n/prod/ra/x\n\nhost:` + host + ":" + port}},
		{"unknown key", "AKIAUNKNOWN000000001:x", "/prod/ra/x", nil, []string{
			"HTTP/1.1 403 Forbidden", `{"message":"The security token included in the request is invalid."}`}},
		{"session token", "ASIACI00000000000001:secret-ci", "/prod/ra/x", []string{"-H", "X-Amz-Security-Token: token-ci"}, []string{
			"HTTP/1.1 200 OK", `"userArn":"arn:aws:sts::123456789012:assumed-role/ci/build-7"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := run(tc.user, tc.path, tc.extra...)
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("curl output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}
