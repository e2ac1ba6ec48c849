// Command db-connect-storm is a device-token service (database/sql + lib/pq) that opens far
// more connections than the database allows.
//
// GET /v1/users/{id}/devices looks up a user's push tokens (the query takes ~250 ms). Nobody
// configured the pool: MaxOpenConns is 0 (unlimited) and MaxIdleConns is the default 2. When a
// push campaign starts, the sender fires 300 lookups at once (a second process, this binary
// with LOADGEN_URL set, sends such a wave every few seconds). database/sql opens a new
// connection for almost every request; the server (max_connections=20) refuses the rest with
// "pq: sorry, too many clients already", the handler retries with a short backoff, and at any
// moment a large part of the goroutines are dialling or in the PostgreSQL startup handshake.
//
// Env: PPROF_ADDR (net/http/pprof), PG_DSN (a server started with max_connections=20). Prints
// READY during the first wave, once most of its requests are in flight and database/sql counts
// three times the server's max_connections as open or opening.
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"math/rand"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"os/exec"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/lib/pq"
)

const (
	waveSize       = 300
	maxAttempts    = 6
	requestTimeout = 10 * time.Second
)

type device struct {
	Token    string `json:"token"`
	Platform string `json:"platform"`
}

type tokenStore struct{ db *sql.DB }

func (s *tokenStore) devices(ctx context.Context, user int) ([]device, error) {
	rows, err := s.db.QueryContext(ctx,
		`SELECT 'tok-' || $1::int || '-' || g, CASE WHEN g % 2 = 0 THEN 'ios' ELSE 'android' END
		 FROM generate_series(1, 3) AS g, pg_sleep(0.25)`, user)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []device
	for rows.Next() {
		var d device
		if err := rows.Scan(&d.Token, &d.Platform); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// tooManyClients: SQLSTATE 53300, "sorry, too many clients already".
func tooManyClients(err error) bool {
	var pe *pq.Error
	return errors.As(err, &pe) && pe.Code == "53300"
}

type api struct {
	store    *tokenStore
	inflight atomic.Int64
	refused  atomic.Int64 // connection attempts the server refused
	served   atomic.Int64
	failed   atomic.Int64
	rngMu    sync.Mutex
	rng      *rand.Rand
}

func (a *api) backoff(attempt int) time.Duration {
	a.rngMu.Lock()
	defer a.rngMu.Unlock()
	return time.Duration(10*(attempt+1)+a.rng.Intn(30)) * time.Millisecond
}

func (a *api) userDevices(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/v1/users/"), "/devices"))
	labels := pprof.Labels("endpoint", "/v1/users/{id}/devices", "campaign", r.URL.Query().Get("campaign"))
	pprof.Do(r.Context(), labels, func(ctx context.Context) {
		a.inflight.Add(1)
		defer a.inflight.Add(-1)
		ctx, cancel := context.WithTimeout(ctx, requestTimeout)
		defer cancel()
		var devs []device
		var err error
		for attempt := 0; attempt < maxAttempts; attempt++ {
			devs, err = a.store.devices(ctx, id)
			if err == nil || !tooManyClients(err) {
				break
			}
			a.refused.Add(1)
			time.Sleep(a.backoff(attempt))
		}
		if err != nil {
			a.failed.Add(1)
			http.Error(w, "try later", http.StatusServiceUnavailable)
			return
		}
		a.served.Add(1)
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(devs)
	})
}

func main() {
	if target := os.Getenv("LOADGEN_URL"); target != "" {
		loadgen(target)
		return
	}
	log.SetPrefix("db-connect-storm: ")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	db, err := sql.Open("postgres", os.Getenv("PG_DSN")+"&connect_timeout=10")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	// No pool settings: MaxOpenConns 0 (unlimited), MaxIdleConns 2.
	if err := db.PingContext(ctx); err != nil {
		log.Fatal(err)
	}

	a := &api{store: &tokenStore{db: db}, rng: rand.New(rand.NewSource(3))}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/users/", a.userDevices)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	go func() { log.Fatal(http.ListenAndServe(os.Getenv("PPROF_ADDR"), nil)) }()
	go reportStats(ctx, db, a)

	gen := startLoadgen("http://" + ln.Addr().String() + "/v1/users/")
	defer gen.Process.Kill()

	deadline := time.Now().Add(60 * time.Second)
	for {
		// Three times the server's max_connections being opened or in use.
		if a.inflight.Load() >= waveSize*3/4 && db.Stats().OpenConnections >= 60 {
			break
		}
		if time.Now().After(deadline) {
			log.Fatalf("no storm: inflight=%d refused=%d %+v", a.inflight.Load(), a.refused.Load(), db.Stats())
		}
		time.Sleep(5 * time.Millisecond)
	}
	st := db.Stats()
	fmt.Printf("READY inflight=%d refused=%d open=%d in_use=%d max_idle_closed=%d served=%d\n",
		a.inflight.Load(), a.refused.Load(), st.OpenConnections, st.InUse, st.MaxIdleClosed, a.served.Load())
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
			log.Printf("pool open=%d in_use=%d idle=%d max_idle_closed=%d refused=%d served=%d failed=%d",
				st.OpenConnections, st.InUse, st.Idle, st.MaxIdleClosed, a.refused.Load(), a.served.Load(), a.failed.Load())
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

// loadgen: a push campaign sender that looks up waveSize users at once, wave after wave.
func loadgen(target string) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: waveSize}, Timeout: 2 * requestTimeout}
	for wave := 0; ; wave++ {
		var wg sync.WaitGroup
		for i := 0; i < waveSize; i++ {
			wg.Add(1)
			url := fmt.Sprintf("%s%d/devices?campaign=c%d", target, 2000000+wave*waveSize+i, 40+wave)
			go func() {
				defer wg.Done()
				resp, err := client.Get(url)
				if err != nil {
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}()
		}
		wg.Wait()
		time.Sleep(time.Second)
	}
}
