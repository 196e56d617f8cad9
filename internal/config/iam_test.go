package config

import (
	"path/filepath"
	"strings"
	"testing"
)

const iamConfig = `accountId: "123456789012"
region: us-east-1
restApis:
  - id: abcdefghij
    definition: min.oas30.yaml
    policy:
      Version: "2012-10-17"
      Statement:
        - Effect: Allow
          Principal: "*"
          Action: execute-api:Invoke
          Resource: execute-api:/*
iam:
  users:
    - userName: alice
      accessKeys:
        - {accessKeyId: AKIAALICE00000000001, secretAccessKey: s1}
        - {accessKeyId: AKIAALICE00000000002, secretAccessKey: s2, status: Inactive}
      policies:
        - Version: "2012-10-17"
          Statement: [{Effect: Allow, Action: "execute-api:Invoke", Resource: "*"}]
    - userName: bob
      accountId: "210987654321"
      path: /team/
      accessKeys: [{accessKeyId: AKIABOB0000000000001, secretAccessKey: s3}]
  roles:
    - roleName: ci
      sessions:
        - {accessKeyId: ASIACI00000000000001, secretAccessKey: s4, sessionToken: tok, roleSessionName: b7, expiration: "2030-01-01T00:00:00Z"}
`

func TestIAMCompile(t *testing.T) {
	dir := writeFiles(t, map[string]string{"portcullis.yaml": iamConfig, "min.oas30.yaml": readTestdata(t, "min.oas30.yaml")})
	w, err := Load(filepath.Join(dir, "portcullis.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if w.APIs["abcdefghij"].ResourcePolicy == nil {
		t.Error("resource policy not parsed")
	}
	alice := w.Credentials["AKIAALICE00000000001"]
	if alice == nil || !alice.Active || alice.Principal.ARN != "arn:aws:iam::123456789012:user/alice" ||
		alice.Principal.Type != "User" || len(alice.Principal.Policies) != 1 || !strings.HasPrefix(alice.Principal.UserID, "AIDA") {
		t.Errorf("alice = %+v %+v", alice, alice.Principal)
	}
	if w.Credentials["AKIAALICE00000000002"].Active {
		t.Error("Inactive key is active")
	}
	if bob := w.Credentials["AKIABOB0000000000001"].Principal; bob.ARN != "arn:aws:iam::210987654321:user/team/bob" || bob.Account != "210987654321" {
		t.Errorf("bob = %+v", bob)
	}
	ci := w.Credentials["ASIACI00000000000001"]
	if ci.SessionToken != "tok" || ci.Expiration.Year() != 2030 || ci.Principal.ARN != "arn:aws:sts::123456789012:assumed-role/ci/b7" ||
		ci.Principal.RoleARN != "arn:aws:iam::123456789012:role/ci" || !strings.HasSuffix(ci.Principal.UserID, ":b7") {
		t.Errorf("ci = %+v %+v", ci, ci.Principal)
	}
}

func TestIAMErrors(t *testing.T) {
	tests := []struct{ name, edit, want string }{
		{"bad effect in the resource policy", "        - Effect: Allow\n          Principal", `:9:19: restApis[0].policy.Statement[0].Effect: invalid policy: must be "Allow" or "Deny"`},
		{"duplicate access key", "AKIABOB0000000000001", `:25:34: iam.users[1].accessKeys[0].accessKeyId: duplicate access key id "AKIAALICE00000000001"`},
		{"bad expiration", "2030-01-01T00:00:00Z", ": iam.roles[0].sessions[0].expiration: must be an RFC 3339 time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := iamConfig
			switch tt.name {
			case "bad effect in the resource policy":
				cfg = strings.Replace(cfg, tt.edit, "        - Effect: Maybe\n          Principal", 1)
			case "duplicate access key":
				cfg = strings.Replace(cfg, tt.edit, "AKIAALICE00000000001", 1)
			case "bad expiration":
				cfg = strings.Replace(cfg, tt.edit, "next year", 1)
			}
			dir := writeFiles(t, map[string]string{"portcullis.yaml": cfg, "min.oas30.yaml": readTestdata(t, "min.oas30.yaml")})
			_, err := Load(filepath.Join(dir, "portcullis.yaml"))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}
