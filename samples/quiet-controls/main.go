// Command quiet-controls is a media service in good health that looks busy: every kind of
// goroutine that waits a long time here waits on purpose.
//
//   - Thumbnail workers: a pool of 16 goroutines ranging over one shared, unbuffered jobs
//     channel. Uploads are rare (one every 15 s), so most workers sit in [chan receive] for
//     minutes: an idle pool, not a leak.
//   - Background loops on time.Ticker, each in a select with the service's context: metrics
//     flush (1 s), session sweep (10 s), configuration check (30 s) and a usage report every
//     5 minutes (whose loop waits minutes between ticks).
//   - Long-poll: GET /v1/events/poll?topic=T waits up to 30 s for an event on its topic (a select
//     on the subscription channel, a timer and the request's context). A second process keeps
//     about 50 polls open and posts an event to a random topic once a second (POST /v1/events).
//   - A busy endpoint: GET /v1/previews/{id} hashes the image tile (CPU) and waits 5–20 ms for
//     the tile cache; 8 clients in the second process call it without pause.
//   - A reindex batch: a coordinator starts 8 shard workers and waits for them in
//     sync.WaitGroup.Wait; each worker works through its shard in short steps (250 ms sleeps) and
//     finishes after 2.5 to 3.7 minutes; then the next batch starts. The coordinator waits
//     minutes, on workers that are alive and working.
//
// Every request handler and background goroutine carries pprof labels. Mutex (1/100) and block
// (≥ 1 ms) profiling are on at production rates.
//
// Env: PPROF_ADDR (net/http/pprof). Prints READY once the long polls are open and the busy
// endpoint has served 300 requests.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"math/rand"
	"net"
	"net/http"
	_ "net/http/pprof"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

const (
	thumbWorkers   = 16
	pollClients    = 50
	busyClients    = 8
	topics         = 20
	pollTimeout    = 30 * time.Second
	shardWorkers   = 8
	reindexStep    = 250 * time.Millisecond
	uploadInterval = 15 * time.Second
)

// ---- thumbnail workers: an idle pool on one shared channel ----

type thumbJob struct {
	upload string
	sizes  []int
}

type thumbnailer struct {
	jobs     chan thumbJob
	rendered atomic.Int64
}

func (t *thumbnailer) worker(ctx context.Context, id int) {
	pprof.Do(ctx, pprof.Labels("pool", "thumbnails", "worker", strconv.Itoa(id)), func(ctx context.Context) {
		for job := range t.jobs {
			for range job.sizes {
				tile(4096) // render one size
			}
			t.rendered.Add(1)
		}
	})
}

// ---- background loops on tickers ----

// every runs fn every period until ctx is cancelled, the usual ticker loop.
func every(ctx context.Context, name string, period time.Duration, fn func()) {
	pprof.Do(ctx, pprof.Labels("loop", name), func(ctx context.Context) {
		t := time.NewTicker(period)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				fn()
			}
		}
	})
}

// ---- long-poll: an event broker ----

type event struct {
	Topic string    `json:"topic"`
	Seq   int64     `json:"seq"`
	At    time.Time `json:"at"`
}

type broker struct {
	mu     sync.Mutex
	subs   map[string]map[chan event]struct{}
	seq    atomic.Int64
	polls  atomic.Int64 // open polls
	served atomic.Int64
}

func (b *broker) subscribe(topic string) chan event {
	ch := make(chan event, 1)
	b.mu.Lock()
	if b.subs[topic] == nil {
		b.subs[topic] = map[chan event]struct{}{}
	}
	b.subs[topic][ch] = struct{}{}
	b.mu.Unlock()
	return ch
}

func (b *broker) unsubscribe(topic string, ch chan event) {
	b.mu.Lock()
	delete(b.subs[topic], ch)
	b.mu.Unlock()
}

func (b *broker) publish(topic string) int {
	ev := event{Topic: topic, Seq: b.seq.Add(1), At: time.Now()}
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for ch := range b.subs[topic] {
		select {
		case ch <- ev:
			n++
		default:
		}
	}
	return n
}

