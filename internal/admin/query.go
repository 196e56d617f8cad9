package admin

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/portcullis/portcullis/internal/store"
)

// queryParams are the parameters GET /decisions accepts, in the order EncodeQuery writes them.
var queryParams = []string{"status", "cause", "api", "stage", "since", "limit"}

// maxParamLen bounds the string parameters (cause, api, stage).
const maxParamLen = 256

// ParseQuery parses the parameters of GET /decisions:
//
//	status=403            an HTTP status code, 100–599
//	cause=waf-blocked     a cause catalogue ID
//	api=a1b2c3d4e5        a REST API id
//	stage=prod            a stage name
//	since=RFC3339         a time (2025-03-01T12:00:00Z), or a Go duration before now (15m, 2h)
//	limit=50              1–1000 (default 50)
//
// Empty values are ignored. An unknown or repeated parameter, or a bad value, is an error whose
// message names the parameter and what it wants; the admin API sends it with status 400.
func ParseQuery(v url.Values, now time.Time) (store.Query, error) {
	var q store.Query
	for _, name := range slices.Sorted(maps.Keys(v)) {
		if !slices.Contains(queryParams, name) {
			return store.Query{}, fmt.Errorf("unknown parameter %q (known: %s)", name, strings.Join(queryParams, ", "))
		}
		if n := len(v[name]); n > 1 {
			return store.Query{}, fmt.Errorf("%s: given %d times, want at most once", name, n)
		}
	}
	if s := v.Get("status"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 100 || n > 599 {
			return store.Query{}, fmt.Errorf("status: want an HTTP status code from 100 to 599, got %q", s)
		}
		q.Status = n
	}
	for _, p := range []struct {
		name string
		dst  *string
	}{{"cause", &q.Cause}, {"api", &q.APIID}, {"stage", &q.Stage}} {
		s := v.Get(p.name)
		if len(s) > maxParamLen {
			return store.Query{}, fmt.Errorf("%s: longer than %d bytes", p.name, maxParamLen)
		}
		*p.dst = s
	}
	if s := v.Get("since"); s != "" {
		since, err := parseSince(s, now)
		if err != nil {
			return store.Query{}, err
		}
		q.Since = since
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > store.MaxLimit {
			return store.Query{}, fmt.Errorf("limit: want an integer from 1 to %d, got %q", store.MaxLimit, s)
		}
		q.Limit = n
	}
	return q, nil
}

func parseSince(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("since: want an RFC 3339 time such as 2025-03-01T12:00:00Z or a duration such as 15m, got %q", s)
}

// EncodeQuery renders q as GET /decisions parameters; ParseQuery(EncodeQuery(q)) == q for every
// q that ParseQuery can return. A Limit above store.MaxLimit is sent as MaxLimit; zero or
// negative is omitted (the server's default applies).
func EncodeQuery(q store.Query) url.Values {
	v := url.Values{}
	if q.Status != 0 {
		v.Set("status", strconv.Itoa(q.Status))
	}
	if q.Cause != "" {
		v.Set("cause", q.Cause)
	}
	if q.APIID != "" {
		v.Set("api", q.APIID)
	}
	if q.Stage != "" {
		v.Set("stage", q.Stage)
	}
	if !q.Since.IsZero() {
		v.Set("since", q.Since.Format(time.RFC3339Nano))
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(min(q.Limit, store.MaxLimit)))
	}
	return v
}
