// Command db-pool-slow-tx is a booking service whose database/sql pool (lib/pq) is exhausted by
// slow but correct transactions.
//
// POST /v1/bookings/{id}/confirm confirms a booking in one transaction: it locks the booking row
// (SELECT … FOR UPDATE), asks the payment gateway to authorise the amount, records the
// authorisation and commits. Every transaction is committed, or rolled back by the deferred
// Rollback on an error path: nothing leaks. But the gateway, a separate service reached over
// HTTP, now takes 1–3 s to answer, and the transaction (with its pooled connection) stays open
// for the whole call. The pool allows 5 connections, so 5 handlers sit in the gateway call
// inside their transactions and the other requests queue in database/sql.(*DB).conn under
// BeginTx.
//
// Three processes, all this binary: the booking service (the one profiled), the payment gateway
// (ROLE=gateway, on its own 127.0.0.1 port) and the clients (LOADGEN_URL set), 40 of them
// confirming bookings in a loop.
//
// Env: PPROF_ADDR (net/http/pprof), PG_DSN. Prints READY once the pool is saturated and the
// queue is full.
package main

import (
	"bufio"
	"bytes"
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
	"sync/atomic"
	"syscall"
	"time"

	_ "github.com/lib/pq"
)

const (
	maxOpenConns   = 5
	clients        = 40
	bookings       = 10000
	requestTimeout = 30 * time.Second
	gatewayMin     = 1 * time.Second
	gatewayMax     = 3 * time.Second
)

// ---- the payment gateway's client ----

type gatewayClient struct {
	base string
	hc   *http.Client
}

type authorization struct {
	ID     string `json:"id"`
	Status string `json:"status"`
}

// authorize asks the payment gateway to authorise amount for the booking.
func (g *gatewayClient) authorize(ctx context.Context, booking int, tenant string, cents int64) (authorization, error) {
	body, _ := json.Marshal(map[string]any{"reference": fmt.Sprintf("bk_%d", booking), "tenant": tenant, "amount_cents": cents, "currency": "EUR"})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.base+"/v2/authorizations", bytes.NewReader(body))
	if err != nil {
		return authorization{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := g.hc.Do(req)
	if err != nil {
		return authorization{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		io.Copy(io.Discard, resp.Body)
		return authorization{}, fmt.Errorf("gateway: %s", resp.Status)
	}
	var a authorization
	err = json.NewDecoder(resp.Body).Decode(&a)
	return a, err
}

// ---- the booking service ----

var errNotAuthorized = errors.New("payment not authorised")

type service struct {
	db       *sql.DB
	gateway  *gatewayClient
	inflight atomic.Int64
	served   atomic.Int64
	failed   atomic.Int64
}

// confirmBooking authorises the payment and confirms the booking in one transaction. Correct,
// but the transaction stays open across the gateway call.
func (s *service) confirmBooking(ctx context.Context, id int) (string, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return "", err
	}
	defer tx.Rollback() // after Commit: sql.ErrTxDone, ignored
	var (
		cents  int64
		tenant string
	)
	err = tx.QueryRowContext(ctx, `SELECT amount_cents, tenant FROM bookings WHERE id = $1 FOR UPDATE`, id).Scan(&cents, &tenant)
	if err != nil {
		return "", err
	}
	auth, err := s.gateway.authorize(ctx, id, tenant, cents) // 1–3 s, the transaction open
	if err != nil {
		return "", err
	}
	if auth.Status != "authorized" {
		return "", errNotAuthorized
	}
	if _, err := tx.ExecContext(ctx, `UPDATE bookings SET status = 'confirmed', auth_id = $2, confirmed_at = now() WHERE id = $1`, id, auth.ID); err != nil {
		return "", err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO payments (booking_id, auth_id, amount_cents) VALUES ($1, $2, $3)`, id, auth.ID, cents); err != nil {
		return "", err
	}
	return auth.ID, tx.Commit()
}

func (s *service) confirm(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, "/v1/bookings/")
	id, err := strconv.Atoi(strings.TrimSuffix(rest, "/confirm"))
	if r.Method != http.MethodPost || err != nil || !strings.HasSuffix(rest, "/confirm") {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	labels := pprof.Labels("endpoint", "/v1/bookings/{id}/confirm", "tenant", r.Header.Get("X-Tenant"))
	pprof.Do(r.Context(), labels, func(ctx context.Context) {
		s.inflight.Add(1)
		defer s.inflight.Add(-1)
		ctx, cancel := context.WithTimeout(ctx, requestTimeout)
		defer cancel()
		authID, err := s.confirmBooking(ctx, id)
		if err != nil {
			s.failed.Add(1)
			log.Printf("booking %d: %v", id, err)
			http.Error(w, "booking not confirmed", http.StatusServiceUnavailable)
			return
		}
		s.served.Add(1)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"booking":%d,"status":"confirmed","authorization":%q}`+"\n", id, authID)
	})
}

