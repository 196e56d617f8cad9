package replay

import (
	"errors"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/portcullis/portcullis/internal/config"
	"github.com/portcullis/portcullis/internal/decision"
	"github.com/portcullis/portcullis/internal/diagnose/input"
)

func world(t *testing.T) *config.World {
	t.Helper()
	w, err := config.Load(filepath.Join("..", "..", "..", "testdata", "scenarios", "worlds", "integration", "portcullis.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func capture(path string, hdr http.Header) input.Exchange {
	if hdr == nil {
		hdr = http.Header{}
	}
	return input.Exchange{
		Request:  &input.Req{Method: http.MethodGet, URL: "https://integ00001.execute-api.us-east-1.amazonaws.com" + path, Headers: hdr},
		Response: &input.Resp{Status: 403, Headers: http.Header{"Date": {"Thu, 26 Nov 2026 10:00:00 GMT"}}},
	}
}

// TestReplay: the pipeline's own answer for a captured request, offline.
func TestReplay(t *testing.T) {
	res, err := Replay(world(t), capture("/prod/metered", nil))
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != 403 || res.Decision.Cause != "api-key-missing" || res.Decision.Outcome != decision.Deny {
		t.Fatalf("status %d, decision %+v", res.Status, res.Decision)
	}
	if got := res.Decision.Time.UTC().Format(http.TimeFormat); got != "Thu, 26 Nov 2026 10:00:00 GMT" {
		t.Errorf("the gateway clock is %s, want the capture's Date", got)
	}

	// A request that passes every check is allowed without calling the integration.
	res, err = Replay(world(t), capture("/prod/metered", http.Header{"X-Api-Key": {"quotakey0123456789ab"}}))
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != 200 || res.Decision.Outcome != decision.Allow || res.Decision.Cause != "" {
		t.Fatalf("status %d, decision %+v", res.Status, res.Decision)
	}

	if _, err := Replay(world(t), input.Exchange{Response: &input.Resp{Status: 403}}); !errors.Is(err, ErrNoRequest) {
		t.Errorf("no request: %v", err)
	}
}

// TestOffline: nothing leaves the process during a replay.
func TestOffline(t *testing.T) {
	req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:9/2015-03-31/functions/f/invocations", nil)
	if _, err := (offline{}).RoundTrip(req); err == nil {
		t.Fatal("the offline transport made a call")
	}
}
