package cognito

import (
	"encoding/json"
	"math"
	"strings"
	"time"
)

// JavaDateLayout is how API Gateway prints the exp and iat claims of a Cognito token in
// $context.authorizer.claims and the Lambda proxy event: Java's Date.toString() in UTC, for
// example "Tue Apr 04 18:39:39 UTC 2023". [OBS: re:Post "AWS Cognito Group" (2023) and
// amazon-cognito-identity-js issue #92 (2016) show exp/iat so, while auth_time stays
// "1680629979".]
const JavaDateLayout = "Mon Jan 02 15:04:05 UTC 2006"

// dateClaims are the registered NumericDate claims API Gateway turns into Java dates. nbf is
// assumed to behave like exp and iat [UNCONFIRMED: Cognito tokens carry no nbf].
var dateClaims = map[string]bool{"exp": true, "iat": true, "nbf": true}

// FlattenClaims turns a decoded JWT payload (numbers as json.Number) into the string map API
// Gateway exposes as $context.authorizer.claims.NAME (facts §2 "claims.property"):
//
//   - strings are unchanged; booleans are "true"/"false" (the ID token's email_verified shows as
//     "true" [OBS]);
//   - numbers keep their JSON text ("auth_time": "1680629979" [OBS]), except exp, iat and nbf,
//     which are printed with JavaDateLayout [OBS for exp and iat];
//   - arrays are their elements, flattened the same way, joined by "," with no brackets or
//     spaces: "cognito:groups": ["admins","ops"] gives "admins,ops" [OBS for one group:
//     "team_manager"; the comma join is what clients split on (aws/chalice issue #783)
//     — UNCONFIRMED against a live multi-group capture];
//   - objects (for example "identities" of federated users) are compact JSON [UNCONFIRMED];
//   - null claims are left out [UNCONFIRMED].
func FlattenClaims(claims map[string]any) map[string]string {
	out := make(map[string]string, len(claims))
	for k, v := range claims {
		if v == nil {
			continue
		}
		if n, ok := v.(json.Number); ok && dateClaims[k] {
			if s, ok := javaDate(n); ok {
				out[k] = s
				continue
			}
		}
		out[k] = flatten(v)
	}
	return out
}

func flatten(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case bool:
		if v {
			return "true"
		}
		return "false"
	case json.Number:
		return v.String()
	case float64: // payloads decoded without UseNumber
		b, _ := json.Marshal(v)
		return string(b)
	case []any:
		parts := make([]string, 0, len(v))
		for _, e := range v {
			if e == nil {
				continue
			}
			parts = append(parts, flatten(e))
		}
		return strings.Join(parts, ",")
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return ""
		}
		return string(b)
	}
}

// javaDate prints a NumericDate the way Java's Date.toString() does in UTC (whole seconds).
func javaDate(n json.Number) (string, bool) {
	f, err := n.Float64()
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 1e11 {
		return "", false
	}
	return time.Unix(int64(f), 0).UTC().Format(JavaDateLayout), true
}
