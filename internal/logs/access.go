// Package logs writes API Gateway's two logs: the access log, one line per request rendered
// from a $context format (facts §2), and the execution log, AWS's own step-by-step lines with
// its exact wording, order, masking and truncation (facts §3). It also holds the sinks both
// are written to: append-only files (reopened on SIGHUP for rotation) and standard output.
package logs

import (
	"errors"
	"fmt"
	"strings"

	"github.com/portcullis/portcullis/internal/ctxtemplate"
	"github.com/portcullis/portcullis/internal/ctxvars"
)

// The console's access-log format presets, verbatim (facts §2.2).
const (
	CLF  = `$context.identity.sourceIp $context.identity.caller $context.identity.user [$context.requestTime] "$context.httpMethod $context.resourcePath $context.protocol" $context.status $context.responseLength $context.requestId $context.extendedRequestId`
	JSON = `{ "requestId":"$context.requestId", "extendedRequestId":"$context.extendedRequestId", "ip": "$context.identity.sourceIp", "caller":"$context.identity.caller", "user":"$context.identity.user", "requestTime":"$context.requestTime", "httpMethod":"$context.httpMethod", "resourcePath":"$context.resourcePath", "status":"$context.status", "protocol":"$context.protocol", "responseLength":"$context.responseLength" }`
	XML  = `<request id="$context.requestId"> <extendedRequestId>$context.extendedRequestId</extendedRequestId> <ip>$context.identity.sourceIp</ip> <caller>$context.identity.caller</caller> <user>$context.identity.user</user> <requestTime>$context.requestTime</requestTime> <httpMethod>$context.httpMethod</httpMethod> <resourcePath>$context.resourcePath</resourcePath> <status>$context.status</status> <protocol>$context.protocol</protocol> <responseLength>$context.responseLength</responseLength> </request>`
	CSV  = `$context.identity.sourceIp,$context.identity.caller,$context.identity.user,$context.requestTime,$context.httpMethod,$context.resourcePath,$context.protocol,$context.status,$context.responseLength,$context.requestId,$context.extendedRequestId`
)

// Preset returns the console preset named CLF, JSON, XML or CSV (any case).
func Preset(name string) (format string, ok bool) {
	switch strings.ToUpper(name) {
	case "CLF":
		return CLF, true
	case "JSON":
		return JSON, true
	case "XML":
		return XML, true
	case "CSV":
		return CSV, true
	}
	return "", false
}

// MaxAccessFormatBytes bounds an access-log format. AWS documents "Access log template size
// 3 KB" for HTTP APIs (facts §2.1); REST APIs are assumed to share it [UNCONFIRMED].
const MaxAccessFormatBytes = 3 * 1024

// Errors CompileAccess wraps.
var (
	ErrFormatEmpty       = errors.New("access log format is empty")
	ErrFormatMultiline   = errors.New("the log format must be a single line")
	ErrFormatTooLarge    = errors.New("access log format is too large")
	ErrFormatNoRequestID = errors.New("the access log format must include at least $context.requestId or $context.extendedRequestId")
)

// CompileAccess validates an access-log format by AWS's rules (facts §2.1) and compiles it:
// it must be one line (a single trailing newline is accepted and dropped, since every line
// ends in one), at most MaxAccessFormatBytes long, and reference $context.requestId or
// $context.extendedRequestId.
func CompileAccess(format string) (*ctxtemplate.Template, error) {
	format = strings.TrimSuffix(format, "\n")
	if format == "" {
		return nil, ErrFormatEmpty
	}
	if len(format) > MaxAccessFormatBytes {
		return nil, fmt.Errorf("%w: %d bytes, the limit is %d", ErrFormatTooLarge, len(format), MaxAccessFormatBytes)
	}
	if i := strings.IndexAny(format, "\r\n"); i >= 0 {
		return nil, fmt.Errorf("%w: line break at byte %d", ErrFormatMultiline, i)
	}
	t := ctxtemplate.Compile(format)
	if !t.References("context.requestId") && !t.References("context.extendedRequestId") {
		return nil, ErrFormatNoRequestID
	}
	return t, nil
}

// Unsupported returns the variables a format references that are not $context variables API
// Gateway defines (typos such as $context.requestID, or $stageVariables.x: "Only $context
// variables are supported", facts §2.1). They render as "-". For linters; CompileAccess does
// not reject them.
func Unsupported(t *ctxtemplate.Template) []string {
	var out []string
	for _, n := range t.Names() {
		if !strings.HasPrefix(n, "context.") || !ctxvars.Known(n) {
			out = append(out, n)
		}
	}
	return out
}

// Missing is what an access log writes for a variable with no value (facts §2.1 [OBS]).
const Missing = "-"

// AccessLine appends one access-log line to dst: the format rendered with "-" for every unset
// variable, then "\n". Pass (*ctxvars.Vars).Lookup as v.
func AccessLine(dst []byte, t *ctxtemplate.Template, v ctxtemplate.Lookup) []byte {
	dst = t.Append(dst, v, Missing)
	return append(dst, '\n')
}
