package iampolicy

import (
	"slices"
	"strings"
)

// principalSet is a compiled Principal or NotPrincipal element.
//
// Reproduces IAM's principal forms (IAM User Guide, "AWS JSON policy elements: Principal" and
// "NotPrincipal"; facts §5.3): "*" and {"AWS": "*"} match every caller, anonymous ones
// included; {"AWS": "123456789012"} and "arn:aws:iam::123456789012:root" match any principal of
// that account; a user ARN matches that user; a role ARN matches every session of the role; an
// assumed-role session ARN matches that session; a unique ID (AIDA… for a user, AROA… for a
// role, as IAM rewrites the ARN of a deleted principal) matches aws:userid. Wildcards inside an ARN are not supported by
// IAM in Principal and are compared literally. Service, Federated and CanonicalUser principals
// are accepted but never match a SigV4 IAM caller.
type principalSet struct {
	any      bool
	accounts []string // 12-digit account IDs
	arns     []string // user, role and session ARNs, compared exactly
	ids      []string // unique IDs (AIDA…, AROA…), which IAM stores when a named principal is deleted
	display  string   // the element as written, compact JSON
}

var principalTypes = []string{"AWS", "CanonicalUser", "Federated", "Service"}

func compilePrincipal(doc []byte, n *jnode, path string) (*principalSet, error) {
	ps := &principalSet{display: compactJSON(n)}
	switch n.kind {
	case jsonString:
		if n.str != "*" {
			return nil, newParseError(doc, n.off, path, `must be "*" or an object such as {"AWS": "arn:aws:iam::123456789012:root"}`)
		}
		ps.any = true
		return ps, nil
	case jsonObject:
	default:
		return nil, newParseError(doc, n.off, path, "must be \"*\" or an object, not "+n.kind.String())
	}
	if len(n.members) == 0 {
		return nil, newParseError(doc, n.off, path, "must name at least one principal")
	}
	for _, m := range n.members {
		p := path + "." + m.key
		if !slices.Contains(principalTypes, m.key) {
			return nil, newParseError(doc, m.keyOff, p, `unknown principal type; use "AWS", "Service", "Federated" or "CanonicalUser"`)
		}
		vals, err := stringList(doc, m.val, p)
		if err != nil {
			return nil, err
		}
		if m.key != "AWS" {
			continue // never matches a SigV4 IAM caller
		}
		for _, v := range vals {
			switch {
			case v.s == "*":
				ps.any = true
			case isAccountID(v.s):
				ps.accounts = append(ps.accounts, v.s)
			case isUniqueID(v.s):
				ps.ids = append(ps.ids, v.s)
			case strings.HasPrefix(v.s, "arn:"):
				if acct, ok := rootAccount(v.s); ok {
					ps.accounts = append(ps.accounts, acct)
				} else {
					ps.arns = append(ps.arns, v.s)
				}
			default:
				return nil, newParseError(doc, v.off, p, "invalid principal "+quote(v.s)+": want \"*\", a 12-digit account ID, an ARN or a unique ID")
			}
		}
	}
	return ps, nil
}

// isUniqueID recognises IAM unique IDs of users (AIDA) and roles (AROA).
func isUniqueID(s string) bool {
	if len(s) < 16 || len(s) > 128 || (!strings.HasPrefix(s, "AIDA") && !strings.HasPrefix(s, "AROA")) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// uniqueID is the caller's unique ID without a role session suffix.
func (p *Principal) uniqueID() string {
	id, _, _ := strings.Cut(p.UserID, ":")
	return id
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// rootAccount recognises arn:PARTITION:iam::ACCOUNT:root.
func rootAccount(arn string) (string, bool) {
	parts := strings.Split(arn, ":")
	if len(parts) == 6 && parts[0] == "arn" && parts[2] == "iam" && parts[3] == "" && isAccountID(parts[4]) && parts[5] == "root" {
		return parts[4], true
	}
	return "", false
}

// arnAccount returns the account field (the fifth) of an ARN without allocating.
func arnAccount(arn string) string {
	s := arn
	for i := 0; i < 4; i++ {
		j := strings.IndexByte(s, ':')
		if j < 0 {
			return ""
		}
		s = s[j+1:]
	}
	if j := strings.IndexByte(s, ':'); j >= 0 {
		return s[:j]
	}
	return ""
}

// callerAccount is the principal's account, from Account or else from its ARN.
func (p *Principal) callerAccount() string {
	if p.Anonymous {
		return ""
	}
	if p.Account != "" {
		return p.Account
	}
	if p.ARN != "" {
		return arnAccount(p.ARN)
	}
	return arnAccount(p.RoleARN)
}

// isAnonymous: an explicitly anonymous principal, or one with no identity at all.
func (p *Principal) isAnonymous() bool {
	return p.Anonymous || (p.ARN == "" && p.RoleARN == "" && p.Account == "")
}

// matches reports whether the caller is one of the listed principals (Principal semantics:
// any of the caller's identities is listed).
func (ps *principalSet) matches(p *Principal) bool {
	if ps.any {
		return true
	}
	if p.isAnonymous() {
		return false
	}
	if a := p.callerAccount(); a != "" && slices.Contains(ps.accounts, a) {
		return true
	}
	return (p.ARN != "" && slices.Contains(ps.arns, p.ARN)) ||
		(p.RoleARN != "" && slices.Contains(ps.arns, p.RoleARN)) ||
		(p.UserID != "" && slices.Contains(ps.ids, p.uniqueID()))
}

// excludes reports whether NotPrincipal exempts the caller. IAM evaluates a caller as all of
// its identities — the account, the user or role, and the role session — and documents that
// exempting a user needs both the user's and the account's ARN, and exempting a role session
// needs the session, the role and the account (IAM User Guide, "NotPrincipal"). So the caller
// is exempt only when every one of its identities is listed. Anonymous callers are exempt only
// by "*".
func (ps *principalSet) excludes(p *Principal) bool {
	if ps.any {
		return true
	}
	if p.isAnonymous() {
		return false
	}
	if a := p.callerAccount(); a == "" || !slices.Contains(ps.accounts, a) {
		return false
	}
	if p.ARN != "" {
		if _, isRoot := rootAccount(p.ARN); !isRoot && !slices.Contains(ps.arns, p.ARN) {
			return false
		}
	}
	if p.RoleARN != "" && !slices.Contains(ps.arns, p.RoleARN) {
		return false
	}
	return true
}

// callerName is how a caller is named in diagnostics, as in AWS's "User: anonymous is not
// authorized" messages (facts §5.5).
func (p *Principal) callerName() string {
	if p.isAnonymous() {
		return "anonymous"
	}
	if p.ARN != "" {
		return p.ARN
	}
	if p.RoleARN != "" {
		return p.RoleARN
	}
	return "arn:aws:iam::" + p.Account + ":root"
}
