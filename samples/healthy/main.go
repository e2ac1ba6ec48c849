// Command healthy is the false-positive control: a storefront API in good health.
//
//   - GET /v1/products/{id} reads the product from PostgreSQL (database/sql + lib/pq, a fast
//     indexed query; MaxOpenConns 20, MaxIdleConns 10) and asks the pricing API for its price
//     over HTTP with a keep-alive client (the pricing API is served by this same process at
//     /internal/prices/{id}); every response body is read and closed.
//   - A worker pool of 8 order-mail senders waits on a channel (idle most of the time).
//   - A metrics flusher runs on a 1 s ticker; a catalogue cache is refreshed every 2 s; a signal
//     handler waits for SIGTERM/SIGHUP.
//   - Mutex and block profiling are on at production rates (1/100 mutex events, blocking ≥ 1 ms).
//
// Light load: 4 clients (a second process, this binary with LOADGEN_URL set) with 20–60 ms think
// time between requests.
//
// Env: PPROF_ADDR (net/http/pprof), PG_DSN. Prints READY once 200 requests have been served.
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"math/rand"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	_ "github.com/lib/pq"
)

const clients = 4

type product struct {
	ID    int    `json:"id"`
	Name  string `json:"name"`
	Stock int    `json:"stock"`
	Cents int64  `json:"cents"`
}

type metrics struct {
	mu       sync.Mutex
	requests map[string]int64
	flushed  int64
}

func (m *metrics) inc(endpoint string) {
	m.mu.Lock()
	m.requests[endpoint]++
	m.mu.Unlock()
}

// flushLoop ships the counters every second (here: keeps a total).
func (m *metrics) flushLoop(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			m.mu.Lock()
			for _, n := range m.requests {
				m.flushed += n
			}
			m.requests = map[string]int64{}
			m.mu.Unlock()
		}
	}
}

type catalogueCache struct {
	mu       sync.RWMutex
	products int
}

func (c *catalogueCache) refreshLoop(ctx context.Context, db *sql.DB) {
	t := time.NewTicker(2 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			var n int
			qctx, cancel := context.WithTimeout(ctx, time.Second)
			err := db.QueryRowContext(qctx, `SELECT count(*) FROM products`).Scan(&n)
			cancel()
			if err == nil {
				c.mu.Lock()
				c.products = n
				c.mu.Unlock()
			}
		}
	}
}

type mail struct {
	to      string
	subject string
}

// mailWorker sends order mails as they come (here: pretends to).
func mailWorker(ctx context.Context, id int, outbox <-chan mail, sent *atomic.Int64) {
	pprof.Do(ctx, pprof.Labels("worker", "mail", "worker_id", strconv.Itoa(id)), func(ctx context.Context) {
		for {
			select {
			case <-ctx.Done():
				return
			case m := <-outbox:
				_ = m
				time.Sleep(2 * time.Millisecond)
				sent.Add(1)
			}
		}
	})
}

type api struct {
	db      *sql.DB
	pricing *http.Client
	base    string
	metrics *metrics
	outbox  chan mail
	served  atomic.Int64
	failed  atomic.Int64
}

func (a *api) price(ctx context.Context, id int) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("%s/internal/prices/%d", a.base, id), nil)
	if err != nil {
		return 0, err
	}
	resp, err := a.pricing.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var p struct {
		Cents int64 `json:"cents"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	return p.Cents, nil
}

func (a *api) getProduct(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/v1/products/"))
	pprof.Do(r.Context(), pprof.Labels("endpoint", "/v1/products/{id}"), func(ctx context.Context) {
		a.metrics.inc("/v1/products/{id}")
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		p := product{ID: id}
		err := a.db.QueryRowContext(ctx, `SELECT name, stock FROM products WHERE id = $1`, id).Scan(&p.Name, &p.Stock)
		if err == nil {
			p.Cents, err = a.price(ctx, id)
		}
		if err != nil {
			a.failed.Add(1)
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		if id%10 == 0 {
			select {
			case a.outbox <- mail{to: fmt.Sprintf("watcher-%d@example.com", id), subject: "back in stock"}:
			default:
			}
		}
		a.served.Add(1)
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(p)
	})
}

func (a *api) internalPrice(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/internal/prices/"))
	pprof.Do(r.Context(), pprof.Labels("endpoint", "/internal/prices/{id}"), func(ctx context.Context) {
		a.metrics.inc("/internal/prices/{id}")
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id":%d,"cents":%d}`+"\n", id, 999+int64(id%50)*100)
	})
}

