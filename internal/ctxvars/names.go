package ctxvars

import (
	"slices"
	"strings"
)

// staticNames are the fixed variable names Lookup resolves, in facts §2.3 order.
// Names with a user-chosen last part (stage variables, authorizer context keys, Cognito
// claims, request and response overrides) are recognised by prefix in Known.
var staticNames = []string{
	"context.accountId",
	"context.apiId",
	"context.awsEndpointRequestId",
	"context.deploymentId",
	"context.extendedRequestId",
	"context.requestId",
	"context.authorizer.claims",
	"context.authorizer.principalId",
	"context.domainName",
	"context.domainPrefix",
	"context.path",
	"context.resourcePath",
	"context.resourceId",
	"context.error.message",
	"context.error.messageString",
	"context.error.responseType",
	"context.error.validationErrorString",
	"context.httpMethod",
	"context.protocol",
	"context.requestTime",
	"context.requestTimeEpoch",
	"context.stage",
	"context.identity.accountId",
	"context.identity.accessKey",
	"context.identity.apiKey",
	"context.identity.apiKeyId",
	"context.identity.caller",
	"context.identity.cognitoAuthenticationProvider",
	"context.identity.cognitoAuthenticationType",
	"context.identity.cognitoIdentityId",
	"context.identity.cognitoIdentityPoolId",
	"context.identity.principalOrgId",
	"context.identity.sourceIp",
	"context.identity.user",
	"context.identity.userAgent",
	"context.identity.userArn",
	"context.identity.vpcId",
	"context.identity.vpceId",
	"context.identity.clientCert.clientCertPem",
	"context.identity.clientCert.subjectDN",
	"context.identity.clientCert.issuerDN",
	"context.identity.clientCert.serialNumber",
	"context.identity.clientCert.validity.notBefore",
	"context.identity.clientCert.validity.notAfter",
	"context.isCanaryRequest",
	"context.responseOverride.status",
	"context.wafResponseCode",
	"context.webaclArn",
	"context.authorize.error",
	"context.authorize.latency",
	"context.authorize.status",
	"context.authorizer.error",
	"context.authorizer.integrationLatency",
	"context.authorizer.integrationStatus",
	"context.authorizer.latency",
	"context.authorizer.requestId",
	"context.authorizer.status",
	"context.authenticate.error",
	"context.authenticate.latency",
	"context.authenticate.status",
	"context.customDomain.basePathMatched",
	"context.customDomain.routingRuleIdMatched",
	"context.integration.error",
	"context.integration.integrationStatus",
	"context.integration.latency",
	"context.integration.requestId",
	"context.integration.status",
	"context.integrationErrorMessage",
	"context.integrationLatency",
	"context.integrationStatus",
	"context.integration.responseTransferMode",
	"context.integration.timeToAllHeaders",
	"context.integration.timeToFirstContent",
	"context.responseLatency",
	"context.responseLength",
	"context.status",
	"context.tlsVersion",
	"context.cipherSuite",
	"context.waf.error",
	"context.waf.latency",
	"context.waf.status",
	"context.xrayTraceId",
}

// dynamicPrefixes are the names whose last part the user chooses (facts §2.3).
var dynamicPrefixes = []string{
	"stageVariables.",
	"context.authorizer.claims.",
	"context.authorizer.", // Lambda authorizer context keys
	"context.requestOverride.header.",
	"context.requestOverride.path.",
	"context.requestOverride.querystring.",
	"context.responseOverride.header.",
}

// StaticNames returns the fixed variable names Lookup knows, in facts §2.3 order.
func StaticNames() []string { return slices.Clone(staticNames) }

// Known reports whether name ("context.requestId", "stageVariables.x") is a variable API
// Gateway defines, either by its fixed name or as a user-named member of a family such as
// context.authorizer.<key> or stageVariables.<name>. Linters use it to flag typos in
// access-log formats.
func Known(name string) bool {
	if slices.Contains(staticNames, name) {
		return true
	}
	for _, p := range dynamicPrefixes {
		if rest, ok := strings.CutPrefix(name, p); ok && rest != "" {
			return true
		}
	}
	return false
}
