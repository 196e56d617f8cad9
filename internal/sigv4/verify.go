package sigv4

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ServiceName is the service in an execute-api credential scope (facts §5.2).
const ServiceName = "execute-api"

const (
	terminator      = "aws4_request"
	amzDateLayout   = "20060102T150405Z"
	scopeDateLayout = "20060102"
	unsignedPayload = "UNSIGNED-PAYLOAD"
	// Skew is how far X-Amz-Date may be from the gateway's clock, either way (facts §5.2).
	Skew = 5 * time.Minute
	// MaxExpires is the largest X-Amz-Expires a presigned URL may carry (seven days).
	MaxExpires = 604800
)

// Request is the view of an HTTP request that verification needs; the gateway fills it.
type Request struct {
	Method   string
	RawPath  string // escaped path as received, e.g. "/prod/pets/a%20b"
	RawQuery string
	Header   http.Header
	Host     string // the Host header value as received (may include a port)
	Body     []byte // the full body (≤ 10 MB), for the payload hash
}

// Key is the secret half of an access key.
type Key struct {
	SecretAccessKey string
	SessionToken    string    // "" for long-term keys
	Expiration      time.Time // zero = none
}

// Lookup finds the key for an access key ID; false means unknown or inactive.
type Lookup func(accessKeyID string) (Key, bool)

// Failure is the kind of outcome of Verify.
type Failure string

// The outcomes. IncompleteSignature is the brief's "Incomplete" kind; the name Incomplete is
// taken by the parse-message function that the route check uses.
const (
	OK Failure = ""
	// Unsigned: no Authorization header and no X-Amz-Algorithm query parameter, or an
	// Authorization header of another scheme that parses as key=value pairs (facts §5.5).
	Unsigned Failure = "unsigned"
	// IncompleteSignature: a malformed header or query: missing Credential, Signature,
	// SignedHeaders or date, a date that is not ISO 8601 basic, a bad X-Amz-Expires.
	IncompleteSignature Failure = "incomplete-signature"
	// BadCredential: the credential scope is wrong (date, region, service, terminator), it does
	// not have five parts, or the algorithm is not AWS4-HMAC-SHA256.
	BadCredential Failure = "bad-credential"
	// UnknownKey: the access key is not found or inactive.
	UnknownKey Failure = "unknown-key"
	// BadToken: the session token is missing, wrong or expired for a temporary key, or sent
	// with a long-term key.
	BadToken Failure = "bad-token"
	// Expired: X-Amz-Date is outside the 5-minute window (either way), or a presigned URL is
	// past X-Amz-Expires.
	Expired Failure = "expired"
	// Mismatch: the signature differs; also host not signed, and both header and query
	// signing (AWS answers these with InvalidSignatureException too).
	Mismatch Failure = "mismatch"
)

// The x-amzn-ErrorType values Verify reports.
const (
	ErrMissingAuthenticationToken = "MissingAuthenticationTokenException"
	ErrIncompleteSignature        = "IncompleteSignatureException"
	ErrInvalidSignature           = "InvalidSignatureException"
	ErrAccessDenied               = "AccessDeniedException"
	ErrExpiredToken               = "ExpiredTokenException"
)

// AWS's messages (facts §5.5; the coral-service wording used by every SigV4 AWS service).
const (
	MsgMissingAuthenticationToken = "Missing Authentication Token"
	// MsgMismatchSeed is the seed article's short form of the mismatch message.
	MsgMismatchSeed = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method."
	// MsgMismatch is AWS's current form.
	MsgMismatch     = MsgMismatchSeed + " Consult the service documentation for details."
	MsgInvalidToken = "The security token included in the request is invalid."
	MsgExpiredToken = "The security token included in the request is expired"
	msgHostUnsigned = "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
	msgFoundBoth    = "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header."
)

// Result is the outcome of Verify with everything the decision record shows.
type Result struct {
	Failure Failure
	// Message is AWS's exact message for the failure in its current wording ("" for OK).
	Message string
	// SeedMessage is the seed article's wording when it differs from Message ("" otherwise);
	// use MessageFor to pick.
	SeedMessage string
	// ErrorType is the x-amzn-ErrorType AWS sends with Message.
	ErrorType string

	AccessKeyID, Region, Service, Date string // from the credential
	SignedHeaders                      []string
	SignedAt                           time.Time
	Presigned                          bool
	CanonicalRequest, StringToSign     string // what the gateway computed
	// Detail is one sentence for humans: what exactly was wrong.
	Detail string
}

