package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/spf13/cobra"

	"github.com/portcullis/portcullis/internal/admin"
	"github.com/portcullis/portcullis/internal/config"
	"github.com/portcullis/portcullis/internal/demo"
	"github.com/portcullis/portcullis/internal/gateway"
	"github.com/portcullis/portcullis/internal/limits"
	"github.com/portcullis/portcullis/internal/metrics"
	"github.com/portcullis/portcullis/internal/store"
	"github.com/portcullis/portcullis/internal/waf"
)

type serveFlags struct {
	config, listen, tlsListen, admin, data, redis, demoBackend string
	debug, allowRemoteAdmin                                    bool
	decisionsMax                                               int
	decisionsMaxAge                                            time.Duration
	shutdownTimeout                                            time.Duration
}

func newServe() *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the gateway (with no --config: the embedded demo world)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			return serve(ctx, f, cmd.OutOrStdout(), cmd.ErrOrStderr(), nil)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.config, "config", "", "portcullis.yaml (YAML or JSON); default: the embedded demo world")
	fl.StringVar(&f.listen, "listen", "127.0.0.1:4570", "plain HTTP data-plane address")
	fl.StringVar(&f.tlsListen, "tls-listen", "127.0.0.1:4571", "TLS data-plane address (custom domains; used only when a domain has a certificate)")
	fl.StringVar(&f.admin, "admin", "127.0.0.1:4572", "admin API address (loopback only unless --allow-remote-admin)")
	fl.StringVar(&f.data, "data", defaultDataDir(), "state directory (decision records, execution logs)")
	fl.StringVar(&f.redis, "redis", "", "redis://… URL for shared state across instances")
	fl.StringVar(&f.demoBackend, "demo-backend", demo.BackendAddr, "with the demo world: where to run its HTTP backend (\"\" = don't)")
	fl.BoolVar(&f.debug, "debug", false, "add X-Portcullis-Cause/-Reason headers to gateway responses (never in production)")
	fl.BoolVar(&f.allowRemoteAdmin, "allow-remote-admin", false, "allow a non-loopback --admin address")
	fl.IntVar(&f.decisionsMax, "decisions-max", 100000, "decision records kept on disk")
	fl.DurationVar(&f.decisionsMaxAge, "decisions-max-age", 7*24*time.Hour, "age after which decision records are pruned")
	fl.DurationVar(&f.shutdownTimeout, "shutdown-timeout", 30*time.Second, "how long SIGTERM waits for in-flight requests")
	return cmd
}

// defaultDataDir is the per-user state directory.
func defaultDataDir() string {
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "portcullis")
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".local", "state", "portcullis")
	}
	return filepath.Join(os.TempDir(), "portcullis")
}

// loadWorld loads the configured world or the demo world.
func loadWorld(path, dataDir, demoBackend string) (*config.World, error) {
	if path == "" {
		return demo.Load(dataDir, demoBackend)
	}
	return config.Load(path)
}

