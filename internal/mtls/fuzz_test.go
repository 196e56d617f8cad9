package mtls_test

import (
	"encoding/pem"
	"testing"
	"time"

	"github.com/portcullis/portcullis/internal/mtls"
)

// FuzzLoadTruststore: arbitrary bytes never panic LoadTruststoreAt, and a
// loaded truststore's own certificates, as leaves with the rest as
// intermediates, never panic Verify. Real certgen truststores, chains and bad
// leaves are in testdata/fuzz/FuzzLoadTruststore (generating keys inside a
// coverage-instrumented fuzz worker takes tens of seconds).
func FuzzLoadTruststore(f *testing.F) {
	f.Add([]byte(""))
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
	f.Add(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{0x30, 0x03, 0x02, 0x01, 0x01}}))
	f.Add(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: []byte{1}}))
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		ts, _, err := mtls.LoadTruststoreAt(data, now)
		if err != nil {
			if ts != nil {
				t.Fatal("truststore returned with an error")
			}
			return
		}
		cs := ts.Certificates()
		if len(cs) == 0 {
			t.Fatal("no certificates without an error")
		}
		for i := range cs {
			chain := append(cs[i:i+1:i+1], cs...)
			r := ts.Verify(chain, now)
			if r.OK == (r.Reason != "") {
				t.Fatalf("inconsistent result %+v", r)
			}
		}
	})
}