// MessageFor returns the message in the style the gateway is configured for
// (errorMessageStyle: current=true for AWS's newer wording, false for the seed's). For a
// signature mismatch both forms end with the canonical string and the string-to-sign.
func (r Result) MessageFor(current bool) string {
	if current {
		return r.Message
	}
	if r.Failure == Mismatch && strings.HasPrefix(r.Message, MsgMismatch) {
		return MsgMismatchSeed + r.Message[len(MsgMismatch):]
	}
	if r.SeedMessage != "" {
		return r.SeedMessage
	}
	return r.Message
}

// Verify checks the SigV4 signature of a request to an AWS_IAM method of an API in region
// (facts §5.2, §5.5, §11 step 7). It is pure: no I/O, no clock (now is given), no cache.
//
// The checks run in the order AWS's request-signing front end runs them, as recorded from real
// responses in dynalite's index.js and scratchstack-aws-signature (both reproduce AWS's
// coral errors): header and query both present; nothing present (Unsigned); missing parts
// (IncompleteSignature); date format; the 5-minute window (X-Amz-Expires for presigned URLs);
// host signed; algorithm; credential shape; credential scope; access key; session token;
// signature.
func Verify(r *Request, region string, lookup Lookup, now time.Time) Result {
	return verify(r, region, ServiceName, lookup, now)
}

// sigParams are the signing parameters from the Authorization header or the query.
type sigParams struct {
	algorithm, credential, signedHeaders, signature string
	date                                            string // X-Amz-Date, or the Date header
	fromDateHeader                                  bool
	token                                           string
	hasToken                                        bool
	expires                                         int // presigned X-Amz-Expires; 0 = absent
}

