package config

import (
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/portcullis/portcullis/internal/iampolicy"
)

// Principal is an IAM identity that can sign requests: a user or an assumed-role session.
type Principal struct {
	// ARN is the caller ARN API Gateway reports ($context.identity.userArn) and names in
	// denials: arn:aws:iam::ACCOUNT:user/PATH/NAME or arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION.
	ARN     string
	Account string
	// UserID is aws:userid and $context.identity.user: AIDA… for users, AROA…:SESSION for roles.
	UserID string
	// Caller is $context.identity.caller: the user id for users, AROA…:SESSION for sessions.
	Caller   string
	Username string // aws:username (users only)
	Type     string // aws:PrincipalType: User or AssumedRole
	RoleARN  string // the role's own ARN, for sessions
	Tags     map[string]string
	// Policies are the identity policies attached to the user or role, parsed once.
	Policies []*iampolicy.Policy
	// Source names the config entry ("iam.users[0]").
	Source string
}

// Credential is one access key and what it belongs to.
type Credential struct {
	AccessKeyID     string
	SecretAccessKey string
	// SessionToken is required on requests signed with temporary credentials.
	SessionToken string
	// Expiration is zero for long-term keys.
	Expiration time.Time
	// Active is false for an Inactive user access key: AWS then answers as for an unknown key.
	Active    bool
	Principal *Principal
}

// iamID derives a stable IAM unique id (AIDA…/AROA…, 21 characters) from an ARN: the config
// does not carry the ids AWS assigns, and they only need to be stable and distinct.
func iamID(prefix, arn string) string {
	sum := sha256.Sum256([]byte(arn))
	return prefix + base32.StdEncoding.EncodeToString(sum[:])[:17]
}

// policy parses a policy document at field. A parse error points at the element's position
// when the document is written in the config file; definition-sourced policies name the
// definition.
func (k *compiler) policy(field, origin string, doc []byte, opts iampolicy.ParseOptions) *iampolicy.Policy {
	p, err := iampolicy.Parse(doc, opts)
	if err == nil {
		return p
	}
	var pe *iampolicy.ParseError
	sub, msg := field, err.Error()
	if errors.As(err, &pe) {
		msg = pe.Msg
		if pe.Path != "" {
			sub = field + "." + pe.Path
		}
		if origin != "" {
			msg = fmt.Sprintf("%s (x-amazon-apigateway-policy in %s, line %d column %d of the policy)", pe.Msg, origin, pe.Line, pe.Column)
		}
	}
	at := k.c.pos.at(sub)
	k.errs = append(k.errs, &Error{File: k.c.file, Line: at.line, Column: at.col, Field: sub, Msg: "invalid policy: " + msg, Err: err})
	return nil
}

// iam compiles the iam section into credentials indexed by access key id.
func (k *compiler) iam(w *World) {
	w.Credentials = map[string]*Credential{}
	c := k.c
	if c.IAM == nil {
		return
	}
	add := func(cr *Credential) { w.Credentials[cr.AccessKeyID] = cr } // ids are unique (validate)
	policies := func(field string, docs [][]byte) []*iampolicy.Policy {
		var out []*iampolicy.Policy
		for i, d := range docs {
			if p := k.policy(indexPath(field, i), "", d, iampolicy.ParseOptions{Kind: iampolicy.Identity, Region: c.Region, AccountID: c.AccountID}); p != nil {
				out = append(out, p)
			}
		}
		return out
	}
	for i, u := range c.IAM.Users {
		f := indexPath("iam.users", i)
		acct := u.AccountID
		if acct == "" {
			acct = c.AccountID
		}
		path := u.Path
		if path == "" {
			path = "/"
		}
		arn := "arn:" + iampolicy.Partition(c.Region) + ":iam::" + acct + ":user" + path + u.UserName
		id := iamID("AIDA", arn)
		p := &Principal{ARN: arn, Account: acct, UserID: id, Caller: id, Username: u.UserName, Type: "User",
			Tags: u.Tags, Policies: policies(f+".policies", rawDocs(u.Policies)), Source: f}
		for _, ak := range u.AccessKeys {
			add(&Credential{AccessKeyID: ak.AccessKeyID, SecretAccessKey: ak.SecretAccessKey,
				Active: !strings.EqualFold(ak.Status, "Inactive"), Principal: p})
		}
	}
	for i, r := range c.IAM.Roles {
		f := indexPath("iam.roles", i)
		acct := r.AccountID
		if acct == "" {
			acct = c.AccountID
		}
		roleARN := "arn:" + iampolicy.Partition(c.Region) + ":iam::" + acct + ":role/" + r.RoleName
		roleID := iamID("AROA", roleARN)
		pols := policies(f+".policies", rawDocs(r.Policies))
		for j, s := range r.Sessions {
			sf := indexPath(f+".sessions", j)
			var exp time.Time
			if s.Expiration != "" {
				t, err := time.Parse(time.RFC3339, s.Expiration)
				if err != nil {
					k.bad(sf+".expiration", "must be an RFC 3339 time such as 2030-01-01T00:00:00Z: %v", err)
					continue
				}
				exp = t
			}
			session := s.RoleSessionName
			if session == "" {
				session = s.AccessKeyID
			}
			uid := roleID + ":" + session
			p := &Principal{ARN: "arn:" + iampolicy.Partition(c.Region) + ":sts::" + acct + ":assumed-role/" + r.RoleName + "/" + session, Account: acct,
				UserID: uid, Caller: uid, Type: "AssumedRole", RoleARN: roleARN, Tags: r.Tags, Policies: pols, Source: sf}
			if s.SessionToken == "" {
				k.bad(sf+".sessionToken", "a role session needs the sessionToken that goes with its temporary access key")
			}
			add(&Credential{AccessKeyID: s.AccessKeyID, SecretAccessKey: s.SecretAccessKey, SessionToken: s.SessionToken,
				Expiration: exp, Active: true, Principal: p})
		}
	}
}

func rawDocs[T ~[]byte](in []T) [][]byte {
	out := make([][]byte, len(in))
	for i, d := range in {
		out[i] = d
	}
	return out
}
