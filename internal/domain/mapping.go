package domain

import (
	"fmt"
	"strings"
)

// routeMappings applies the API mappings: the longest base path that matches whole leading
// segments, else the empty "(none)" mapping, else no match (facts §8.1).
func (d *Domain) routeMappings(path string, segs []segment) Match {
	for n := min(d.maxDepth, len(segs)); n >= 1; n-- {
		key := prefixKey(segs, n)
		if key == "" {
			continue
		}
		if mp, ok := d.mappings[key]; ok {
			return mappingMatch(mp, mp.BasePath, rest(path, segs, n))
		}
	}
	if mp, ok := d.mappings[""]; ok {
		return mappingMatch(mp, EmptyBasePath, path)
	}
	if len(d.mappings) == 0 {
		return Match{Detail: fmt.Sprintf("the domain %s has no API mappings", d.name)}
	}
	return Match{Detail: fmt.Sprintf("no API mapping of %s matches the path %s (mapped base paths: %s) and there is no (none) mapping for the empty path",
		d.name, path, strings.Join(d.basePaths(), ", "))}
}

func mappingMatch(mp *Mapping, basePath, apiPath string) Match {
	m := Match{OK: true, RestAPIID: mp.RestAPIID, Stage: mp.Stage, BasePathMatched: basePath, Path: apiPath}
	if mp.Stage == "" {
		m.StageFromPath = true
		first, after, _ := strings.Cut(strings.TrimPrefix(apiPath, "/"), "/")
		m.Stage = decodeSegment(first)
		m.Path = "/" + after
		m.Detail = fmt.Sprintf("API mapping %q matched: API %s, stage taken from the path (%q), the API sees %s",
			basePath, mp.RestAPIID, m.Stage, m.Path)
		return m
	}
	m.Detail = fmt.Sprintf("API mapping %q matched: API %s stage %s, the API sees %s", basePath, mp.RestAPIID, mp.Stage, apiPath)
	return m
}

// basePaths lists the non-empty mapped base paths, longest first then alphabetically.
func (d *Domain) basePaths() []string {
	var out []string
	for k := range d.mappings {
		if k != "" {
			out = append(out, k)
		}
	}
	sortBasePaths(out)
	return out
}
