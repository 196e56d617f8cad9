// Package config decodes portcullis.yaml strictly (unknown fields are errors with file, line
// and column), validates it and compiles it into an immutable World (DESIGN.md §1, §4).
package config

// Config is the decoded configuration file. TODO(helper): fields per DESIGN.md §1.
type Config struct{}

// Load reads, validates and compiles a configuration file. TODO(helper): implement.
func Load(path string) (*World, error) { return nil, nil }
