// Package apikey is the pipeline step that checks API keys against usage plans (DESIGN.md §2
// step 9; facts §6, §11 step 9), after authorization as AWS does (facts §11 step 9 [OBS]).
//
// Reproduced behaviour: methods without apiKeyRequired ignore keys ("API Key  authorized because
// method '…' does not require API Key"); a required key that is missing, unknown, disabled or not
// associated with a usage plan for this API stage gives 403 {"message":"Forbidden"}
// (INVALID_API_KEY, ForbiddenException) with distinct causes and AWS's execution-log lines, keys
// masked to their last six characters. The key comes from the x-api-key header (apiKeySource
// HEADER) or the Lambda authorizer's usageIdentifierKey (AUTHORIZER).
package apikey

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"

	"github.com/portcullis/portcullis/internal/cause"
	"github.com/portcullis/portcullis/internal/config"
	"github.com/portcullis/portcullis/internal/decision"
	"github.com/portcullis/portcullis/internal/logs"
	"github.com/portcullis/portcullis/internal/pipeline"
)

// Check is the API key step.
type Check struct{}

// Name implements pipeline.Check.
func (Check) Name() string { return "api-key" }

// Find returns the configured key whose value equals v. Keys are indexed by the SHA-256 of
// their value: a lookup compares digests, never the secret itself, so timing reveals nothing
// about how much of a guessed key matched; the final check is constant-time.
func Find(w *config.World, v string) *config.APIKey {
	h := sha256.Sum256([]byte(v))
	k := w.APIKeysByHash[h]
	if k == nil || subtle.ConstantTimeCompare([]byte(k.Value), []byte(v)) != 1 {
		return nil
	}
	return k
}

// Check implements pipeline.Check.
func (Check) Check(r *pipeline.Request) (pipeline.Result, error) {
	m := r.Match.Method
	api, st := r.API.ID, r.Stage.Name
	value, source := r.HTTP.Header.Get("x-api-key"), "the x-api-key header"
	if r.API.APIKeySource == "AUTHORIZER" {
		value, source = r.UsageIdentifierKey, "the authorizer's usageIdentifierKey"
	}
	if !m.APIKeyRequired {
		r.Logf(logs.VerifyingUsagePlan(r.ID, "", api, st))
		r.Logf(logs.APIKeyNotRequired("", m.HTTPMethod, r.Match.Resource.Path))
		r.Logf(logs.UsagePlanCheckSucceeded("", api, st))
		return pipeline.Skip("the method does not require an API key; keys are ignored and nothing is counted"), nil
	}
	r.Logf(logs.VerifyingUsagePlan(r.ID, value, api, st))
	method := fmt.Sprintf("%s %s", m.HTTPMethod, r.Match.Resource.Path)
	deny := func(id, reason string, ev ...string) (pipeline.Result, error) {
		return pipeline.Deny(&decision.Denial{Cause: id, Reason: reason,
			Evidence: append([]string{"method " + method + " has apiKeyRequired: true", "apiKeySource: " + r.API.APIKeySource}, ev...)}), nil
	}
	if value == "" {
		return deny(cause.APIKeyMissing, "the method requires an API key and "+source+" is missing or empty")
	}
	key := Find(r.World, value)
	if key == nil {
		r.Logf("Invalid API Key identifier specified")
		return deny(cause.InvalidAPIKey, "the API key sent is not a configured key", "the key sent ends in "+logs.MaskKey(value))
	}
	if !key.Enabled {
		return deny(cause.APIKeyDisabled, "API key "+key.ID+" ("+key.Name+") is disabled", "apiKeys: "+key.ID+" has enabled: false")
	}
	ps := r.Stage.KeyPlans[key.ID]
	if ps == nil {
		r.Logf(logs.APIKeyNotInUsagePlan(value, m.HTTPMethod, r.Match.Resource.Path, api, st))
		return deny(cause.APIKeyNotInUsagePlan, "API key "+key.ID+" is valid but no usage plan associates it with "+api+"/"+st,
			"key "+key.ID+" ("+key.Name+")", "usage plans of "+api+"/"+st+": "+plansOf(r.Stage))
	}
	r.APIKey = key
	r.Plan = ps
	r.Logf(logs.UsagePlanCheckSucceeded(value, api, st))
	return pipeline.Pass(fmt.Sprintf("API key %s (%s) is in usage plan %s for %s/%s", key.ID, key.Name, ps.Plan.ID, api, st)), nil
}

func plansOf(st *config.Stage) string {
	seen := map[string]bool{}
	out := ""
	for _, ps := range st.KeyPlans {
		if !seen[ps.Plan.ID] {
			seen[ps.Plan.ID] = true
			if out != "" {
				out += ", "
			}
			out += ps.Plan.ID
		}
	}
	if out == "" {
		return "(none)"
	}
	return out
}
