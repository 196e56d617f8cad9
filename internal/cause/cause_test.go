package cause

import (
	"strings"
	"testing"
)

// The DESIGN.md §3 table: the 17 seed rows in the seed's order, with status, error type and
// default message.
var seedTable = []struct {
	id, errorType, message string
}{
	{"authorizer-explicit-deny", "AccessDeniedException", "User is not authorized to access this resource with an explicit deny"},
	{"policy-explicit-deny", "AccessDeniedException", "User: {principal} is not authorized to perform: execute-api:Invoke on resource: {arn} with an explicit deny"},
	{"policy-no-allow", "AccessDeniedException", "User: {principal} is not authorized to perform: execute-api:Invoke on resource: {arn}"},
	{"invalid-security-token", "AccessDeniedException", "The security token included in the request is invalid."},
	{"missing-authentication-token", "MissingAuthenticationTokenException", "Missing Authentication Token"},
	{"signature-expired", "InvalidSignatureException", "Signature expired: {signed} is now earlier than {earliest} ({now} - 5 min.)"},
	{"invalid-api-key", "ForbiddenException", "Forbidden"},
	{"signature-mismatch", "InvalidSignatureException", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method."},
	{"waf-blocked", "ForbiddenException", "Forbidden"},
	{"route-not-found", "MissingAuthenticationTokenException", "Missing Authentication Token"},
	{"route-not-found-with-authorization", "IncompleteSignatureException", "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization={authorization}"},
	{"private-api-wrong-endpoint", "ForbiddenException", "Forbidden"},
	{"default-endpoint-disabled", "ForbiddenException", "Forbidden"},
	{"mtls-certificate-rejected", "ForbiddenException", "Forbidden"},
	{"custom-domain-no-mapping", "ForbiddenException", "Forbidden"},
	{"custom-domain-stage-in-path", "MissingAuthenticationTokenException", "Missing Authentication Token"},
	{"stage-not-found", "ForbiddenException", "Forbidden"},
}

func TestSeedRowsInOrder(t *testing.T) {
	all := All()
	for i, want := range seedTable {
		e := all[i]
		if e.ID != want.id || e.SeedRow != i+1 {
			t.Fatalf("entry %d = %s (seed row %d), want %s (seed row %d)", i, e.ID, e.SeedRow, want.id, i+1)
		}
		if e.Status != 403 || e.ErrorType != want.errorType || e.Message != want.message {
			t.Errorf("%s = %d %q %q, want 403 %q %q", e.ID, e.Status, e.ErrorType, e.Message, want.errorType, want.message)
		}
	}
	for _, e := range all[len(seedTable):] {
		if e.SeedRow != 0 {
			t.Errorf("%s: seed row %d after the seed rows", e.ID, e.SeedRow)
		}
	}
}

func TestMinimumIDs(t *testing.T) {
	// DESIGN.md §3 "Then at least".
	for _, id := range []string{
		"authorizer-no-allow", "authorizer-identity-missing", "authorizer-unauthorized", "authorizer-error",
		"api-key-missing", "api-key-disabled", "api-key-not-in-usage-plan", "throttled", "quota-exceeded",
		"request-too-large", "integration-timeout", "integration-failure", "public-api-via-private-dns",
		"vpce-policy-deny", "resource-not-deployed", "backend-403",
	} {
		if _, ok := Lookup(id); !ok {
			t.Errorf("catalogue lacks %s", id)
		}
	}
	want := map[string]struct {
		status    int
		errorType string
	}{
		"authorizer-identity-missing": {401, "UnauthorizedException"},
		"authorizer-unauthorized":     {401, "UnauthorizedException"},
		"authorizer-error":            {500, "AuthorizerConfigurationException"},
		"throttled":                   {429, "TooManyRequestsException"},
		"quota-exceeded":              {429, "LimitExceededException"},
		"request-too-large":           {413, ""},
		"integration-timeout":         {504, "InternalServerErrorException"},
		"api-key-missing":             {403, "ForbiddenException"},
		"api-key-disabled":            {403, "ForbiddenException"},
		"api-key-not-in-usage-plan":   {403, "ForbiddenException"},
	}
	for id, w := range want {
		e := MustLookup(id)
		if e.Status != w.status || e.ErrorType != w.errorType {
			t.Errorf("%s = %d %q, want %d %q", id, e.Status, e.ErrorType, w.status, w.errorType)
		}
	}
	if e := MustLookup("authorizer-error"); !e.NullMessage {
		t.Error("authorizer-error must render {\"message\": null}")
	}
}

func TestEntriesComplete(t *testing.T) {
	seen := map[string]bool{}
	for _, e := range All() {
		if seen[e.ID] {
			t.Errorf("duplicate %s", e.ID)
		}
		seen[e.ID] = true
		if e.Title == "" || e.RootCause == "" || len(e.Remedies) == 0 || e.Step == "" || e.Status == 0 {
			t.Errorf("%s is incomplete: %+v", e.ID, e)
		}
		if e.ID != Backend403 && e.ResponseType == "" {
			t.Errorf("%s has no response type", e.ID)
		}
		if e.ID != Backend403 && !e.NullMessage && e.Message == "" {
			t.Errorf("%s has no message", e.ID)
		}
		if e.ID != strings.ToLower(e.ID) || strings.ContainsAny(e.ID, " _") {
			t.Errorf("%s is not a kebab-case id", e.ID)
		}
	}
}

func TestMessageStyles(t *testing.T) {
	e := MustLookup(PolicyExplicitDeny)
	if got := e.MessageFor(Current); !strings.HasSuffix(got, "with an explicit deny in a resource-based policy") {
		t.Errorf("current style = %q", got)
	}
	if got := MustLookup(RouteNotFound).MessageFor(Current); got != "Missing Authentication Token" {
		t.Errorf("current style without a newer wording = %q", got)
	}
}

func TestFillAndMask(t *testing.T) {
	arn := MaskAccount("arn:aws:execute-api:eu-west-2:123456782087:uiv82new6b/dev/GET/a")
	if arn != "arn:aws:execute-api:eu-west-2:********2087:uiv82new6b/dev/GET/a" {
		t.Errorf("MaskAccount = %q", arn)
	}
	got := Fill(MustLookup(PolicyNoAllow).Message, "principal", "anonymous", "arn", arn)
	want := "User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:eu-west-2:********2087:uiv82new6b/dev/GET/a"
	if got != want {
		t.Errorf("Fill = %q", got)
	}
	if MaskAccount("not-an-arn") != "not-an-arn" {
		t.Error("MaskAccount changed a non-ARN")
	}
}
