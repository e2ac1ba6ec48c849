// Command healthy is the false-positive control: a service under light load with a right-sized
// database/sql pool (lib/pq), an HTTP client reusing keep-alive connections to its own API with
// every body closed, a worker pool idle on a channel, a ticker loop and signal handling.
//
// Env: PPROF_ADDR (net/http/pprof), PG_DSN. Prints READY once traffic is steady.
package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"os/signal"
	"runtime/pprof"
	"sync/atomic"
	"syscall"
	"time"

	_ "github.com/lib/pq"
)

func main() {
	db, err := sql.Open("postgres", os.Getenv("PG_DSN"))
	if err != nil {
		log.Fatal(err)
	}
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(6)
	db.SetConnMaxLifetime(3 * time.Minute)
	db.SetConnMaxIdleTime(time.Minute)

	mux := http.NewServeMux()
	mux.HandleFunc("/users/count", func(w http.ResponseWriter, r *http.Request) {
		pprof.Do(r.Context(), pprof.Labels("endpoint", "/users/count"), func(ctx context.Context) {
			ctx, cancel := context.WithTimeout(ctx, time.Second)
			defer cancel()
			var n int
			if err := db.QueryRowContext(ctx, "SELECT count(*) FROM pg_class").Scan(&n); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			fmt.Fprintln(w, n)
		})
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go http.Serve(ln, mux)
	go func() { log.Fatal(http.ListenAndServe(os.Getenv("PPROF_ADDR"), nil)) }()

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-sigs
		os.Exit(0)
	}()

	// an idle worker pool
	jobs := make(chan func(), 16)
	for i := 0; i < 8; i++ {
		go func() {
			for job := range jobs {
				job()
			}
		}()
	}

	// a metrics ticker
	var served atomic.Int64
	go func() {
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for range t.C {
			_ = db.Stats()
		}
	}()

	// light traffic: 4 clients, a request every 100 ms each, bodies read and closed
	client := &http.Client{Timeout: 5 * time.Second}
	for i := 0; i < 4; i++ {
		go func() {
			for {
				resp, err := client.Get("http://" + ln.Addr().String() + "/users/count")
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					served.Add(1)
				}
				time.Sleep(100 * time.Millisecond)
			}
		}()
	}
	for served.Load() < 40 {
		time.Sleep(50 * time.Millisecond)
	}
	fmt.Println("READY")
	select {}
}