// poll answers with the topic's next event, or 204 after pollTimeout.
func (b *broker) poll(w http.ResponseWriter, r *http.Request) {
	topic := r.URL.Query().Get("topic")
	labels := pprof.Labels("endpoint", "/v1/events/poll", "tenant", r.Header.Get("X-Tenant"))
	pprof.Do(r.Context(), labels, func(ctx context.Context) {
		b.polls.Add(1)
		defer b.polls.Add(-1)
		sub := b.subscribe(topic)
		defer b.unsubscribe(topic, sub)
		timer := time.NewTimer(pollTimeout)
		defer timer.Stop()
		select {
		case ev := <-sub:
			b.served.Add(1)
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(ev)
		case <-timer.C:
			w.WriteHeader(http.StatusNoContent)
		case <-ctx.Done():
		}
	})
}

func (b *broker) post(w http.ResponseWriter, r *http.Request) {
	pprof.Do(r.Context(), pprof.Labels("endpoint", "/v1/events", "tenant", r.Header.Get("X-Tenant")), func(ctx context.Context) {
		topic := r.URL.Query().Get("topic")
		n := b.publish(topic)
		fmt.Fprintf(w, `{"delivered":%d}`+"\n", n)
	})
}

// ---- the busy endpoint ----

var tileSeed = make([]byte, 32<<10)

// tile hashes n bytes of image data, the CPU part of rendering.
func tile(n int) [32]byte {
	h := sha256.New()
	for n > 0 {
		k := min(n, len(tileSeed))
		h.Write(tileSeed[:k])
		n -= k
	}
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

type previews struct{ served atomic.Int64 }

func (p *previews) get(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/v1/previews/"))
	pprof.Do(r.Context(), pprof.Labels("endpoint", "/v1/previews/{id}", "tenant", r.Header.Get("X-Tenant")), func(ctx context.Context) {
		sum := tile(384 << 10)
		time.Sleep(time.Duration(5+id%16) * time.Millisecond) // the tile cache
		p.served.Add(1)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id":%d,"etag":"%x"}`+"\n", id, sum[:8])
	})
}

type uploads struct{ jobs chan thumbJob }

func (u *uploads) post(w http.ResponseWriter, r *http.Request) {
	pprof.Do(r.Context(), pprof.Labels("endpoint", "/v1/uploads", "tenant", r.Header.Get("X-Tenant")), func(ctx context.Context) {
		name := r.URL.Query().Get("name")
		select {
		case u.jobs <- thumbJob{upload: name, sizes: []int{64, 256, 1024}}:
			w.WriteHeader(http.StatusAccepted)
		case <-time.After(2 * time.Second):
			http.Error(w, "busy", http.StatusServiceUnavailable)
		case <-ctx.Done():
		}
	})
}

// ---- the reindex batch: a WaitGroup over live workers ----

type reindexer struct{ batches atomic.Int64 }

func (x *reindexer) run(ctx context.Context) {
	pprof.Do(ctx, pprof.Labels("job", "reindex"), func(ctx context.Context) {
		for batch := 1; ctx.Err() == nil; batch++ {
			var wg sync.WaitGroup
			for shard := 0; shard < shardWorkers; shard++ {
				batch, shard := batch, shard
				wg.Add(1)
				go func() {
					defer wg.Done()
					pprof.Do(ctx, pprof.Labels("batch", strconv.Itoa(batch), "shard", strconv.Itoa(shard)), func(ctx context.Context) {
						x.reindexShard(ctx, shard)
					})
				}()
			}
			wg.Wait()
			x.batches.Add(1)
			log.Printf("reindex batch %d done", batch)
			time.Sleep(5 * time.Second)
		}
	})
}

// reindexShard works through one shard in short steps: 600 to 880 steps of 250 ms.
func (x *reindexer) reindexShard(ctx context.Context, shard int) {
	steps := 600 + 40*shard
	for i := 0; i < steps && ctx.Err() == nil; i++ {
		tile(1024)
		time.Sleep(reindexStep)
	}
}

func main() {
	if u := os.Getenv("LOADGEN_URL"); u != "" {
		loadgen(u)
		return
	}
	log.SetPrefix("quiet-controls: ")
	runtime.SetMutexProfileFraction(100)
	runtime.SetBlockProfileRate(int(time.Millisecond))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rand.New(rand.NewSource(1)).Read(tileSeed)

	th := &thumbnailer{jobs: make(chan thumbJob)}
	for i := 0; i < thumbWorkers; i++ {
		go th.worker(ctx, i)
	}
	var flushed, swept, checked, reported atomic.Int64
	go every(ctx, "metrics-flush", time.Second, func() { flushed.Add(1) })
	go every(ctx, "session-sweep", 10*time.Second, func() { swept.Add(1) })
	go every(ctx, "config-check", 30*time.Second, func() { checked.Add(1) })
	go every(ctx, "usage-report", 5*time.Minute, func() { reported.Add(1) })
	rx := &reindexer{}
	go rx.run(ctx)

	b := &broker{subs: map[string]map[chan event]struct{}{}}
	pv := &previews{}
	up := &uploads{jobs: th.jobs}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/events/poll", b.poll)
	mux.HandleFunc("/v1/events", b.post)
	mux.HandleFunc("/v1/previews/", pv.get)
	mux.HandleFunc("/v1/uploads", up.post)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 2 * time.Minute}
	go srv.Serve(ln)
	go func() { log.Fatal(http.ListenAndServe(os.Getenv("PPROF_ADDR"), nil)) }()

	gen := startLoadgen("http://" + ln.Addr().String())
	defer gen.Process.Kill()

	deadline := time.Now().Add(60 * time.Second)
	for b.polls.Load() < pollClients-3 || pv.served.Load() < 300 {
		if time.Now().After(deadline) {
			log.Fatalf("no steady traffic: polls=%d previews=%d", b.polls.Load(), pv.served.Load())
		}
		time.Sleep(50 * time.Millisecond)
	}
	fmt.Printf("READY polls=%d events_delivered=%d previews=%d thumbnails=%d\n",
		b.polls.Load(), b.served.Load(), pv.served.Load(), th.rendered.Load())
	<-ctx.Done()
	srv.Close()
}

