package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/portcullis/portcullis/internal/decision"
	"github.com/portcullis/portcullis/internal/store"
)

// DefaultAddr is the admin API's default listen address (DESIGN.md §1, `serve --admin`).
const DefaultAddr = "127.0.0.1:4572"

// maxResponse bounds the body the client reads (1000 decisions with execution logs fit).
const maxResponse = 64 << 20

// Errors returned by Client (match with errors.Is).
var (
	// ErrNotFound: the gateway has no decision for the request id (never seen, or pruned).
	ErrNotFound = errors.New("not found")
	// ErrUnreachable: nothing answered at the admin address.
	ErrUnreachable = errors.New("admin API not reachable")
)

// Client talks to a gateway's admin API; it is what `portcullis explain` uses.
type Client struct {
	// Addr is HOST:PORT or a base URL (http://HOST:PORT); empty means DefaultAddr.
	Addr string
	// HTTP is the client used; nil means one with a 10 s timeout.
	HTTP *http.Client
}

// StatusError is a non-2xx answer from the admin API.
type StatusError struct {
	Status  int
	Message string // the body's "error", or the status text
}

func (e *StatusError) Error() string {
	if e.Status == http.StatusNotFound {
		return e.Message
	}
	return fmt.Sprintf("admin API answered %d: %s", e.Status, e.Message)
}

// Is makes errors.Is(err, ErrNotFound) true for a 404.
func (e *StatusError) Is(target error) bool {
	return target == ErrNotFound && e.Status == http.StatusNotFound
}

// UnreachableError reports that no admin API answered at Addr.
type UnreachableError struct {
	Addr string
	Err  error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("the gateway's admin API is not reachable at %s (%v): start the gateway with `portcullis serve`, or pass --admin HOST:PORT if its admin API listens elsewhere", e.Addr, e.Err)
}

// Unwrap returns ErrUnreachable and the dial error.
func (e *UnreachableError) Unwrap() []error { return []error{ErrUnreachable, e.Err} }

// Decision fetches the decision record for requestID. Errors: ErrNotFound (a *StatusError),
// ErrUnreachable (an *UnreachableError), or another wrapped error.
func (c *Client) Decision(ctx context.Context, requestID string) (*decision.Decision, error) {
	if requestID == "" {
		return nil, errors.New("empty request id")
	}
	d := new(decision.Decision)
	if err := c.get(ctx, "/decisions/"+url.PathEscape(requestID), d); err != nil {
		return nil, err
	}
	return d, nil
}

// Decisions lists the decisions matching q, newest first.
func (c *Client) Decisions(ctx context.Context, q store.Query) ([]*decision.Decision, error) {
	path := "/decisions"
	if v := EncodeQuery(q); len(v) > 0 {
		path += "?" + v.Encode()
	}
	var body ListResponse
	if err := c.get(ctx, path, &body); err != nil {
		return nil, err
	}
	if body.Version != ListVersion {
		return nil, fmt.Errorf("admin API answered version %d of the decision list; this portcullis understands %d", body.Version, ListVersion)
	}
	return body.Decisions, nil
}

func (c *Client) addr() string {
	if c.Addr == "" {
		return DefaultAddr
	}
	return c.Addr
}

func (c *Client) baseURL() string {
	a := strings.TrimRight(c.addr(), "/")
	if strings.HasPrefix(a, "http://") || strings.HasPrefix(a, "https://") {
		return a
	}
	return "http://" + a
}

func (c *Client) get(ctx context.Context, path string, into any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.baseURL()+path, nil)
	if err != nil {
		return fmt.Errorf("admin API at %s: %w", c.addr(), err)
	}
	req.Header.Set("Accept", "application/json")
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		if op := (*net.OpError)(nil); errors.As(err, &op) && op.Op == "dial" {
			return &UnreachableError{Addr: c.addr(), Err: op}
		}
		return fmt.Errorf("admin API at %s: %w", c.addr(), err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return fmt.Errorf("admin API at %s: read response: %w", c.addr(), err)
	}
	if resp.StatusCode != http.StatusOK {
		var e errorBody
		if json.Unmarshal(body, &e) != nil || e.Error == "" {
			e.Error = http.StatusText(resp.StatusCode)
		}
		return &StatusError{Status: resp.StatusCode, Message: e.Error}
	}
	if err := json.Unmarshal(body, into); err != nil {
		return fmt.Errorf("admin API at %s: decode %s: %w", c.addr(), path, err)
	}
	return nil
}
