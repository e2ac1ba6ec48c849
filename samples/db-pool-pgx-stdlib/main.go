// Command db-pool-pgx-stdlib is a stock service whose database/sql pool is exhausted; the
// driver is pgx v5 through github.com/jackc/pgx/v5/stdlib.
//
// GET /v1/stock/availability?sku=…&warehouse=… asks PostgreSQL for the stock of a SKU across
// warehouses under a 30 s request deadline. The pool allows 8 connections; the availability
// query now takes 2 s (pg_sleep stands for a lock wait on the stock table), and 160 clients call
// in a loop: 8 handlers wait in pgx reads on the server, the rest queue in
// database/sql.(*DB).conn.
//
// The clients run in a second process (this binary with LOADGEN_URL set).
//
// Env: PPROF_ADDR (net/http/pprof), PG_DSN. Prints READY once the pool is saturated and nearly
// every request is queued.
package main

import (
	"context"
	"database/sql"
	"encoding/json"
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
	"sync/atomic"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
)

const (
	maxOpenConns   = 8
	clients        = 160
	queryLatency   = 2 * time.Second
	requestTimeout = 30 * time.Second
)

type availability struct {
	SKU        string `json:"sku"`
	Warehouses int    `json:"warehouses"`
	Units      int64  `json:"units"`
}

type stockRepo struct{ db *sql.DB }

func (r *stockRepo) availability(ctx context.Context, sku string) (availability, error) {
	const q = `SELECT $1::text, count(*)::int, coalesce(sum(w * 7), 0)::bigint
	           FROM generate_series(1, 24) AS w, pg_sleep($2::float8)`
	a := availability{}
	rows, err := r.db.QueryContext(ctx, q, sku, queryLatency.Seconds())
	if err != nil {
		return a, err
	}
	defer rows.Close()
	for rows.Next() {
		if err := rows.Scan(&a.SKU, &a.Warehouses, &a.Units); err != nil {
			return a, err
		}
	}
	return a, rows.Err()
}

type api struct {
	stock    *stockRepo
	inflight atomic.Int64
	served   atomic.Int64
	failed   atomic.Int64
}

func (a *api) availability(w http.ResponseWriter, r *http.Request) {
	sku := r.URL.Query().Get("sku")
	labels := pprof.Labels("endpoint", "/v1/stock/availability", "warehouse", r.URL.Query().Get("warehouse"))
	pprof.Do(r.Context(), labels, func(ctx context.Context) {
		a.inflight.Add(1)
		defer a.inflight.Add(-1)
		ctx, cancel := context.WithTimeout(ctx, requestTimeout)
		defer cancel()
		av, err := a.stock.availability(ctx, sku)
		if err != nil {
			a.failed.Add(1)
			http.Error(w, "stock lookup failed", http.StatusServiceUnavailable)
			return
		}
		a.served.Add(1)
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(av)
	})
}

func main() {
	if target := os.Getenv("LOADGEN_URL"); target != "" {
		loadgen(target)
		return
	}
	log.SetPrefix("db-pool-pgx-stdlib: ")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	db, err := sql.Open("pgx", os.Getenv("PG_DSN"))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(maxOpenConns)
	db.SetMaxIdleConns(maxOpenConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		log.Fatal(err)
	}

	a := &api{stock: &stockRepo{db: db}}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/stock/availability", a.availability)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	go func() { log.Fatal(http.ListenAndServe(os.Getenv("PPROF_ADDR"), nil)) }()
	go reportStats(ctx, db, a)

	gen := startLoadgen("http://" + ln.Addr().String() + "/v1/stock/availability")
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

// loadgen: storefront pages checking availability in a loop.
func loadgen(target string) {
	tr := &http.Transport{MaxIdleConnsPerHost: clients}
	client := &http.Client{Transport: tr, Timeout: 2 * requestTimeout}
	for i := 0; i < clients; i++ {
		i := i
		go func() {
			url := fmt.Sprintf("%s?sku=SKU-%05d&warehouse=wh%d", target, 31000+i*7, i%4)
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