func main() {
	switch {
	case os.Getenv("ROLE") == "gateway":
		gateway()
		return
	case os.Getenv("LOADGEN_URL") != "":
		loadgen(os.Getenv("LOADGEN_URL"))
		return
	}
	log.SetPrefix("db-pool-slow-tx: ")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	gatewayAddr := startGateway()

	db, err := sql.Open("postgres", os.Getenv("PG_DSN"))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(maxOpenConns)
	db.SetMaxIdleConns(maxOpenConns)
	db.SetConnMaxLifetime(30 * time.Minute)
	for _, q := range []string{
		`CREATE TABLE IF NOT EXISTS bookings (id int PRIMARY KEY, tenant text NOT NULL, amount_cents bigint NOT NULL,
			status text NOT NULL DEFAULT 'pending', auth_id text, confirmed_at timestamptz)`,
		`CREATE TABLE IF NOT EXISTS payments (booking_id int NOT NULL, auth_id text NOT NULL, amount_cents bigint NOT NULL,
			created_at timestamptz NOT NULL DEFAULT now())`,
		`TRUNCATE bookings, payments`,
		fmt.Sprintf(`INSERT INTO bookings (id, tenant, amount_cents)
			SELECT g, 't' || lpad((g %% 12)::text, 2, '0'), 4900 + (g * 37) %% 90000 FROM generate_series(1, %d) g`, bookings),
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			log.Fatal(err)
		}
	}

	s := &service{
		db: db,
		gateway: &gatewayClient{
			base: "http://" + gatewayAddr,
			hc: &http.Client{
				Transport: &http.Transport{MaxIdleConnsPerHost: 16, IdleConnTimeout: 90 * time.Second},
				Timeout:   10 * time.Second,
			},
		},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/bookings/", s.confirm)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	go func() { log.Fatal(http.ListenAndServe(os.Getenv("PPROF_ADDR"), nil)) }()
	go reportStats(ctx, db, s)

	if err := startChild("LOADGEN_URL=http://" + ln.Addr().String() + "/v1/bookings/").Start(); err != nil {
		log.Fatal(err)
	}

	deadline := time.Now().Add(60 * time.Second)
	for {
		st := db.Stats()
		if st.InUse == maxOpenConns && s.inflight.Load() >= clients-1 && st.WaitCount >= 2*clients && s.served.Load() >= 20 {
			break
		}
		if time.Now().After(deadline) {
			log.Fatalf("pool never saturated: %+v inflight=%d served=%d", st, s.inflight.Load(), s.served.Load())
		}
		time.Sleep(50 * time.Millisecond)
	}
	st := db.Stats()
	fmt.Printf("READY in_use=%d open=%d wait_count=%d inflight=%d served=%d failed=%d\n",
		st.InUse, st.OpenConnections, st.WaitCount, s.inflight.Load(), s.served.Load(), s.failed.Load())
	<-ctx.Done()
	srv.Close()
}

// reportStats logs the pool figures now and then, as the service's metrics loop would.
func reportStats(ctx context.Context, db *sql.DB, s *service) {
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			st := db.Stats()
			log.Printf("pool open=%d in_use=%d idle=%d wait_count=%d wait=%s served=%d failed=%d inflight=%d",
				st.OpenConnections, st.InUse, st.Idle, st.WaitCount, st.WaitDuration.Round(time.Millisecond),
				s.served.Load(), s.failed.Load(), s.inflight.Load())
		}
	}
}

// startChild runs this binary again with one more environment variable, in a child process
// that dies with this one; its output goes to this process's stderr.
func startChild(kv string) *exec.Cmd {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), kv)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	return cmd
}

// startGateway starts the payment gateway process and returns its address.
func startGateway() string {
	cmd := startChild("ROLE=gateway")
	cmd.Stdout = nil
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		log.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	out := bufio.NewReader(pipe)
	line, err := out.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "LISTEN ") {
		log.Fatalf("gateway did not start: %q %v", line, err)
	}
	go io.Copy(os.Stderr, out)
	return strings.TrimSpace(strings.TrimPrefix(line, "LISTEN "))
}

// ---- the payment gateway (ROLE=gateway): a separate service, now slow ----

func gateway() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	var n atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("/v2/authorizations", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		k := n.Add(1)
		// the card network's answer: 1–3 s since the gateway's last release
		time.Sleep(gatewayMin + time.Duration(rand.Int63n(int64(gatewayMax-gatewayMin))))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"id":"auth_%08d","status":"authorized"}`+"\n", 5100000+k)
	})
	fmt.Printf("LISTEN %s\n", ln.Addr())
	log.Fatal((&http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}).Serve(ln))
}

// ---- the clients (LOADGEN_URL): checkout front-ends confirming bookings in a loop ----

func loadgen(target string) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}, Timeout: 2 * requestTimeout}
	for i := 0; i < clients; i++ {
		rng := rand.New(rand.NewSource(int64(i)))
		tenant := fmt.Sprintf("t%02d", i%12)
		go func() {
			for {
				id := 1 + rng.Intn(bookings)
				req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%s%d/confirm", target, id), nil)
				req.Header.Set("X-Tenant", tenant)
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
