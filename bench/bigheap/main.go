// Command bigheap writes a heap profile with one sample per distinct call path: it allocates
// with MemProfileRate=1 from PATHS call paths (the bits of each path's number choose, frame by
// frame, between two functions), each below a fixed run of PREFIX frames, as a deep request
// handler would, and keeps every allocation live. Usage: bigheap OUT.pb.gz PATHS PREFIX
package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
)

var keep [][]byte

//go:noinline
func even(path, depth int) {
	if depth == 0 {
		keep = append(keep, make([]byte, 64))
		return
	}
	if path&1 == 0 {
		even(path>>1, depth-1)
	} else {
		odd(path>>1, depth-1)
	}
}

//go:noinline
func odd(path, depth int) {
	if depth == 0 {
		keep = append(keep, make([]byte, 96))
		return
	}
	if path&1 == 0 {
		even(path>>1, depth-1)
	} else {
		odd(path>>1, depth-1)
	}
}

// middleware stands for the frames every request passes through before its own code.
//
//go:noinline
func middleware(n int, f func()) {
	if n == 0 {
		f()
		return
	}
	middleware(n-1, f)
}

func main() {
	runtime.MemProfileRate = 1
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: bigheap OUT.pb.gz PATHS PREFIX")
		os.Exit(2)
	}
	paths, err1 := strconv.Atoi(os.Args[2])
	prefix, err2 := strconv.Atoi(os.Args[3])
	if err1 != nil || err2 != nil || paths < 2 || prefix < 0 {
		fmt.Fprintln(os.Stderr, "PATHS ≥ 2, PREFIX ≥ 0: whole numbers")
		os.Exit(2)
	}
	depth := 1
	for 1<<depth < paths {
		depth++
	}
	keep = make([][]byte, 0, paths)
	for p := 0; p < paths; p++ {
		middleware(prefix, func() { even(p, depth) })
	}
	runtime.GC()
	f, err := os.Create(os.Args[1])
	if err != nil {
		panic(err)
	}
	if err := pprof.WriteHeapProfile(f); err != nil {
		panic(err)
	}
	if err := f.Close(); err != nil {
		panic(err)
	}
	fmt.Println(len(keep), "allocations from", paths, "paths,", depth+prefix, "frames deep")
}
