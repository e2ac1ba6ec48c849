// Command data-race is an API gateway's request accounting: handler goroutines serve the
// requests of one batch and count them in a per-route stats struct, and a reporter goroutine
// reads the counters for the metrics endpoint.
//
// What goes wrong: routeStats has no lock. Every handler does st.served++ and
// st.bytes += n on the shared struct, and the reporter reads the same fields, all without
// synchronisation, so the counts lose updates. Built with -race, the race detector prints a
// "WARNING: DATA RACE" report for each racing pair of accesses (the write by one handler
// goroutine and the earlier read or write by another, with both stacks and where each
// goroutine was created); the program then finishes normally, the detector prints
// "Found N data race(s)" and the process exits with status 66.
package main

import (
	"fmt"
	"sync"
	"time"
)

type routeStats struct {
	route  string
	served int
	bytes  int64
}

type request struct {
	id   int
	path string
}

// handle serves one request and counts it. BUG: no lock around the counters.
func handle(st *routeStats, req request) {
	body := fmt.Sprintf(`{"order":%d,"status":"shipped"}`, req.id)
	st.served++
	st.bytes += int64(len(body))
}

func handler(st *routeStats, reqs <-chan request, wg *sync.WaitGroup) {
	defer wg.Done()
	for req := range reqs {
		handle(st, req)
	}
}

// reporter samples the counters for the metrics endpoint until stop is closed.
func reporter(st *routeStats, stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	for {
		select {
		case <-stop:
			return
		case <-time.After(2 * time.Millisecond):
			_ = fmt.Sprintf("gateway_requests_total{route=%q} %d", st.route, st.served)
		}
	}
}

func main() {
	st := &routeStats{route: "/v1/orders/{id}"}
	reqs := make(chan request)
	stop := make(chan struct{})
	reported := make(chan struct{})
	go reporter(st, stop, reported)

	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go handler(st, reqs, &wg)
	}
	const n = 400
	for i := 0; i < n; i++ {
		reqs <- request{id: 70000 + i, path: fmt.Sprintf("/v1/orders/%d", 70000+i)}
		if i%50 == 0 {
			time.Sleep(time.Millisecond)
		}
	}
	close(reqs)
	wg.Wait()
	close(stop)
	<-reported
	fmt.Printf("served %d of %d requests, %d bytes\n", st.served, n, st.bytes)
}
