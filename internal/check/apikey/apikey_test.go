package apikey

import (
	"crypto/sha256"
	"testing"

	"github.com/portcullis/portcullis/internal/config"
)

func TestFind(t *testing.T) {
	mk := func(id, v string) *config.APIKey {
		return &config.APIKey{ID: id, Value: v, Enabled: true, ValueHash: sha256.Sum256([]byte(v))}
	}
	w := &config.World{APIKeysByHash: map[[32]byte]*config.APIKey{}}
	for _, k := range []*config.APIKey{mk("k1", "0123456789abcdefghij"), mk("k2", "abcdefghij0123456789")} {
		w.APIKeysByHash[k.ValueHash] = k
	}
	for v, want := range map[string]string{
		"0123456789abcdefghij":  "k1",
		"abcdefghij0123456789":  "k2",
		"0123456789abcdefghi":   "",
		"0123456789abcdefghijk": "",
		"":                      "",
	} {
		got := ""
		if k := Find(w, v); k != nil {
			got = k.ID
		}
		if got != want {
			t.Errorf("Find(%q) = %q, want %q", v, got, want)
		}
	}
}

func BenchmarkFind(b *testing.B) {
	w := &config.World{APIKeysByHash: map[[32]byte]*config.APIKey{}}
	for i := range 10000 {
		v := string(rune('a'+i%26)) + "0123456789abcdefghij" + string(rune('a'+i/26%26)) + string(rune('a'+i/676))
		w.APIKeysByHash[sha256.Sum256([]byte(v))] = &config.APIKey{ID: v, Value: v}
	}
	b.ReportAllocs()
	for b.Loop() {
		Find(w, "z0123456789abcdefghij")
	}
}
