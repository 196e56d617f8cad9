// Package redact writes sanitised copies of what a user captured around a failing request — HAR
// files (HAR) and curl -v transcripts, raw HTTP and API Gateway log lines (Text) — for
// `portcullis diagnose --redact`, and exports the masking rules so that the troubleshooter never
// prints a secret in full either.
//
// A redacted copy keeps everything the diagnosis looks at: methods, statuses, URLs (secret query
// values masked), header names, the scheme and SigV4 structure of an Authorization header
// (algorithm, credential scope, SignedHeaders), X-Amz-Date, x-amzn-ErrorType, x-amzn-RequestId,
// Via, Server, and body messages. Masks keep the value's shape so that the copy diagnoses the same:
//
//   - API keys, session tokens (X-Amz-Security-Token), opaque bearer tokens, cookie values and
//     other tokens: API Gateway's execution-log form, one "*" per character and the last six
//     characters kept (facts §3.1 "Keys are masked as stars plus the last 6 characters",
//     x-api-key=**********************************bMZHBg; §3.2 "Incoming identity:
//     ******************************I1BUdE"), so a masked HAR still lines up with the execution
//     log. Values shorter than 16 characters are all stars (real API keys have at least 20).
//   - JWTs (three base64url segments, the first starting "eyJ"): the header segment is kept, the
//     payload is re-encoded with only non-identifying claims (iss, aud, exp, nbf, iat,
//     auth_time, token_use, scope, scp, client_id, azp, typ — enough to tell an expired token or
//     the wrong user pool), the signature is masked as a token.
//   - SigV4 Authorization: "AWS4-HMAC-SHA256 Credential=AKIA************WXYZ/20261126/us-east-1/
//     execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=*****…" — the access
//     key ID keeps its first four characters (AKIA long-term, ASIA temporary) and its last four
//     (what `aws configure list` shows), the scope and SignedHeaders stay, the signature becomes
//     a run of "*" of the same length. X-Amz-Credential and X-Amz-Signature query values and
//     access key IDs found anywhere (AKIA…/ASIA…) are masked the same way.
//   - Other Authorization schemes keep the scheme: "Bearer " + the token mask, "Basic ********".
//   - Passwords and secrets (password, secret, client_secret, secretAccessKey, URL userinfo):
//     "********", which does not even tell the length.
//
// Masking is idempotent: redacting a redacted copy changes nothing (and counts nothing).
package redact

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// Kind names what a masked value was; Stats counts masks by kind.
type Kind string

// Kinds of masked values, in the order Stats.String lists them.
const (
	KindAuthorization Kind = "Authorization"
	KindAPIKey        Kind = "API key"
	KindSecurityToken Kind = "security token"
	KindToken         Kind = "token"
	KindCookie        Kind = "cookie"
	KindSignature     Kind = "signature"
	KindCredential    Kind = "access key ID"
	KindPassword      Kind = "password or secret"
)

// Kinds lists every Kind in display order.
var Kinds = []Kind{KindAuthorization, KindAPIKey, KindSecurityToken, KindToken, KindCookie, KindSignature, KindCredential, KindPassword}

// Stats says what a redaction masked. A value counts once each time a mask changed it, so
// redacting an already redacted copy counts nothing.
type Stats struct {
	Entries int          // HAR entries copied (HAR only)
	Lines   int          // lines copied (Text only)
	Masked  map[Kind]int // values masked, by kind
}

// Total is the number of values masked.
func (s Stats) Total() int {
	n := 0
	for _, v := range s.Masked {
		n += v
	}
	return n
}

// String is the summary the CLI prints: "masked 12 values (4 Authorization, 3 API key, 5 cookie)".
func (s Stats) String() string {
	total := s.Total()
	if total == 0 {
		return "masked 0 values"
	}
	parts := make([]string, 0, len(s.Masked))
	for _, k := range Kinds {
		if n := s.Masked[k]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, k))
		}
	}
	var other []string // kinds not in Kinds (none today), sorted for stable output
	for k, n := range s.Masked {
		if n > 0 && !knownKind(k) {
			other = append(other, fmt.Sprintf("%d %s", n, k))
		}
	}
	sort.Strings(other)
	parts = append(parts, other...)
	noun := "values"
	if total == 1 {
		noun = "value"
	}
	return fmt.Sprintf("masked %d %s (%s)", total, noun, strings.Join(parts, ", "))
}

