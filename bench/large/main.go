// Command large writes the big inputs the benchmark reads: a goroutine profile of 100,000
// goroutines (protobuf, debug=1 and debug=2) and a heap profile with about a million distinct
// allocation stacks. Usage: large OUTDIR
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sync"
	"time"
)

var keep [][]byte

// a and b call each other along the bits of path, so every path is a distinct stack.
func a(path, depth int) {
	if depth == 0 {
		keep = append(keep, make([]byte, 64))
		return
	}
	if path&1 == 0 {
		a(path>>1, depth-1)
	} else {
		b(path>>1, depth-1)
	}
}

func b(path, depth int) {
	if depth == 0 {
		keep = append(keep, make([]byte, 96))
		return
	}
	if path&1 == 0 {
		a(path>>1, depth-1)
	} else {
		b(path>>1, depth-1)
	}
}

func waitA(ch chan int)           { <-ch }
func waitB(mu *sync.Mutex)        { mu.Lock() }
func waitC(wg *sync.WaitGroup)    { wg.Wait() }
func waitD(ch chan int, d int)    { select { case <-ch: case <-time.After(time.Hour * time.Duration(d)): } }
func nest(n int, f func())        { if n == 0 { f(); return }; nest(n-1, f) }

func main() {
	out := os.Args[1]
	os.MkdirAll(out, 0o755)
	runtime.MemProfileRate = 1
	const depth = 20
	for p := 0; p < 1<<depth; p++ {
		a(p, depth)
	}

	never := make(chan int)
	var mu sync.Mutex
	mu.Lock()
	var wg sync.WaitGroup
	wg.Add(1)
	for i := 0; i < 100000; i++ {
		switch i % 4 {
		case 0:
			go nest(i%7, func() { waitA(never) })
		case 1:
			go nest(i%5, func() { waitB(&mu) })
		case 2:
			go nest(i%3, func() { waitC(&wg) })
		default:
			go nest(i%9, func() { waitD(never, 1+i%3) })
		}
	}
	time.Sleep(2 * time.Second)
	write := func(name, profile string, debug int) {
		f, err := os.Create(filepath.Join(out, name))
		if err != nil {
			panic(err)
		}
		if err := pprof.Lookup(profile).WriteTo(f, debug); err != nil {
			panic(err)
		}
		f.Close()
	}
	write("goroutine-100k.pb.gz", "goroutine", 0)
	write("goroutine-100k.debug1.txt", "goroutine", 1)
	write("goroutine-100k.debug2.txt", "goroutine", 2)
	write("heap-1m.pb.gz", "heap", 0)
	fmt.Println(runtime.NumGoroutine(), len(keep))
}
