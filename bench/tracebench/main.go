// Command tracebench reads execution traces with Go's own trace reader (golang.org/x/exp/trace,
// generated from the standard library's internal/trace) and reports, as one JSON line per
// file, the events it read and the best wall time of RUNS full reads. It is the Go side of
// bench/trace.js. Usage: tracebench RUNS FILE...
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"golang.org/x/exp/trace"
)

type result struct {
	File       string  `json:"file"`
	Events     int     `json:"events"`
	Goroutines int     `json:"goroutines"`
	BestMs     float64 `json:"bestMs"`
	Error      string  `json:"error,omitempty"`
}

// read reads every event and, as an analysis would, looks at each goroutine transition and
// the stack it carries.
func read(path string) (events, goroutines int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	r, err := trace.NewReader(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return 0, 0, err
	}
	seen := map[trace.GoID]struct{}{}
	frames := 0
	for {
		ev, err := r.ReadEvent()
		if err == io.EOF {
			break
		}
		if err != nil {
			return events, len(seen), err
		}
		events++
		if ev.Kind() == trace.EventStateTransition {
			st := ev.StateTransition()
			if st.Resource.Kind == trace.ResourceGoroutine {
				seen[st.Resource.Goroutine()] = struct{}{}
				for range st.Stack.Frames() {
					frames++
				}
			}
		}
	}
	_ = frames
	return events, len(seen), nil
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: tracebench RUNS FILE...")
		os.Exit(2)
	}
	runs, err := strconv.Atoi(os.Args[1])
	if err != nil || runs < 1 {
		fmt.Fprintln(os.Stderr, "RUNS: a positive whole number")
		os.Exit(2)
	}
	enc := json.NewEncoder(os.Stdout)
	for _, path := range os.Args[2:] {
		res := result{File: path, BestMs: -1}
		for i := 0; i < runs; i++ {
			t0 := time.Now()
			n, g, err := read(path)
			ms := float64(time.Since(t0).Microseconds()) / 1000
			res.Events, res.Goroutines = n, g
			if err != nil {
				res.Error = err.Error()
				break
			}
			if res.BestMs < 0 || ms < res.BestMs {
				res.BestMs = ms
			}
		}
		enc.Encode(res)
	}
}