func knownKind(k Kind) bool {
	for _, x := range Kinds {
		if x == k {
			return true
		}
	}
	return false
}

func (s *Stats) add(k Kind) {
	if s == nil {
		return
	}
	if s.Masked == nil {
		s.Masked = make(map[Kind]int)
	}
	s.Masked[k]++
}

// rule is how one named value is masked.
type rule struct {
	kind Kind
	mask func(string) string
	// colon: the name also introduces a secret in "Name: value" form inside free text (header
	// lines, YAML). Generic names (key, code, signature…) do not, so prose is left alone.
	colon bool
	// strong: in free text the "name=value" pair must follow a URL/map separator (? & # ; { ( [
	// , quote or start), so that prose such as "Invalid key=value pair" (facts §5.5) is kept.
	strong bool
}

var (
	ruleAuthorization = rule{kind: KindAuthorization, mask: Authorization, colon: true}
	ruleCookie        = rule{kind: KindCookie, mask: Cookie, colon: true}
	ruleSetCookie     = rule{kind: KindCookie, mask: SetCookie, colon: true}
	ruleAPIKey        = rule{kind: KindAPIKey, mask: Token, colon: true}
	ruleKey           = rule{kind: KindAPIKey, mask: Token, strong: true}
	ruleSecurityToken = rule{kind: KindSecurityToken, mask: Token, colon: true}
	ruleToken         = rule{kind: KindToken, mask: Token, colon: true}
	ruleCode          = rule{kind: KindToken, mask: Token, strong: true}
	ruleSignature     = rule{kind: KindSignature, mask: Signature, strong: true, colon: true}
	ruleCredential    = rule{kind: KindCredential, mask: Credential, strong: true}
	rulePassword      = rule{kind: KindPassword, mask: Password, colon: true}
	ruleCookieValue   = rule{kind: KindCookie, mask: Secret}
)

// normName lowercases name into buf dropping "-", "_" and spaces; a dotted name
// ("identity.apiKey", an access-log field) keeps its last part. Names with other characters, or
// longer than buf, give nothing.
func normName(buf *[64]byte, name string) []byte {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
	}
	n := 0
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '-' || c == '_' || c == ' ':
			continue
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		case 'a' <= c && c <= 'z' || '0' <= c && c <= '9':
		default:
			return nil // not a name any rule knows ("**apikey", "a:b")
		}
		if n == len(buf) {
			return nil // no secret name is that long
		}
		buf[n] = c
		n++
	}
	return buf[:n]
}

// exactNames maps normalised secret names to their rules.
var exactNames = map[string]rule{
	"authorization": ruleAuthorization, "proxyauthorization": ruleAuthorization,
	"cookie": ruleCookie, "setcookie": ruleSetCookie, "setcookie2": ruleSetCookie,
	"xapikey": ruleAPIKey, "apikey": ruleAPIKey, "apikeyvalue": ruleAPIKey, "key": ruleKey,
	"xamzsecuritytoken": ruleSecurityToken, "securitytoken": ruleSecurityToken, "sessiontoken": ruleSecurityToken,
	"awssessiontoken": ruleSecurityToken, "xamzsessiontoken": ruleSecurityToken,
	"xamzsignature": ruleSignature, "signature": ruleSignature, "sig": ruleSignature,
	"xamzcredential": ruleCredential, "credential": ruleCredential, "accesskeyid": ruleCredential, "awsaccesskeyid": ruleCredential,
	"code": ruleCode, "authcode": ruleCode, "authorizationcode": ruleCode,
	"password": rulePassword, "passwd": rulePassword, "pwd": rulePassword, "passphrase": rulePassword, "secret": rulePassword,
	"clientsecret": rulePassword, "secretaccesskey": rulePassword, "awssecretaccesskey": rulePassword, "secretkey": rulePassword,
	"privatekey": rulePassword,
}

