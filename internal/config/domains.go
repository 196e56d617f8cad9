package config

import (
	"crypto/tls"
	"io/fs"
	"os"
	"path"
	"path/filepath"

	"encoding/json"
	"fmt"
	"github.com/portcullis/portcullis/internal/mtls"
	"strings"

	"github.com/portcullis/portcullis/internal/domain"
)

// routingRuleJSON is an apigatewayv2 RoutingRule as `aws apigatewayv2 get-routing-rule` prints it.
type routingRuleJSON struct {
	RoutingRuleID string `json:"RoutingRuleId"`
	Priority      int    `json:"Priority"`
	Conditions    []struct {
		MatchHeaders *struct {
			AnyOf []struct{ Header, ValueGlob string } `json:"AnyOf"`
		} `json:"MatchHeaders"`
		MatchBasePaths *struct {
			AnyOf []string `json:"AnyOf"`
		} `json:"MatchBasePaths"`
	} `json:"Conditions"`
	Actions []struct {
		InvokeAPI *struct {
			APIID         string `json:"ApiId"`
			Stage         string `json:"Stage"`
			StripBasePath bool   `json:"StripBasePath"`
		} `json:"InvokeApi"`
	} `json:"Actions"`
}

// domains compiles the custom domain names: base path mappings and routing rules (facts §8.1,
// §8.2), each mapping checked against the APIs and stages of the config.
func (k *compiler) domains(w *World) {
	for i, dc := range k.c.DomainNames {
		f := indexPath("domainNames", i)
		var maps []domain.Mapping
		for j, m := range dc.BasePathMappings {
			mf := indexPath(f+".basePathMappings", j)
			if api := w.APIs[m.RestAPIID]; api == nil {
				k.bad(mf+".restApiId", "no rest API %q in this config", m.RestAPIID)
			} else if m.Stage != "" && m.Stage != "(none)" && api.Stages[m.Stage] == nil {
				k.bad(mf+".stage", "rest API %s has no stage %q", m.RestAPIID, m.Stage)
			}
			maps = append(maps, domain.Mapping{BasePath: m.BasePath, RestAPIID: m.RestAPIID, Stage: m.Stage})
		}
		var rules []domain.Rule
		for j, raw := range dc.RoutingRules {
			rf := indexPath(f+".routingRules", j)
			var rj routingRuleJSON
			dec := json.NewDecoder(strings.NewReader(string(raw)))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&rj); err != nil {
				k.bad(rf, "not an apigatewayv2 RoutingRule (Priority, Conditions, Actions[].InvokeApi, RoutingRuleId): %v", err)
				continue
			}
			r := domain.Rule{ID: rj.RoutingRuleID, Priority: rj.Priority}
			if r.ID == "" {
				r.ID = fmt.Sprintf("rule-%d", rj.Priority)
			}
			for _, c := range rj.Conditions {
				var dc domain.Condition
				if c.MatchHeaders != nil {
					mh := &domain.MatchHeaders{}
					for _, h := range c.MatchHeaders.AnyOf {
						mh.AnyOf = append(mh.AnyOf, domain.HeaderMatch{Header: h.Header, ValueGlob: h.ValueGlob})
					}
					dc.MatchHeaders = mh
				}
				if c.MatchBasePaths != nil {
					dc.MatchBasePaths = &domain.MatchBasePaths{AnyOf: c.MatchBasePaths.AnyOf}
				}
				r.Conditions = append(r.Conditions, dc)
			}
			if len(rj.Actions) != 1 || rj.Actions[0].InvokeAPI == nil {
				k.bad(rf+".Actions", "needs exactly one InvokeApi action")
				continue
			}
			a := rj.Actions[0].InvokeAPI
			r.APIID, r.Stage, r.StripBasePath = a.APIID, a.Stage, a.StripBasePath
			if api := w.APIs[a.APIID]; api == nil || api.Stages[a.Stage] == nil {
				k.bad(rf+".Actions", "InvokeApi names %s/%s, which this config does not define", a.APIID, a.Stage)
			}
			rules = append(rules, r)
		}
		d, err := domain.Compile(dc.DomainName, dc.RoutingMode, maps, rules)
		if err != nil {
			k.bad(f, "%v", err)
			continue
		}
		dn := &DomainName{Name: dc.DomainName, Router: d, SecurityPolicy: dc.SecurityPolicy}
		k.domainTLS(w, f, dc, dn)
		w.Domains[strings.ToLower(dc.DomainName)] = dn
	}
}

// domainTLS loads a domain's certificate (the local stand-in for ACM), checks its security
// policy and loads its mutual-TLS truststore (facts §8.5, §8.6). Truststore warnings are kept,
// as API Gateway reports truststoreWarnings on create or update.
func (k *compiler) domainTLS(w *World, f string, dc *DomainNameConfig, dn *DomainName) {
	if _, err := mtls.SecurityPolicy(dc.SecurityPolicy); err != nil {
		k.bad(f+".securityPolicy", "%v", err)
	}
	if c := dc.Certificate; c != nil {
		certPEM, err1 := k.readFile(c.CertFile)
		keyPEM, err2 := k.readFile(c.KeyFile)
		switch {
		case err1 != nil:
			k.bad(f+".certificate.certFile", "%v", err1)
		case err2 != nil:
			k.bad(f+".certificate.keyFile", "%v", err2)
		default:
			cert, err := tls.X509KeyPair(certPEM, keyPEM)
			if err != nil {
				k.bad(f+".certificate", "%v", err)
			} else {
				dn.Certificate = &cert
			}
		}
	}
	m := dc.MutualTLSAuthentication
	if m == nil || m.TruststoreURI == "" {
		return
	}
	uf := f + ".mutualTlsAuthentication.truststoreUri"
	if strings.HasPrefix(m.TruststoreURI, "s3://") {
		k.bad(uf, "s3:// truststores are not fetched here: download it (aws s3 cp %s truststore.pem) and use file:truststore.pem", m.TruststoreURI)
		return
	}
	path, ok := strings.CutPrefix(m.TruststoreURI, "file:")
	if !ok {
		k.bad(uf, "must be file:PATH (or an s3:// URI, which must be downloaded first)")
		return
	}
	data, err := k.readFile(path)
	if err != nil {
		k.bad(uf, "%v", err)
		return
	}
	ts, warnings, err := mtls.LoadTruststore(data)
	if err != nil {
		k.bad(uf, "%v", err)
		return
	}
	dn.Truststore = ts
	for _, wmsg := range warnings {
		w.Warnings = append(w.Warnings, fmt.Sprintf("%s: truststore %s: %s", dn.Name, m.TruststoreURI, wmsg))
	}
	if dn.Certificate == nil {
		k.bad(f+".certificate", "mutual TLS needs the domain's own certificate (certFile, keyFile)")
	}
}

// readFile reads a file named in the config, relative to the config's directory.
func (k *compiler) readFile(name string) ([]byte, error) {
	if k.opts.FS != nil {
		return fs.ReadFile(k.opts.FS, path.Join(k.c.dir, name))
	}
	p := name
	if !filepath.IsAbs(p) {
		p = filepath.Join(k.c.dir, p)
	}
	return os.ReadFile(p)
}
