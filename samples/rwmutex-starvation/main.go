// Command rwmutex-starvation is a routing service: GET /v1/route?tenant=T answers which
// backend cluster serves a tenant from a routing table guarded by a sync.RWMutex. Lookups take
// the read lock; a reloader swaps in a fresh table every 1.5 s under the write lock; an
// exporter backs the table up to an archive service (started in-process on 127.0.0.1, as the
// upstream) every few seconds.
//
// The bug: the exporter holds the read lock for the whole upload, and the archive takes about
// 6 s to accept it. Go's RWMutex blocks new readers as soon as a writer waits, so once the
// reloader calls Lock behind the exporter's long read lock, every lookup queues in
// sync.(*RWMutex).RLock until the upload ends: one slow reader stalls the whole service.
//
// The load comes from a second process (this binary with LOADGEN_URL set). Mutex and block
// profiling are on (fraction 1, rate 1).
//
// Env: PPROF_ADDR (net/http/pprof). Prints READY in the second stall, once the writer waits
// and 60 lookups are queued behind it.
package main

import (
	"bytes"
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
	"sync"
	"sync/atomic"
	"time"
)

const (
	clients        = 80
	tenants        = 500
	reloadEvery    = 1500 * time.Millisecond
	exportEvery    = 2 * time.Second
	archiveLatency = 6 * time.Second
)

// ---- the upstream: an archive service, slow to accept uploads ----

func archiveUpload(w http.ResponseWriter, r *http.Request) {
	n, _ := io.Copy(io.Discard, r.Body)
	time.Sleep(archiveLatency) // replicates the upload before acknowledging it
	fmt.Fprintf(w, `{"stored":%d}`+"\n", n)
}

// ---- the service ----

type route struct {
	Tenant  string `json:"tenant"`
	Cluster string `json:"cluster"`
	Weight  int    `json:"weight"`
}

type routingTable struct {
	mu      sync.RWMutex
	routes  map[string]route
	version int
}

func (t *routingTable) lookup(tenant string) (route, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	r, ok := t.routes[tenant]
	return r, ok
}

func (t *routingTable) replace(routes map[string]route) {
	t.mu.Lock()
	t.routes = routes
	t.version++
	t.mu.Unlock()
}

// export uploads the table to the archive. BUG: the read lock is held during the upload.
func (t *routingTable) export(ctx context.Context, client *http.Client, url string) error {
	t.mu.RLock()
	defer t.mu.RUnlock()
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(t.routes); err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"?version="+strconv.Itoa(t.version), &buf)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}

func loadRoutes(gen int) map[string]route {
	m := make(map[string]route, tenants)
	for i := 0; i < tenants; i++ {
		name := "t" + strconv.Itoa(i)
		m[name] = route{Tenant: name, Cluster: "eu-" + strconv.Itoa((i+gen)%6), Weight: 1 + (i*gen)%10}
	}
	return m
}

var (
	writerWaiting atomic.Bool
	lookupsQueued atomic.Int64
	exports       atomic.Int64
	served        atomic.Int64
)

func main() {
	if u := os.Getenv("LOADGEN_URL"); u != "" {
		loadgen(u)
		return
	}
	runtime.SetMutexProfileFraction(1)
	runtime.SetBlockProfileRate(1)
	go func() { log.Fatal(http.ListenAndServe(os.Getenv("PPROF_ADDR"), nil)) }()

	archiveLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	amux := http.NewServeMux()
	amux.HandleFunc("/v1/archive/routes", archiveUpload)
	go (&http.Server{Handler: amux, ReadHeaderTimeout: 5 * time.Second}).Serve(archiveLn)

	table := &routingTable{routes: loadRoutes(0)}

	// the reloader: a fresh table every reloadEvery
	go pprof.Do(context.Background(), pprof.Labels("job", "route-reload"), func(ctx context.Context) {
		for gen := 1; ; gen++ {
			time.Sleep(reloadEvery)
			routes := loadRoutes(gen)
			writerWaiting.Store(true)
			table.replace(routes)
			writerWaiting.Store(false)
		}
	})
	// the exporter: a backup of the table every exportEvery
	go pprof.Do(context.Background(), pprof.Labels("job", "route-export"), func(ctx context.Context) {
		client := &http.Client{Timeout: 30 * time.Second}
		url := "http://" + archiveLn.Addr().String() + "/v1/archive/routes"
		for {
			time.Sleep(exportEvery)
			if err := table.export(ctx, client, url); err != nil {
				log.Printf("export: %v", err)
			}
			exports.Add(1)
		}
	})

	mux := http.NewServeMux()
	mux.HandleFunc("/v1/route", func(w http.ResponseWriter, r *http.Request) {
		pprof.Do(r.Context(), pprof.Labels("endpoint", "/v1/route"), func(ctx context.Context) {
			lookupsQueued.Add(1)
			rt, ok := table.lookup(r.URL.Query().Get("tenant"))
			lookupsQueued.Add(-1)
			if !ok {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(rt)
			served.Add(1)
		})
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go (&http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}).Serve(ln)
	if err := startLoad("http://" + ln.Addr().String() + "/v1/route"); err != nil {
		log.Fatal(err)
	}

	// READY in the second stall: one export has completed (so the mutex and block profiles
	// hold whole stalls), the next one holds the read lock, the reloader waits in Lock, and
	// the lookups pile up behind it.
	for exports.Load() < 1 || !writerWaiting.Load() || lookupsQueued.Load() < 60 {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	fmt.Printf("READY queued=%d served=%d exports=%d\n", lookupsQueued.Load(), served.Load(), exports.Load())
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
				resp, err := client.Get(url + "?tenant=t" + strconv.Itoa(rng.Intn(tenants)))
				if err != nil {
					time.Sleep(100 * time.Millisecond)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				time.Sleep(100 * time.Millisecond)
			}
		}()
	}
	io.Copy(io.Discard, os.Stdin)
	os.Exit(0)
}