// classify says whether name (a header, query parameter, cookie-bearing header, log map key or,
// with field set, a JSON member name) carries a secret, and how to mask it. JSON members named
// "code" or "key" are left alone: in bodies they are error codes and record keys far more often
// than OAuth codes or API keys (JWTs and AKIA… IDs are still caught wherever they are).
func classify(name string, field bool) (rule, bool) {
	var buf [64]byte
	n := normName(&buf, name)
	if len(n) == 0 {
		return rule{}, false
	}
	if r, ok := exactNames[string(n)]; ok {
		if field && (string(n) == "key" || string(n) == "code") {
			return rule{}, false
		}
		return r, true
	}
	switch {
	case bytes.HasSuffix(n, []byte("sessiontoken")):
		return ruleSecurityToken, true
	case bytes.HasSuffix(n, []byte("token")): // access_token, id_token, refresh_token, authorizationToken, X-Auth-Token…
		return ruleToken, true
	case bytes.HasSuffix(n, []byte("apikey")):
		return ruleAPIKey, true
	case bytes.HasSuffix(n, []byte("password")), bytes.HasSuffix(n, []byte("secret")):
		return rulePassword, true
	}
	return rule{}, false
}

// IsSecret reports whether a header, query parameter or log-map key named name carries a
// secret that Value masks.
func IsSecret(name string) bool {
	_, ok := classify(name, false)
	return ok
}

// Value masks a header, query-parameter or log-map value by its name and returns other values
// unchanged: Authorization and Proxy-Authorization (Authorization), Cookie and Set-Cookie (cookie
// values, names kept), x-api-key / api_key / apikey / key, X-Amz-Security-Token, X-Amz-Signature /
// signature / sig, X-Amz-Credential, token / access_token / id_token / code and any name ending
// in "token", password / secret / client_secret.
func Value(name, value string) string {
	if r, ok := classify(name, false); ok {
		return r.mask(value)
	}
	return value
}

const stars = "********************************************************************************"

func starRun(n int) string {
	if n <= len(stars) {
		return stars[:n]
	}
	return strings.Repeat("*", n)
}

// tail returns the last k runes of s and the number of runes before them.
func tail(s string, k int) (string, int) {
	i := len(s)
	for range k {
		if i == 0 {
			break
		}
		_, size := utf8.DecodeLastRuneInString(s[:i])
		i -= size
	}
	return s[i:], utf8.RuneCountInString(s[:i])
}

// secretKeep is the length from which Secret keeps the last characters.
const secretKeep = 16

// Secret masks an opaque secret as API Gateway's execution log masks API keys and identities: one
// "*" per character except the last six (facts §3.1, §3.2), so the length stays and the value can
// be matched against the log. Values shorter than 16 characters are all stars, so a short
// secret is never mostly shown.
func Secret(v string) string {
	n := utf8.RuneCountInString(v)
	if n < secretKeep {
		return starRun(n)
	}
	t, before := tail(v, 6)
	return starRun(before) + t
}

// Password masks a password or secret key: "********" whatever its length ("" stays "").
func Password(v string) string {
	if v == "" {
		return ""
	}
	return "********"
}

// Signature masks a signature (SigV4 Signature=, X-Amz-Signature, sig): a run of "*" of the same
// length, so a reader still sees that a 64-hex-digit signature was sent.
func Signature(v string) string {
	return starRun(utf8.RuneCountInString(v))
}

// AccessKeyID masks an AWS access key ID: the first four characters (AKIA long-term, ASIA
// temporary credentials) and the last four (what `aws configure list` shows) stay, the rest
// becomes "*". IDs shorter than 16 characters keep only the first four, shorter than 8 nothing.
func AccessKeyID(v string) string {
	r := []rune(v)
	switch n := len(r); {
	case n >= 16:
		return string(r[:4]) + starRun(n-8) + string(r[n-4:])
	case n >= 8:
		return string(r[:4]) + starRun(n-4)
	default:
		return starRun(n)
	}
}

// Credential masks a SigV4 credential "AKID/date/region/service/aws4_request" (the Credential=
// parameter or the X-Amz-Credential query value, "/" possibly encoded as %2F): the access key ID
// as AccessKeyID, the scope kept.
func Credential(v string) string {
	i := strings.IndexByte(v, '/')
	if j := strings.Index(strings.ToUpper(v), "%2F"); j >= 0 && (i < 0 || j < i) {
		i = j
	}
	if i < 0 {
		return AccessKeyID(v)
	}
	return AccessKeyID(v[:i]) + v[i:]
}

