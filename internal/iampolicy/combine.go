package iampolicy

// Sides named by Combine and ResourceOnly as having decided.
const (
	SideIdentity = "identity"
	SideResource = "resource"
	SideBoth     = "both"
	SideNeither  = "neither"
)

// Combine combines the identity-side result (IAM identity policies for AWS_IAM, or a Lambda
// authorizer's policy) with the API's resource policy, reproducing facts §5.3:
//
//   - Any explicit Deny gives Deny.
//   - Table A, caller in the same account as the API: Allow when either side allows.
//   - Table B, caller in another account: Allow only when both sides allow; a resource policy
//     is therefore required for cross-account access.
//
// When hasResourcePolicy is false the resource side counts as Neither whatever is passed. The
// second result names the side that decided: for Allow and Deny the side(s) with that effect;
// for an implicit deny the side that failed to allow ("neither" when neither allowed).
//
// For Lambda authorizers facts §4.5 applies Table A with the authorizer's policy as the
// identity side (call with sameAccount true). For methods with authorization NONE and for
// Cognito user pool authorizers use ResourceOnly.
func Combine(identity, resource Effect, sameAccount bool, hasResourcePolicy bool) (Effect, string) {
	if !hasResourcePolicy {
		resource = Neither
	}
	if identity == Deny || resource == Deny {
		return Deny, side(identity == Deny, resource == Deny)
	}
	idAllow, resAllow := identity == Allow, resource == Allow
	if sameAccount {
		if idAllow || resAllow {
			return Allow, side(idAllow, resAllow)
		}
		return Neither, SideNeither
	}
	switch {
	case idAllow && resAllow:
		return Allow, SideBoth
	case idAllow:
		return Neither, SideResource // the resource policy did not allow
	case resAllow:
		return Neither, SideIdentity // the identity policies did not allow
	}
	return Neither, SideNeither
}

// ResourceOnly decides a method whose caller is not an IAM principal: authorization NONE
// ("Evaluation of the policy involves seeking an explicit allow … An implicit denial or any
// explicit denial results in denying the caller") and Cognito user pools ("the resource policy
// is evaluated independently, and an explicit allow is required"), facts §5.3. Without a
// resource policy nothing is denied: the result is Allow decided by "neither".
func ResourceOnly(resource Effect, hasResourcePolicy bool) (Effect, string) {
	if !hasResourcePolicy {
		return Allow, SideNeither
	}
	return resource, SideResource
}

func side(identity, resource bool) string {
	switch {
	case identity && resource:
		return SideBoth
	case identity:
		return SideIdentity
	case resource:
		return SideResource
	}
	return SideNeither
}
