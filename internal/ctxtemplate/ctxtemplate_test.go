package ctxtemplate

import (
	"strings"
	"testing"
)

func lookup(vals map[string]string) Lookup {
	return func(n string) (string, bool) { v, ok := vals[n]; return v, ok }
}

func TestRender(t *testing.T) {
	vals := lookup(map[string]string{
		"context.requestId":                          "r-1",
		"context.error.messageString":                `"Forbidden"`,
		"stageVariables.backend":                     "127.0.0.1:9000",
		"context.identity.sourceIp":                  "192.0.2.1",
		"context.authorizer.x-y_z":                   "hy",
		"context.authorizer.claims.cognito:username": "alice",
	})
	tests := []struct{ src, missing, want string }{
		{`{"message":$context.error.messageString}`, "", `{"message":"Forbidden"}`},
		{`$context.requestId $context.unknown`, "-", `r-1 -`},
		{`http://${stageVariables.backend}/pets`, "", `http://127.0.0.1:9000/pets`},
		{`$stageVariables.backend/x`, "", `127.0.0.1:9000/x`},
		{`ip=$context.identity.sourceIp.`, "", `ip=192.0.2.1.`}, // a trailing dot is literal
		{`$context.authorizer.x-y_z!`, "", `hy!`},               // '-' and '_' are identifier characters
		{`$context`, "", `$context`},                            // a root without a member is literal
		{`$input.body $util.x $$ $ ${context.requestId`, "", `$input.body $util.x $$ $ ${context.requestId`},
		{`cost: $5`, "", `cost: $5`},
		{`u=$context.authorizer.claims['cognito:username'];`, "", `u=alice;`},
		{`u=${context.authorizer.claims["cognito:username"]}`, "", `u=alice`},
		{`u=$context.authorizer.claims['unterminated`, "", `u=['unterminated`},
		{``, "-", ``},
	}
	for _, tt := range tests {
		if got := Compile(tt.src).Render(vals, tt.missing); got != tt.want {
			t.Errorf("Render(%q) = %q, want %q", tt.src, got, tt.want)
		}
	}
}

func TestNamesAndReferences(t *testing.T) {
	tpl := Compile("$context.requestId ${context.stage} $context.requestId $stageVariables.a")
	if got := strings.Join(tpl.Names(), ","); got != "context.requestId,context.stage,context.requestId,stageVariables.a" {
		t.Errorf("Names = %s", got)
	}
	if !tpl.References("context.stage") || tpl.References("context.path") {
		t.Error("References is wrong")
	}
	if tpl.Source() != "$context.requestId ${context.stage} $context.requestId $stageVariables.a" {
		t.Error("Source changed")
	}
}

func TestAppendDoesNotAllocateBeyondDst(t *testing.T) {
	tpl := Compile(`$context.requestId "$context.httpMethod"`)
	l := lookup(map[string]string{"context.requestId": "abc", "context.httpMethod": "GET"})
	dst := make([]byte, 0, 64)
	allocs := testing.AllocsPerRun(100, func() { dst = tpl.Append(dst[:0], l, "-") })
	if allocs != 0 {
		t.Errorf("Append allocated %v times", allocs)
	}
}

func FuzzCompile(f *testing.F) {
	for _, s := range []string{"$context.a", "${context.a.b}", "$$", "${", "$stageVariables.", "x$context.a-b_c.d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		tpl := Compile(src)
		// With a lookup that knows nothing and keeps nothing, literal text survives verbatim:
		// rendering with each reference restored must give back the source.
		var b strings.Builder
		for _, s := range tpl.segs {
			if s.name == "" {
				b.WriteString(s.lit)
			} else {
				b.WriteString(s.raw)
			}
		}
		if b.String() != src {
			t.Fatalf("segments do not reassemble the source: %q vs %q", b.String(), src)
		}
		_ = tpl.Render(func(string) (string, bool) { return "v", true }, "")
	})
}
