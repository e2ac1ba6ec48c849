// Command db-pool-pq is an order service whose database/sql pool (lib/pq) is exhausted: the
// pool allows 5 connections, every request runs a query the database answers in 2 s, and
// 200 requests arrive at once. Most handlers queue in database/sql.(*DB).conn.
//
// Env: PPROF_ADDR (net/http/pprof), PG_DSN. Prints READY when the pool is saturated.
package main

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"runtime/pprof"
	"sync"
	"time"

	_ "github.com/lib/pq"
)

type store struct{ db *sql.DB }

// orderTotal runs the slow report query a handler needs.
func (s *store) orderTotal(ctx context.Context, customer int) (float64, error) {
	var total float64
	err := s.db.QueryRowContext(ctx, `SELECT pg_sleep(2)::text::float * 0 + $1`, customer).Scan(&total)
	return total, err
}

func main() {
	db, err := sql.Open("postgres", os.Getenv("PG_DSN"))
	if err != nil {
		log.Fatal(err)
	}
	db.SetMaxOpenConns(5)
	db.SetMaxIdleConns(5)
	db.SetConnMaxLifetime(30 * time.Minute)
	s := &store{db: db}

	mux := http.NewServeMux()
	mux.HandleFunc("/orders/total", func(w http.ResponseWriter, r *http.Request) {
		pprof.Do(r.Context(), pprof.Labels("endpoint", "/orders/total"), func(ctx context.Context) {
			t, err := s.orderTotal(ctx, 42)
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			fmt.Fprintf(w, "%.2f\n", t)
		})
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go http.Serve(ln, mux)
	go func() { log.Fatal(http.ListenAndServe(os.Getenv("PPROF_ADDR"), nil)) }()

	// 200 clients arrive at once and keep coming back.
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	var wg sync.WaitGroup
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				resp, err := client.Get("http://" + ln.Addr().String() + "/orders/total")
				if err == nil {
					resp.Body.Close()
				}
			}
		}()
	}
	for db.Stats().WaitCount < 150 {
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond)
	fmt.Println("READY")
	wg.Wait()
}
