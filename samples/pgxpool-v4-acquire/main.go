// Command pgxpool-v4-acquire is a pricing service on pgxpool v4 (pgx v4, puddle v1) whose pool
// is exhausted.
//
// Two kinds of callers share one pool with pool_max_conns=4:
//   - GET /v1/prices/{sku} (HTTP handlers, request context with a 20 s deadline);
//   - 24 repricing workers that recompute prices from a job queue with context.Background()
//     (they were written before the service had shutdown handling).
//
// The price query now takes 2 s on the server (pg_sleep stands for a slow join), so the 4
// connections are always busy in pgconn reads. In puddle v1 a caller with a background context
// waits in sync.(*Cond).Wait inside puddle.(*Pool).Acquire; a caller with a cancellable context
// waits in a select in puddle.(*Pool).Acquire while a helper goroutine
// (puddle.(*Pool).Acquire.func2) does the Cond.Wait for it.
//
// The HTTP clients run in a second process (this binary with LOADGEN_URL set).
//
// Env: PPROF_ADDR (net/http/pprof), PG_DSN. Prints READY once every caller waits.
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

	"github.com/jackc/pgx/v4/pgxpool"
)

const (
	poolMaxConns   = 4
	clients        = 60
	workers        = 24
	queryLatency   = 2 * time.Second
	requestTimeout = 20 * time.Second
)

type price struct {
	SKU      string `json:"sku"`
	Cents    int64  `json:"cents"`
	Currency string `json:"currency"`
}

type priceRepo struct{ pool *pgxpool.Pool }

func (r *priceRepo) current(ctx context.Context, sku string) (price, error) {
	const q = `SELECT $1::text, (1999 + length($1::text) * 10)::bigint, 'EUR' FROM pg_sleep($2::float8)`
	p := price{}
	err := r.pool.QueryRow(ctx, q, sku, queryLatency.Seconds()).Scan(&p.SKU, &p.Cents, &p.Currency)
	return p, err
}

func (r *priceRepo) reprice(ctx context.Context, sku string, pct int) error {
	const q = `SELECT pg_sleep($2::float8), $1::text`
	_, err := r.pool.Exec(ctx, q, fmt.Sprintf("%s:%+d%%", sku, pct), queryLatency.Seconds())
	return err
}

type service struct {
	prices   *priceRepo
	inflight atomic.Int64
	working  atomic.Int64
	served   atomic.Int64
	repriced atomic.Int64
	failed   atomic.Int64
}

func (s *service) getPrice(w http.ResponseWriter, r *http.Request) {
	sku := strings.TrimPrefix(r.URL.Path, "/v1/prices/")
	labels := pprof.Labels("endpoint", "/v1/prices/{sku}", "market", r.URL.Query().Get("market"))
	pprof.Do(r.Context(), labels, func(ctx context.Context) {
		s.inflight.Add(1)
		defer s.inflight.Add(-1)
		ctx, cancel := context.WithTimeout(ctx, requestTimeout)
		defer cancel()
		p, err := s.prices.current(ctx, sku)
		if err != nil {
			s.failed.Add(1)
			http.Error(w, "price unavailable", http.StatusServiceUnavailable)
			return
		}
		s.served.Add(1)
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(p)
	})
}

type repriceJob struct {
	sku string
	pct int
}

// repricer applies price changes from the queue; it uses context.Background() for its queries.
func (s *service) repricer(id int, jobs <-chan repriceJob) {
	pprof.Do(context.Background(), pprof.Labels("worker", "repricer", "worker_id", strconv.Itoa(id)), func(context.Context) {
		for job := range jobs {
			s.working.Add(1)
			if err := s.prices.reprice(context.Background(), job.sku, job.pct); err != nil {
				s.failed.Add(1)
				log.Printf("reprice %s: %v", job.sku, err)
			} else {
				s.repriced.Add(1)
			}
			s.working.Add(-1)
		}
	})
}

func main() {
	if target := os.Getenv("LOADGEN_URL"); target != "" {
		loadgen(target)
		return
	}
	log.SetPrefix("pgxpool-v4-acquire: ")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	dsn := os.Getenv("PG_DSN")
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	cfg, err := pgxpool.ParseConfig(dsn + sep + "pool_max_conns=" + strconv.Itoa(poolMaxConns))
	if err != nil {
		log.Fatal(err)
	}
	pool, err := pgxpool.ConnectConfig(ctx, cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	if err := pool.Ping(ctx); err != nil {
		log.Fatal(err)
	}

	s := &service{prices: &priceRepo{pool: pool}}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/prices/", s.getPrice)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	go func() { log.Fatal(http.ListenAndServe(os.Getenv("PPROF_ADDR"), nil)) }()
	go reportStats(ctx, pool, s)

	// The repricing queue: a feed of price changes.
	jobs := make(chan repriceJob, 256)
	for i := 0; i < workers; i++ {
		go s.repricer(i, jobs)
	}
	go func() {
		for n := 0; ; n++ {
			select {
			case jobs <- repriceJob{sku: fmt.Sprintf("SKU-%06d", 120000+n), pct: n%11 - 5}:
			case <-ctx.Done():
				close(jobs)
				return
			}
		}
	}()

	gen := startLoadgen("http://" + ln.Addr().String() + "/v1/prices/")
	defer gen.Process.Kill()

	deadline := time.Now().Add(60 * time.Second)
	for {
		st := pool.Stat()
		if st.AcquiredConns() == poolMaxConns && s.inflight.Load() >= clients-1 && s.working.Load() == workers {
			break
		}
		if time.Now().After(deadline) {
			log.Fatalf("pool never saturated: acquired=%d inflight=%d working=%d", st.AcquiredConns(), s.inflight.Load(), s.working.Load())
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(time.Second)
	st := pool.Stat()
	fmt.Printf("READY acquired=%d total=%d inflight=%d workers_busy=%d served=%d repriced=%d\n",
		st.AcquiredConns(), st.TotalConns(), s.inflight.Load(), s.working.Load(), s.served.Load(), s.repriced.Load())
	<-ctx.Done()
	srv.Close()
}

func reportStats(ctx context.Context, pool *pgxpool.Pool, s *service) {
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			st := pool.Stat()
			log.Printf("pool total=%d acquired=%d idle=%d empty_acquire=%d served=%d repriced=%d failed=%d",
				st.TotalConns(), st.AcquiredConns(), st.IdleConns(), st.EmptyAcquireCount(),
				s.served.Load(), s.repriced.Load(), s.failed.Load())
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

// loadgen: checkout pages asking for prices in a loop.
func loadgen(target string) {
	tr := &http.Transport{MaxIdleConnsPerHost: clients}
	client := &http.Client{Transport: tr, Timeout: 2 * requestTimeout}
	markets := []string{"de", "fr", "nl", "es"}
	for i := 0; i < clients; i++ {
		i := i
		go func() {
			url := fmt.Sprintf("%sSKU-%06d?market=%s", target, 100000+i*17, markets[i%len(markets)])
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