func verify(r *Request, region, service string, lookup Lookup, now time.Time) Result {
	var res Result
	if r == nil {
		r = &Request{}
	}
	q := parseQuery(r.RawQuery)
	auth := headerValues(r.Header, "Authorization")
	_, presigned := lookupParam(q, "X-Amz-Algorithm")
	res.Presigned = presigned
	switch {
	case len(auth) > 0 && presigned:
		return res.fail(Mismatch, ErrInvalidSignature, msgFoundBoth,
			"the request is signed twice: it has an Authorization header and an X-Amz-Algorithm query parameter")
	case len(auth) == 0 && !presigned:
		return res.fail(Unsigned, ErrMissingAuthenticationToken, MsgMissingAuthenticationToken,
			"the request has no Authorization header and no X-Amz-Signature query parameter: it is not signed")
	}

	var p sigParams
	if !presigned {
		v := auth[0]
		xdate, hasX := firstHeader(r.Header, "X-Amz-Date")
		date, hasD := firstHeader(r.Header, "Date")
		if msg := Incomplete(v, hasX || hasD, true); msg != "" {
			res.SeedMessage = Incomplete(v, hasX || hasD, false)
			return res.fail(IncompleteSignature, ErrIncompleteSignature, msg,
				"the Authorization header is not a complete SigV4 signature: "+incompleteDetail(v, hasX || hasD))
		}
		h := ParseAuthHeader(v)
		if !strings.HasPrefix(h.Algorithm, "AWS4-") {
			return res.fail(Unsigned, ErrMissingAuthenticationToken, MsgMissingAuthenticationToken,
				"the Authorization header uses the "+strconv.Quote(h.Algorithm)+" scheme, not SigV4, so API Gateway answers as if the request were unsigned")
		}
		p.algorithm, p.credential = h.Algorithm, h.Params["Credential"]
		p.signedHeaders, p.signature = h.Params["SignedHeaders"], h.Params["Signature"]
		if hasX {
			p.date = xdate
		} else {
			p.date, p.fromDateHeader = date, true
		}
		p.token, p.hasToken = firstHeader(r.Header, "X-Amz-Security-Token")
	} else {
		var b strings.Builder
		var missing []string
		for _, name := range [...]string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date"} {
			if v, _ := lookupParam(q, name); v == "" {
				b.WriteString("AWS query-string parameters must include '" + name + "'. ")
				missing = append(missing, name)
			}
		}
		if b.Len() > 0 {
			b.WriteString("Re-examine the query-string parameters.")
			return res.fail(IncompleteSignature, ErrIncompleteSignature, b.String(),
				"the presigned URL lacks "+strings.Join(missing, ", "))
		}
		p.algorithm, _ = lookupParam(q, "X-Amz-Algorithm")
		p.credential, _ = lookupParam(q, "X-Amz-Credential")
		p.signature, _ = lookupParam(q, "X-Amz-Signature")
		p.signedHeaders, _ = lookupParam(q, "X-Amz-SignedHeaders")
		p.date, _ = lookupParam(q, "X-Amz-Date")
		p.token, p.hasToken = lookupParam(q, "X-Amz-Security-Token")
		if v, ok := lookupParam(q, "X-Amz-Expires"); ok {
			n, err := strconv.Atoi(v)
			switch {
			case err != nil:
				return res.fail(IncompleteSignature, ErrIncompleteSignature, "X-Amz-Expires should be a number",
					"X-Amz-Expires is "+strconv.Quote(v)+", not a number of seconds")
			case n < 1:
				return res.fail(IncompleteSignature, ErrIncompleteSignature, "X-Amz-Expires must be non-negative",
					"X-Amz-Expires is "+v+"; it must be between 1 and 604800 seconds")
			case n > MaxExpires:
				return res.fail(IncompleteSignature, ErrIncompleteSignature, "X-Amz-Expires must be less than a week (in seconds) that is 604800",
					"X-Amz-Expires is "+v+"; it must be at most 604800 seconds (seven days)")
			}
			p.expires = n
		}
	}

	// The date.
	var err error
	if p.fromDateHeader {
		res.SignedAt, err = http.ParseTime(p.date)
	} else if len(p.date) == len(amzDateLayout) {
		res.SignedAt, err = time.Parse(amzDateLayout, p.date)
	} else {
		err = errBadDate
	}
	if err != nil {
		return res.fail(IncompleteSignature, ErrIncompleteSignature,
			"Date must be in ISO-8601 'basic format'. Got '"+p.date+"'. See http://en.wikipedia.org/wiki/ISO_8601",
			"the request date "+strconv.Quote(p.date)+" is not in the form YYYYMMDD'T'HHMMSS'Z'")
	}
	res.SignedAt = res.SignedAt.UTC()
	amzDate := p.date
	if p.fromDateHeader {
		amzDate = res.SignedAt.Format(amzDateLayout)
	}

	// The window: 5 minutes either way; a presigned URL is good for X-Amz-Expires seconds.
	now = now.UTC()
	window := Skew
	if p.expires > 0 {
		window = time.Duration(p.expires) * time.Second
	}
	if earliest := now.Add(-window); res.SignedAt.Before(earliest) {
		d := "the request was signed at " + amzDate + ", more than " + durationText(window) + " before the gateway's clock (" + now.Format(amzDateLayout) + ")"
		if p.expires > 0 {
			d = "the presigned URL was signed at " + amzDate + " and expired after X-Amz-Expires=" + strconv.Itoa(p.expires) + " seconds"
		}
		return res.fail(Expired, ErrInvalidSignature,
			"Signature expired: "+amzDate+" is now earlier than "+earliest.Format(amzDateLayout)+" ("+now.Format(amzDateLayout)+" - "+durationText(window)+".)", d)
	}
	if latest := now.Add(Skew); res.SignedAt.After(latest) {
		return res.fail(Expired, ErrInvalidSignature,
			"Signature not yet current: "+amzDate+" is still later than "+latest.Format(amzDateLayout)+" ("+now.Format(amzDateLayout)+" + 5 min.)",
			"the request was signed at "+amzDate+", more than 5 minutes after the gateway's clock ("+now.Format(amzDateLayout)+"): the client's clock is ahead")
	}

	// host must be signed.
	res.SignedHeaders = strings.Split(p.signedHeaders, ";")
	hostSigned := false
	for _, h := range res.SignedHeaders {
		if strings.EqualFold(h, "host") {
			hostSigned = true
		}
	}
	if !hostSigned {
		return res.fail(Mismatch, ErrInvalidSignature, msgHostUnsigned,
			"the signed headers ("+p.signedHeaders+") do not include host")
	}

	if p.algorithm != Algorithm {
		return res.fail(BadCredential, ErrIncompleteSignature,
			"Unsupported AWS 'algorithm': '"+p.algorithm+"' (only AWS4-HMAC-SHA256 for now). ",
			"the signing algorithm is "+strconv.Quote(p.algorithm)+"; execute-api accepts only AWS4-HMAC-SHA256")
	}

	// The credential: AKID/YYYYMMDD/region/service/aws4_request.
	if strings.Count(p.credential, "/") != 4 {
		return res.fail(BadCredential, ErrIncompleteSignature,
			"Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '"+p.credential+"'",
			"the credential "+strconv.Quote(p.credential)+" is not ACCESS_KEY_ID/YYYYMMDD/REGION/execute-api/aws4_request")
	}
	akid, rest, _ := strings.Cut(p.credential, "/")
	scope := rest
	res.AccessKeyID = akid
	res.Date, rest, _ = strings.Cut(rest, "/")
	res.Region, rest, _ = strings.Cut(rest, "/")
	res.Service, rest, _ = strings.Cut(rest, "/")
	term := rest
	wantDate := res.SignedAt.Format(scopeDateLayout)
	if res.Region != region || res.Service != service || term != terminator || res.Date != wantDate {
		var msg, detail strings.Builder
		add := func(m, d string) {
			msg.WriteString(m)
			if detail.Len() > 0 {
				detail.WriteString("; ")
			}
			detail.WriteString(d)
		}
		if res.Region != region {
			add("Credential should be scoped to a valid region. ",
				"the credential is scoped to region "+strconv.Quote(res.Region)+" but the API is in "+region)
		}
		if res.Service != service {
			add("Credential should be scoped to correct service: '"+service+"'. ",
				"the credential is scoped to service "+strconv.Quote(res.Service)+" instead of "+service)
		}
		if term != terminator {
			add("Credential should be scoped with a valid terminator: 'aws4_request'. ",
				"the credential ends in "+strconv.Quote(term)+" instead of aws4_request")
		}
		if res.Date != wantDate {
			add("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '"+res.Date+"' != '"+wantDate+"', from '"+amzDate+"'. ",
				"the credential date "+res.Date+" is not the day of the request date "+amzDate)
		}
		return res.fail(BadCredential, ErrInvalidSignature, msg.String(), detail.String())
	}

	// The key and its session token.
	var key Key
	ok := false
	if lookup != nil && akid != "" {
		key, ok = lookup(akid)
	}
	if !ok {
		return res.fail(UnknownKey, ErrAccessDenied, MsgInvalidToken,
			"access key "+strconv.Quote(akid)+" is not a known active key")
	}
	switch {
	case key.SessionToken == "" && p.hasToken:
		return res.fail(BadToken, ErrAccessDenied, MsgInvalidToken,
			"access key "+akid+" is a long-term key but the request carries X-Amz-Security-Token")
	case key.SessionToken != "" && !p.hasToken:
		return res.fail(BadToken, ErrAccessDenied, MsgInvalidToken,
			"access key "+akid+" is temporary and needs its session token in X-Amz-Security-Token, which the request lacks")
	case key.SessionToken != "" && subtle.ConstantTimeCompare([]byte(key.SessionToken), []byte(p.token)) != 1:
		return res.fail(BadToken, ErrAccessDenied, MsgInvalidToken,
			"the X-Amz-Security-Token is not the session token of access key "+akid)
	case key.SessionToken != "" && !key.Expiration.IsZero() && !now.Before(key.Expiration):
		return res.fail(BadToken, ErrExpiredToken, MsgExpiredToken,
			"the session of access key "+akid+" expired at "+key.Expiration.UTC().Format(time.RFC3339))
	}

	// The signature.
	kSigning := signingKey(key.SecretAccessKey, res.Date, res.Region, res.Service)
	// The payload hash is always computed from the body received: an X-Amz-Content-Sha256
	// header (even a signed one, even UNSIGNED-PAYLOAD) never stands in for it, so a body
	// changed after signing cannot verify. Presigned URLs sign UNSIGNED-PAYLOAD (SigV4 query
	// authentication).
	var bodyHash [64]byte
	sum := sha256.Sum256(r.Body)
	hex.Encode(bodyHash[:], sum[:])
	in := canonicalInput{
		method: r.Method, rawPath: r.RawPath, query: q, presigned: presigned,
		header: r.Header, host: r.Host, signed: res.SignedHeaders, signedHeaders: p.signedHeaders,
	}
	if in.host == "" {
		in.host, _ = firstHeader(r.Header, "Host")
	}
	// Variants, first is the one AWS reports: the path as received (then normalised, when that
	// differs: the SigV4 spec's form, which the JS and C SDKs sign); for presigned URLs
	// UNSIGNED-PAYLOAD, then the body's hash (what the Go SDK's PresignHTTP signs for STS-style
	// presigning).
	payloads := [2]string{string(bodyHash[:]), ""}
	if presigned {
		payloads = [2]string{unsignedPayload, string(bodyHash[:])}
	}
	// The normalised-path form (RFC 3986 dot segments and duplicate slashes removed) is what the
	// SigV4 spec signs for most services, and the published test vectors use it; execute-api
	// signs the path as sent, and accepting both would let /a/b's signature serve /a//b.
	norms := [2]bool{false, service != ServiceName && normalizePath(r.RawPath) != r.RawPath}
	buf := make([]byte, 0, 512)
	first := true
	var missing string
	for ni, norm := range norms {
		if ni > 0 && !norm {
			break
		}
		for _, pay := range payloads {
			if pay == "" {
				continue
			}
			in.normalize, in.payloadHash = norm, pay
			creq, miss := appendCanonicalRequest(buf[:0], &in)
			s := appendStringToSign(make([]byte, 0, 160), amzDate, scope, creq)
			if first {
				res.CanonicalRequest, res.StringToSign, missing = string(creq), string(s), miss
				first = false
			}
			sig := hmacSHA256(kSigning[:], s)
			if miss == "" && equalHex(sig, p.signature) {
				if string(s) != res.StringToSign {
					res.CanonicalRequest, res.StringToSign = string(creq), string(s)
				}
				return res
			}
			buf = creq
		}
	}
	msg := MsgMismatch + "\n\nThe Canonical String for this request should have been\n'" + res.CanonicalRequest +
		"'\n\nThe String-to-Sign should have been\n'" + res.StringToSign + "'\n"
	return res.fail(Mismatch, ErrInvalidSignature, msg, mismatchDetail(r, &in, &p, kSigning, amzDate, scope, missing))
}

