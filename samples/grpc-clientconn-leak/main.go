// Command grpc-clientconn-leak is a storefront API that asks its inventory backend, over gRPC,
// whether it is serving before each stock lookup; the backend (the gRPC health service,
// google.golang.org/grpc/health) runs in a second process, as it would in production.
//
// The bug: inventoryBackend.serving creates a new grpc.ClientConn for every call and never
// closes it. Each ClientConn keeps its callback serializers (its connectivity-state pubsub,
// resolver and balancer wrappers) and, once it has connected, an HTTP/2 transport with a
// reader and a loopy writer goroutine, and one TCP connection to the backend. Nothing ever
// closes them, so goroutines, connections and memory grow with every request.
//
// Env: PPROF_ADDR (net/http/pprof). Prints READY once 60 ClientConns have leaked, READY2 once
// 60 more have. GRPC_BACKEND=serve makes this binary the backend: it prints "LISTEN addr".
package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

const (
	inventoryService = "inventory.v1.Stock"
	callers          = 2
	callInterval     = 200 * time.Millisecond
	// leakBudget bounds the sample: after this many requests the callers stop (what leaked stays).
	leakBudget = 400
)

// ---- the backend: a gRPC server with the health service ----

func serveBackend() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := grpc.NewServer()
	hs := health.NewServer()
	hs.SetServingStatus(inventoryService, healthpb.HealthCheckResponse_SERVING)
	healthpb.RegisterHealthServer(srv, hs)
	fmt.Printf("LISTEN %s\n", ln.Addr())
	log.Fatal(srv.Serve(ln))
}

// startBackend runs the backend in a child process that dies with this one and returns its
// address.
func startBackend() string {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "GRPC_BACKEND=serve")
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := cmd.StdoutPipe()
	if err != nil {
		log.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "LISTEN ") {
		log.Fatalf("backend did not start: %q %v", line, err)
	}
	go io.Copy(io.Discard, out)
	return strings.TrimSpace(strings.TrimPrefix(line, "LISTEN "))
}

// ---- the service ----

type inventoryBackend struct{ addr string }

// serving asks the backend's health service whether the inventory is serving.
func (b *inventoryBackend) serving(ctx context.Context) (bool, error) {
	conn, err := grpc.NewClient(b.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return false, err
	}
	// BUG: conn is never closed (no defer conn.Close()).
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: inventoryService})
	if err != nil {
		return false, err
	}
	return resp.GetStatus() == healthpb.HealthCheckResponse_SERVING, nil
}

type api struct {
	backend *inventoryBackend
	served  atomic.Int64
	failed  atomic.Int64
}

func (a *api) stock(w http.ResponseWriter, r *http.Request) {
	sku, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/v1/stock/"))
	if err != nil {
		http.Error(w, "bad sku", http.StatusBadRequest)
		return
	}
	pprof.Do(r.Context(), pprof.Labels("endpoint", "/v1/stock"), func(ctx context.Context) {
		ok, err := a.backend.serving(ctx)
		if err != nil || !ok {
			a.failed.Add(1)
			http.Error(w, "inventory unavailable", http.StatusServiceUnavailable)
			return
		}
		a.served.Add(1)
		fmt.Fprintf(w, `{"sku":%d,"available":%d}`+"\n", sku, sku*7%113)
	})
}

func main() {
	if os.Getenv("GRPC_BACKEND") == "serve" {
		serveBackend()
		return
	}
	log.SetPrefix("grpc-clientconn-leak: ")
	// Finer heap sampling than the default 512 KiB, so per-connection buffers show in the heap
	// profile of a small process.
	runtime.MemProfileRate = 16 << 10

	go func() { log.Fatal(http.ListenAndServe(os.Getenv("PPROF_ADDR"), nil)) }()
	a := &api{backend: &inventoryBackend{addr: startBackend()}}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/stock/", a.stock)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go (&http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}).Serve(ln)

	// Shoppers' stock lookups: a few per second.
	var requests atomic.Int64
	base := "http://" + ln.Addr().String() + "/v1/stock/"
	for i := 0; i < callers; i++ {
		i := i
		go func() {
			client := &http.Client{Timeout: 5 * time.Second}
			for n := 0; requests.Add(1) <= leakBudget; n++ {
				resp, err := client.Get(base + strconv.Itoa(1+(i*977+n*31)%5000))
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				time.Sleep(callInterval)
			}
		}()
	}

	done := func() int64 { return a.served.Load() + a.failed.Load() }
	for done() < 60 {
		time.Sleep(20 * time.Millisecond)
	}
	fmt.Printf("READY served=%d failed=%d\n", a.served.Load(), a.failed.Load())
	for done() < 120 {
		time.Sleep(20 * time.Millisecond)
	}
	fmt.Printf("READY2 served=%d failed=%d\n", a.served.Load(), a.failed.Load())
	select {}
}
