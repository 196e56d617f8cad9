package config

// Position returns the 1-based line and column of the value at a field path such as
// `restApis[0].stages[1].stageName` (or of its nearest enclosing field that has one); 0, 0 when
// unknown. Static checks (internal/lint) use it to point at the offending config entry.
func (c *Config) Position(field string) (line, col int) {
	if c == nil {
		return 0, 0
	}
	p := c.pos.keyAt(field)
	return p.line, p.col
}
