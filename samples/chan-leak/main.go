// Command chan-leak is a search fan-out that leaks goroutines: each request asks three
// backends on an unbuffered channel and returns after the first answer or a 20 ms timeout;
// the backends that answer later block forever sending their result. Every request leaves
// goroutines behind, so the count grows between two snapshots.
//
// Env: PPROF_ADDR (net/http/pprof). Prints READY after the first wave, READY2 after more.
package main

import (
	"fmt"
	"log"
	"math/rand"
	"net/http"
	_ "net/http/pprof"
	"os"
	"time"
)

type result struct {
	backend string
	hits    int
}

func queryBackend(name string, out chan<- result) {
	time.Sleep(time.Duration(10+rand.Intn(40)) * time.Millisecond)
	out <- result{name, rand.Intn(100)} // blocks forever once search has returned
}

func search() (result, bool) {
	out := make(chan result) // unbuffered: the bug
	for _, b := range []string{"products", "reviews", "offers"} {
		go queryBackend(b, out)
	}
	select {
	case r := <-out:
		return r, true
	case <-time.After(20 * time.Millisecond):
		return result{}, false
	}
}

func main() {
	go func() { log.Fatal(http.ListenAndServe(os.Getenv("PPROF_ADDR"), nil)) }()
	wave := func(n int) {
		for i := 0; i < n; i++ {
			go search()
			time.Sleep(2 * time.Millisecond)
		}
		time.Sleep(200 * time.Millisecond)
	}
	wave(150)
	fmt.Println("READY")
	wave(150)
	fmt.Println("READY2")
	select {}
}
