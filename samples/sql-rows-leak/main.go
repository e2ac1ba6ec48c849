// Command sql-rows-leak is a payment-webhook receiver (database/sql + lib/pq) that leaks Rows.
//
// POST /v1/webhooks/payments records each delivery in webhook_events. The handler runs its
// queries with the service's own context (cancelled only at shutdown) rather than the request's,
// so that a sender hanging up cannot abort a write half-way. It first checks whether the event
// was already recorded; for a duplicate delivery (the payment provider redelivers ~10% of
// events) it returns early — without rows.Close(). The Rows stays open with a cancellable
// context that is never cancelled: database/sql keeps a (*Rows).awaitDone goroutine for it and
// the connection stays pinned. Every duplicate pins one more of the pool's 20 connections; once
// all are pinned, every new delivery queues in database/sql.(*DB).conn, forever.
//
// The provider's deliveries come from a second process (this binary with LOADGEN_URL set) at a
// steady 25 per second.
//
// Env: PPROF_ADDR (net/http/pprof), PG_DSN. Prints READY once 8 Rows have leaked, READY2 once
// the pool is pinned and 30 deliveries wait for a connection.
package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
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
	"sync/atomic"
	"syscall"
	"time"

	_ "github.com/lib/pq"
)

const (
	maxOpenConns  = 20
	deliveryRate  = 25 // per second
	duplicateRate = 0.10
	ready1Leaked  = 8
	ready2Waiting = 30
)

type paymentEvent struct {
	ID       string `json:"id"`
	Type     string `json:"type"`
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
	Account  string `json:"account"`
}

type receiver struct {
	ctx        context.Context // the service's lifetime
	db         *sql.DB
	inflight   atomic.Int64
	recorded   atomic.Int64
	duplicates atomic.Int64
	failed     atomic.Int64
}

// alreadyRecorded reports whether the event was stored before.
func (h *receiver) alreadyRecorded(ctx context.Context, id string) (bool, error) {
	rows, err := h.db.QueryContext(ctx, `SELECT received_at FROM webhook_events WHERE id = $1`, id)
	if err != nil {
		return false, err
	}
	if rows.Next() {
		// Duplicate delivery: nothing to do.
		return true, nil // BUG: rows.Close() is never called on this path
	}
	err = rows.Err()
	rows.Close()
	return false, err
}

func (h *receiver) record(ctx context.Context, ev paymentEvent, payload []byte) error {
	_, err := h.db.ExecContext(ctx,
		`INSERT INTO webhook_events (id, type, account, amount, currency, payload)
		 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING`,
		ev.ID, ev.Type, ev.Account, ev.Amount, ev.Currency, payload)
	return err
}

