package config

import "crypto/sha256"

// APIKey is a compiled API key.
type APIKey struct {
	ID, Name, Value string
	Enabled         bool
	// ValueHash is SHA-256(Value), compared in constant time (apikey.Find).
	ValueHash [32]byte
}

// Throttle is a token bucket: Rate requests per second, Burst capacity (facts §6).
type Throttle struct {
	Rate  float64
	Burst int
}

// Quota is a usage plan quota (QuotaSettings).
type Quota struct {
	Limit  int64
	Offset int64
	Period string // DAY, WEEK or MONTH
}

// UsagePlan is a compiled usage plan.
type UsagePlan struct {
	ID, Name string
	Throttle *Throttle // plan-level (per key) throttle; nil = none
	Quota    *Quota    // nil = none
	// Stages lists the plan's API stages as "apiId/stage".
	Stages []string
}

// PlanStage is a usage plan's association with one stage, as a key sees it.
type PlanStage struct {
	Plan *UsagePlan
	// Methods are the plan's per-method throttles for this stage, by "/resource/path/VERB".
	Methods map[string]*Throttle
}

// DefaultAccountThrottle is the account-level default of facts §6: 10,000 requests per second
// with a burst of 5,000.
var DefaultAccountThrottle = Throttle{Rate: 10000, Burst: 5000}

func throttleOf(t *ThrottleSettings) *Throttle {
	if t == nil || (t.RateLimit == nil && t.BurstLimit == nil) {
		return nil
	}
	out := &Throttle{Rate: DefaultAccountThrottle.Rate, Burst: DefaultAccountThrottle.Burst} // unset values: the account's
	if t.RateLimit != nil {
		out.Rate = *t.RateLimit
	}
	if t.BurstLimit != nil {
		out.Burst = *t.BurstLimit
	}
	return out
}

// plans compiles API keys and usage plans: keys by value, and for every stage the plan each key
// is associated with ("a given API key can only be associated with one usage plan for each
// stage", facts §6; validate enforces it).
func (k *compiler) plans(w *World) {
	c := k.c
	w.APIKeys = make(map[string]*APIKey, len(c.APIKeys))
	w.APIKeysByHash = make(map[[32]byte]*APIKey, len(c.APIKeys))
	for _, ak := range c.APIKeys {
		key := &APIKey{ID: ak.ID, Name: ak.Name, Value: ak.Value, Enabled: ak.IsEnabled(), ValueHash: sha256.Sum256([]byte(ak.Value))}
		w.APIKeys[key.ID] = key
		w.APIKeyList = append(w.APIKeyList, key)
		w.APIKeysByHash[key.ValueHash] = key
	}
	w.AccountThrottle = DefaultAccountThrottle
	if t := throttleOf(c.AccountThrottle); t != nil {
		w.AccountThrottle = *t
	}
	w.RedisUnavailable = c.RedisUnavailable
	if w.RedisUnavailable == "" {
		w.RedisUnavailable = "fail-open"
	}
	w.UsagePlans = make(map[string]*UsagePlan, len(c.UsagePlans))
	for _, pc := range c.UsagePlans {
		plan := &UsagePlan{ID: pc.ID, Name: pc.Name, Throttle: throttleOf(pc.Throttle)}
		if pc.Quota != nil {
			plan.Quota = &Quota{Limit: int64(pc.Quota.Limit), Offset: int64(pc.Quota.Offset), Period: pc.Quota.Period}
		}
		w.UsagePlans[plan.ID] = plan
		for _, as := range pc.APIStages {
			plan.Stages = append(plan.Stages, as.APIID+"/"+as.Stage)
			api := w.APIs[as.APIID]
			if api == nil {
				continue
			}
			st := api.Stages[as.Stage]
			if st == nil {
				continue
			}
			ps := &PlanStage{Plan: plan, Methods: map[string]*Throttle{}}
			for key, t := range as.Throttle {
				rp, verb, err := parseMethodKey(key)
				if err != nil {
					continue // reported by validate
				}
				if tt := throttleOf(t); tt != nil {
					ps.Methods[MethodKey(rp, verb)] = tt
				}
			}
			if st.KeyPlans == nil {
				st.KeyPlans = map[string]*PlanStage{}
			}
			for _, id := range pc.APIKeyIDs {
				st.KeyPlans[id] = ps
			}
		}
	}
}
