// Command panic is an invoicing service: an HTTP server answers health checks, a pool of
// invoice workers renders the invoices of the orders the dispatcher hands them, a flusher
// writes the metrics every 100 ms, and a ledger reconciler checksums the day's entries.
//
// What goes wrong: an order placed by a guest checkout has no customer record (customer is
// nil), and invoiceWorker.render reads o.customer.country without checking. The worker
// dereferences a nil pointer; nothing recovers the panic (it is not in an HTTP handler), so
// the runtime prints "panic: runtime error: invalid memory address or nil pointer
// dereference" and "[signal SIGSEGV: ...]", the stacks, and exits with status 2. Run with
// GOTRACEBACK=all the traceback lists every goroutine: the other workers waiting for jobs,
// the dispatcher waiting for results, the HTTP server's accept loop, the sleeping flusher,
// and the reconciler busy on another thread.
package main

import (
	"fmt"
	"hash/crc32"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"time"
)

type customer struct {
	name    string
	country string
}

type order struct {
	id       int
	customer *customer // nil for a guest checkout
	cents    int
}

type invoice struct {
	orderID int
	text    string
}

var vatRates = map[string]int{"DE": 19, "FR": 20, "NL": 21, "AT": 20}

type invoiceWorker struct {
	id       int
	rendered int
}

// render builds the invoice text. BUG: o.customer is nil for a guest checkout.
func (w *invoiceWorker) render(o order) invoice {
	rate := vatRates[o.customer.country]
	vat := o.cents * rate / 100
	w.rendered++
	return invoice{o.id, fmt.Sprintf("invoice %d for %s: %d + %d VAT", o.id, o.customer.name, o.cents, vat)}
}

func (w *invoiceWorker) run(jobs <-chan order, results chan<- invoice) {
	for o := range jobs {
		results <- w.render(o)
	}
}

var metricsFlushed atomic.Int64

func flushMetrics() {
	for {
		time.Sleep(100 * time.Millisecond)
		metricsFlushed.Add(1)
	}
}

// reconcileLedger checksums the day's ledger entries over and over (it stands for a
// CPU-heavy reconciliation).
func reconcileLedger(entries [][]byte, sums chan<- uint32) {
	for {
		var sum uint32
		for _, e := range entries {
			sum ^= crc32.ChecksumIEEE(e)
		}
		select {
		case sums <- sum:
		default:
		}
	}
}

func main() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	go http.Serve(ln, mux)

	go flushMetrics()
	entries := make([][]byte, 2000)
	for i := range entries {
		entries[i] = []byte(fmt.Sprintf("2024-11-05;entry-%05d;%d", i, i*731%10007))
	}
	go reconcileLedger(entries, make(chan uint32, 1))

	jobs := make(chan order)
	results := make(chan invoice)
	for i := 1; i <= 4; i++ {
		w := &invoiceWorker{id: i}
		go w.run(jobs, results)
	}

	alice := &customer{"Alice Berger", "AT"}
	bram := &customer{"Bram de Vries", "NL"}
	batch := []order{{1201, alice, 4999}, {1202, bram, 12900}, {1203, alice, 750}}
	for _, o := range batch {
		jobs <- o
		fmt.Println((<-results).text)
	}
	// Let the pool settle: every worker is back in its range over jobs.
	time.Sleep(200 * time.Millisecond)

	jobs <- order{id: 1204, customer: nil, cents: 3450} // a guest checkout
	select {
	case inv := <-results:
		fmt.Println(inv.text)
	case <-time.After(5 * time.Second):
		fmt.Println("no invoice for order 1204")
	}
}
