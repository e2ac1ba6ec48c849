// Command db-pool-pq is an order service whose database/sql pool (lib/pq) is exhausted.
//
// GET /v1/orders/summary?customer=…&tenant=… runs a report query through database/sql with
// lib/pq, under a 30 s request deadline. The pool allows 5 connections, the database now takes
// 2 s per report (pg_sleep stands for a plan gone bad), and 200 clients call the endpoint in a
// loop: 5 handlers are in lib/pq reads waiting on the server, the other ~195 queue in
// database/sql.(*DB).conn for a connection.
//
// The clients run in a second process (this binary with LOADGEN_URL set), as they would in
// production.
//
// Env: PPROF_ADDR (net/http/pprof, and expvar's /debug/vars, where db.Stats() is published as
// orders_db), PG_DSN. Prints READY once the pool is saturated and nearly every request is queued.
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"expvar"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"os/exec"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	_ "github.com/lib/pq"
)

const (
	maxOpenConns   = 5
	clients        = 200
	reportLatency  = 2 * time.Second
	requestTimeout = 30 * time.Second
)

type orderSummary struct {
	Customer int     `json:"customer"`
	Orders   int     `json:"orders"`
	Total    float64 `json:"total"`
}

type orderStore struct{ db *sql.DB }

// summary runs the customer report. The server needs reportLatency for it.
func (s *orderStore) summary(ctx context.Context, customer int) (orderSummary, error) {
	const q = `SELECT $1::int, count(*)::int, coalesce(sum(g * 1.25), 0)::float8
	           FROM generate_series(1, 400) AS g, pg_sleep($2)`
	var o orderSummary
	err := s.db.QueryRowContext(ctx, q, customer, reportLatency.Seconds()).Scan(&o.Customer, &o.Orders, &o.Total)
	return o, err
}

type api struct {
	store    *orderStore
	inflight atomic.Int64
	served   atomic.Int64
	failed   atomic.Int64
}

func (a *api) orderSummary(w http.ResponseWriter, r *http.Request) {
	tenant := r.URL.Query().Get("tenant")
	customer, _ := strconv.Atoi(r.URL.Query().Get("customer"))
	labels := pprof.Labels("endpoint", "/v1/orders/summary", "tenant", tenant)
	pprof.Do(r.Context(), labels, func(ctx context.Context) {
		a.inflight.Add(1)
		defer a.inflight.Add(-1)
		ctx, cancel := context.WithTimeout(ctx, requestTimeout)
		defer cancel()
		sum, err := a.store.summary(ctx, customer)
		if err != nil {
			a.failed.Add(1)
			http.Error(w, "report unavailable", http.StatusServiceUnavailable)
			return
		}
		a.served.Add(1)
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(sum)
	})
}

func main() {
	if target := os.Getenv("LOADGEN_URL"); target != "" {
		loadgen(target)
		return
	}
	log.SetPrefix("db-pool-pq: ")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	db, err := sql.Open("postgres", os.Getenv("PG_DSN"))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(maxOpenConns)
	db.SetMaxIdleConns(maxOpenConns)
	db.SetConnMaxLifetime(30 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		log.Fatal(err)
	}
	// The pool's figures on /debug/vars, where the metrics scraper reads them.
	expvar.Publish("orders_db", expvar.Func(func() any { return db.Stats() }))

	a := &api{store: &orderStore{db: db}}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/orders/summary", a.orderSummary)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	go func() { log.Fatal(http.ListenAndServe(os.Getenv("PPROF_ADDR"), nil)) }()
	go reportStats(ctx, db, a)

	gen := startLoadgen("http://" + ln.Addr().String() + "/v1/orders/summary")
	defer gen.Process.Kill()

	deadline := time.Now().Add(60 * time.Second)
	for {
		st := db.Stats()
		if st.InUse == maxOpenConns && a.inflight.Load() >= clients-2 && st.WaitCount >= clients-maxOpenConns {
			break
		}
		if time.Now().After(deadline) {
			log.Fatalf("pool never saturated: %+v inflight=%d", st, a.inflight.Load())
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(time.Second)
	st := db.Stats()
	fmt.Printf("READY in_use=%d open=%d wait_count=%d inflight=%d served=%d\n",
		st.InUse, st.OpenConnections, st.WaitCount, a.inflight.Load(), a.served.Load())
	<-ctx.Done()
	srv.Close()
}

// reportStats logs the pool figures now and then, as the service's metrics loop would.
func reportStats(ctx context.Context, db *sql.DB, a *api) {
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			st := db.Stats()
			log.Printf("pool open=%d in_use=%d idle=%d wait_count=%d wait=%s served=%d failed=%d",
				st.OpenConnections, st.InUse, st.Idle, st.WaitCount, st.WaitDuration.Round(time.Millisecond),
				a.served.Load(), a.failed.Load())
		}
	}
}

// startLoadgen runs the clients in a child process that dies with this one.
func startLoadgen(target string) *exec.Cmd {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "LOADGEN_URL="+target)
	cmd.Stdout = os.Stderr
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	return cmd
}

// loadgen: clients that each call the endpoint in a loop, like dashboards refreshing.
func loadgen(target string) {
	tr := &http.Transport{MaxIdleConnsPerHost: clients}
	client := &http.Client{Transport: tr, Timeout: 2 * requestTimeout}
	for i := 0; i < clients; i++ {
		i := i
		go func() {
			url := fmt.Sprintf("%s?tenant=t%02d&customer=%d", target, i%12, 1000+i)
			for {
				resp, err := client.Get(url)
				if err != nil {
					time.Sleep(100 * time.Millisecond)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	}
	select {}
}
