// Command loadgen sends a bounded loopback load and prints throughput and latency percentiles.
// It refuses non-loopback targets. Used by scripts/loadtest.sh.
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	target := flag.String("url", "", "URL to request (loopback only)")
	host := flag.String("host", "", "Host header to send")
	conc := flag.Int("c", 8, "concurrent connections")
	dur := flag.Duration("d", 5*time.Second, "duration (max 60s)")
	max := flag.Int("n", 200000, "maximum number of requests")
	label := flag.String("label", "", "label printed with the result")
	flag.Parse()
	u, err := url.Parse(*target)
	if err != nil || u.Hostname() == "" {
		fmt.Fprintln(os.Stderr, "loadgen: -url must be an absolute URL")
		os.Exit(2)
	}
	if ip := net.ParseIP(u.Hostname()); ip == nil || !ip.IsLoopback() {
		fmt.Fprintln(os.Stderr, "loadgen: only loopback IP targets are allowed")
		os.Exit(2)
	}
	if *dur > time.Minute {
		*dur = time.Minute
	}
	tr := &http.Transport{MaxIdleConnsPerHost: *conc, MaxConnsPerHost: *conc}
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	var sent, errs atomic.Int64
	lat := make([][]time.Duration, *conc)
	codes := make([]map[int]int, *conc)
	deadline := time.Now().Add(*dur)
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < *conc; i++ {
		wg.Add(1)
		codes[i] = map[int]int{}
		go func(i int) {
			defer wg.Done()
			for time.Now().Before(deadline) && sent.Add(1) <= int64(*max) {
				req, _ := http.NewRequest(http.MethodGet, *target, nil)
				if *host != "" {
					req.Host = *host
				}
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					errs.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				lat[i] = append(lat[i], time.Since(t0))
				codes[i][resp.StatusCode]++
			}
		}(i)
	}
	wg.Wait()
	elapsed := time.Since(start)
	var all []time.Duration
	total := map[int]int{}
	for i := range lat {
		all = append(all, lat[i]...)
		for c, n := range codes[i] {
			total[c] += n
		}
	}
	sort.Slice(all, func(a, b int) bool { return all[a] < all[b] })
	pct := func(p float64) time.Duration {
		if len(all) == 0 {
			return 0
		}
		return all[int(float64(len(all)-1)*p)]
	}
	rps := float64(len(all)) / elapsed.Seconds()
	fmt.Printf("%-28s requests=%d errors=%d rps=%.0f p50=%s p99=%s statuses=%v\n", *label, len(all), errs.Load(), rps, pct(0.5), pct(0.99), total)
}