var errBadDate = strconv.ErrSyntax

func (r Result) fail(f Failure, errType, msg, detail string) Result {
	r.Failure, r.ErrorType, r.Message, r.Detail = f, errType, msg, detail
	return r
}

// equalHex compares the signature computed (raw) with the hex one sent, in constant time.
func equalHex(sig [sha256.Size]byte, got string) bool {
	if len(got) != 2*sha256.Size {
		return false
	}
	var want, have [2 * sha256.Size]byte
	hex.Encode(want[:], sig[:])
	copy(have[:], got)
	return subtle.ConstantTimeCompare(want[:], have[:]) == 1
}

// durationText is how AWS prints the window: "5 min", or "90 sec" when not whole minutes.
func durationText(d time.Duration) string {
	s := int64(d / time.Second)
	if s%60 == 0 {
		return strconv.FormatInt(s/60, 10) + " min"
	}
	return strconv.FormatInt(s, 10) + " sec"
}

// incompleteDetail names what the Authorization header lacks.
func incompleteDetail(v string, hasDate bool) string {
	h := ParseAuthHeader(v)
	if h.BadPair != "" {
		return "the element " + strconv.Quote(h.BadPair) + " has no '='"
	}
	var missing []string
	for _, p := range [...]string{"Credential", "Signature", "SignedHeaders"} {
		if _, ok := h.Params[p]; !ok {
			missing = append(missing, p)
		}
	}
	if !hasDate {
		missing = append(missing, "an X-Amz-Date or Date header")
	}
	return "it lacks " + strings.Join(missing, ", ")
}

