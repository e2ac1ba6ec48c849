// Command db-pool-mysql is a user-profile service whose database/sql pool is exhausted; the
// driver is go-sql-driver/mysql, the server MariaDB.
//
// GET /v1/profiles/{id} loads a profile with its preferences under a 30 s request deadline. The
// pool allows 6 connections; the profile query now takes 2 s on the server (SLEEP(2) stands for
// a missing index on the preferences table), and 120 clients call in a loop: 6 handlers wait in
// mysql reads on the server, the rest queue in database/sql.(*DB).conn.
//
// The clients run in a second process (this binary with LOADGEN_URL set).
//
// Env: PPROF_ADDR (net/http/pprof), MYSQL_DSN (go-sql-driver form, user:pass@tcp(host:port)/db).
// Prints READY once the pool is saturated and nearly every request is queued.
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
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	_ "github.com/go-sql-driver/mysql"
)

const (
	maxOpenConns   = 6
	clients        = 120
	queryLatency   = 2 * time.Second
	requestTimeout = 30 * time.Second
)

type profile struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Locale   string `json:"locale"`
	Settings int    `json:"settings"`
}

type profileRepo struct{ db *sql.DB }

func (r *profileRepo) load(ctx context.Context, id int64) (profile, error) {
	// SLEEP() returns 0 after sleeping; the sum keeps the row shape of the real query.
	const q = `SELECT ?, CONCAT('user-', ?), 'en_GB', 12 + SLEEP(?)`
	p := profile{}
	err := r.db.QueryRowContext(ctx, q, id, id, queryLatency.Seconds()).Scan(&p.ID, &p.Name, &p.Locale, &p.Settings)
	return p, err
}

type api struct {
	profiles *profileRepo
	inflight atomic.Int64
	served   atomic.Int64
	failed   atomic.Int64
}

func (a *api) getProfile(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(strings.TrimPrefix(r.URL.Path, "/v1/profiles/"), 10, 64)
	labels := pprof.Labels("endpoint", "/v1/profiles/{id}", "region", r.Header.Get("X-Region"))
	pprof.Do(r.Context(), labels, func(ctx context.Context) {
		a.inflight.Add(1)
		defer a.inflight.Add(-1)
		ctx, cancel := context.WithTimeout(ctx, requestTimeout)
		defer cancel()
		p, err := a.profiles.load(ctx, id)
		if err != nil {
			a.failed.Add(1)
			log.Printf("profile %d: %v", id, err)
			http.Error(w, "profile unavailable", http.StatusServiceUnavailable)
			return
		}
		a.served.Add(1)
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(p)
	})
}

func main() {
	if target := os.Getenv("LOADGEN_URL"); target != "" {
		loadgen(target)
		return
	}
	log.SetPrefix("db-pool-mysql: ")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	dsn := os.Getenv("MYSQL_DSN")
	if !strings.Contains(dsn, "?") {
		dsn += "?"
	} else {
		dsn += "&"
	}
	dsn += "timeout=5s&parseTime=true"
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(maxOpenConns)
	db.SetMaxIdleConns(maxOpenConns)
	db.SetConnMaxLifetime(3 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		log.Fatal(err)
	}

	a := &api{profiles: &profileRepo{db: db}}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/profiles/", a.getProfile)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	go func() { log.Fatal(http.ListenAndServe(os.Getenv("PPROF_ADDR"), nil)) }()
	go reportStats(ctx, db, a)

	gen := startLoadgen("http://" + ln.Addr().String() + "/v1/profiles/")
	defer gen.Process.Kill()

	deadline := time.Now().Add(60 * time.Second)
	for {
		st := db.Stats()
		if st.InUse == maxOpenConns && a.inflight.Load() >= clients-2 && st.WaitCount >= clients-maxOpenConns {
			break
		}
		if time.Now().After(deadline) {
			log.Fatalf("pool never saturated: %+v inflight=%d", st, a.inflight.Load())
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(time.Second)
	st := db.Stats()
	fmt.Printf("READY in_use=%d open=%d wait_count=%d inflight=%d served=%d\n",
		st.InUse, st.OpenConnections, st.WaitCount, a.inflight.Load(), a.served.Load())
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
			log.Printf("pool open=%d in_use=%d idle=%d wait_count=%d wait=%s served=%d failed=%d",
				st.OpenConnections, st.InUse, st.Idle, st.WaitCount, st.WaitDuration.Round(time.Millisecond),
				a.served.Load(), a.failed.Load())
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

// loadgen: app sessions fetching profiles in a loop.
func loadgen(target string) {
	tr := &http.Transport{MaxIdleConnsPerHost: clients}
	client := &http.Client{Transport: tr, Timeout: 2 * requestTimeout}
	regions := []string{"eu-west", "eu-central", "us-east"}
	for i := 0; i < clients; i++ {
		i := i
		go func() {
			url := fmt.Sprintf("%s%d", target, 500000+i*13)
			for {
				req, _ := http.NewRequest("GET", url, nil)
				req.Header.Set("X-Region", regions[i%len(regions)])
				resp, err := client.Do(req)
				if err != nil {
					time.Sleep(100 * time.Millisecond)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	}
	select {}
}
