// Command http-client-body-leak is a catalogue service whose stock refresher keeps its copy of
// the stock levels fresh by polling an inventory API (started in-process on 127.0.0.1, as the
// upstream) through its own http.Transport.
//
// The bug: inventoryClient.stock returns on a non-200 answer without closing the response
// body. A body that is neither read to EOF nor closed pins its connection: the transport's
// persistConn.readLoop waits in waitForBodyRead forever, the connection never returns to the
// idle pool, and the next request dials a new one. Every 404 / 503 from the inventory leaves
// one more readLoop/writeLoop pair (and one more server connection) behind.
//
// Env: PPROF_ADDR (net/http/pprof). Prints READY once 60 connections have leaked, READY2
// once 60 more have.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"math/rand"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// ---- the upstream: an inventory API ----

type stockReply struct {
	SKU       int       `json:"sku"`
	Available int       `json:"available"`
	Warehouse string    `json:"warehouse"`
	Updated   time.Time `json:"updated"`
}

func inventoryHandler(w http.ResponseWriter, r *http.Request) {
	sku, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/v1/stock/"))
	if err != nil {
		http.Error(w, `{"error":"bad sku"}`, http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	switch {
	case sku%13 == 0: // discontinued items
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, `{"error":"sku %d not found"}`+"\n", sku)
		return
	case sku%29 == 0: // one warehouse is being re-synced
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(w, `{"error":"warehouse for sku %d re-syncing, retry later"}`+"\n", sku)
		return
	}
	json.NewEncoder(w).Encode(stockReply{SKU: sku, Available: sku * 7 % 113, Warehouse: "fra-" + strconv.Itoa(sku%4), Updated: time.Now()})
}

// ---- the service: a stock refresher ----

type inventoryClient struct {
	base string
	hc   *http.Client
}

var errNotFound = errors.New("not found")

func (c *inventoryClient) stock(ctx context.Context, sku int) (*stockReply, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/v1/stock/%d", c.base, sku), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusNotFound {
		return nil, errNotFound // BUG: resp.Body is never closed
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("inventory: sku %d: %s", sku, resp.Status) // BUG: same
	}
	defer resp.Body.Close()
	var s stockReply
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		return nil, err
	}
	return &s, nil
}

type stockCache struct {
	mu     sync.Mutex
	levels map[int]int
}

func (s *stockCache) set(sku, n int) {
	s.mu.Lock()
	s.levels[sku] = n
	s.mu.Unlock()
}

var (
	refreshed atomic.Int64
	failed    atomic.Int64
)

// backOffAfter bounds the sample: once this many requests have failed, the refreshers back off
// from a poll every 40 ms to one a second, and the leak goes on at that slower pace (about one
// connection every 2 s), so that a dump taken minutes later stays small.
const backOffAfter = 240

// refresher polls the stock of its share of the catalogue.
func refresher(ctx context.Context, id int, inv *inventoryClient, cache *stockCache) {
	rng := rand.New(rand.NewSource(int64(id)))
	for {
		sku := 1 + rng.Intn(5000)
		s, err := inv.stock(ctx, sku)
		switch {
		case errors.Is(err, errNotFound):
			failed.Add(1) // discontinued: skip
		case err != nil:
			failed.Add(1)
		default:
			cache.set(s.SKU, s.Available)
			refreshed.Add(1)
		}
		if failed.Load() < backOffAfter {
			time.Sleep(40 * time.Millisecond)
		} else {
			time.Sleep(time.Second)
		}
	}
}

func main() {
	// Finer heap sampling than the default 512 KiB, so per-connection buffers show in the
	// heap profile of a small process.
	runtime.MemProfileRate = 16 << 10

	go func() { log.Fatal(http.ListenAndServe(os.Getenv("PPROF_ADDR"), nil)) }()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/stock/", inventoryHandler)
	go (&http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}).Serve(ln)

	// The service's own transport for the inventory API.
	transport := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 2 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        32,
		MaxIdleConnsPerHost: 8,
		IdleConnTimeout:     90 * time.Second,
	}
	inv := &inventoryClient{base: "http://" + ln.Addr().String(), hc: &http.Client{Transport: transport}}
	cache := &stockCache{levels: make(map[int]int)}

	const workers = 4
	for i := 0; i < workers; i++ {
		id := i
		go pprof.Do(context.Background(), pprof.Labels("job", "stock-refresh", "worker", strconv.Itoa(id)), func(ctx context.Context) {
			refresher(ctx, id, inv, cache)
		})
	}

	for failed.Load() < 60 {
		time.Sleep(20 * time.Millisecond)
	}
	fmt.Printf("READY refreshed=%d failed=%d\n", refreshed.Load(), failed.Load())
	for failed.Load() < 120 {
		time.Sleep(20 * time.Millisecond)
	}
	fmt.Printf("READY2 refreshed=%d failed=%d\n", refreshed.Load(), failed.Load())
	select {}
}
