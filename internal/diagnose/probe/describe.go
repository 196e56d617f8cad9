package probe

import (
	"fmt"
	"strings"
)

// describeAll fills each probe's one-line meaning.
func describeAll(p *prober) {
	for i := range p.rep.Probes {
		p.rep.Probes[i].Meaning = meaning(p.rep.Probes[i])
	}
}

// meaning says what one answer means, given why the probe was sent.
func meaning(pr Probe) string {
	c := classify(pr)
	if c == clsNone {
		return "no response: " + pr.Error
	}
	switch pr.Name {
	case ProbeStageRoot, ProbeStageGuess:
		if c == clsForbidden {
			return fmt.Sprintf("Forbidden: no stage %q here (or the API is unreachable as addressed)", pr.Stage)
		}
		return fmt.Sprintf("stage %q exists (the request got past the endpoint and stage checks)", pr.Stage)
	case ProbeWithoutHeaders:
		if c == clsForbidden {
			return "Forbidden without your headers too: they are not what is refused"
		}
		return "not Forbidden without your headers: a rule matching one of them blocks the request"
	case ProbeDomainRoot:
		if c == clsForbidden {
			return "Forbidden: no base path mapping routes the domain's root either"
		}
		return "the domain's root is mapped to an API"
	case ProbeSigV4Dummy:
		switch c {
		case clsInvalidToken:
			return "the method exists and uses AWS_IAM: the gateway looked the fake key up"
		case clsMissingToken:
			return "still Missing Authentication Token with a SigV4 header: no resource or method matches"
		case clsForbidden:
			return "Forbidden: refused before authentication"
		case clsOK:
			return "answered without checking the signature: the method does not use AWS_IAM"
		}
	case ProbeNonSigV4Dummy:
		switch c {
		case clsIncompleteSig:
			return "the gateway parsed the header as SigV4: no route matched, or the method uses AWS_IAM"
		case clsOK:
			return "accepted: the method does not use AWS_IAM"
		}
	case ProbeOptions:
		switch {
		case c == clsOK:
			m := pr.ResponseHeaders["Access-Control-Allow-Methods"]
			if m != "" {
				return "the CORS preflight answered: the resource exists and allows " + m
			}
			return "OPTIONS answered: the resource exists"
		case c == clsMissingToken:
			return "no OPTIONS method here: no CORS on this resource, or no such resource"
		}
	case ProbeWithoutStage:
		switch c {
		case clsForbidden:
			return "Forbidden: without it, the next segment is taken as the stage (or base path)"
		case clsOK:
			return "works without that segment"
		}
	case ProbeStageSwap:
		if c == clsOK {
			return fmt.Sprintf("works on stage %q", pr.Stage)
		}
	case ProbeAPIIDHeader:
		if c == clsOK {
			return "works when the API is named with x-apigw-api-id"
		}
	}
	return generic(pr, c)
}

func generic(pr Probe, c class) string {
	switch c {
	case clsOK:
		return fmt.Sprintf("%d: nothing denied it", pr.Status)
	case clsBackend:
		return "no x-amzn-ErrorType: the integration's own answer, passed through by API Gateway"
	case clsForeign:
		return "no API Gateway headers: another system answered"
	}
	ids := catalogueMatches(pr)
	if len(ids) == 0 {
		return pr.ErrorType + ": not in the cause catalogue (a customised gateway response?)"
	}
	if len(ids) > 4 {
		ids = append(ids[:4], "…")
	}
	return "fits " + strings.Join(ids, ", ")
}
