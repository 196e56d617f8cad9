// Package throttle is the pipeline step for usage-plan throttles and quotas and for stage and
// account throttling (DESIGN.md §2 steps 9–10; facts §6).
//
// Reproduced behaviour, in AWS's documented order (facts §6 "Order in which throttling is
// applied"): the usage plan's per-method limits for the key, the usage plan's limits for the
// key, the stage's method settings (`/resource/VERB`, else `*/*`), then the account-level
// limit (10,000 rps, burst 5,000 by default); a refusal answers 429 {"message":"Too Many
// Requests"} (TooManyRequestsException). Quotas are per key per plan, aggregated across the
// plan's stages; exceeding one answers 429 {"message":"Limit Exceeded"}
// (LimitExceededException). Methods without apiKeyRequired never touch usage plans.
package throttle

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/portcullis/portcullis/internal/cause"
	"github.com/portcullis/portcullis/internal/config"
	"github.com/portcullis/portcullis/internal/decision"
	"github.com/portcullis/portcullis/internal/limits"
	"github.com/portcullis/portcullis/internal/logs"
	"github.com/portcullis/portcullis/internal/pipeline"
)

// Check is the throttle and quota step.
type Check struct{}

// Name implements pipeline.Check.
func (Check) Name() string { return "throttle" }

// layer names one bucket for explanations.
type layer struct {
	what string // "usage plan gold, method /pets/GET"
	t    config.Throttle
	key  bool // a per-key (usage plan) limit: AWS logs "Key throttle limit exceeded"
}

// Check implements pipeline.Check.
func (Check) Check(r *pipeline.Request) (pipeline.Result, error) {
	if r.Limits == nil {
		return pipeline.Skip("throttles and quotas are off (no limits store)"), nil
	}
	m := r.Match.Method
	api, st := r.API.ID, r.Stage.Name
	mk := config.MethodKey(r.Match.Resource.Path, m.HTTPMethod)
	var buckets []limits.Bucket
	var layers []layer
	add := func(key string, l layer) {
		buckets = append(buckets, limits.Bucket{Key: key, Rate: l.t.Rate, Burst: l.t.Burst})
		layers = append(layers, l)
	}
	var quota *limits.Quota
	if ps := r.Plan; ps != nil && r.APIKey != nil {
		plan, kid := ps.Plan, r.APIKey.ID
		if t := ps.Methods[mk]; t != nil {
			add("plan/"+plan.ID+"/key/"+kid+"/"+api+"/"+st+mk, layer{"usage plan " + plan.ID + " method " + mk + " for key " + kid, *t, true})
		}
		if t := plan.Throttle; t != nil {
			add("plan/"+plan.ID+"/key/"+kid, layer{"usage plan " + plan.ID + " for key " + kid, *t, true})
		}
		if q := plan.Quota; q != nil {
			quota = &limits.Quota{Plan: plan.ID, KeyID: kid, Limit: q.Limit, Offset: q.Offset, Period: q.Period}
		} else {
			quota = &limits.Quota{Plan: plan.ID, KeyID: kid} // usage is still recorded for reports
		}
	}
	if s := r.Stage.Setting(r.Match.Resource.Path, m.HTTPMethod); s != nil && (s.ThrottlingRateLimit != nil || s.ThrottlingBurstLimit != nil) {
		t := r.World.AccountThrottle // what a setting leaves unset is the account's
		if s.ThrottlingRateLimit != nil {
			t.Rate = *s.ThrottlingRateLimit
		}
		if s.ThrottlingBurstLimit != nil {
			t.Burst = *s.ThrottlingBurstLimit
		}
		add("stage/"+api+"/"+st+mk, layer{"stage " + st + " method settings", t, false})
	}
	add("account/"+r.World.AccountID+"/"+r.World.Region, layer{"account " + r.World.AccountID + " in " + r.World.Region, r.World.AccountThrottle, false})

	dec, err := r.Limits.Take(r.HTTP.Context(), r.Now, buckets, quota)
	if err != nil {
		if !errors.Is(err, limits.ErrUnavailable) {
			return pipeline.Result{}, err
		}
		r.Degraded = "limits store unavailable: " + err.Error()
		if r.World.RedisUnavailable == "fail-closed" {
			return pipeline.Deny(&decision.Denial{Cause: cause.Throttled,
				Reason:   "the shared limits store is unreachable and redisUnavailable is fail-closed",
				Evidence: []string{err.Error()}}), nil
		}
		return pipeline.Pass("limits store unreachable; redisUnavailable is fail-open, so the request is served uncounted"), nil
	}
	if dec.Throttled >= 0 {
		l := layers[dec.Throttled]
		if l.key {
			r.Logf(logs.KeyThrottleExceeded(api, st, r.Match.Resource.ID, m.HTTPMethod, l.t.Rate, l.t.Burst))
		}
		return pipeline.Deny(&decision.Denial{Cause: cause.Throttled,
			Reason:   "the " + l.what + " throttle is exhausted (rate " + rate(l.t.Rate) + "/s, burst " + strconv.Itoa(l.t.Burst) + ")",
			Evidence: []string{fmt.Sprintf("throttle layers in AWS's order: %s", names(layers)), "refused by: " + l.what},
			Remedy:   []string{"Raise the " + l.what + " limit, or retry with exponential backoff."}}), nil
	}
	if dec.QuotaExceeded {
		q := r.Plan.Plan.Quota
		return pipeline.Deny(&decision.Denial{Cause: cause.QuotaExceeded,
			Reason: fmt.Sprintf("API key %s used its %d requests per %s of usage plan %s", r.APIKey.ID, q.Limit, q.Period, r.Plan.Plan.ID),
			Evidence: []string{fmt.Sprintf("quota period %s – %s (UTC), used %d of %d", dec.PeriodStart.UTC().Format("2006-01-02T15:04Z"),
				dec.PeriodEnd.UTC().Format("2006-01-02T15:04Z"), dec.QuotaUsed, q.Limit)},
			Remedy: []string{"The quota resets at " + dec.PeriodEnd.UTC().Format("2006-01-02T15:04:05Z") + "."}}), nil
	}
	detail := "within " + names(layers)
	if quota != nil && quota.Period != "" {
		detail += fmt.Sprintf("; quota %d/%d this %s", dec.QuotaUsed, quota.Limit, quota.Period)
	}
	return pipeline.Pass(detail), nil
}

func rate(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func names(ls []layer) string {
	out := ""
	for i, l := range ls {
		if i > 0 {
			out += ", "
		}
		out += l.what
	}
	return out
}
