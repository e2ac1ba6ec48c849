// Command mutex-hot is a quote API: GET /v1/quote?sku=N answers from an in-memory price
// cache. On a miss the cache asks the pricing backend (started in-process on 127.0.0.1, as the
// upstream; about 30 ms per call) for the price.
//
// The bug: priceCache.price holds its one sync.Mutex across the backend call, so one slow miss
// serialises every request of the service. Under a load of 120 concurrent clients the lock is
// held almost all the time by a goroutine waiting on the network, and the other request
// handlers queue in sync.(*Mutex).Lock.
//
// The load comes from a second process (this binary with LOADGEN_URL set), so the goroutine
// dumps show only the service. Mutex and block profiling are on (fraction 1, rate 1).
//
// Env: PPROF_ADDR (net/http/pprof). Prints READY once 100 handlers are queued at the lock.
package main

import (
	"context"
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
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const (
	clients        = 120
	skus           = 40
	cacheTTL       = 250 * time.Millisecond
	backendLatency = 30 * time.Millisecond
)

// ---- the upstream: a pricing backend ----

type priceInfo struct {
	SKU      int       `json:"sku"`
	Cents    int       `json:"cents"`
	Currency string    `json:"currency"`
	AsOf     time.Time `json:"as_of"`
}

func pricingBackend(w http.ResponseWriter, r *http.Request) {
	sku, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/v1/prices/"))
	if err != nil {
		http.Error(w, "bad sku", http.StatusBadRequest)
		return
	}
	time.Sleep(backendLatency) // the backend's own database lookup
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(priceInfo{SKU: sku, Cents: 1000 + sku*37%900, Currency: "EUR", AsOf: time.Now()})
}

// ---- the service ----

type cached struct {
	p       priceInfo
	fetched time.Time
}

type priceCache struct {
	mu      sync.Mutex
	entries map[int]cached
	backend string
	client  *http.Client
}

// price returns the price of sku, fetching it on a miss.
func (c *priceCache) price(ctx context.Context, sku int) (priceInfo, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[sku]; ok && time.Since(e.fetched) < cacheTTL {
		return e.p, nil
	}
	// BUG: the backend call runs with c.mu held (the deferred Unlock runs after it).
	p, err := c.fetch(ctx, sku)
	if err != nil {
		return priceInfo{}, err
	}
	c.entries[sku] = cached{p: p, fetched: time.Now()}
	return p, nil
}

func (c *priceCache) fetch(ctx context.Context, sku int) (priceInfo, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.backend+"/v1/prices/"+strconv.Itoa(sku), nil)
	if err != nil {
		return priceInfo{}, err
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return priceInfo{}, err
	}
	defer resp.Body.Close()
	var p priceInfo
	if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
		return priceInfo{}, err
	}
	return p, nil
}

type api struct {
	cache   *priceCache
	waiting atomic.Int64
	served  atomic.Int64
}

func (a *api) quote(w http.ResponseWriter, r *http.Request) {
	pprof.Do(r.Context(), pprof.Labels("endpoint", "/v1/quote"), func(ctx context.Context) {
		sku, err := strconv.Atoi(r.URL.Query().Get("sku"))
		if err != nil {
			http.Error(w, "bad sku", http.StatusBadRequest)
			return
		}
		a.waiting.Add(1)
		p, err := a.cache.price(ctx, sku)
		a.waiting.Add(-1)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"sku":%d,"price":"%d.%02d %s"}`+"\n", p.SKU, p.Cents/100, p.Cents%100, p.Currency)
		a.served.Add(1)
	})
}

func main() {
	if u := os.Getenv("LOADGEN_URL"); u != "" {
		loadgen(u)
		return
	}
	runtime.SetMutexProfileFraction(1)
	runtime.SetBlockProfileRate(1)
	go func() { log.Fatal(http.ListenAndServe(os.Getenv("PPROF_ADDR"), nil)) }()

	backendLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	bmux := http.NewServeMux()
	bmux.HandleFunc("/v1/prices/", pricingBackend)
	go (&http.Server{Handler: bmux, ReadHeaderTimeout: 5 * time.Second}).Serve(backendLn)

	a := &api{cache: &priceCache{
		entries: make(map[int]cached),
		backend: "http://" + backendLn.Addr().String(),
		client:  &http.Client{Timeout: 5 * time.Second},
	}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/quote", a.quote)
	go (&http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}).Serve(ln)

	if err := startLoad("http://" + ln.Addr().String() + "/v1/quote"); err != nil {
		log.Fatal(err)
	}
	for a.served.Load() < 200 || a.waiting.Load() < 100 {
		time.Sleep(10 * time.Millisecond)
	}
	fmt.Printf("READY waiting=%d served=%d\n", a.waiting.Load(), a.served.Load())
	select {}
}

// ---- load: the service's clients, in a second process ----

// loadPipe is the load generator's stdin: it exits when this process goes away and the
// pipe closes. Kept in a variable so that it is never collected and closed.
var loadPipe io.WriteCloser

func startLoad(url string) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), "LOADGEN_URL="+url)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if loadPipe, err = cmd.StdinPipe(); err != nil {
		return err
	}
	return cmd.Start()
}

func loadgen(url string) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}, Timeout: time.Minute}
	for i := 0; i < clients; i++ {
		rng := rand.New(rand.NewSource(int64(i)))
		go func() {
			for {
				resp, err := client.Get(url + "?sku=" + strconv.Itoa(1+rng.Intn(skus)))
				if err != nil {
					time.Sleep(100 * time.Millisecond)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	}
	io.Copy(io.Discard, os.Stdin)
	os.Exit(0)
}