func main() {
	if target := os.Getenv("LOADGEN_URL"); target != "" {
		loadgen(target)
		return
	}
	log.SetPrefix("healthy: ")
	runtime.SetMutexProfileFraction(100)
	runtime.SetBlockProfileRate(int(time.Millisecond))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGHUP, os.Interrupt)
	go func() {
		for s := range sigs {
			if s == syscall.SIGHUP {
				log.Print("SIGHUP: reloading configuration")
				continue
			}
			cancel()
			return
		}
	}()

	db, err := sql.Open("postgres", os.Getenv("PG_DSN"))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(10)
	db.SetConnMaxLifetime(30 * time.Minute)
	db.SetConnMaxIdleTime(5 * time.Minute)
	for _, q := range []string{
		`CREATE TABLE IF NOT EXISTS products (id int PRIMARY KEY, name text NOT NULL, stock int NOT NULL)`,
		`TRUNCATE products`,
		`INSERT INTO products SELECT g, 'product ' || g, (g * 37) % 120 FROM generate_series(1, 2000) g`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			log.Fatal(err)
		}
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	m := &metrics{requests: map[string]int64{}}
	var sent atomic.Int64
	a := &api{
		db: db,
		pricing: &http.Client{
			Transport: &http.Transport{MaxIdleConnsPerHost: 8, IdleConnTimeout: 90 * time.Second},
			Timeout:   2 * time.Second,
		},
		base:    "http://" + ln.Addr().String(),
		metrics: m,
		outbox:  make(chan mail, 64),
	}
	for i := 0; i < 8; i++ {
		go mailWorker(ctx, i, a.outbox, &sent)
	}
	go m.flushLoop(ctx)
	cache := &catalogueCache{}
	go cache.refreshLoop(ctx, db)

	mux := http.NewServeMux()
	mux.HandleFunc("/v1/products/", a.getProduct)
	mux.HandleFunc("/internal/prices/", a.internalPrice)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 2 * time.Minute}
	go srv.Serve(ln)
	go func() { log.Fatal(http.ListenAndServe(os.Getenv("PPROF_ADDR"), nil)) }()

	gen := startLoadgen(a.base + "/v1/products/")
	defer gen.Process.Kill()

	deadline := time.Now().Add(60 * time.Second)
	for a.served.Load() < 200 {
		if time.Now().After(deadline) {
			log.Fatalf("no steady traffic: served=%d failed=%d", a.served.Load(), a.failed.Load())
		}
		time.Sleep(50 * time.Millisecond)
	}
	st := db.Stats()
	fmt.Printf("READY served=%d failed=%d open=%d in_use=%d idle=%d mails=%d\n",
		a.served.Load(), a.failed.Load(), st.OpenConnections, st.InUse, st.Idle, sent.Load())
	<-ctx.Done()
	srv.Close()
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

// loadgen: a few shoppers browsing products.
func loadgen(target string) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}, Timeout: 5 * time.Second}
	for i := 0; i < clients; i++ {
		rng := rand.New(rand.NewSource(int64(i)))
		go func() {
			for {
				resp, err := client.Get(fmt.Sprintf("%s%d", target, 1+rng.Intn(2000)))
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				time.Sleep(time.Duration(20+rng.Intn(40)) * time.Millisecond)
			}
		}()
	}
	select {}
}
