// Command largetrace writes a large execution trace of a busy program: channel ping-pong, a
// contended mutex, loopback TCP round trips, sleeps, file syscalls and a steady churn of short
// goroutines, traced until the trace file reaches the size asked for. With Go 1.22 and later the
// runtime starts a new generation about every second, so the trace has many generations.
// Usage: largetrace OUT.trace SIZE_MB
package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"runtime/trace"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

var stop atomic.Bool

func pingPong(a, b chan int) {
	for !stop.Load() {
		a <- 1
		<-b
	}
	close(a)
}

func pong(a, b chan int) {
	for range a {
		b <- 1
	}
}

func contend(mu *sync.Mutex, shared *int) {
	for !stop.Load() {
		mu.Lock()
		*shared++
		time.Sleep(20 * time.Microsecond)
		mu.Unlock()
	}
}

func echoServer(l net.Listener) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			io.Copy(c, c)
		}()
	}
}

func netClient(addr string) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		panic(err)
	}
	defer c.Close()
	buf := make([]byte, 64)
	for !stop.Load() {
		if _, err := c.Write(buf); err != nil {
			return
		}
		if _, err := io.ReadFull(c, buf); err != nil {
			return
		}
	}
}

func sleeper(d time.Duration) {
	for !stop.Load() {
		time.Sleep(d)
	}
}

func syscaller(dir string, i int) {
	name := fmt.Sprintf("%s/f%d", dir, i)
	for !stop.Load() {
		f, err := os.Create(name)
		if err != nil {
			panic(err)
		}
		f.Write([]byte("x"))
		f.Close()
		os.Stat(name)
	}
	os.Remove(name)
}

func shortLived(wg *sync.WaitGroup, ch chan int) {
	defer wg.Done()
	ch <- 1
}

func churn() {
	ch := make(chan int, 64)
	for !stop.Load() {
		var wg sync.WaitGroup
		for i := 0; i < 16; i++ {
			wg.Add(1)
			go shortLived(&wg, ch)
		}
		for i := 0; i < 16; i++ {
			<-ch
		}
		wg.Wait()
		time.Sleep(time.Millisecond)
	}
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: largetrace OUT.trace SIZE_MB")
		os.Exit(2)
	}
	out := os.Args[1]
	mb, err := strconv.Atoi(os.Args[2])
	if err != nil || mb <= 0 {
		fmt.Fprintln(os.Stderr, "SIZE_MB: a positive whole number")
		os.Exit(2)
	}
	f, err := os.Create(out)
	if err != nil {
		panic(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	tmp, err := os.MkdirTemp("", "largetrace")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(tmp)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go echoServer(l)

	if err := trace.Start(w); err != nil {
		panic(err)
	}
	start := time.Now()
	var mu sync.Mutex
	var shared int
	var all sync.WaitGroup
	run := func(fn func()) {
		all.Add(1)
		go func() {
			defer all.Done()
			fn()
		}()
	}
	for i := 0; i < 8; i++ {
		a, b := make(chan int), make(chan int)
		run(func() { pingPong(a, b) })
		run(func() { pong(a, b) })
	}
	for i := 0; i < 6; i++ {
		run(func() { contend(&mu, &shared) })
	}
	for i := 0; i < 4; i++ {
		run(func() { netClient(l.Addr().String()) })
	}
	for i := 0; i < 4; i++ {
		d := time.Duration(100*(i+1)) * time.Microsecond
		run(func() { sleeper(d) })
	}
	for i := 0; i < 2; i++ {
		i := i
		run(func() { syscaller(tmp, i) })
	}
	run(churn)

	limit := int64(mb) << 20
	for {
		time.Sleep(200 * time.Millisecond)
		st, err := f.Stat()
		if err != nil {
			panic(err)
		}
		if st.Size()+int64(w.Buffered()) >= limit || time.Since(start) > 10*time.Minute {
			break
		}
	}
	stop.Store(true)
	all.Wait()
	trace.Stop()
	w.Flush()
	f.Close()
	l.Close()
	st, _ := os.Stat(out)
	fmt.Printf("%s: %d bytes in %.1f s\n", out, st.Size(), time.Since(start).Seconds())
}
