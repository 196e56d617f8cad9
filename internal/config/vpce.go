package config

import (
	"strings"

	"github.com/portcullis/portcullis/internal/iampolicy"
)

// VPCEndpoint is a stand-in for an interface VPC endpoint of com.amazonaws.REGION.execute-api
// (facts §7): requests arriving on its listener come from its VPC through it.
type VPCEndpoint struct {
	ID, VPCID  string
	PrivateDNS bool
	Listen     string
	// Policy is the endpoint policy (nil: the default full-access policy).
	Policy *iampolicy.Policy
}

// vpcEndpoints compiles the VPC endpoints, and checks that every PRIVATE API has a resource
// policy: AWS refuses to deploy one without (facts §7).
func (k *compiler) vpcEndpoints(w *World) {
	w.VPCEndpoints = map[string]*VPCEndpoint{}
	for i, e := range k.c.VPCEndpoints {
		f := indexPath("vpcEndpoints", i)
		v := &VPCEndpoint{ID: e.VPCEndpointID, VPCID: e.VPCID, PrivateDNS: e.PrivateDNSEnabled, Listen: e.Listen}
		if len(e.PolicyDocument) > 0 {
			v.Policy = k.policy(f+".policyDocument", "", e.PolicyDocument, iampolicy.ParseOptions{Kind: iampolicy.Resource, Region: k.c.Region, AccountID: k.c.AccountID})
		}
		w.VPCEndpoints[v.ID] = v
	}
	for i, ac := range k.c.RestAPIs {
		api := w.APIs[ac.ID]
		if api == nil || api.ResourcePolicy != nil {
			continue
		}
		for _, t := range api.EndpointTypes {
			if strings.EqualFold(t, "PRIVATE") {
				k.bad(indexPath("restApis", i)+".policy", "Private REST API doesn't have a resource policy attached to it")
			}
		}
	}
}
