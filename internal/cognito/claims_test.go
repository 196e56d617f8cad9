package cognito_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/portcullis/portcullis/internal/cognito"
)

func TestFlattenClaims(t *testing.T) {
	// A payload as the re:Post "AWS Cognito Group" question shows it reaching a Lambda proxy
	// integration (2023), plus the shapes that sample lacks.
	payload := `{
		"sub": "3f1c2d4e-aaaa-bbbb-cccc-0123456789ab",
		"cognito:groups": ["team_manager"],
		"phone_number_verified": true,
		"email_verified": false,
		"auth_time": 1680629979,
		"exp": 1680633579,
		"iat": 1680629979,
		"nbf": 1680629979,
		"custom:score": 42.5,
		"custom:big": 12345678901234567890,
		"multi": ["a", 1, true, null, "b"],
		"identities": [{"providerName": "Google", "primary": "true"}],
		"address": {"formatted": "1 Main St"},
		"nothing": null,
		"empty": [],
		"exp_str": "1680633579"
	}`
	dec := json.NewDecoder(strings.NewReader(payload))
	dec.UseNumber()
	var claims map[string]any
	if err := dec.Decode(&claims); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"sub":                   "3f1c2d4e-aaaa-bbbb-cccc-0123456789ab",
		"cognito:groups":        "team_manager",
		"phone_number_verified": "true",
		"email_verified":        "false",
		"auth_time":             "1680629979",
		"exp":                   "Tue Apr 04 18:39:39 UTC 2023",
		"iat":                   "Tue Apr 04 17:39:39 UTC 2023",
		"nbf":                   "Tue Apr 04 17:39:39 UTC 2023",
		"custom:score":          "42.5",
		"custom:big":            "12345678901234567890",
		"multi":                 "a,1,true,b",
		"identities":            `{"primary":"true","providerName":"Google"}`,
		"address":               `{"formatted":"1 Main St"}`,
		"empty":                 "",
		"exp_str":               "1680633579",
	}
	if diff := cmp.Diff(want, cognito.FlattenClaims(claims)); diff != "" {
		t.Errorf("FlattenClaims (-want +got):\n%s", diff)
	}
}

func TestFlattenClaimsDates(t *testing.T) {
	tests := []struct {
		in   any
		want string
	}{
		{json.Number("0"), "Thu Jan 01 00:00:00 UTC 1970"},
		{json.Number("1700000000.9"), "Tue Nov 14 22:13:20 UTC 2023"}, // fractions are dropped
		{json.Number("-5"), "-5"},                                     // not a sane date: left as the number
		{json.Number("1e300"), "1e300"},
		{"Tue Apr 04 18:39:39 UTC 2023", "Tue Apr 04 18:39:39 UTC 2023"},
		{float64(1680629979), "1680629979"}, // decoded without UseNumber: not a date claim shape
	}
	for _, tt := range tests {
		got := cognito.FlattenClaims(map[string]any{"exp": tt.in})["exp"]
		if got != tt.want {
			t.Errorf("exp %v: got %q, want %q", tt.in, got, tt.want)
		}
	}
}
