package endpoint

import (
	"strings"
	"testing"
)

func TestParseHost(t *testing.T) {
	tests := []struct {
		host, id, region string
		ok               bool
	}{
		{"a1b2c3d4e5.execute-api.us-east-1.amazonaws.com", "a1b2c3d4e5", "us-east-1", true},
		{"a1b2c3d4e5.execute-api.localhost", "a1b2c3d4e5", "", true},
		{"a1b2c3d4e5.execute-api.us-east-1.amazonaws.com.cn", "", "", false},
		{"a1b2c3d4e.execute-api.localhost", "", "", false},  // 9 characters
		{"A1B2C3D4E5.execute-api.localhost", "", "", false}, // callers lower-case first
		{"a1b2c3d4e5-vpce-0abc.execute-api.us-east-1.amazonaws.com", "", "", false},
		{"execute-api.localhost", "", "", false},
		{"api.example.com", "", "", false},
		{"a1b2c3d4e5.execute-api..amazonaws.com", "", "", false},
	}
	for _, tt := range tests {
		id, region, ok := ParseHost(tt.host)
		if id != tt.id || region != tt.region || ok != tt.ok {
			t.Errorf("ParseHost(%q) = %q %q %v, want %q %q %v", tt.host, id, region, ok, tt.id, tt.region, tt.ok)
		}
	}
}

func TestParsePathStyle(t *testing.T) {
	tests := []struct {
		path      string
		ok        bool
		problem   bool
		id, stage string
		rest      string
	}{
		{"/restapis/a1b2c3d4e5/prod/_user_request_/pets/1", true, false, "a1b2c3d4e5", "prod", "/pets/1"},
		{"/restapis/a1b2c3d4e5/prod/_user_request_", true, false, "a1b2c3d4e5", "prod", ""},
		{"/restapis/a1b2c3d4e5/prod/_user_request_/", true, false, "a1b2c3d4e5", "prod", "/"},
		{"/restapis/a1b2c3d4e5/prod/pets", true, true, "", "", ""},
		{"/restapis/", true, true, "", "", ""},
		{"/prod/pets", false, false, "", "", ""},
	}
	for _, tt := range tests {
		a, ok, problem := ParsePathStyle(tt.path)
		if ok != tt.ok || (problem != "") != tt.problem || a.APIID != tt.id || a.Stage != tt.stage || a.Rest != tt.rest {
			t.Errorf("ParsePathStyle(%q) = %+v %v %q", tt.path, a, ok, problem)
		}
	}
}

func TestSplitStage(t *testing.T) {
	for in, want := range map[string][2]string{
		"/prod/pets/1": {"prod", "/pets/1"}, "/prod": {"prod", ""}, "/prod/": {"prod", "/"}, "/": {"", ""}, "": {"", ""},
	} {
		s, r := splitStage(in)
		if s != want[0] || r != want[1] {
			t.Errorf("splitStage(%q) = %q %q", in, s, r)
		}
	}
}

func TestEditDistance1(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{{"prod", "prd", true}, {"prod", "prodd", true}, {"prod", "prox", true}, {"prod", "prod", false}, {"prod", "dev", false}, {"prod", "pr", false}} {
		if got := editDistance1(c.a, c.b); got != c.want {
			t.Errorf("editDistance1(%q, %q) = %v", c.a, c.b, got)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"a1b2c3d4e5.execute-api.us-east-1.amazonaws.com", "/restapis/a1b2c3d4e5/prod/_user_request_/x", "x.execute-api.", "/restapis//"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if id, _, ok := ParseHost(s); ok && (len(id) != 10 || !strings.HasPrefix(s, id+".execute-api.")) {
			t.Fatalf("ParseHost(%q) accepted id %q", s, id)
		}
		if a, ok, problem := ParsePathStyle(s); ok && problem == "" && !strings.HasPrefix(s, "/restapis/"+a.APIID+"/"+a.Stage+"/_user_request_") {
			t.Fatalf("ParsePathStyle(%q) = %+v", s, a)
		}
		stage, rest := splitStage(s)
		if strings.Contains(stage, "/") || (rest != "" && rest[0] != '/') {
			t.Fatalf("splitStage(%q) = %q %q", s, stage, rest)
		}
	})
}
