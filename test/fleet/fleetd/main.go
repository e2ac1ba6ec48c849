// Command fleetd is one instance of a service in a fleet, serving net/http/pprof on loopback.
// FLEETD_MODE puts it in a known state:
//
//   - healthy: idle order-mail workers on a channel, a metrics flusher on a ticker, nothing
//     waiting for long.
//   - pool: a database/sql pool (lib/pq, MaxOpenConns 2) against PostgreSQL (PG_DSN) whose
//     queries take 60 s on the server (pg_sleep stands for a slow plan); FLEETD_WAITERS
//     report workers (default 20) queue in database/sql.(*DB).conn for a connection.
//   - mutex: a price cache whose one sync.Mutex is held across a slow refresh (10 s); FLEETD_WAITERS
//     lookups (default 24) queue in sync.(*Mutex).Lock. Between two refreshes they take their
//     turns, a few milliseconds (longer on a busy machine) in which fewer of them queue: the long
//     refresh makes that seldom the moment a profile is taken.
//   - hang: /debug/pprof/goroutine never answers.
//   - html404: every path answers 404 with an HTML page.
//   - truncated: /debug/pprof/goroutine answers the process's own goroutine profile cut in half
//     (a gzip stream without its end).
//   - oversized: /debug/pprof/goroutine answers the process's own goroutine profile repeated to
//     FLEETD_BYTES bytes (default 8 MiB), without a Content-Length.
//
// Every mode but html404 also serves /metrics (go_goroutines, for Prometheus to scrape).
// It listens on 127.0.0.1:0 (or PPROF_ADDR) and prints "READY <addr>" once it is in its state.
package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"runtime"
	runtimepprof "runtime/pprof"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	_ "github.com/lib/pq"
)

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func pprofMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("/metrics", metrics)
	return mux
}

// metrics writes go_goroutines in Prometheus's text exposition format, as client_golang's Go
// collector names it.
func metrics(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	fmt.Fprintf(w, "# HELP go_goroutines Number of goroutines that currently exist.\n# TYPE go_goroutines gauge\ngo_goroutines %d\n", runtime.NumGoroutine())
}

// ownGoroutineProfile is this process's goroutine profile, as /debug/pprof/goroutine?debug=0 gives it.
func ownGoroutineProfile() []byte {
	var buf bytes.Buffer
	if err := runtimepprof.Lookup("goroutine").WriteTo(&buf, 0); err != nil {
		log.Fatal(err)
	}
	return buf.Bytes()
}

// ---- healthy ----

type mail struct{ to string }

func mailWorker(ctx context.Context, outbox <-chan mail, sent *atomic.Int64) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-outbox:
			sent.Add(1)
		}
	}
}

func flushLoop(ctx context.Context, flushed *atomic.Int64) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			flushed.Add(1)
		}
	}
}

func healthy(ctx context.Context) {
	outbox := make(chan mail, 16)
	var sent, flushed atomic.Int64
	for i := 0; i < 4; i++ {
		go mailWorker(ctx, outbox, &sent)
	}
	go flushLoop(ctx, &flushed)
	outbox <- mail{to: "ops@example.com"}
}

// ---- pool ----

type reportStore struct{ db *sql.DB }

// customerReport runs the report query; the server takes a minute for it.
func (s *reportStore) customerReport(ctx context.Context, customer int) error {
	var n int
	return s.db.QueryRowContext(ctx, `SELECT $1::int + 0 * length(pg_sleep(60)::text)`, customer).Scan(&n)
}

func reportWorker(ctx context.Context, s *reportStore, customer int) {
	for ctx.Err() == nil {
		if err := s.customerReport(ctx, customer); err != nil && ctx.Err() == nil {
			time.Sleep(100 * time.Millisecond)
		}
	}
}

func pool(ctx context.Context, waiters int) {
	db, err := sql.Open("postgres", os.Getenv("PG_DSN"))
	if err != nil {
		log.Fatal(err)
	}
	db.SetMaxOpenConns(2)
	db.SetMaxIdleConns(2)
	if err := db.PingContext(ctx); err != nil {
		log.Fatal(err)
	}
	s := &reportStore{db: db}
	for i := 0; i < waiters+2; i++ {
		go reportWorker(ctx, s, 1000+i)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		st := db.Stats()
		if st.InUse == 2 && st.WaitCount >= int64(waiters) {
			return
		}
		if time.Now().After(deadline) {
			log.Fatalf("pool never saturated: %+v", st)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ---- mutex ----

type priceCache struct {
	mu     sync.Mutex
	prices map[int]int
}

// refresh reloads every price with the lock held (the slow call inside the critical section).
func (c *priceCache) refresh() {
	c.mu.Lock()
	defer c.mu.Unlock()
	time.Sleep(10 * time.Second)
	for k := range c.prices {
		c.prices[k]++
	}
}

func (c *priceCache) price(sku int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.prices[sku]
}

func mutexHot(ctx context.Context, waiters int) {
	c := &priceCache{prices: map[int]int{1: 100, 2: 200}}
	go func() {
		for ctx.Err() == nil {
			c.refresh()
		}
	}()
	for i := 0; i < waiters; i++ {
		go func(sku int) {
			for ctx.Err() == nil {
				_ = c.price(sku)
				time.Sleep(time.Millisecond)
			}
		}(i % 2)
	}
	time.Sleep(500 * time.Millisecond)
}

// ---- broken answers ----

func brokenMux(mode string) http.Handler {
	mux := pprofMux()
	switch mode {
	case "hang":
		mux.HandleFunc("/debug/pprof/goroutine", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	case "html404":
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, "<!doctype html><html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>\n")
		})
	case "truncated":
		mux.HandleFunc("/debug/pprof/goroutine", func(w http.ResponseWriter, r *http.Request) {
			p := ownGoroutineProfile()
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Write(p[:len(p)/2])
		})
	case "oversized":
		size := envInt("FLEETD_BYTES", 8<<20)
		mux.HandleFunc("/debug/pprof/goroutine", func(w http.ResponseWriter, r *http.Request) {
			p := ownGoroutineProfile()
			w.Header().Set("Content-Type", "application/octet-stream")
			for n := 0; n < size; n += len(p) {
				if _, err := w.Write(p); err != nil {
					return
				}
			}
		})
	}
	return mux
}

func main() {
	log.SetPrefix("fleetd: ")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	mode := os.Getenv("FLEETD_MODE")
	addr := os.Getenv("PPROF_ADDR")
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		log.Fatal(err)
	}
	var handler http.Handler = pprofMux()
	switch mode {
	case "healthy":
		healthy(ctx)
	case "pool":
		pool(ctx, envInt("FLEETD_WAITERS", 20))
	case "mutex":
		mutexHot(ctx, envInt("FLEETD_WAITERS", 24))
	case "hang", "html404", "truncated", "oversized":
		handler = brokenMux(mode)
	default:
		log.Fatalf("FLEETD_MODE %q is not one of healthy, pool, mutex, hang, html404, truncated, oversized", mode)
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	fmt.Printf("READY %s\n", ln.Addr())
	<-ctx.Done()
	srv.Close()
}