// serve runs until ctx is done. ready, when not nil, receives the bound addresses (tests).
func serve(ctx context.Context, f serveFlags, stdout, stderr io.Writer, ready chan<- map[string]string) error {
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if err := admin.ListenLoopbackCheck(f.admin); err != nil && !f.allowRemoteAdmin {
		return usageErr("--admin %s: %v (pass --allow-remote-admin to override)", f.admin, err)
	}
	if err := os.MkdirAll(f.data, 0o700); err != nil {
		return usageErr("--data %s: %v", f.data, err)
	}
	var servers []srv
	listen := func(name, addr string, h http.Handler) error {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return usageErr("%s %s: %v", name, addr, err)
		}
		servers = append(servers, srv{name, &http.Server{Handler: h, ReadHeaderTimeout: 30 * time.Second,
			DisableGeneralOptionsHandler: true, // OPTIONS * goes through the pipeline like any request
			ErrorLog:                     slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}, ln})
		return nil
	}
	closeAll := func() {
		for _, s := range servers {
			_ = s.ln.Close()
		}
	}
	defer closeAll()
	backendAddr := ""
	if f.config == "" && f.demoBackend != "" {
		if err := listen("--demo-backend", f.demoBackend, demo.Backend()); err != nil {
			return err
		}
		backendAddr = servers[0].ln.Addr().String()
	}
	world, err := loadWorld(f.config, f.data, backendAddr)
	if err != nil {
		return usageErr("%v", err)
	}
	if f.config == "" && strings.HasSuffix(f.listen, ":0") {
		// The demo on ephemeral ports (tests): its VPC endpoint listens on one too.
		for _, e := range world.VPCEndpoints {
			e.Listen = "127.0.0.1:0"
		}
	}

	db, err := store.OpenSQLite(filepath.Join(f.data, "decisions.db"), store.SQLiteOptions{MaxRecords: f.decisionsMax, MaxAge: f.decisionsMaxAge})
	if err != nil {
		return usageErr("--data %s: %v", f.data, err)
	}
	decisions := store.NewTiered(store.NewMemory(10000), db)
	defer decisions.Close()
	lim, closeLimits, err := openLimits(f)
	if err != nil {
		return err
	}
	defer closeLimits()
	m := metrics.New()
	m.WatchDropped(db.Dropped)
	describe(m, world)

	gw := gateway.New(world, gateway.Options{
		Decisions: decisions,
		Metrics:   m,
		Limits:    lim,
		WAFRates:  wafRates(lim),
		DataDir:   f.data,
		Debug:     f.debug,
		Logger:    logger,
	})
	defer gw.Close()

	var reloadMu sync.Mutex
	reload := func() (string, error) {
		reloadMu.Lock()
		defer reloadMu.Unlock()
		w, err := loadWorld(f.config, f.data, backendAddr)
		m.Reload(err == nil)
		if err != nil {
			logger.Error("reload rejected; the previous config keeps serving", "err", err)
			return "", err
		}
		gw.Swap(w)
		describe(m, w)
		gw.ReopenLogs()
		logger.Info("config reloaded", "source", w.Source)
		return w.Source, nil
	}

	if err := listen("--listen", f.listen, gw.Handler("default")); err != nil {
		return err
	}
	// Each VPC endpoint of the config is a listener of its own: requests there come through it
	// (facts §7). Listeners are fixed at start; a reload keeps them.
	for _, id := range sortedVPCEndpoints(world) {
		e := world.VPCEndpoints[id]
		if e.Listen == "" {
			continue
		}
		if err := listen("vpcEndpoints "+id, e.Listen, gw.Handler(id)); err != nil {
			return err
		}
	}
	if hasCertificates(world) {
		ln, err := net.Listen("tcp", f.tlsListen)
		if err != nil {
			return usageErr("--tls-listen %s: %v", f.tlsListen, err)
		}
		srvTLS := &http.Server{Handler: gw.Handler("tls"), ReadHeaderTimeout: 30 * time.Second, DisableGeneralOptionsHandler: true,
			ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
		servers = append(servers, srv{"--tls-listen", srvTLS, tls.NewListener(ln, gw.TLSConfig())})
	}
	for _, msg := range world.Warnings {
		logger.Warn(msg)
	}
	if err := listen("--admin", f.admin, admin.Handler(admin.Options{Decisions: decisions, Metrics: m, Reload: reload, Version: version,
		Usage: func(ctx context.Context, plan, key string, from, to time.Time) (map[string][][2]int64, error) {
			return lim.Usage(ctx, plan, key, from, to)
		}})); err != nil {
		return err
	}

	// Catch SIGHUP before the banner announces the gateway: a supervisor may send it as soon as
	// the addresses appear, and Go's default action for SIGHUP ends the process.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	errc := make(chan error, len(servers))
	addrs := map[string]string{}
	for _, s := range servers {
		addrs[s.name] = s.ln.Addr().String()
		go func(s srv) {
			if err := s.s.Serve(s.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- fmt.Errorf("%s: %w", s.name, err)
			}
		}(s)
	}
	banner(stdout, world, addrs, f)
	if ready != nil {
		ready <- addrs
	}

	for {
		select {
		case <-hup:
			_, _ = reload()
		case err := <-errc:
			shutdown(servers, f.shutdownTimeout)
			return err
		case <-ctx.Done():
			logger.Info("shutting down; draining in-flight requests", "timeout", f.shutdownTimeout)
			shutdown(servers, f.shutdownTimeout)
			return nil
		}
	}
}

// wafRates shares WAF rate-based counts through Redis when the limits store is Redis.
func wafRates(lim limits.Store) waf.RateCounter {
	if r, ok := lim.(*limits.Redis); ok {
		return r
	}
	return nil
}

