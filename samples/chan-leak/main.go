// Command chan-leak is a search API: GET /v1/search?q=… fans the query out to three index
// shards (in-process; each answers in 5–40 ms, shard "s2" now and then in 150–400 ms) and
// merges what arrives within a 100 ms budget. Each request also starts a query-log goroutine
// that records the request's events from a channel.
//
// The bugs: the shards send their answer on an unbuffered channel without a way out, so a
// shard that answers after the handler gave up blocks forever in `results <- …`
// ([chan send]); and on that timeout path the handler returns without closing the event
// channel, so its query logger waits forever in `range events` ([chan receive]). Every slow
// request leaves two goroutines behind and the count grows for as long as traffic flows.
//
// The load comes from a second process (this binary with LOADGEN_URL set).
//
// Env: PPROF_ADDR (net/http/pprof). Prints READY once 60 requests have timed out, READY2
// once 120 have.
package main

import (
	"context"
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
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const (
	clients      = 4
	searchBudget = 100 * time.Millisecond
)

type hit struct {
	Doc   string  `json:"doc"`
	Score float64 `json:"score"`
}

type shardResult struct {
	shard string
	hits  []hit
	err   error
}

// indexShard stands for a remote index shard.
type indexShard struct {
	name     string
	mu       sync.Mutex
	rng      *rand.Rand
	slowRate float64
}

func (s *indexShard) latency() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rng.Float64() < s.slowRate {
		return time.Duration(150+s.rng.Intn(250)) * time.Millisecond // a compaction pause
	}
	return time.Duration(5+s.rng.Intn(35)) * time.Millisecond
}

func (s *indexShard) search(ctx context.Context, q string) ([]hit, error) {
	time.Sleep(s.latency())
	var hits []hit
	for i := 0; i < 3; i++ {
		hits = append(hits, hit{Doc: fmt.Sprintf("%s/%s-%d", s.name, q, i), Score: 1 / float64(i+1)})
	}
	return hits, nil
}

type searchService struct {
	shards   []*indexShard
	served   atomic.Int64
	timeouts atomic.Int64
}

// logQueryEvents writes a request's events to the query log until the channel is closed.
func logQueryEvents(events <-chan string) {
	var lines []string
	for ev := range events {
		lines = append(lines, ev)
	}
	_ = lines // shipped to the query log
}

func (s *searchService) handle(w http.ResponseWriter, r *http.Request) {
	pprof.Do(r.Context(), pprof.Labels("endpoint", "/v1/search"), func(ctx context.Context) {
		q := r.URL.Query().Get("q")
		events := make(chan string, 4)
		go logQueryEvents(events)

		results := make(chan shardResult) // BUG: unbuffered, and the senders have no way out
		for _, sh := range s.shards {
			sh := sh
			go func() {
				hits, err := sh.search(ctx, q)
				results <- shardResult{shard: sh.name, hits: hits, err: err}
			}()
		}
		timer := time.NewTimer(searchBudget)
		defer timer.Stop()
		var merged []hit
		for i := 0; i < len(s.shards); i++ {
			select {
			case res := <-results:
				events <- "shard " + res.shard + " answered"
				merged = append(merged, res.hits...)
			case <-timer.C:
				s.timeouts.Add(1)
				w.Header().Set("X-Partial-Results", "true")
				writeHits(w, merged)
				return // BUG: events is never closed on this path
			}
		}
		close(events)
		writeHits(w, merged)
		s.served.Add(1)
	})
}

func writeHits(w http.ResponseWriter, hits []hit) {
	sort.Slice(hits, func(i, j int) bool { return hits[i].Score > hits[j].Score })
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(hits)
}

func main() {
	if u := os.Getenv("LOADGEN_URL"); u != "" {
		loadgen(u)
		return
	}
	go func() { log.Fatal(http.ListenAndServe(os.Getenv("PPROF_ADDR"), nil)) }()

	s := &searchService{}
	for i, slow := range []float64{0, 0, 0.15} {
		s.shards = append(s.shards, &indexShard{name: fmt.Sprintf("s%d", i), rng: rand.New(rand.NewSource(int64(i + 1))), slowRate: slow})
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/search", s.handle)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go (&http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}).Serve(ln)
	if err := startLoad("http://" + ln.Addr().String() + "/v1/search"); err != nil {
		log.Fatal(err)
	}
	for s.timeouts.Load() < 60 {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(400 * time.Millisecond) // the late shards of the last timeouts reach their send
	fmt.Printf("READY served=%d timeouts=%d\n", s.served.Load(), s.timeouts.Load())
	for s.timeouts.Load() < 120 {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(400 * time.Millisecond)
	fmt.Printf("READY2 served=%d timeouts=%d\n", s.served.Load(), s.timeouts.Load())
	select {}
}

// ---- load: the service's clients, in a second process ----

// loadPipe is the load generator's stdin: it exits when this process goes away and the
// pipe closes. Kept in a variable so that it is never collected and closed.
var loadPipe io.WriteCloser

func startLoad(url string) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), "LOADGEN_URL="+url)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if loadPipe, err = cmd.StdinPipe(); err != nil {
		return err
	}
	return cmd.Start()
}

func loadgen(target string) {
	words := strings.Fields("invoice refund shipping label warranty return voucher delivery address tracking")
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}, Timeout: 10 * time.Second}
	for i := 0; i < clients; i++ {
		rng := rand.New(rand.NewSource(int64(i)))
		go func() {
			for {
				q := words[rng.Intn(len(words))] + " " + words[rng.Intn(len(words))]
				resp, err := client.Get(target + "?q=" + url.QueryEscape(q))
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				time.Sleep(50 * time.Millisecond)
			}
		}()
	}
	io.Copy(io.Discard, os.Stdin)
	os.Exit(0)
}
