package cause

import (
	"regexp"
	"strings"
	"sync"
)

// Messages and execution-log lines in the catalogue carry {placeholders} that the denying check
// fills in. The troubleshooter matches what a user captured against them; the patterns of the
// catalogue's own strings are compiled once, others on first use.
var (
	messagePatterns sync.Map // template -> *regexp.Regexp, anchored
	logPatterns     sync.Map // template -> *regexp.Regexp, unanchored
)

func init() {
	for _, e := range catalogue {
		for _, m := range []string{e.Message, e.MessageCurrent} {
			if m != "" {
				messagePattern(m)
			}
		}
		for _, l := range e.ExecLog {
			logPattern(l)
		}
	}
}

// templatePattern turns a template into a regexp pattern: {name} matches anything. API Gateway
// appends details on further lines to some messages (the canonical request and string-to-sign
// after a signature mismatch), so a message may go on after a newline.
func templatePattern(m string) string {
	var b strings.Builder
	for m != "" {
		i := strings.IndexByte(m, '{')
		j := -1
		if i >= 0 {
			j = strings.IndexByte(m[i:], '}')
		}
		if i < 0 || j < 0 {
			b.WriteString(regexp.QuoteMeta(m))
			break
		}
		b.WriteString(regexp.QuoteMeta(m[:i]))
		b.WriteString(`.*?`)
		m = m[i+j+1:]
	}
	b.WriteString(`(?:\n.*)?`)
	return b.String()
}

func messagePattern(m string) *regexp.Regexp {
	if re, ok := messagePatterns.Load(m); ok {
		return re.(*regexp.Regexp)
	}
	re, _ := messagePatterns.LoadOrStore(m, regexp.MustCompile(`(?s)^`+templatePattern(m)+`$`))
	return re.(*regexp.Regexp)
}

func logPattern(l string) *regexp.Regexp {
	if re, ok := logPatterns.Load(l); ok {
		return re.(*regexp.Regexp)
	}
	re, _ := logPatterns.LoadOrStore(l, regexp.MustCompile(`(?s)`+templatePattern(l)))
	return re.(*regexp.Regexp)
}

// MessageMatches reports whether msg is the message template (as a catalogue Message or
// MessageCurrent) with its placeholders filled in.
func MessageMatches(template, msg string) bool { return messagePattern(template).MatchString(msg) }

// FindInLog returns the part of an execution log that is the line template (a catalogue ExecLog
// entry) with its placeholders filled in, or "".
func FindInLog(template, log string) string { return logPattern(template).FindString(log) }
