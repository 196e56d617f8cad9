// Package sigv4 parses and verifies AWS Signature Version 4 for execute-api (facts §5.2, §5.5,
// §11 step 7): the Authorization header and presigned-URL forms, the 5-minute window, session
// tokens, and AWS's exact error messages. Everything here is pure (no I/O, no clock, no cache)
// and fuzzed.
//
// Sources followed where the facts file is silent: the SigV4 specification and its test suite
// (AWS General Reference, 2015-08-30 vectors), the aws-sdk-go-v2 v1.48.0 signer as the reference
// client (double-encoded path, query sorted after encoding), and the error strings and check
// order that dynalite and scratchstack-aws-signature recorded from AWS's request-signing front
// end. Messages for X-Amz-Expires errors are S3's wording [UNCONFIRMED for execute-api].
package sigv4

import (
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// Algorithm is the only SigV4 algorithm execute-api accepts.
const Algorithm = "AWS4-HMAC-SHA256"

// AuthHeader is an Authorization header split the way API Gateway's parser splits it:
// "ALGORITHM key=value, key=value, ...".
type AuthHeader struct {
	Algorithm string
	// Params holds the key=value pairs (Credential, SignedHeaders, Signature, ...).
	Params map[string]string
	// BadPair is the first comma-separated element without '=' ("" when every pair has one).
	BadPair string
}

// ParseAuthHeader splits an Authorization header value. It never fails: the caller decides what
// an incomplete header means (see Incomplete).
func ParseAuthHeader(v string) AuthHeader {
	v = strings.TrimSpace(v)
	alg, rest, _ := strings.Cut(v, " ")
	h := AuthHeader{Algorithm: alg}
	for _, p := range strings.Split(rest, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		k, val, ok := strings.Cut(p, "=")
		if !ok {
			if h.BadPair == "" {
				h.BadPair = p
			}
			continue
		}
		if h.Params == nil {
			h.Params = make(map[string]string, 4)
		}
		h.Params[strings.TrimSpace(k)] = strings.TrimSpace(val)
	}
	return h
}

// IsSigV4 reports whether the header claims the SigV4 algorithm.
func (h AuthHeader) IsSigV4() bool { return h.Algorithm == Algorithm }

// HashedValue is how AWS's newer messages quote an Authorization value: SHA-256, base64.
func HashedValue(v string) string {
	sum := sha256.Sum256([]byte(v))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// Incomplete returns the IncompleteSignatureException message API Gateway gives for an
// Authorization header it cannot use as a SigV4 signature, or "" when the header has every part
// (facts §5.5: a well-formed header with another algorithm name is answered as if absent).
// hasDate says whether the request has an X-Amz-Date or Date header. hashed selects AWS's newer
// wording, which quotes the value hashed with SHA-256 and base64 instead of in clear (the seed
// shows "Authorization=allow").
func Incomplete(value string, hasDate, hashed bool) string {
	h := ParseAuthHeader(value)
	if h.BadPair != "" {
		if hashed {
			return "Invalid key=value pair (missing equal-sign) in Authorization header (hashed with SHA-256 and encoded with Base64): '" + HashedValue(value) + "'."
		}
		return "Invalid key=value pair (missing equal-sign) in Authorization header: '" + value + "'."
	}
	var b strings.Builder
	for _, p := range [...]string{"Credential", "Signature", "SignedHeaders"} {
		if _, ok := h.Params[p]; !ok {
			b.WriteString("Authorization header requires '" + p + "' parameter. ")
		}
	}
	if !hasDate {
		b.WriteString("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ")
	}
	if b.Len() == 0 {
		return ""
	}
	if hashed {
		b.WriteString("(Hashed with SHA-256 and encoded with Base64)")
	} else {
		b.WriteString("Authorization=" + value)
	}
	return b.String()
}
