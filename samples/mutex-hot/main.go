// Command mutex-hot is a pricing service whose cache sits behind one sync.Mutex, and the
// goroutine holding the lock refreshes an entry from a slow upstream while holding it:
// 120 request goroutines queue on the mutex. Mutex and block profiling are on.
//
// Env: PPROF_ADDR (net/http/pprof). Prints READY while the queue is long.
package main

import (
	"context"
	"fmt"
	"log"
	"net/http"
	_ "net/http/pprof"
	"os"
	"runtime"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"
)

type priceCache struct {
	mu     sync.Mutex
	prices map[string]float64
}

// fetchUpstream stands for a slow call to another service.
func fetchUpstream(sku string) float64 {
	time.Sleep(300 * time.Millisecond)
	return float64(len(sku))
}

// price holds the lock across the upstream call: the bug.
func (c *priceCache) price(sku string) float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.prices[sku]
	if !ok || p < 0 {
		p = fetchUpstream(sku)
		c.prices[sku] = -1 // stale at once, so every call refreshes
	}
	return p
}

func main() {
	runtime.SetMutexProfileFraction(1)
	runtime.SetBlockProfileRate(1)
	go func() { log.Fatal(http.ListenAndServe(os.Getenv("PPROF_ADDR"), nil)) }()
	c := &priceCache{prices: map[string]float64{}}
	var waiting atomic.Int64
	for i := 0; i < 120; i++ {
		sku := fmt.Sprintf("sku-%d", i%10)
		go pprof.Do(context.Background(), pprof.Labels("endpoint", "/price"), func(context.Context) {
			for {
				waiting.Add(1)
				c.price(sku)
				waiting.Add(-1)
			}
		})
	}
	for waiting.Load() < 100 {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(2 * time.Second) // let the mutex and block profiles fill
	fmt.Println("READY")
	select {}
}
