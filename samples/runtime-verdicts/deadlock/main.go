// Command deadlock is a shop's nightly order batch: it tops up the stock of low SKUs with a
// purchase order to the supplier, has pricing workers compute each order's total, reserves
// the stock of each priced order in the warehouse, and books the reservations in the ledger.
//
// What goes wrong: restock takes the warehouse lock and then waits for the supplier's
// acknowledgement of the purchase order while still holding it. The supplier client rejects
// the purchase order (an unknown SKU) and returns without answering, so restock waits in a
// chan receive forever with the lock held. The reservers then wait for the warehouse lock,
// the pricing workers wait to hand their next priced order to a reserver (an unbuffered
// channel), main waits for the pricing workers in WaitGroup.Wait, and the ledger writer and
// the status notifier wait for events that never come. Nothing else can run, so the runtime
// stops the program: "fatal error: all goroutines are asleep - deadlock!".
package main

import (
	"errors"
	"fmt"
	"sync"
)

type order struct {
	id        int
	sku       string
	qty       int
	unitCents int
}

type pricedOrder struct {
	order
	totalCents int
}

type warehouse struct {
	mu    sync.Mutex
	stock map[string]int
}

// restock tops up sku with a purchase order. BUG: it holds the lock while it waits for the
// supplier, and the supplier client does not answer when it rejects the purchase order.
func (w *warehouse) restock(sku string, qty int, acks <-chan int, locked chan<- struct{}) {
	w.mu.Lock()
	defer w.mu.Unlock()
	close(locked)
	delivered := <-acks
	w.stock[sku] += delivered
}

func (w *warehouse) reserve(p pricedOrder) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stock[p.sku] < p.qty {
		return fmt.Errorf("order %d: %d x %s out of stock", p.id, p.qty, p.sku)
	}
	w.stock[p.sku] -= p.qty
	return nil
}

var errUnknownSKU = errors.New("supplier: unknown SKU")

// supplierClient sends the purchase order; on a rejection it returns before answering on acks.
func supplierClient(sku string, qty int, acks chan<- int) {
	if sku == "KB-201-DE" { // discontinued: the supplier rejects it
		fmt.Println("purchase order rejected:", sku, errUnknownSKU)
		return
	}
	acks <- qty
}

func priceWorker(orders <-chan order, priced chan<- pricedOrder, wg *sync.WaitGroup) {
	defer wg.Done()
	for o := range orders {
		priced <- pricedOrder{order: o, totalCents: o.qty * o.unitCents}
	}
}

func reserver(w *warehouse, priced <-chan pricedOrder, ledger chan<- string, wg *sync.WaitGroup) {
	defer wg.Done()
	for p := range priced {
		if err := w.reserve(p); err != nil {
			ledger <- "failed " + err.Error()
			continue
		}
		ledger <- fmt.Sprintf("reserved order %d: %d cents", p.id, p.totalCents)
	}
}

func ledgerWriter(entries <-chan string, done chan<- int) {
	n := 0
	for range entries {
		n++
	}
	done <- n
}

func statusNotifier(updates <-chan string, quit <-chan struct{}) {
	for {
		select {
		case u := <-updates:
			fmt.Println("status:", u)
		case <-quit:
			return
		}
	}
}

func main() {
	w := &warehouse{stock: map[string]int{"MS-100": 40, "KB-201-DE": 2, "HS-330": 25}}
	acks := make(chan int)
	locked := make(chan struct{})
	go w.restock("KB-201-DE", 50, acks, locked)
	<-locked
	go supplierClient("KB-201-DE", 50, acks)

	updates := make(chan string)
	quit := make(chan struct{})
	go statusNotifier(updates, quit)

	entries := make(chan string)
	booked := make(chan int)
	go ledgerWriter(entries, booked)

	orders := make(chan order, 16)
	skus := []string{"MS-100", "KB-201-DE", "HS-330"}
	for i := 0; i < 12; i++ {
		orders <- order{id: 5001 + i, sku: skus[i%3], qty: 1 + i%4, unitCents: 1999}
	}
	close(orders)

	priced := make(chan pricedOrder)
	var reserving sync.WaitGroup
	for i := 0; i < 2; i++ {
		reserving.Add(1)
		go reserver(w, priced, entries, &reserving)
	}
	var pricing sync.WaitGroup
	for i := 0; i < 3; i++ {
		pricing.Add(1)
		go priceWorker(orders, priced, &pricing)
	}

	pricing.Wait()
	close(priced)
	reserving.Wait()
	close(entries)
	fmt.Println("booked", <-booked, "reservations")
	close(quit)
}
