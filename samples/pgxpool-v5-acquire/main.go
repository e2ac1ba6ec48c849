// Command pgxpool-v5-acquire is a catalogue API on pgxpool (pgx v5, puddle v2) whose pool is
// exhausted.
//
// GET /v1/products/{id}/related computes related products in PostgreSQL under a 20 s request
// deadline. The pool is configured with pool_max_conns=4; the query now takes 2 s on the server
// (pg_sleep stands for a sequential scan after a dropped index) and 100 clients call in a loop:
// 4 requests hold the connections in pgconn reads, the other ~96 wait in
// pgxpool.(*Pool).Acquire (puddle's semaphore).
//
// The clients run in a second process (this binary with LOADGEN_URL set).
//
// Env: PPROF_ADDR (net/http/pprof), PG_DSN. Prints READY once the pool is saturated and nearly
// every request waits in Acquire.
package main

import (
	"context"
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
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

const (
	poolMaxConns   = 4
	clients        = 100
	queryLatency   = 2 * time.Second
	requestTimeout = 20 * time.Second
)

type related struct {
	Product int64   `json:"product"`
	IDs     []int64 `json:"ids"`
}

type catalogue struct{ pool *pgxpool.Pool }

func (c *catalogue) related(ctx context.Context, product int64) (related, error) {
	const q = `SELECT $1::bigint + g FROM generate_series(1, 8) AS g, pg_sleep($2::float8) ORDER BY g`
	out := related{Product: product}
	rows, err := c.pool.Query(ctx, q, product, queryLatency.Seconds())
	if err != nil {
		return out, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return out, err
		}
		out.IDs = append(out.IDs, id)
	}
	return out, rows.Err()
}

type api struct {
	cat      *catalogue
	inflight atomic.Int64
	served   atomic.Int64
	failed   atomic.Int64
}

func (a *api) relatedProducts(w http.ResponseWriter, r *http.Request) {
	idText := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/v1/products/"), "/related")
	id, _ := strconv.ParseInt(idText, 10, 64)
	labels := pprof.Labels("endpoint", "/v1/products/{id}/related", "shop", r.URL.Query().Get("shop"))
	pprof.Do(r.Context(), labels, func(ctx context.Context) {
		a.inflight.Add(1)
		defer a.inflight.Add(-1)
		ctx, cancel := context.WithTimeout(ctx, requestTimeout)
		defer cancel()
		rel, err := a.cat.related(ctx, id)
		if err != nil {
			a.failed.Add(1)
			http.Error(w, "catalogue unavailable", http.StatusServiceUnavailable)
			return
		}
		a.served.Add(1)
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(rel)
	})
}

func main() {
	if target := os.Getenv("LOADGEN_URL"); target != "" {
		loadgen(target)
		return
	}
	log.SetPrefix("pgxpool-v5-acquire: ")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	dsn := os.Getenv("PG_DSN")
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	cfg, err := pgxpool.ParseConfig(dsn + sep + "pool_max_conns=" + strconv.Itoa(poolMaxConns) + "&pool_max_conn_idle_time=5m")
	if err != nil {
		log.Fatal(err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	if err := pool.Ping(ctx); err != nil {
		log.Fatal(err)
	}

	a := &api{cat: &catalogue{pool: pool}}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/products/", a.relatedProducts)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	go func() { log.Fatal(http.ListenAndServe(os.Getenv("PPROF_ADDR"), nil)) }()
	go reportStats(ctx, pool, a)

	gen := startLoadgen("http://" + ln.Addr().String() + "/v1/products/")
	defer gen.Process.Kill()

	deadline := time.Now().Add(60 * time.Second)
	for {
		st := pool.Stat()
		if st.AcquiredConns() == poolMaxConns && a.inflight.Load() >= clients-2 {
			break
		}
		if time.Now().After(deadline) {
			log.Fatalf("pool never saturated: acquired=%d total=%d inflight=%d", st.AcquiredConns(), st.TotalConns(), a.inflight.Load())
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(time.Second)
	st := pool.Stat()
	fmt.Printf("READY acquired=%d total=%d empty_acquire=%d inflight=%d served=%d\n",
		st.AcquiredConns(), st.TotalConns(), st.EmptyAcquireCount(), a.inflight.Load(), a.served.Load())
	<-ctx.Done()
	srv.Close()
}

func reportStats(ctx context.Context, pool *pgxpool.Pool, a *api) {
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			st := pool.Stat()
			log.Printf("pool total=%d acquired=%d idle=%d empty_acquire=%d acquire_wait=%s served=%d failed=%d",
				st.TotalConns(), st.AcquiredConns(), st.IdleConns(), st.EmptyAcquireCount(),
				st.EmptyAcquireWaitTime().Round(time.Millisecond), a.served.Load(), a.failed.Load())
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

// loadgen: product pages asking for related products in a loop.
func loadgen(target string) {
	tr := &http.Transport{MaxIdleConnsPerHost: clients}
	client := &http.Client{Transport: tr, Timeout: 2 * requestTimeout}
	for i := 0; i < clients; i++ {
		i := i
		go func() {
			url := fmt.Sprintf("%s%d/related?shop=s%d", target, 7000000+i*31, i%5)
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