// Authorization masks an Authorization (or Proxy-Authorization) value keeping its scheme. SigV4
// keeps its structure (see the package comment): the Credential access key ID and the Signature
// are masked, the scope and SignedHeaders stay. Bearer and other schemes keep the scheme word
// and mask the rest as a Token; Basic becomes "Basic ********"; a bare value is a Token.
func Authorization(v string) string {
	lead, core, trail := blanks(v)
	if core == "" {
		return v
	}
	i := strings.IndexAny(core, " \t")
	if i < 0 || !isScheme(core[:i]) {
		return lead + Token(core) + trail
	}
	scheme, rest := core[:i], core[i:]
	body := strings.TrimLeft(rest, " \t")
	sep := rest[:len(rest)-len(body)]
	switch {
	case strings.HasPrefix(strings.ToUpper(scheme), "AWS4-") || hasSigV4Param(body):
		body = sigV4Params(body)
	case strings.EqualFold(scheme, "Basic"):
		body = Password(body)
	default:
		body = Token(body)
	}
	return lead + scheme + sep + body + trail
}

// knownSchemes are HTTP authentication schemes (IANA registry, AWS) kept in a masked
// Authorization value.
var knownSchemes = []string{"AWS4-HMAC-SHA256", "AWS4-ECDSA-P256-SHA256", "SCRAM-SHA-1", "SCRAM-SHA-256", "DPoP", "GNAP",
	"PrivateToken", "Concealed", "Negotiate", "Bearer", "Basic", "Digest", "OAuth", "Token", "ApiKey", "Api-Key"}

// isScheme: the first word of an Authorization value names its scheme — a known one, or a short
// word of letters and "-" — rather than being part of the secret.
func isScheme(w string) bool {
	for _, k := range knownSchemes {
		if strings.EqualFold(w, k) {
			return true
		}
	}
	if len(w) > 12 {
		return false
	}
	for i := 0; i < len(w); i++ {
		if c := w[i]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '-') {
			return false
		}
	}
	return true
}

// hasSigV4Param: one of the comma-separated parts is named Credential, SignedHeaders or
// Signature (a SigV4 header with another algorithm name, facts §5.5).
func hasSigV4Param(s string) bool {
	for _, p := range strings.Split(s, ",") {
		k, _, ok := strings.Cut(p, "=")
		if k = strings.Trim(k, " \t"); ok && (k == "Credential" || k == "SignedHeaders" || k == "Signature") {
			return true
		}
	}
	return false
}

// blanks splits s into its leading spaces and tabs, the rest, and its trailing spaces and tabs
// (ASCII only, so a mask never splits a multi-byte character).
func blanks(s string) (lead, core, trail string) {
	core = strings.TrimLeft(s, " \t")
	lead = s[:len(s)-len(core)]
	core = strings.TrimRight(core, " \t")
	trail = s[len(lead)+len(core):]
	return lead, core, trail
}

// sigV4Params masks "Credential=…, SignedHeaders=…, Signature=…" keeping separators.
func sigV4Params(s string) string {
	parts := strings.Split(s, ",")
	for i, p := range parts {
		lead, t, trail := blanks(p)
		if t == "" {
			continue
		}
		k, val, ok := strings.Cut(t, "=")
		if !ok {
			parts[i] = lead + Secret(t) + trail
			continue
		}
		switch strings.Trim(k, " \t") {
		case "Credential":
			val = Credential(val)
		case "SignedHeaders":
		case "Signature":
			val = Signature(val)
		default:
			val = Secret(val)
		}
		parts[i] = lead + k + "=" + val + trail
	}
	return strings.Join(parts, ",")
}

// Token masks a token: a JWT as JWT, anything else as Secret.
func Token(v string) string {
	if isJWT(v) {
		return JWT(v)
	}
	return Secret(v)
}

func isB64URL(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_'
}

// isJWT: three to five dot-separated base64url segments, the first starting "eyJ". Later
// segments may hold "*" so that a masked JWT is still recognised (masking stays idempotent).
func isJWT(v string) bool {
	if !strings.HasPrefix(v, "eyJ") {
		return false
	}
	dots := 0
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '.':
			dots++
		case c == '=' && (i+1 == len(v) || v[i+1] == '.' || v[i+1] == '='): // padding some encoders leave
		case c == '*' && dots > 0:
		case !isB64URL(c):
			return false
		}
	}
	return dots >= 2 && dots <= 4
}