// mismatchDetail explains a mismatch as precisely as the request allows, by trying the usual
// client mistakes (only on this failure path).
func mismatchDetail(r *Request, in *canonicalInput, p *sigParams, kSigning [sha256.Size]byte, amzDate, scope, missing string) string {
	switch {
	case missing != "":
		return "the signed header " + missing + " is not in the request"
	case len(p.signature) != 2*sha256.Size || strings.ToLower(p.signature) != p.signature:
		return "the Signature is not 64 lower-case hex digits"
	}
	try := func(mod func(c *canonicalInput)) bool {
		c := *in
		c.normalize = false
		mod(&c)
		creq, _ := appendCanonicalRequest(nil, &c)
		return equalHex(hmacSHA256(kSigning[:], appendStringToSign(nil, amzDate, scope, creq)), p.signature)
	}
	if strings.Contains(r.RawPath, "%") && try(func(c *canonicalInput) { c.rawPath = unescapePathOnce(r.RawPath) }) {
		return "the client URI-encoded the path once; execute-api expects each path segment encoded twice (the escaped path escaped again), as the AWS SDKs do"
	}
	if len(r.Body) > 0 && try(func(c *canonicalInput) {
		s := sha256.Sum256(nil)
		c.payloadHash = hex.EncodeToString(s[:])
	}) {
		return "the client signed an empty body but the request has a body: it was added or changed after signing"
	}
	return "the client signed a different canonical request (method, path, query, signed header values or body) or used another secret key; compare the canonical request with the client's"
}

// unescapePathOnce decodes percent escapes in an escaped path; on a malformed escape it
// returns the path unchanged.
func unescapePathOnce(p string) string {
	var b []byte
	for i := 0; i < len(p); i++ {
		if p[i] == '%' && i+2 < len(p) {
			hi, lo := unhex(p[i+1]), unhex(p[i+2])
			if hi < 16 && lo < 16 {
				b = append(b, hi<<4|lo)
				i += 2
				continue
			}
		}
		b = append(b, p[i])
	}
	return string(b)
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10
	}
	return 255
}
