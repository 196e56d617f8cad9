package config

import (
	"errors"
	"strings"
	"testing"
)

// head is the valid start of every validation case (lines 1-2).
var head = []string{`accountId: "123456789012"`, `region: us-east-1`}

// api is a valid rest API (lines 3-5 after head); cases append stage lines (line 6 on).
var api = []string{`restApis:`, `  - id: abcdefghij`, `    definition: testdata/min.oas30.yaml`}

func cfg(parts ...[]string) string {
	var all []string
	for _, p := range parts {
		all = append(all, p...)
	}
	return lines(all...)
}

func TestValidateErrors(t *testing.T) {
	stage := func(l ...string) []string { return append([]string{`    stages:`}, l...) }
	longVal := strings.Repeat("a", 513)
	tests := []struct {
		name, in, want string
	}{
		{"account id", lines(`accountId: "12345"`, `region: us-east-1`),
			`c.yaml:1:12: accountId: must be 12 digits, got "12345"`},
		{"region missing", lines(`accountId: "123456789012"`),
			`c.yaml:1:1: region: is required`},
		{"error message style", cfg(head, []string{`errorMessageStyle: new`}),
			`c.yaml:3:20: errorMessageStyle: must be one of seed, current, got "new"`},
		{"rest api id format", cfg(head, []string{`restApis:`, `  - id: ABCDEFGHIJ`, `    definition: x.yaml`}),
			`c.yaml:4:9: restApis[0].id: must be exactly 10 lowercase letters and digits, got "ABCDEFGHIJ"`},
		{"rest api id duplicate", cfg(head, api, []string{`  - id: abcdefghij`, `    definition: y.yaml`}),
			`c.yaml:6:9: restApis[1].id: duplicate rest API id "abcdefghij" (first at restApis[0].id)`},
		{"definition required", cfg(head, []string{`restApis:`, `  - id: abcdefghij`}),
			`c.yaml:4:5: restApis[0].definition: is required`},
		{"api key source", cfg(head, api, []string{`    apiKeySource: QUERY`}),
			`c.yaml:6:19: restApis[0].apiKeySource: must be one of HEADER, AUTHORIZER, got "QUERY"`},
		{"policy must be an object", cfg(head, api, []string{`    policy: [1]`}),
			`c.yaml:6:13: restApis[0].policy: must be a JSON object (a policy document)`},
		{"endpoint type", cfg(head, api, []string{`    endpointConfiguration: {types: [PUBLIC]}`}),
			`c.yaml:6:37: restApis[0].endpointConfiguration.types[0]: must be one of REGIONAL, EDGE, PRIVATE, got "PUBLIC"`},
		{"vpc endpoint ids need PRIVATE", cfg(head, api, []string{`    endpointConfiguration: {types: [REGIONAL], vpcEndpointIds: [vpce-1]}`}),
			`c.yaml:6:64: restApis[0].endpointConfiguration.vpcEndpointIds: requires the PRIVATE endpoint type`},
		{"stage name", cfg(head, api, stage(`      - stageName: "prod v2"`)),
			`c.yaml:7:20: restApis[0].stages[0].stageName: must be 1 to 128 letters, digits, hyphens and underscores, got "prod v2"`},
		{"stage name duplicate", cfg(head, api, stage(`      - stageName: prod`, `      - stageName: prod`)),
			`c.yaml:8:20: restApis[0].stages[1].stageName: duplicate stage name "prod" (first at restApis[0].stages[0].stageName)`},
		{"deployment missing", cfg(head, api, stage(`      - stageName: prod`, `        deploymentId: d9`)),
			`c.yaml:8:23: restApis[0].stages[0].deploymentId: no deployment with id "d9" in this API's deployments`},
		{"stage variable name", cfg(head, api, stage(`      - stageName: prod`, `        variables: {my-var: x}`)),
			`c.yaml:8:21: restApis[0].stages[0].variables["my-var"]: stage variable names are 1 to 64 letters, digits and underscores`},
		{"stage variable value", cfg(head, api, stage(`      - stageName: prod`, `        variables: {v: "a b"}`)),
			`c.yaml:8:24: restApis[0].stages[0].variables.v: stage variable values are 1 to 512 characters matching [A-Za-z0-9-._~:/?#&=,]+, got "a b"`},
		{"stage variable value too long", cfg(head, api, stage(`      - stageName: prod`, `        variables: {v: `+longVal+`}`)),
			`c.yaml:8:24: restApis[0].stages[0].variables.v: stage variable values are 1 to 512 characters matching [A-Za-z0-9-._~:/?#&=,]+, got "` + longVal + `"`},
		{"method settings key", cfg(head, api, stage(`      - stageName: prod`, `        methodSettings: {"/pets/FETCH": {}}`)),
			`c.yaml:8:26: restApis[0].stages[0].methodSettings["/pets/FETCH"]: method "FETCH" in key "/pets/FETCH" must be one of GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS, ANY, *`},
		{"method settings key shape", cfg(head, api, stage(`      - stageName: prod`, `        methodSettings: {"pets": {}}`)),
			`c.yaml:8:26: restApis[0].stages[0].methodSettings.pets: key must be "*/*" or "/resource/path/VERB", got "pets"`},
		{"logging level", cfg(head, api, stage(`      - stageName: prod`, `        methodSettings: {"*/*": {loggingLevel: DEBUG}}`)),
			`c.yaml:8:48: restApis[0].stages[0].methodSettings["*/*"].loggingLevel: must be one of OFF, ERROR, INFO, got "DEBUG"`},
		{"negative rate", cfg(head, api, stage(`      - stageName: prod`, `        methodSettings: {"*/*": {throttlingRateLimit: -1}}`)),
			`c.yaml:8:55: restApis[0].stages[0].methodSettings["*/*"].throttlingRateLimit: must not be negative`},
		{"access log without request id", cfg(head, api, stage(`      - stageName: prod`, `        accessLogSettings: {format: "$context.status", destinationArn: stdout}`)),
			`c.yaml:8:37: restApis[0].stages[0].accessLogSettings.format: the access log format must include at least $context.requestId or $context.extendedRequestId`},
		{"access log two lines", cfg(head, api, stage(`      - stageName: prod`, `        accessLogSettings: {format: "$context.requestId\n$context.status", destinationArn: stdout}`)),
			`c.yaml:8:37: restApis[0].stages[0].accessLogSettings.format: the access log format must be a single line`},
		{"access log destination", cfg(head, api, stage(`      - stageName: prod`, `        accessLogSettings: {format: CLF, destinationArn: "s3://bucket"}`)),
			`c.yaml:8:58: restApis[0].stages[0].accessLogSettings.destinationArn: must be "file:PATH", "stdout", or an arn:aws:logs: or arn:aws:firehose: ARN, got "s3://bucket"`},
		{"firehose stream name", cfg(head, api, stage(`      - stageName: prod`, `        accessLogSettings: {format: CLF, destinationArn: "arn:aws:firehose:us-east-1:123456789012:deliverystream/logs"}`)),
			`c.yaml:8:58: restApis[0].stages[0].accessLogSettings.destinationArn: a Firehose stream for access logs must be named amazon-apigateway-{name}`},
		{"access log destination required", cfg(head, api, stage(`      - stageName: prod`, `        accessLogSettings: {format: CLF}`)),
			`c.yaml:8:28: restApis[0].stages[0].accessLogSettings.destinationArn: is required`},
		{"web acl unknown", cfg(head, api, stage(`      - stageName: prod`, `        webAclArn: arn:aws:wafv2:us-east-1:123456789012:regional/webacl/x/1`)),
			`c.yaml:8:20: restApis[0].stages[0].webAclArn: no web ACL with this ARN in wafv2.webAcls`},
		{"api key value", cfg(head, []string{`apiKeys: [{id: k1, value: short}]`}),
			`c.yaml:3:27: apiKeys[0].value: must be 20 to 128 letters and digits (got 5 characters)`},
		{"api key value duplicate", cfg(head, []string{`apiKeys:`, `  - {id: k1, value: "0123456789abcdefghij"}`, `  - {id: k2, value: "0123456789abcdefghij"}`}),
			`c.yaml:5:21: apiKeys[1].value: duplicate API key value (first at apiKeys[0].value)`},
		{"usage plan api", cfg(head, api, stage(`      - stageName: prod`), []string{`usagePlans: [{id: up1, apiStages: [{apiId: zzzzzzzzzz, stage: prod}]}]`}),
			`c.yaml:8:44: usagePlans[0].apiStages[0].apiId: no rest API with id "zzzzzzzzzz"`},
		{"usage plan stage", cfg(head, api, stage(`      - stageName: prod`), []string{`usagePlans: [{id: up1, apiStages: [{apiId: abcdefghij, stage: test}]}]`}),
			`c.yaml:8:63: usagePlans[0].apiStages[0].stage: no stage "test" in rest API abcdefghij`},
		{"usage plan key", cfg(head, []string{`usagePlans: [{id: up1, apiKeyIds: [k9]}]`}),
			`c.yaml:3:36: usagePlans[0].apiKeyIds[0]: no API key with id "k9"`},
		{"quota period", cfg(head, []string{`usagePlans: [{id: up1, quota: {limit: 5, period: YEAR}}]`}),
			`c.yaml:3:50: usagePlans[0].quota.period: must be one of DAY, WEEK, MONTH, got "YEAR"`},
		{"key in two plans for one stage", cfg(head, api, stage(`      - stageName: prod`), []string{
			`apiKeys: [{id: k1, value: "0123456789abcdefghij"}]`,
			`usagePlans:`,
			`  - {id: up1, apiStages: [{apiId: abcdefghij, stage: prod}], apiKeyIds: [k1]}`,
			`  - {id: up2, apiStages: [{apiId: abcdefghij, stage: prod}], apiKeyIds: [k1]}`}),
			`c.yaml:11:74: usagePlans[1].apiKeyIds[0]: API key "k1" is already in usage plan "up1" for stage abcdefghij/prod; a key can be in only one usage plan per API stage`},
		{"lambda endpoint", cfg(head, []string{`lambda: {endpoint: "127.0.0.1:3001"}`}),
			`c.yaml:3:20: lambda.endpoint: must be an http:// or https:// URL with a host, got "127.0.0.1:3001"`},
		{"lambda function arn", cfg(head, []string{`lambda: {functions: [{arn: orders, endpoint: "http://x"}]}`}),
			`c.yaml:3:28: lambda.functions[0].arn: must be a Lambda function ARN (arn:aws:lambda:…), got "orders"`},
		{"domain mapping", cfg(head, []string{`domainNames: [{domainName: api.example.test, basePathMappings: [{basePath: v1, restApiId: abcdefghij}]}]`}),
			`c.yaml:3:91: domainNames[0].basePathMappings[0].restApiId: no rest API with id "abcdefghij"`},
		{"vpce listen", cfg(head, []string{`vpcEndpoints: [{vpcEndpointId: vpce-1, listen: "4573"}]`}),
			`c.yaml:3:48: vpcEndpoints[0].listen: must be host:port: address 4573: missing port in address`},
		{"iam duplicate access key", cfg(head, []string{`iam:`, `  users: [{userName: a, accessKeys: [{accessKeyId: AKIA1, secretAccessKey: s}]}]`,
			`  roles: [{roleName: r, sessions: [{accessKeyId: AKIA1, secretAccessKey: s, sessionToken: t, expiration: tomorrow}]}]`}),
			"c.yaml:5:50: iam.roles[0].sessions[0].accessKeyId: duplicate access key id \"AKIA1\" (first at iam.users[0].accessKeys[0].accessKeyId)\n" +
				`c.yaml:5:106: iam.roles[0].sessions[0].expiration: must be an RFC 3339 time such as 2030-01-01T00:00:00Z, got "tomorrow"`},
		{"iam key status", cfg(head, []string{`iam: {users: [{userName: a, accessKeys: [{accessKeyId: A, secretAccessKey: s, status: enabled}]}]}`}),
			`c.yaml:3:87: iam.users[0].accessKeys[0].status: must be one of Active, Inactive, got "enabled"`},
		{"waf web acl without ARN", cfg(head, []string{`wafv2: {webAcls: [{Name: main}]}`}),
			`c.yaml:3:19: wafv2.webAcls[0].ARN: is required (stages refer to a web ACL by ARN)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Decode([]byte(tt.in), "c.yaml")
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			err = c.Validate()
			if err == nil {
				t.Fatalf("Validate succeeded, want %s", tt.want)
			}
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %T is not a *config.Error", err)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("error:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestValidateAccepts(t *testing.T) {
	in := cfg(head, api, []string{
		`    stages:`,
		`      - stageName: Prod_2-x`,
		`        variables: {backend: "127.0.0.1:9000", url: "https://a.b/c?d=e&f=g,h#i~j"}`,
		`        methodSettings: {"*/*": {}, "/pets/GET": {}, "/GET": {}, "/pets/{petId}/*": {}}`,
		`        accessLogSettings: {format: "$context.extendedRequestId", destinationArn: "arn:aws:logs:us-east-1:123456789012:log-group:x"}`,
		`      - stageName: fh`,
		`        accessLogSettings: {format: XML, destinationArn: "arn:aws:firehose:us-east-1:123456789012:deliverystream/amazon-apigateway-x"}`,
	})
	c, err := Decode([]byte(in), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestAccessLogPresetsMeetAWSRules(t *testing.T) {
	for name := range AccessLogPresets {
		if _, err := accessLogFormat(name); err != nil {
			t.Errorf("preset %s: %v", name, err)
		}
	}
}
