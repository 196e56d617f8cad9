package openapi

import (
	"math/rand"
	"os"
	"testing"
	"time"
)

func TestZZHang(t *testing.T) {
	seeds := [][]byte{}
	for _, p := range []string{"../../examples/pets/pets.oas30.json", "../../examples/orders/orders.swagger.yaml"} {
		d, _ := os.ReadFile(p)
		seeds = append(seeds, d)
	}
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 3000; i++ {
		s := seeds[r.Intn(2)]
		d := append([]byte(nil), s...)
		for k := 0; k < 1+r.Intn(4); k++ {
			switch r.Intn(3) {
			case 0:
				d[r.Intn(len(d))] = byte(r.Intn(128))
			case 1:
				j := r.Intn(len(d))
				d = append(d[:j], d[j+1:]...)
			case 2:
				j := r.Intn(len(d))
				d = d[:j]
				if len(d) == 0 { d = []byte("{") }
			}
		}
		done := make(chan struct{})
		go func() { Parse(d, "x"); close(done) }()
		select {
		case <-done:
		case <-time.After(3 * time.Second):
			os.WriteFile("/tmp/hang.bin", d, 0o644)
			t.Fatalf("hang at %d", i)
		}
	}
}
