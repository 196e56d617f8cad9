// Package iampolicy parses and evaluates IAM policy documents for execute-api: IAM identity
// policies, Lambda authorizer policies and API Gateway resource policies. It reproduces IAM's
// documented policy grammar and evaluation logic (facts §5, IAM User Guide "Policy evaluation
// logic" and "IAM JSON policy element reference").
//
// A policy is compiled once by Parse — globs, CIDR blocks, dates and numbers are parsed then,
// and every error carries its line and column — and evaluated purely by Policy.Evaluate, which
// never answers with a bare bool: the Result records, for every statement, whether it applied
// and, if not, the first element that did not match and why (DESIGN.md §5). Combine and
// ResourceOnly then combine the identity side with the resource policy as API Gateway does
// (facts §5.3 tables A and B).
package iampolicy