func (h *receiver) payments(w http.ResponseWriter, r *http.Request) {
	payload, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	var ev paymentEvent
	if err := json.Unmarshal(payload, &ev); err != nil || ev.ID == "" {
		http.Error(w, "bad event", http.StatusBadRequest)
		return
	}
	labels := pprof.Labels("endpoint", "/v1/webhooks/payments", "event_type", ev.Type)
	// Detached from the request on purpose: a sender that hangs up must not abort the write.
	pprof.Do(h.ctx, labels, func(ctx context.Context) {
		h.inflight.Add(1)
		defer h.inflight.Add(-1)
		dup, err := h.alreadyRecorded(ctx, ev.ID)
		if err != nil {
			h.failed.Add(1)
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		if dup {
			h.duplicates.Add(1)
			w.WriteHeader(http.StatusOK)
			return
		}
		if err := h.record(ctx, ev, payload); err != nil {
			h.failed.Add(1)
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		h.recorded.Add(1)
		w.WriteHeader(http.StatusAccepted)
	})
}

func main() {
	if target := os.Getenv("LOADGEN_URL"); target != "" {
		loadgen(target)
		return
	}
	log.SetPrefix("sql-rows-leak: ")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	db, err := sql.Open("postgres", os.Getenv("PG_DSN"))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(maxOpenConns)
	db.SetMaxIdleConns(10)
	db.SetConnMaxLifetime(time.Hour)
	for _, q := range []string{
		`CREATE TABLE IF NOT EXISTS webhook_events (
			id text PRIMARY KEY, type text NOT NULL, account text NOT NULL, amount bigint NOT NULL,
			currency text NOT NULL, payload jsonb, received_at timestamptz NOT NULL DEFAULT now())`,
		`TRUNCATE webhook_events`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			log.Fatal(err)
		}
	}

	h := &receiver{ctx: ctx, db: db}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/webhooks/payments", h.payments)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	go func() { log.Fatal(http.ListenAndServe(os.Getenv("PPROF_ADDR"), nil)) }()
	go reportStats(ctx, db, h)

	gen := startLoadgen("http://" + ln.Addr().String() + "/v1/webhooks/payments")
	defer gen.Process.Kill()

	wait := func(what string, cond func(sql.DBStats) bool) {
		deadline := time.Now().Add(90 * time.Second)
		for !cond(db.Stats()) {
			if time.Now().After(deadline) {
				log.Fatalf("never reached %s: %+v duplicates=%d inflight=%d", what, db.Stats(), h.duplicates.Load(), h.inflight.Load())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	wait("the first leaks", func(sql.DBStats) bool { return h.duplicates.Load() >= ready1Leaked })
	st := db.Stats()
	fmt.Printf("READY leaked_rows=%d in_use=%d open=%d inflight=%d recorded=%d\n",
		h.duplicates.Load(), st.InUse, st.OpenConnections, h.inflight.Load(), h.recorded.Load())
	wait("a pinned pool", func(st sql.DBStats) bool {
		return h.duplicates.Load() >= maxOpenConns && st.InUse == maxOpenConns && h.inflight.Load() >= ready2Waiting
	})
	st = db.Stats()
	fmt.Printf("READY2 leaked_rows=%d in_use=%d open=%d inflight=%d wait_count=%d recorded=%d\n",
		h.duplicates.Load(), st.InUse, st.OpenConnections, h.inflight.Load(), st.WaitCount, h.recorded.Load())
	<-ctx.Done()
	srv.Close()
}

func reportStats(ctx context.Context, db *sql.DB, h *receiver) {
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			st := db.Stats()
			log.Printf("pool open=%d in_use=%d idle=%d wait_count=%d recorded=%d duplicates=%d failed=%d",
				st.OpenConnections, st.InUse, st.Idle, st.WaitCount, h.recorded.Load(), h.duplicates.Load(), h.failed.Load())
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

// loadgen: the payment provider delivering events at a steady rate, redelivering some. It keeps
// at most maxOutstanding deliveries in flight (the next one waits for a free slot) and waits up
// to 5 minutes for an answer, which bounds the queue a stuck pool builds up (and the size of a
// dump taken minutes later).
func loadgen(target string) {
	const maxOutstanding = 150
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 5 * time.Minute}
	rng := rand.New(rand.NewSource(7))
	types := []string{"payment.succeeded", "payment.failed", "refund.created", "payment.succeeded"}
	var sent []paymentEvent
	slots := make(chan struct{}, maxOutstanding)
	tick := time.NewTicker(time.Second / deliveryRate)
	for n := 0; ; n++ {
		<-tick.C
		slots <- struct{}{}
		var ev paymentEvent
		if len(sent) > 20 && rng.Float64() < duplicateRate {
			ev = sent[len(sent)-1-rng.Intn(20)] // a redelivery
		} else {
			ev = paymentEvent{
				ID:       fmt.Sprintf("evt_%08d", 3100000+n),
				Type:     types[n%len(types)],
				Amount:   int64(500 + rng.Intn(90000)),
				Currency: "EUR",
				Account:  fmt.Sprintf("acct_%04d", rng.Intn(300)),
			}
			sent = append(sent, ev)
		}
		body, _ := json.Marshal(ev)
		go func() {
			defer func() { <-slots }()
			resp, err := client.Post(target, "application/json", bytes.NewReader(body))
			if err != nil {
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}()
	}
}
