package waf

import (
	"bufio"
	"os"
	"strings"
	"testing"
)

func readCorpus(t *testing.T, name string) []string {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := sc.Text(); l != "" && !strings.HasPrefix(l, "# ") {
			out = append(out, l)
		}
	}
	return out
}

// TestInjectionCorpus runs the SQLi and XSS statements over a corpus of payloads and benign
// look-alikes, sent URL-encoded in a query argument with URL_DECODE, and reports detection and
// false-positive rates.
func TestInjectionCorpus(t *testing.T) {
	a := acl(t, "",
		ruleJSON("sqli", 0, block, `{"SqliMatchStatement":{"FieldToMatch":{"AllQueryArguments":{}},"TextTransformations":[{"Priority":0,"Type":"URL_DECODE"}]}}`),
		ruleJSON("xss", 1, block, `{"XssMatchStatement":{"FieldToMatch":{"AllQueryArguments":{}},"TextTransformations":[{"Priority":0,"Type":"URL_DECODE"},{"Priority":1,"Type":"HTML_ENTITY_DECODE"}]}}`),
	)
	rate := func(file, rule string) (float64, []string) {
		vals := readCorpus(t, file)
		hit := 0
		var missed []string
		for _, v := range vals {
			r := req("GET", "/prod/search?q="+urlEncode(v))
			res := eval(t, a, r)
			if res.Action == "BLOCK" && (rule == "" || res.TerminatingRuleID == rule) {
				hit++
			} else {
				missed = append(missed, v)
			}
		}
		return float64(hit) / float64(len(vals)), missed
	}
	sqli, missedS := rate("sqli.txt", "")
	xss, missedX := rate("xss.txt", "")
	fpRate, _ := rate("benign.txt", "")
	t.Logf("SQLi detection %.1f%% (missed %q)", sqli*100, missedS)
	t.Logf("XSS detection %.1f%% (missed %q)", xss*100, missedX)
	benign := readCorpus(t, "benign.txt")
	var fps []string
	for _, v := range benign {
		if eval(t, a, req("GET", "/?q="+urlEncode(v))).Action == "BLOCK" {
			fps = append(fps, v)
		}
	}
	t.Logf("false positives %.1f%% (%q)", fpRate*100, fps)
	if sqli < 0.9 || xss < 0.9 {
		t.Errorf("detection below 90%%: sqli %.2f xss %.2f", sqli, xss)
	}
	if fpRate > 0.05 {
		t.Errorf("false positives above 5%%: %.2f", fpRate)
	}
}

func urlEncode(s string) string {
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' {
			sb.WriteByte(c)
		} else {
			sb.WriteString("%" + strings.ToUpper(string("0123456789abcdef"[c>>4])+string("0123456789abcdef"[c&15])))
		}
	}
	return sb.String()
}
