// Command sql-tx-leak is a payout worker (database/sql + lib/pq) that leaks transactions.
//
// POST /v1/payouts queues a payout; 40 workers apply queued payouts, each in a transaction
// begun with the worker's context (cancelled only when the service shuts down). When a payout
// would exceed the account's daily limit, applyPayout returns the validation error without
// tx.Rollback(): the transaction stays open, database/sql keeps its (*Tx).awaitDone goroutine,
// and its connection stays pinned. The pool allows 10 connections; after 10 such payouts every
// worker queues in database/sql.(*DB).conn (via BeginTx) and the queue stops moving.
//
// The payout requests come from a second process (this binary with LOADGEN_URL set).
//
// Env: PPROF_ADDR (net/http/pprof), PG_DSN. Prints READY once the pool is pinned by open
// transactions and the workers wait for connections.
package main

import (
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
	"sync/atomic"
	"syscall"
	"time"

	_ "github.com/lib/pq"
)

const (
	maxOpenConns = 10
	workers      = 40
	accounts     = 500
	dailyLimit   = 250000 // cents
)

var errDailyLimit = errors.New("payout exceeds the daily limit")

type payout struct {
	ID      string `json:"id"`
	Account int    `json:"account"`
	Amount  int64  `json:"amount"`
}

type ledger struct{ db *sql.DB }

// applyPayout debits the account and records the payout in one transaction.
func (l *ledger) applyPayout(ctx context.Context, p payout) error {
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	var paidToday int64
	err = tx.QueryRowContext(ctx,
		`SELECT coalesce(sum(amount), 0) FROM payouts WHERE account = $1 AND created_at > now() - interval '1 day'`,
		p.Account).Scan(&paidToday)
	if err != nil {
		tx.Rollback()
		return err
	}
	if paidToday+p.Amount > dailyLimit {
		return errDailyLimit // BUG: the transaction is neither committed nor rolled back
	}
	if _, err := tx.ExecContext(ctx, `UPDATE accounts SET balance = balance - $2 WHERE id = $1`, p.Account, p.Amount); err != nil {
		tx.Rollback()
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO payouts (id, account, amount) VALUES ($1, $2, $3)`, p.ID, p.Account, p.Amount); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

type service struct {
	ledger   *ledger
	queue    chan payout
	waiting  atomic.Int64 // workers inside applyPayout
	applied  atomic.Int64
	rejected atomic.Int64
	failed   atomic.Int64
}

func (s *service) enqueue(w http.ResponseWriter, r *http.Request) {
	var p payout
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&p); err != nil || p.ID == "" {
		http.Error(w, "bad payout", http.StatusBadRequest)
		return
	}
	select {
	case s.queue <- p:
		w.WriteHeader(http.StatusAccepted)
	default:
		http.Error(w, "queue full", http.StatusTooManyRequests)
	}
}

func (s *service) worker(ctx context.Context, id int) {
	pprof.Do(ctx, pprof.Labels("job", "payout", "worker", strconv.Itoa(id)), func(ctx context.Context) {
		for {
			select {
			case <-ctx.Done():
				return
			case p := <-s.queue:
				s.waiting.Add(1)
				err := s.ledger.applyPayout(ctx, p)
				s.waiting.Add(-1)
				switch {
				case errors.Is(err, errDailyLimit):
					s.rejected.Add(1)
				case err != nil:
					s.failed.Add(1)
					log.Printf("payout %s: %v", p.ID, err)
				default:
					s.applied.Add(1)
				}
			}
		}
	})
}

func main() {
	if target := os.Getenv("LOADGEN_URL"); target != "" {
		loadgen(target)
		return
	}
	log.SetPrefix("sql-tx-leak: ")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	db, err := sql.Open("postgres", os.Getenv("PG_DSN"))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(maxOpenConns)
	db.SetMaxIdleConns(maxOpenConns)
	db.SetConnMaxLifetime(time.Hour)
	for _, q := range []string{
		`CREATE TABLE IF NOT EXISTS accounts (id int PRIMARY KEY, balance bigint NOT NULL)`,
		`CREATE TABLE IF NOT EXISTS payouts (id text PRIMARY KEY, account int NOT NULL, amount bigint NOT NULL,
			created_at timestamptz NOT NULL DEFAULT now())`,
		`CREATE INDEX IF NOT EXISTS payouts_account ON payouts (account, created_at)`,
		`TRUNCATE accounts, payouts`,
		fmt.Sprintf(`INSERT INTO accounts SELECT g, 10000000 FROM generate_series(1, %d) g`, accounts),
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			log.Fatal(err)
		}
	}

	s := &service{ledger: &ledger{db: db}, queue: make(chan payout, 1024)}
	for i := 0; i < workers; i++ {
		go s.worker(ctx, i)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/payouts", s.enqueue)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	go func() { log.Fatal(http.ListenAndServe(os.Getenv("PPROF_ADDR"), nil)) }()
	go reportStats(ctx, db, s)

	gen := startLoadgen("http://" + ln.Addr().String() + "/v1/payouts")
	defer gen.Process.Kill()

	deadline := time.Now().Add(90 * time.Second)
	for {
		st := db.Stats()
		if s.rejected.Load() >= maxOpenConns && st.InUse == maxOpenConns && s.waiting.Load() == workers {
			break
		}
		if time.Now().After(deadline) {
			log.Fatalf("pool never pinned: %+v rejected=%d waiting=%d", st, s.rejected.Load(), s.waiting.Load())
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond)
	st := db.Stats()
	fmt.Printf("READY open_tx=%d in_use=%d open=%d workers_waiting=%d applied=%d queued=%d\n",
		s.rejected.Load(), st.InUse, st.OpenConnections, s.waiting.Load(), s.applied.Load(), len(s.queue))
	<-ctx.Done()
	srv.Close()
}

func reportStats(ctx context.Context, db *sql.DB, s *service) {
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			st := db.Stats()
			log.Printf("pool open=%d in_use=%d idle=%d wait_count=%d applied=%d rejected=%d failed=%d queued=%d",
				st.OpenConnections, st.InUse, st.Idle, st.WaitCount, s.applied.Load(), s.rejected.Load(), s.failed.Load(), len(s.queue))
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

// loadgen: the back office submitting payouts, 40 per second; a few accounts get large ones.
func loadgen(target string) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}, Timeout: 10 * time.Second}
	rng := rand.New(rand.NewSource(11))
	tick := time.NewTicker(25 * time.Millisecond)
	for n := 0; ; n++ {
		<-tick.C
		p := payout{ID: fmt.Sprintf("po_%08d", 880000+n), Account: 1 + rng.Intn(accounts), Amount: int64(1000 + rng.Intn(20000))}
		if rng.Intn(6) == 0 {
			p.Amount = dailyLimit + int64(rng.Intn(50000)) // over the limit
		}
		body, _ := json.Marshal(p)
		go func() {
			resp, err := client.Post(target, "application/json", bytes.NewReader(body))
			if err != nil {
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}()
	}
}
