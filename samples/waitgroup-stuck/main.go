// Command waitgroup-stuck is a dashboard API: GET /v1/dashboard?user=U loads six widgets
// (orders, invoices, shipments, messages, loyalty, recommendations) concurrently, waits for
// them with a sync.WaitGroup, and renders the page.
//
// The bug: a widget loader that fails returns before calling wg.Done (the Done is at the end
// of the function instead of deferred at its top). The recommendations widget fails for users
// without a purchase history, about one request in seven, and each of those handlers waits in
// WaitGroup.Wait forever. Clients give up after 2 s; the handler goroutines stay, and their
// number grows with the traffic.
//
// The load comes from a second process (this binary with LOADGEN_URL set).
//
// Env: PPROF_ADDR (net/http/pprof). Prints READY once 40 handlers are stuck, READY2 once 80
// are.
package main

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log"
	"math/rand"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"os/exec"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

var widgets = []string{"orders", "invoices", "shipments", "messages", "loyalty", "recommendations"}

var errNoHistory = errors.New("recommendations: no purchase history")

func userHash(user string) uint32 {
	h := fnv.New32a()
	io.WriteString(h, user)
	return h.Sum32()
}

// loadWidget stands for a call to the widget's backing service.
func loadWidget(ctx context.Context, name, user string) (string, error) {
	h := userHash(user + "/" + name)
	time.Sleep(time.Duration(5+h%25) * time.Millisecond)
	if name == "recommendations" && userHash(user)%7 == 0 {
		return "", errNoHistory
	}
	return fmt.Sprintf("<section id=%q>%d items</section>", name, h%9), nil
}

type dashboards struct {
	started, served, widgetErrors atomic.Int64
}

func (d *dashboards) handle(w http.ResponseWriter, r *http.Request) {
	pprof.Do(r.Context(), pprof.Labels("endpoint", "/v1/dashboard"), func(ctx context.Context) {
		user := r.URL.Query().Get("user")
		d.started.Add(1)
		sections := make([]string, len(widgets))
		errs := make([]error, len(widgets))
		var wg sync.WaitGroup
		wg.Add(len(widgets))
		for i, name := range widgets {
			i, name := i, name
			go func() {
				html, err := loadWidget(ctx, name, user)
				if err != nil {
					errs[i] = err
					d.widgetErrors.Add(1)
					return // BUG: skips wg.Done
				}
				sections[i] = html
				wg.Done()
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				sections[i] = "<section class=unavailable></section>"
			}
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, "<main>"+strings.Join(sections, "")+"</main>\n")
		d.served.Add(1)
	})
}

func main() {
	if u := os.Getenv("LOADGEN_URL"); u != "" {
		loadgen(u)
		return
	}
	go func() { log.Fatal(http.ListenAndServe(os.Getenv("PPROF_ADDR"), nil)) }()

	d := &dashboards{}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/dashboard", d.handle)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go (&http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}).Serve(ln)
	if err := startLoad("http://" + ln.Addr().String() + "/v1/dashboard"); err != nil {
		log.Fatal(err)
	}
	for d.widgetErrors.Load() < 40 {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	fmt.Printf("READY started=%d served=%d widget_errors=%d\n", d.started.Load(), d.served.Load(), d.widgetErrors.Load())
	for d.widgetErrors.Load() < 80 {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	fmt.Printf("READY2 started=%d served=%d widget_errors=%d\n", d.started.Load(), d.served.Load(), d.widgetErrors.Load())
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

// loadgen opens dashboards for random users, 40 a second for the first 40 s (the morning peak),
// then 10 a second; clients give up after 2 s. The calmer traffic after the peak slows the growth
// of the stuck handlers, so that a dump taken minutes later stays small.
func loadgen(target string) {
	client := &http.Client{Timeout: 2 * time.Second}
	rng := rand.New(rand.NewSource(1))
	peakEnds := time.Now().Add(40 * time.Second)
	go func() {
		for {
			user := "u" + strconv.Itoa(10000+rng.Intn(90000))
			go func() {
				resp, err := client.Get(target + "?user=" + user)
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}()
			if time.Now().Before(peakEnds) {
				time.Sleep(25 * time.Millisecond)
			} else {
				time.Sleep(100 * time.Millisecond)
			}
		}
	}()
	io.Copy(io.Discard, os.Stdin)
	os.Exit(0)
}
