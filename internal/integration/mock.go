package integration

import (
	"regexp"
	"strconv"
)

// mockStatus finds the status a MOCK integration returns in its integration request body
// ({"statusCode": 200}); leniently the first `"statusCode"\s*:\s*(\d{3})`, else 200.
var mockStatus = regexp.MustCompile(`"statusCode"\s*:\s*(\d{3})`)

// mock reproduces a MOCK integration: the request template (or passthrough body) is the
// integration request; its statusCode selects the integration response by selection pattern;
// the response template renders the body (empty when there is none).
func (k *call) mock() (*Response, *Failure) {
	body, _, f := k.integrationRequestBody()
	if f != nil {
		return nil, f
	}
	k.logf("Endpoint request body after transformations: %s", body)
	status := 200
	if m := mockStatus.FindSubmatch(body); m != nil {
		status, _ = strconv.Atoi(string(m[1]))
	}
	ir := k.selectResponse(strconv.Itoa(status))
	if ir == nil {
		return nil, noMatch(status)
	}
	return k.methodResponse(ir, status, nil, nil, false)
}
