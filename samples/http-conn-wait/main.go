// Command http-conn-wait is a webhook dispatcher: 100 delivery workers take events from a
// queue and POST them to a partner's endpoint (started in-process on 127.0.0.1, as the
// upstream) through one shared http.Client whose Transport allows MaxConnsPerHost = 4.
//
// What goes wrong: the partner answers in 2 s, so the 4 connections are always busy and the
// other 96 workers queue inside net/http.(*Transport).getConn for a connection. The client has
// no Timeout, so they wait as long as it takes, and the event queue backs up behind them.
//
// Env: PPROF_ADDR (net/http/pprof). Prints READY once every worker has a delivery in flight.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"runtime/pprof"
	"strconv"
	"sync/atomic"
	"time"
)

const (
	workers         = 100
	maxConnsPerHost = 4
	partnerLatency  = 2 * time.Second
)

// ---- the upstream: a partner's webhook receiver, slow to answer ----

func partnerHook(w http.ResponseWriter, r *http.Request) {
	var ev event
	if err := json.NewDecoder(r.Body).Decode(&ev); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	time.Sleep(partnerLatency) // the partner's synchronous processing
	w.WriteHeader(http.StatusAccepted)
	io.WriteString(w, `{"status":"accepted"}`)
}

// ---- the service: a webhook dispatcher ----

type event struct {
	ID      int64           `json:"id"`
	Type    string          `json:"type"`
	Tenant  string          `json:"tenant"`
	Payload json.RawMessage `json:"payload"`
	Created time.Time       `json:"created"`
}

type dispatcher struct {
	url    string
	client *http.Client
	queue  chan event
}

var delivered, inFlight atomic.Int64

func (d *dispatcher) deliver(ctx context.Context, ev event) error {
	body, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Event-Type", ev.Type)
	resp, err := d.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("webhook %d: %s", ev.ID, resp.Status)
	}
	return nil
}

func (d *dispatcher) worker(ctx context.Context) {
	for ev := range d.queue {
		inFlight.Add(1)
		if err := d.deliver(ctx, ev); err != nil {
			log.Printf("deliver: %v", err)
		}
		inFlight.Add(-1)
		delivered.Add(1)
	}
}

func main() {
	go func() { log.Fatal(http.ListenAndServe(os.Getenv("PPROF_ADDR"), nil)) }()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/hooks/orders", partnerHook)
	go (&http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}).Serve(ln)

	d := &dispatcher{
		url: "http://" + ln.Addr().String() + "/hooks/orders",
		client: &http.Client{Transport: &http.Transport{
			DialContext:         (&net.Dialer{Timeout: 2 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxConnsPerHost:     maxConnsPerHost,
			MaxIdleConnsPerHost: maxConnsPerHost,
			IdleConnTimeout:     90 * time.Second,
		}}, // no Timeout
		queue: make(chan event, 1024),
	}
	for i := 0; i < workers; i++ {
		go pprof.Do(context.Background(), pprof.Labels("component", "webhook-dispatcher", "partner", "acme"), d.worker)
	}

	// the producer: order events arrive faster than the partner takes them
	go func() {
		types := []string{"order.created", "order.paid", "order.shipped"}
		for id := int64(1); ; id++ {
			d.queue <- event{
				ID:      id,
				Type:    types[id%3],
				Tenant:  "t" + strconv.Itoa(int(id%17)),
				Payload: json.RawMessage(`{"order":` + strconv.FormatInt(100000+id, 10) + `,"total_cents":4599}`),
				Created: time.Now(),
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()

	for inFlight.Load() < workers {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // let the last callers reach getConn
	fmt.Printf("READY in_flight=%d delivered=%d queued=%d\n", inFlight.Load(), delivered.Load(), len(d.queue))
	select {}
}
