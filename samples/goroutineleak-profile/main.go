// Command goroutineleak-profile is a session API whose leaked goroutines the runtime itself
// can prove leaked: Go 1.27's goroutineleak profile (Go 1.26 with
// GOEXPERIMENT=goroutineleakprofile) runs a GC that marks every goroutine blocked on a channel
// or sync primitive that no runnable goroutine can reach any more, and lists those.
//
// GET /v1/session?user=U&token=T&n=N does three things, each with its own bug:
//   - a hedged profile lookup: two replicas are asked, the first answer wins; the loser sends
//     on an unbuffered channel that nobody reads any more ([chan send], leaked on every
//     request);
//   - a quota watcher that waits for the request to finish on a done channel; the
//     invalid-token path returns without closing it ([chan receive], leaked on one request
//     in four);
//   - a per-request session whose flusher locks the session's mutex; the suspended-account
//     path returns with the mutex still locked ([sync.Mutex.Lock], leaked on one request in
//     five).
//
// Not leaked, for contrast: an audit worker pool idle on a channel held by a package
// variable ([chan receive], reachable), and the HTTP server's connections ([IO wait]).
//
// The load comes from a second process (this binary with LOADGEN_URL set): exactly 120
// requests, then silence, so the counts are exact: 120 + 30 + 24 = 174 leaked goroutines.
//
// Env: PPROF_ADDR (net/http/pprof). Prints READY once the 120 requests are done.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

const requests = 120

type profile struct {
	User    string `json:"user"`
	Plan    string `json:"plan"`
	Replica string `json:"replica"`
}

// fetchProfile stands for a call to one replica of the profile store.
func fetchProfile(ctx context.Context, replica, user string, latency time.Duration) (profile, error) {
	time.Sleep(latency)
	return profile{User: user, Plan: "team", Replica: replica}, nil
}

// hedgedProfile asks both replicas and returns the first answer.
func hedgedProfile(ctx context.Context, user string) (profile, error) {
	type answer struct {
		p   profile
		err error
	}
	answers := make(chan answer) // BUG: unbuffered; the slower replica's send never completes
	for i, latency := range []time.Duration{5 * time.Millisecond, 25 * time.Millisecond} {
		replica, latency := "replica-"+strconv.Itoa(i), latency
		go func() {
			p, err := fetchProfile(ctx, replica, user, latency)
			answers <- answer{p, err}
		}()
	}
	a := <-answers
	return a.p, a.err
}

// watchQuota charges the user's quota when the request ends.
func watchQuota(user string, done <-chan struct{}, quota *quotaBook) {
	<-done
	quota.charge(user)
}

type quotaBook struct {
	mu   sync.Mutex
	used map[string]int
}

func (q *quotaBook) charge(user string) {
	q.mu.Lock()
	q.used[user]++
	q.mu.Unlock()
}

// session is per request; its flusher writes the session's changes back when it can lock it.
type session struct {
	mu      sync.Mutex
	user    string
	changes []string
}

func (s *session) flush() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.changes = s.changes[:0]
}

// auditQueue is drained by a worker pool; idle workers wait on it but are not leaked: the
// channel stays reachable through this variable.
var auditQueue = make(chan string, 64)

func auditWorker() {
	for line := range auditQueue {
		_ = line
	}
}

var errInvalidToken = errors.New("invalid token")

type api struct {
	quota  *quotaBook
	served atomic.Int64
}

func (a *api) session(w http.ResponseWriter, r *http.Request) {
	defer a.served.Add(1)
	pprof.Do(r.Context(), pprof.Labels("endpoint", "/v1/session"), func(ctx context.Context) {
		q := r.URL.Query()
		user, token := q.Get("user"), q.Get("token")
		n, _ := strconv.Atoi(q.Get("n"))

		done := make(chan struct{})
		go watchQuota(user, done, a.quota)

		if token == "" || n%4 == 0 {
			http.Error(w, errInvalidToken.Error(), http.StatusUnauthorized)
			return // BUG: done is never closed on this path
		}
		defer close(done)

		sess := &session{user: user}
		sess.mu.Lock()
		go sess.flush()
		if n%5 == 0 {
			http.Error(w, "account suspended", http.StatusForbidden)
			return // BUG: sess.mu is never unlocked on this path
		}
		sess.changes = append(sess.changes, "last_seen")
		sess.mu.Unlock()

		p, err := hedgedProfile(ctx, user)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		auditQueue <- "session " + user
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(p)
	})
}

func main() {
	if u := os.Getenv("LOADGEN_URL"); u != "" {
		loadgen(u)
		return
	}
	go func() { log.Fatal(http.ListenAndServe(os.Getenv("PPROF_ADDR"), nil)) }()
	for i := 0; i < 4; i++ {
		go auditWorker()
	}
	a := &api{quota: &quotaBook{used: make(map[string]int)}}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/session", a.session)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go (&http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}).Serve(ln)
	if err := startLoad("http://" + ln.Addr().String() + "/v1/session"); err != nil {
		log.Fatal(err)
	}
	for a.served.Load() < requests {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // the last hedge losers reach their send
	runtime.GC()
	fmt.Printf("READY served=%d goroutines=%d\n", a.served.Load(), runtime.NumGoroutine())
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

// loadgen sends exactly `requests` requests over 4 keep-alive connections, then idles.
func loadgen(target string) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}, Timeout: 10 * time.Second}
	var next atomic.Int64
	var wg sync.WaitGroup
	for c := 0; c < 4; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n := next.Add(1)
				if n > requests {
					return
				}
				resp, err := client.Get(fmt.Sprintf("%s?user=u%d&token=tk%d&n=%d", target, 1000+n, n*7919, n))
				if err != nil {
					log.Printf("loadgen: %v", err)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	io.Copy(io.Discard, os.Stdin)
	os.Exit(0)
}
