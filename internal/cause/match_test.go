package cause

import "testing"

func TestMessageMatches(t *testing.T) {
	e := MustLookup(PolicyNoAllow)
	msg := Fill(e.Message, "principal", "anonymous", "arn", "arn:aws:execute-api:us-east-1:********9012:a1b2c3d4e5/prod/GET/pets")
	if !MessageMatches(e.Message, msg) {
		t.Errorf("%q does not match its own template", msg)
	}
	if MessageMatches(e.Message, "Forbidden") || MessageMatches("Forbidden", "Forbidden!") {
		t.Error("a different message matched")
	}
	mm := MustLookup(SignatureMismatch)
	if !MessageMatches(mm.Message, mm.Message+"\n\nThe Canonical String for this request should have been\n'GET\n/prod'") {
		t.Error("details on further lines must not break the match")
	}
	l := MustLookup(APIKeyNotInUsagePlan).ExecLog[0]
	log := "Verifying Usage Plan\nAPI Key **********abcd not authorized because method 'GET /quota' requires API Key and API Key is not associated with a Usage Plan for API Stage keysdemo01/beta: No Usage Plan found for key and API Stage\nMethod completed with status: 403"
	if FindInLog(l, log) == "" {
		t.Errorf("execution-log line not found")
	}
	if FindInLog(l, "Method completed with status: 403") != "" {
		t.Error("found in a log without the line")
	}
}