func startLoadgen(base string) *exec.Cmd {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "LOADGEN_URL="+base)
	cmd.Stdout = os.Stderr
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	return cmd
}

// loadgen: the service's clients. 50 long-polls kept open, 8 preview clients without pause,
// an event posted once a second, an upload every 15 s.
func loadgen(base string) {
	tr := &http.Transport{MaxIdleConnsPerHost: pollClients + busyClients + 4}
	slow := &http.Client{Transport: tr, Timeout: pollTimeout + 15*time.Second}
	fast := &http.Client{Transport: tr, Timeout: 5 * time.Second}
	do := func(c *http.Client, method, u, tenant string) {
		req, _ := http.NewRequest(method, u, nil)
		req.Header.Set("X-Tenant", tenant)
		resp, err := c.Do(req)
		if err != nil {
			time.Sleep(100 * time.Millisecond)
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	for i := 0; i < pollClients; i++ {
		i := i
		go func() {
			u := fmt.Sprintf("%s/v1/events/poll?topic=%s", base, url.QueryEscape(fmt.Sprintf("orders.%02d", i%topics)))
			for {
				do(slow, http.MethodGet, u, fmt.Sprintf("t%02d", i%12))
			}
		}()
	}
	for i := 0; i < busyClients; i++ {
		i := i
		rng := rand.New(rand.NewSource(int64(i)))
		go func() {
			for {
				do(fast, http.MethodGet, fmt.Sprintf("%s/v1/previews/%d", base, 1+rng.Intn(5000)), fmt.Sprintf("t%02d", i%12))
			}
		}()
	}
	go func() {
		rng := rand.New(rand.NewSource(99))
		for range time.Tick(time.Second) {
			do(fast, http.MethodPost, fmt.Sprintf("%s/v1/events?topic=orders.%02d", base, rng.Intn(topics)), "t00")
		}
	}()
	for n := 0; ; n++ {
		time.Sleep(uploadInterval)
		do(fast, http.MethodPost, fmt.Sprintf("%s/v1/uploads?name=img_%06d.jpg", base, 40000+n), "t03")
	}
}
