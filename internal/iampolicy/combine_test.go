package iampolicy

import "testing"

// TestCombineTableA checks facts §5.3 Table A (caller in the API owner's account) row by row.
func TestCombineTableA(t *testing.T) {
	tests := []struct {
		identity, resource Effect
		want               Effect
		side               string
	}{
		{Allow, Allow, Allow, SideBoth},
		{Allow, Neither, Allow, SideIdentity},
		{Allow, Deny, Deny, SideResource},
		{Neither, Allow, Allow, SideResource},
		{Neither, Neither, Neither, SideNeither},
		{Neither, Deny, Deny, SideResource},
		{Deny, Allow, Deny, SideIdentity},
		{Deny, Neither, Deny, SideIdentity},
		{Deny, Deny, Deny, SideBoth},
	}
	for _, tc := range tests {
		got, side := Combine(tc.identity, tc.resource, true, true)
		if got != tc.want || side != tc.side {
			t.Errorf("Table A: identity %q, resource %q: got %q (%s), want %q (%s)", tc.identity, tc.resource, got, side, tc.want, tc.side)
		}
	}
}

// TestCombineTableB checks facts §5.3 Table B (caller in another account): Allow only when both
// sides allow; Neither on either side is an implicit deny; any Deny is an explicit deny.
func TestCombineTableB(t *testing.T) {
	tests := []struct {
		identity, resource Effect
		want               Effect
		side               string
	}{
		{Allow, Allow, Allow, SideBoth},
		{Allow, Neither, Neither, SideResource},
		{Allow, Deny, Deny, SideResource},
		{Neither, Allow, Neither, SideIdentity},
		{Neither, Neither, Neither, SideNeither},
		{Neither, Deny, Deny, SideResource},
		{Deny, Allow, Deny, SideIdentity},
		{Deny, Neither, Deny, SideIdentity},
		{Deny, Deny, Deny, SideBoth},
	}
	for _, tc := range tests {
		got, side := Combine(tc.identity, tc.resource, false, true)
		if got != tc.want || side != tc.side {
			t.Errorf("Table B: identity %q, resource %q: got %q (%s), want %q (%s)", tc.identity, tc.resource, got, side, tc.want, tc.side)
		}
	}
}

func TestCombineWithoutResourcePolicy(t *testing.T) {
	tests := []struct {
		identity    Effect
		sameAccount bool
		want        Effect
		side        string
	}{
		{Allow, true, Allow, SideIdentity},
		{Neither, true, Neither, SideNeither},
		{Deny, true, Deny, SideIdentity},
		{Allow, false, Neither, SideResource}, // cross-account access needs a resource policy
		{Deny, false, Deny, SideIdentity},
	}
	for _, tc := range tests {
		// The resource effect passed is ignored when there is no resource policy.
		got, side := Combine(tc.identity, Allow, tc.sameAccount, false)
		if got != tc.want || side != tc.side {
			t.Errorf("identity %q same=%v: got %q (%s), want %q (%s)", tc.identity, tc.sameAccount, got, side, tc.want, tc.side)
		}
	}
}

func TestResourceOnly(t *testing.T) {
	tests := []struct {
		resource  Effect
		hasPolicy bool
		want      Effect
		side      string
	}{
		{Allow, true, Allow, SideResource},
		{Neither, true, Neither, SideResource}, // "An implicit denial … results in denying the caller"
		{Deny, true, Deny, SideResource},
		{Neither, false, Allow, SideNeither},
	}
	for _, tc := range tests {
		got, side := ResourceOnly(tc.resource, tc.hasPolicy)
		if got != tc.want || side != tc.side {
			t.Errorf("resource %q policy=%v: got %q (%s), want %q (%s)", tc.resource, tc.hasPolicy, got, side, tc.want, tc.side)
		}
	}
}
