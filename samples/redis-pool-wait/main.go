// Command redis-pool-wait is a storefront API whose go-redis pool is exhausted.
//
// GET /v1/price?sku=… reads a cached price (GET) and is answered in well under a millisecond by
// the server. GET /v1/orders/wait?order=… is a long poll added later: it waits for the
// order's next status event with BLPOP and a 2 s timeout, on the same *redis.Client. A
// blocking command keeps its connection for the whole wait, so the 6 connections of the pool
// (PoolSize 6) are nearly always inside BLPOP, and every price lookup queues in go-redis's
// pool for a turn (internal/pool.(*ConnPool).waitTurn) behind them.
//
// The clients run in a second process (this binary with LOADGEN_URL set): 12 long-pollers
// (their pages opened at different moments) and 120 price readers (50 ms between lookups), each
// in a loop.
//
// Env: PPROF_ADDR (net/http/pprof), REDIS_ADDR (host:port). Prints READY once every poller has
// waited twice and nearly every price request is queued for a connection.
package main

import (
	"context"
	"errors"
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

	"github.com/redis/go-redis/v9"
)

const (
	poolSize     = 6
	pollers      = 12
	readers      = 120
	pollTimeout  = 2 * time.Second
	readerPause  = 50 * time.Millisecond
	poolTimeout  = 20 * time.Second
	requestLimit = 30 * time.Second
	skus         = 500
)

type api struct {
	rdb      *redis.Client
	inflight atomic.Int64
	prices   atomic.Int64
	polls    atomic.Int64
	failed   atomic.Int64
}

// price answers from the cache: one GET.
func (a *api) price(w http.ResponseWriter, r *http.Request) {
	sku := r.URL.Query().Get("sku")
	pprof.Do(r.Context(), pprof.Labels("endpoint", "/v1/price"), func(ctx context.Context) {
		a.inflight.Add(1)
		defer a.inflight.Add(-1)
		ctx, cancel := context.WithTimeout(ctx, requestLimit)
		defer cancel()
		v, err := a.rdb.Get(ctx, "price:"+sku).Result()
		if err != nil {
			a.failed.Add(1)
			http.Error(w, "price unavailable", http.StatusServiceUnavailable)
			return
		}
		a.prices.Add(1)
		io.WriteString(w, v+"\n")
	})
}

// waitOrder is the long poll: the next status event of an order, or 204 after pollTimeout.
func (a *api) waitOrder(w http.ResponseWriter, r *http.Request) {
	order := r.URL.Query().Get("order")
	pprof.Do(r.Context(), pprof.Labels("endpoint", "/v1/orders/wait"), func(ctx context.Context) {
		a.inflight.Add(1)
		defer a.inflight.Add(-1)
		ev, err := a.rdb.BLPop(ctx, pollTimeout, "order:"+order+":events").Result()
		a.polls.Add(1)
		switch {
		case errors.Is(err, redis.Nil):
			w.WriteHeader(http.StatusNoContent)
		case err != nil:
			a.failed.Add(1)
			http.Error(w, "events unavailable", http.StatusServiceUnavailable)
		default:
			io.WriteString(w, ev[1]+"\n")
		}
	})
}

func main() {
	if target := os.Getenv("LOADGEN_URL"); target != "" {
		loadgen(target)
		return
	}
	log.SetPrefix("redis-pool-wait: ")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	rdb := redis.NewClient(&redis.Options{
		Addr:         os.Getenv("REDIS_ADDR"),
		PoolSize:     poolSize,
		PoolTimeout:  poolTimeout,
		DialTimeout:  2 * time.Second,
		ReadTimeout:  time.Second,
		WriteTimeout: time.Second,
	})
	defer rdb.Close()
	if err := rdb.Ping(ctx).Err(); err != nil {
		log.Fatal(err)
	}
	// the price cache the readers hit
	pipe := rdb.Pipeline()
	for i := 0; i < skus; i++ {
		pipe.Set(ctx, "price:"+strconv.Itoa(i), strconv.Itoa(100+i*7%900), 0)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		log.Fatal(err)
	}

	a := &api{rdb: rdb}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/price", a.price)
	mux.HandleFunc("/v1/orders/wait", a.waitOrder)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	go func() { log.Fatal(http.ListenAndServe(os.Getenv("PPROF_ADDR"), nil)) }()
	go reportStats(ctx, rdb, a)

	gen := startLoadgen("http://" + ln.Addr().String())
	defer gen.Process.Kill()

	deadline := time.Now().Add(60 * time.Second)
	for {
		st := rdb.PoolStats()
		if st.TotalConns == poolSize && st.IdleConns == 0 && a.inflight.Load() >= pollers+readers-2 && a.polls.Load() >= 2*pollers {
			break
		}
		if time.Now().After(deadline) {
			log.Fatalf("pool never saturated: %+v inflight=%d", *st, a.inflight.Load())
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(time.Second)
	st := rdb.PoolStats()
	fmt.Printf("READY total_conns=%d idle=%d wait_count=%d timeouts=%d inflight=%d prices=%d polls=%d\n",
		st.TotalConns, st.IdleConns, st.WaitCount, st.Timeouts, a.inflight.Load(), a.prices.Load(), a.polls.Load())
	<-ctx.Done()
	srv.Close()
}

// reportStats logs the pool figures now and then, as the service's metrics loop would.
func reportStats(ctx context.Context, rdb *redis.Client, a *api) {
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			st := rdb.PoolStats()
			log.Printf("pool total=%d idle=%d wait_count=%d timeouts=%d prices=%d polls=%d failed=%d",
				st.TotalConns, st.IdleConns, st.WaitCount, st.Timeouts, a.prices.Load(), a.polls.Load(), a.failed.Load())
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

// loadgen: order pages long-polling for status changes, and shoppers reading prices.
func loadgen(target string) {
	tr := &http.Transport{MaxIdleConnsPerHost: pollers + readers}
	client := &http.Client{Transport: tr, Timeout: 2 * requestLimit}
	get := func(url string) {
		resp, err := client.Get(url)
		if err != nil {
			time.Sleep(100 * time.Millisecond)
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	for i := 0; i < pollers; i++ {
		url := fmt.Sprintf("%s/v1/orders/wait?order=%d", target, 70000+i)
		go func() {
			// order pages open at different moments
			time.Sleep(time.Duration(i) * pollTimeout / pollers)
			for {
				get(url)
			}
		}()
	}
	for i := 0; i < readers; i++ {
		i := i
		go func() {
			for n := 0; ; n++ {
				get(fmt.Sprintf("%s/v1/price?sku=%d", target, (i*31+n)%skus))
				time.Sleep(readerPause)
			}
		}()
	}
	select {}
}
