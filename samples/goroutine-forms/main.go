// Command goroutine-forms parks a known population of goroutines in stable states and writes
// the goroutine profile three ways back to back (debug=0 protobuf, debug=1, debug=2), plus
// heap, block, mutex and threadcreate profiles, so that the forms of one moment can be
// compared. Usage: goroutine-forms OUTDIR
package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sync"
	"time"
)

type box[T any] struct{ ch chan T }

// waitOn is generic so that its name is printed as an instantiation.
func (b *box[T]) waitOn() T { return <-b.ch }

func park(n int, f func()) {
	for i := 0; i < n; i++ {
		go f()
	}
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: goroutine-forms OUTDIR")
		os.Exit(2)
	}
	out := os.Args[1]
	if err := os.MkdirAll(out, 0o755); err != nil {
		panic(err)
	}
	runtime.SetBlockProfileRate(1)
	runtime.SetMutexProfileFraction(1)

	never := make(chan int)
	nobody := make(chan int)
	park(7, func() { <-never })    // chan receive
	park(5, func() { nobody <- 1 }) // chan send: nobody receives
	other := make(chan string)
	park(4, func() {
		select {
		case <-never:
		case <-other:
		}
	})

	var mu sync.Mutex
	// real contention first, so the mutex and block profiles have samples
	for i := 0; i < 20; i++ {
		var wg sync.WaitGroup
		for j := 0; j < 4; j++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				mu.Lock()
				time.Sleep(100 * time.Microsecond)
				mu.Unlock()
			}()
		}
		wg.Wait()
	}
	mu.Lock() // held by main from here on
	park(6, func() { mu.Lock() })

	var wg sync.WaitGroup
	wg.Add(1) // never Done
	park(3, func() { wg.Wait() })

	var rw sync.RWMutex
	rw.RLock() // a long-held read lock
	go func() { rw.Lock() }()
	time.Sleep(50 * time.Millisecond) // the writer queues before the readers below
	park(2, func() { rw.RLock() })

	cond := sync.NewCond(&sync.Mutex{})
	park(3, func() {
		cond.L.Lock()
		cond.Wait()
	})

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				buf := make([]byte, 1)
				c.Read(buf) // IO wait: the client never writes
			}()
		}
	}()
	for i := 0; i < 4; i++ {
		if _, err := net.Dial("tcp", ln.Addr().String()); err != nil {
			panic(err)
		}
	}

	park(2, func() { time.Sleep(time.Hour) })
	go func() { select {} }()

	pprof.Do(context.Background(), pprof.Labels("handler", "checkout", "tenant", "t-07"), func(ctx context.Context) {
		go func() { <-never }()
	})

	ints := &box[int]{ch: make(chan int)}
	strs := &box[string]{ch: make(chan string)}
	go ints.waitOn()
	go strs.waitOn()

	// Let every goroutine reach its parking place.
	time.Sleep(500 * time.Millisecond)

	write := func(name string, profile string, debug int) {
		f, err := os.Create(filepath.Join(out, name))
		if err != nil {
			panic(err)
		}
		if err := pprof.Lookup(profile).WriteTo(f, debug); err != nil {
			panic(err)
		}
		f.Close()
	}
	write("goroutine.pb.gz", "goroutine", 0)
	write("goroutine.debug1.txt", "goroutine", 1)
	write("goroutine.debug2.txt", "goroutine", 2)
	write("heap.pb.gz", "heap", 0)
	write("block.pb.gz", "block", 0)
	write("mutex.pb.gz", "mutex", 0)
	write("threadcreate.pb.gz", "threadcreate", 0)
	if p := pprof.Lookup("goroutineleak"); p != nil {
		runtime.GC()
		write("goroutineleak.pb.gz", "goroutineleak", 0)
		write("goroutineleak.debug1.txt", "goroutineleak", 1)
		write("goroutineleak.debug2.txt", "goroutineleak", 2)
	}
}
