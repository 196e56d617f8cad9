package logs

import (
	"path/filepath"
	"strings"
	"sync"
	"unicode/utf8"
)

// Level is an execution-log level: a stage method setting's loggingLevel (facts §3).
type Level int8

// Levels, least verbose first.
const (
	LevelOff Level = iota
	LevelError
	LevelInfo
)

// ParseLevel parses OFF, ERROR or INFO (any case). Anything else is LevelOff.
func ParseLevel(s string) Level {
	switch strings.ToUpper(s) {
	case "ERROR":
		return LevelError
	case "INFO":
		return LevelInfo
	}
	return LevelOff
}

// String returns OFF, ERROR or INFO.
func (l Level) String() string {
	switch l {
	case LevelError:
		return "ERROR"
	case LevelInfo:
		return "INFO"
	}
	return "OFF"
}

// MaxEventBytes is the size above which API Gateway truncates an execution-log line: "API
// Gateway currently limits log events to 1024 bytes" (facts §2.1). Portcullis keeps the
// first 1024 bytes of the line (after the "(requestId) " prefix, and never splitting a UTF-8
// sequence) and appends TruncatedSuffix, as the observed lines end (facts §3.1).
const MaxEventBytes = 1024

// TruncatedSuffix ends a truncated execution-log line (facts §3.1).
const TruncatedSuffix = " [TRUNCATED]"

// Truncate applies the 1024-byte limit: a line of at most MaxEventBytes bytes is returned as
// is; a longer one is cut to at most MaxEventBytes bytes at a character boundary and
// TruncatedSuffix is appended.
func Truncate(line string) string {
	if len(line) <= MaxEventBytes {
		return line
	}
	cut := MaxEventBytes
	for cut > 0 && !utf8.RuneStart(line[cut]) {
		cut--
	}
	return line[:cut] + TruncatedSuffix
}

type lineKind uint8

const (
	kindError lineKind = iota // written at ERROR and INFO
	kindInfo                  // written at INFO
	kindData                  // written at INFO with dataTraceEnabled
)

type execLine struct {
	text string
	kind lineKind
}

// Exec collects the execution-log lines of one request. Every line is kept (Lines, for the
// decision record); Emit writes those the stage's level and data-trace setting allow. A nil
// *Exec discards everything, so callers need not check. Safe for concurrent use.
type Exec struct {
	requestID string
	level     Level
	dataTrace bool

	mu    sync.Mutex
	lines []execLine
}

// NewExec starts the execution log of one request. level is a loggingLevel (OFF, ERROR or
// INFO); dataTrace is dataTraceEnabled ("Log full requests/responses data").
func NewExec(requestID string, level string, dataTrace bool) *Exec {
	return &Exec{requestID: requestID, level: ParseLevel(level), dataTrace: dataTrace, lines: make([]execLine, 0, 16)}
}

func (e *Exec) add(line string, k lineKind) {
	if e == nil {
		return
	}
	line = Truncate(line)
	e.mu.Lock()
	e.lines = append(e.lines, execLine{text: line, kind: k})
	e.mu.Unlock()
}

// Add records an INFO line.
func (e *Exec) Add(line string) { e.add(line, kindInfo) }

// Data records a data-trace line (request and response parameters, headers and bodies),
// written only at INFO with dataTraceEnabled.
func (e *Exec) Data(line string) { e.add(line, kindData) }

// Error records an ERROR line, written at ERROR and INFO.
func (e *Exec) Error(line string) { e.add(line, kindError) }

// RequestID returns the request ID the lines are prefixed with.
func (e *Exec) RequestID() string {
	if e == nil {
		return ""
	}
	return e.requestID
}

// Lines returns every recorded line, whatever the level, without the "(requestId) " prefix:
// the decision record's executionLog.
func (e *Exec) Lines() []string {
	if e == nil {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]string, len(e.lines))
	for i, l := range e.lines {
		out[i] = l.text
	}
	return out
}

func (e *Exec) emits(k lineKind) bool {
	switch k {
	case kindError:
		return e.level >= LevelError
	case kindInfo:
		return e.level >= LevelInfo
	default:
		return e.level >= LevelInfo && e.dataTrace
	}
}

// Emit writes the lines the level allows to s, each as "(requestId) line\n" (facts §3: the
// CloudWatch prefix), in one WriteLine call so that one request's lines stay together.
func (e *Exec) Emit(s Sink) error {
	if e == nil || e.level == LevelOff {
		return nil
	}
	e.mu.Lock()
	var buf []byte
	for _, l := range e.lines {
		if !e.emits(l.kind) {
			continue
		}
		buf = append(buf, '(')
		buf = append(buf, e.requestID...)
		buf = append(buf, ") "...)
		buf = append(buf, l.text...)
		buf = append(buf, '\n')
	}
	e.mu.Unlock()
	if len(buf) == 0 {
		return nil
	}
	return s.WriteLine(buf)
}

// ExecLogGroup is the CloudWatch log group of a stage's execution log:
// API-Gateway-Execution-Logs_{restApiId}/{stage} (facts §2.1).
func ExecLogGroup(apiID, stage string) string {
	return "API-Gateway-Execution-Logs_" + apiID + "/" + stage
}

// ExecDir returns the file a stage's execution log is written to:
// {dataDir}/logs/API-Gateway-Execution-Logs_{apiId}/{stage}.log, the log group's name as a
// path. apiID and stage must already be validated names (no path separators).
func ExecDir(dataDir, apiID, stage string) string {
	return filepath.Join(dataDir, "logs", "API-Gateway-Execution-Logs_"+apiID, stage+".log")
}

// dataTracePrefixes begin the execution-log lines AWS writes only with dataTraceEnabled: the
// full request and response data (facts §3 "dataTraceEnabled, which adds full request and
// response data").
var dataTracePrefixes = [...]string{
	"Method request path: ", "Method request query string: ", "Method request headers: ",
	"Method request body before transformations: ", "Endpoint request headers: ",
	"Endpoint request body after transformations: ", "Endpoint response headers: ",
	"Endpoint response body before transformations: ", "Method response body after transformations: ",
	"Method response headers: ", "Authorizer result body before parsing: ",
}

// IsDataTrace reports whether a line is request or response data, written only when the stage
// has dataTraceEnabled.
func IsDataTrace(line string) bool {
	for _, p := range dataTracePrefixes {
		if strings.HasPrefix(line, p) {
			return true
		}
	}
	return false
}
