package config

import (
	"encoding/json"

	"github.com/portcullis/portcullis/internal/waf"
	"github.com/portcullis/portcullis/internal/waf/crs"
)

// webACLs compiles the wafv2 section: every web ACL with the IP sets, regex pattern sets and
// rule groups it references (WAFv2's own JSON shapes), once per config load.
func (k *compiler) webACLs(w *World) {
	w.WebACLs = map[string]*waf.ACL{}
	c := k.c.WAFv2
	if c == nil {
		return
	}
	byARN := func(objs []*WAFObject) map[string]json.RawMessage {
		m := make(map[string]json.RawMessage, len(objs))
		for _, o := range objs {
			if o != nil && o.ARN != "" {
				m[o.ARN] = o.Body
			}
		}
		return m
	}
	sets := waf.Sets{IPSets: byARN(c.IPSets), RegexPatternSets: byARN(c.RegexPatternSets), RuleGroups: byARN(c.RuleGroups)}
	opts := waf.Options{SearchStringBase64: c.SearchStringEncoding != "plain", CountryHeader: c.CountryHeader}
	if c.ManagedRuleGroups == "crs" {
		g, err := crs.New()
		if err != nil {
			k.bad("wafv2.managedRuleGroups", "loading the OWASP Core Rule Set: %v", err)
			return
		}
		opts.Managed = g
	}
	for i, o := range c.WebACLs {
		if o == nil {
			continue
		}
		acl, err := waf.CompileWithOptions(o.Body, sets, opts)
		if err != nil {
			k.bad(indexPath("wafv2.webAcls", i), "%v", err)
			continue
		}
		w.WebACLs[o.ARN] = acl
	}
}
