// Command db-conn-churn is a feature-flag service (database/sql + lib/pq) that opens a new
// database connection for every query.
//
// GET /v1/flags?service=… reads the flags of a service (a fast indexed query). After a database
// failover once left stale connections in the pool, someone set MaxIdleConns to 0 "so we never
// reuse a dead connection": database/sql now closes every connection as soon as it is released,
// so each request dials TCP, runs the PostgreSQL startup handshake, runs its query and closes
// the connection again. 8 clients (a second process, this binary with LOADGEN_URL set) call the
// endpoint in a loop. Nothing blocks, but the CPU profile and the trace are full of dialling,
// handshakes and closes.
//
// Env: PPROF_ADDR (net/http/pprof), PG_DSN. Prints READY once 300 requests have been served and
// as many connections closed.
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"os/exec"
	"os/signal"
	"runtime/pprof"
	"sync/atomic"
	"syscall"
	"time"

	_ "github.com/lib/pq"
)

const (
	clients      = 8
	maxOpenConns = 32
)

type flag struct {
	Name    string `json:"name"`
	Enabled bool   `json:"enabled"`
	Rollout int    `json:"rollout"`
}

type flagStore struct{ db *sql.DB }

func (s *flagStore) flags(ctx context.Context, service string) ([]flag, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name, enabled, rollout FROM feature_flags WHERE service = $1 ORDER BY name`, service)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []flag
	for rows.Next() {
		var f flag
		if err := rows.Scan(&f.Name, &f.Enabled, &f.Rollout); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

type api struct {
	store  *flagStore
	served atomic.Int64
	failed atomic.Int64
}

func (a *api) getFlags(w http.ResponseWriter, r *http.Request) {
	service := r.URL.Query().Get("service")
	pprof.Do(r.Context(), pprof.Labels("endpoint", "/v1/flags", "service", service), func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		flags, err := a.store.flags(ctx, service)
		if err != nil {
			a.failed.Add(1)
			http.Error(w, "flags unavailable", http.StatusServiceUnavailable)
			return
		}
		a.served.Add(1)
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(flags)
	})
}

func main() {
	if target := os.Getenv("LOADGEN_URL"); target != "" {
		loadgen(target)
		return
	}
	log.SetPrefix("db-conn-churn: ")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	db, err := sql.Open("postgres", os.Getenv("PG_DSN"))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(maxOpenConns)
	db.SetMaxIdleConns(0) // the bug: nothing is kept, every query dials
	for _, q := range []string{
		`CREATE TABLE IF NOT EXISTS feature_flags (service text NOT NULL, name text NOT NULL,
			enabled boolean NOT NULL, rollout int NOT NULL, PRIMARY KEY (service, name))`,
		`TRUNCATE feature_flags`,
		`INSERT INTO feature_flags
		 SELECT 'svc-' || s, 'flag-' || f, (s + f) % 3 <> 0, (s * 7 + f * 13) % 101
		 FROM generate_series(1, 20) s, generate_series(1, 12) f`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			log.Fatal(err)
		}
	}

	a := &api{store: &flagStore{db: db}}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/flags", a.getFlags)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	go func() { log.Fatal(http.ListenAndServe(os.Getenv("PPROF_ADDR"), nil)) }()
	go reportStats(ctx, db, a)

	gen := startLoadgen("http://" + ln.Addr().String() + "/v1/flags")
	defer gen.Process.Kill()

	deadline := time.Now().Add(60 * time.Second)
	for {
		st := db.Stats()
		if a.served.Load() >= 300 && st.MaxIdleClosed >= 300 {
			break
		}
		if time.Now().After(deadline) {
			log.Fatalf("no churn: %+v served=%d failed=%d", st, a.served.Load(), a.failed.Load())
		}
		time.Sleep(50 * time.Millisecond)
	}
	st := db.Stats()
	fmt.Printf("READY served=%d max_idle_closed=%d open=%d in_use=%d\n", a.served.Load(), st.MaxIdleClosed, st.OpenConnections, st.InUse)
	<-ctx.Done()
	srv.Close()
}

func reportStats(ctx context.Context, db *sql.DB, a *api) {
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			st := db.Stats()
			log.Printf("pool open=%d in_use=%d idle=%d max_idle_closed=%d served=%d failed=%d",
				st.OpenConnections, st.InUse, st.Idle, st.MaxIdleClosed, a.served.Load(), a.failed.Load())
		}
	}
}

func startLoadgen(target string) *exec.Cmd {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "LOADGEN_URL="+target)
	cmd.Stdout = os.Stderr
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	return cmd
}

// loadgen: services polling their flags in a loop.
func loadgen(target string) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}, Timeout: 5 * time.Second}
	for i := 0; i < clients; i++ {
		i := i
		go func() {
			for n := 0; ; n++ {
				resp, err := client.Get(fmt.Sprintf("%s?service=svc-%d", target, 1+(i*5+n)%20))
				if err != nil {
					time.Sleep(50 * time.Millisecond)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	}
	select {}
}