// jwtClaims are the claims a masked JWT keeps: none identifies a person, and they are what a
// 401/403 from a Cognito or JWT authorizer turns on (expiry, issuer, audience, token use, scope).
var jwtClaims = map[string]bool{"iss": true, "aud": true, "exp": true, "nbf": true, "iat": true, "auth_time": true,
	"token_use": true, "scope": true, "scp": true, "client_id": true, "azp": true, "typ": true}

func b64Decode(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}

func jsonObject(seg string) (map[string]any, bool) {
	b, err := b64Decode(seg)
	if err != nil {
		return nil, false
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil || dec.More() {
		return nil, false
	}
	return m, true
}

// JWT masks a JSON Web Token (see the package comment): "<header>.<kept claims>.<masked
// signature>". The header segment stays when it decodes to a JSON object (alg, kid, typ); the
// payload is re-encoded with only the claims in the package comment ("e30" when none); the
// signature (and, for a JWE, every later segment) is masked as a Secret. A value that is not
// JWT-shaped, or whose header does not decode, is masked whole as a Secret.
func JWT(v string) string {
	if !isJWT(v) {
		return Secret(v)
	}
	segs := strings.SplitN(v, ".", 3)
	if _, ok := jsonObject(segs[0]); !ok {
		return Secret(v)
	}
	payload := Secret(segs[1])
	if claims, ok := jsonObject(segs[1]); ok {
		kept := make(map[string]any, len(jwtClaims))
		for k, c := range claims {
			if jwtClaims[k] {
				kept[k] = c
			}
		}
		if b, err := json.Marshal(kept); err == nil {
			payload = base64.RawURLEncoding.EncodeToString(b)
		}
	}
	return segs[0] + "." + payload + "." + Secret(segs[2])
}

// Cookie masks a Cookie header value: each "name=value" keeps its name, the value is masked as a
// Secret.
func Cookie(v string) string {
	parts := strings.Split(v, ";")
	for i, p := range parts {
		parts[i] = cookiePair(p)
	}
	return strings.Join(parts, ";")
}

func cookiePair(p string) string {
	name, val, ok := strings.Cut(p, "=")
	if !ok {
		lead, t, trail := blanks(p)
		if t == "" {
			return p
		}
		return lead + Secret(t) + trail
	}
	lead, t, trail := blanks(val)
	if t == "" {
		return p
	}
	return name + "=" + lead + Secret(t) + trail
}

// SetCookie masks a Set-Cookie header value: the cookie's value is masked as a Secret, its name
// and attributes (Path, Domain, Expires, HttpOnly…) stay. Firefox exports several Set-Cookie
// headers as one value joined with newlines; each line is masked.
func SetCookie(v string) string {
	if strings.Contains(v, "\n") {
		lines := strings.Split(v, "\n")
		for i, l := range lines {
			lines[i] = setCookie(l)
		}
		return strings.Join(lines, "\n")
	}
	return setCookie(v)
}

func setCookie(v string) string {
	first, attrs, ok := strings.Cut(v, ";")
	if !ok {
		return cookiePair(v)
	}
	return cookiePair(first) + ";" + attrs
}

// URL masks the secrets of a URL: secret query and fragment parameters (by name, as Value; the
// OAuth implicit flow puts access_token and id_token in the fragment), the password of a
// user:password@ authority, JWTs and access key IDs anywhere. Everything else is kept byte for
// byte, so the masked URL still routes the same.
func URL(u string) string {
	return Scrub(u)
}

// Scrub masks the secrets in free text — a body, a log line, a header value of any name, a URL:
// "name=value" pairs with a secret name (query strings, form bodies, execution-log maps such as
// "{Accept=*/*, x-api-key=…}", "Authorization=…" in an IncompleteSignatureException message),
// "Name: value" header lines with a secret name, JSON members with a secret name, the quoted
// value in "Invalid key=value pair (missing equal-sign) in Authorization header: '…'" (facts
// §5.5), URL passwords, JWTs and AWS access key IDs.
func Scrub(s string) string {
	var m masker
	return m.scrub(s)
}