// openLimits opens the throttle/quota store: Redis when --redis is given (shared by every
// instance), else the embedded store under --data (quotas survive a restart).
func openLimits(f serveFlags) (limits.Store, func(), error) {
	if f.redis == "" {
		st, err := limits.NewEmbedded(filepath.Join(f.data, "limits.db"), nil)
		if err != nil {
			return nil, nil, usageErr("--data %s: %v", f.data, err)
		}
		return st, func() { _ = st.Close() }, nil
	}
	opt, err := redis.ParseURL(f.redis)
	if err != nil {
		return nil, nil, usageErr("--redis %s: %v", f.redis, err)
	}
	// Short timeouts by default: when Redis is down, redisUnavailable decides quickly rather
	// than every request waiting on retries. The URL may set its own (?dial_timeout=1s&
	// read_timeout=1s&write_timeout=1s, go-redis's URL options).
	set := map[string]bool{}
	if u, err := url.Parse(f.redis); err == nil {
		for k := range u.Query() {
			set[k] = true
		}
	}
	for _, t := range []struct {
		key string
		d   *time.Duration
	}{{"dial_timeout", &opt.DialTimeout}, {"read_timeout", &opt.ReadTimeout}, {"write_timeout", &opt.WriteTimeout}} {
		if !set[t.key] {
			*t.d = 200 * time.Millisecond
		}
	}
	opt.PoolTimeout, opt.MaxRetries, opt.DialerRetries, opt.DialerRetryTimeout = time.Second, -1, 1, 10*time.Millisecond
	client := redis.NewClient(opt)
	st := limits.NewRedis(client)
	return st, func() { _ = st.Close(); _ = client.Close() }, nil
}

// describe tells the metrics which APIs and stages exist (bounded label values) and the source.
func describe(m *metrics.Metrics, w *config.World) {
	apis := make(map[string][]string, len(w.APIList))
	for _, a := range w.APIList {
		for _, st := range a.StageList {
			apis[a.ID] = append(apis[a.ID], st.Name)
		}
	}
	m.SetAPIs(apis)
	m.SetConfigSource(w.Source)
}

func sortedVPCEndpoints(w *config.World) []string {
	ids := make([]string, 0, len(w.VPCEndpoints))
	for id := range w.VPCEndpoints {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

func hasCertificates(w *config.World) bool {
	for _, d := range w.Domains {
		if d.Certificate != nil {
			return true
		}
	}
	return false
}

// srv is one listening HTTP server.
type srv struct {
	name string
	s    *http.Server
	ln   net.Listener
}

// shutdown stops every server, letting in-flight requests finish within timeout.
func shutdown(servers []srv, timeout time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var wg sync.WaitGroup
	for _, s := range servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = s.s.Shutdown(ctx)
		}()
	}
	wg.Wait()
}

const version = "0.1.0"

func banner(w io.Writer, world *config.World, addrs map[string]string, f serveFlags) {
	fmt.Fprintf(w, "portcullis %s serving %s\n", version, world.Source)
	fmt.Fprintf(w, "  data plane  http://%s\n", addrs["--listen"])
	fmt.Fprintf(w, "  admin API   http://%s  (decisions, /metrics, POST /reload)\n", addrs["--admin"])
	if a := addrs["--tls-listen"]; a != "" {
		fmt.Fprintf(w, "  custom domains (TLS, by SNI)  https://%s\n", a)
	}
	_, port, _ := net.SplitHostPort(addrs["--listen"])
	for _, api := range world.APIList {
		for _, st := range api.StageList {
			fmt.Fprintf(w, "  API %s stage %-8s http://%s.execute-api.localhost:%s/%s/\n", api.ID, st.Name, api.ID, port, st.Name)
		}
	}
	for _, id := range sortedVPCEndpoints(world) {
		if a := addrs["vpcEndpoints "+id]; a != "" {
			fmt.Fprintf(w, "  VPC endpoint %s  http://%s\n", id, a)
		}
	}
	if f.config == "" {
		fmt.Fprintf(w, "Try: curl -i http://%s.execute-api.localhost:%s/prod/pets\n", demo.APIID, port)
		fmt.Fprintf(w, "     curl -i http://%s.execute-api.localhost:%s/prod/nope   then: portcullis explain <x-amzn-RequestId>\n", demo.APIID, port)
	}
}
