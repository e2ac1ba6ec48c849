// Command bigserver is a server stuck the way the benchmark's goroutine inputs need: a
// database/sql pool of a few connections, all held, with most request goroutines waiting in
// (*DB).conn for one, and the rest waiting on a sync.Mutex that is never unlocked. Before it
// blocks, each goroutine descends through a call path chosen by the hex digits of its index,
// so the goroutine profile has about STACKS distinct stacks. It serves net/http/pprof and prints
// "ready ADDR" on stdout once every goroutine is parked; the profiles are taken from it over
// HTTP, and the debug=2 dump from its own traceback on SIGQUIT (GOTRACEBACK=all).
// Usage: bigserver GOROUTINES STACKS
package main

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"runtime"
	"strconv"
	"sync"
	"time"
)

// A driver whose connections do nothing: enough for database/sql's pool to hand them out.
type fakeDriver struct{}
type fakeConn struct{}

func (fakeDriver) Open(string) (driver.Conn, error)  { return fakeConn{}, nil }
func (fakeConn) Prepare(string) (driver.Stmt, error) { return nil, errors.New("not supported") }
func (fakeConn) Close() error                        { return nil }
func (fakeConn) Begin() (driver.Tx, error)           { return nil, errors.New("not supported") }
func (fakeConn) Ping(context.Context) error          { return nil }

var (
	db *sql.DB
	mu sync.Mutex
)

// step descends one frame per hex digit of path, through one of sixteen call sites (sixteen
// distinct program counters); at depth 0 the goroutine blocks.
//
//go:noinline
func step(path, depth int, wait func()) {
	if depth == 0 {
		wait()
		return
	}
	next := path >> 4
	switch path & 15 {
	case 0:
		step(next, depth-1, wait)
	case 1:
		step(next, depth-1, wait)
	case 2:
		step(next, depth-1, wait)
	case 3:
		step(next, depth-1, wait)
	case 4:
		step(next, depth-1, wait)
	case 5:
		step(next, depth-1, wait)
	case 6:
		step(next, depth-1, wait)
	case 7:
		step(next, depth-1, wait)
	case 8:
		step(next, depth-1, wait)
	case 9:
		step(next, depth-1, wait)
	case 10:
		step(next, depth-1, wait)
	case 11:
		step(next, depth-1, wait)
	case 12:
		step(next, depth-1, wait)
	case 13:
		step(next, depth-1, wait)
	case 14:
		step(next, depth-1, wait)
	case 15:
		step(next, depth-1, wait)
	}
}

// queryUser waits in (*DB).conn for a connection of the exhausted pool.
//
//go:noinline
func queryUser() {
	conn, err := db.Conn(context.Background())
	if err == nil {
		conn.Close()
	}
}

// updateCache waits on a mutex whose holder never lets go.
//
//go:noinline
func updateCache() {
	mu.Lock()
	mu.Unlock()
}

func handle(i, paths, depth int) {
	path := i % paths
	if (i/paths)%2 == 0 {
		step(path, depth, queryUser)
	} else {
		step(path, depth, updateCache)
	}
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: bigserver GOROUTINES STACKS")
		os.Exit(2)
	}
	n, err1 := strconv.Atoi(os.Args[1])
	stacks, err2 := strconv.Atoi(os.Args[2])
	if err1 != nil || err2 != nil || n < 2 || stacks < 2 {
		fmt.Fprintln(os.Stderr, "GOROUTINES, STACKS: whole numbers ≥ 2")
		os.Exit(2)
	}
	sql.Register("fake", fakeDriver{})
	db, _ = sql.Open("fake", "")
	db.SetMaxOpenConns(4)
	var held []*sql.Conn
	for i := 0; i < 4; i++ {
		c, err := db.Conn(context.Background())
		if err != nil {
			panic(err)
		}
		held = append(held, c)
	}
	mu.Lock()

	paths := stacks / 2 // two ways to block per path
	depth := 1
	for 1<<(4*depth) < paths {
		depth++
	}
	base := runtime.NumGoroutine()
	for i := 0; i < n; i++ {
		go handle(i, paths, depth)
	}
	for runtime.NumGoroutine() < base+n {
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(time.Second) // every goroutine parked
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	fmt.Printf("ready %s %d\n", l.Addr(), runtime.NumGoroutine())
	http.Serve(l, nil)
	runtime.KeepAlive(held)
}
