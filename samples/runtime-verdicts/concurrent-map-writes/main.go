// Command concurrent-map-writes is a product catalogue's price importer: it splits the
// supplier's price list into shards, and one import worker per shard writes the new prices
// into the catalogue's price index while main waits for the workers and a progress reporter
// waits for their progress events.
//
// What goes wrong: the price index is a plain map shared by the import workers with no lock
// (the code was written when there was a single worker). Two workers writing the map at the
// same time are caught by the runtime's map write check, which stops the whole process with
// "fatal error: concurrent map writes" and the stack of the goroutine that tripped it (up to
// Go 1.24 the stacks of all the others too; from Go 1.26 on only with GOTRACEBACK=all). Which
// worker trips the check, and where the others are at that moment, differs from run to run.
package main

import (
	"fmt"
	"sync"
	"time"
)

type priceIndex map[string]int // SKU -> price in cents

type shard struct {
	supplier string
	first    int
	count    int
}

// importShard fetches one shard's price list and writes its prices into the index.
// BUG: index is written without a lock.
func importShard(index priceIndex, s shard, progress chan<- string, wg *sync.WaitGroup) {
	defer wg.Done()
	time.Sleep(20 * time.Millisecond) // stands for downloading the shard from the supplier
	for round := 0; round < 1000; round++ {
		for i := s.first; i < s.first+s.count; i++ {
			sku := fmt.Sprintf("%s-%06d", s.supplier, i)
			index[sku] = 999 + (i*37+round)%5000
		}
	}
	progress <- fmt.Sprintf("%s: %d prices", s.supplier, s.count)
}

func reportProgress(progress <-chan string, done chan<- int) {
	n := 0
	for line := range progress {
		fmt.Println("imported", line)
		n++
	}
	done <- n
}

func main() {
	index := make(priceIndex)
	progress := make(chan string)
	reported := make(chan int)
	go reportProgress(progress, reported)

	shards := []shard{
		{"ACME", 0, 2000}, {"BOLT", 0, 2000}, {"CRAN", 0, 2000}, {"DYNA", 0, 2000},
	}
	var wg sync.WaitGroup
	for _, s := range shards {
		wg.Add(1)
		go importShard(index, s, progress, &wg)
	}
	wg.Wait()
	close(progress)
	fmt.Println("shards imported:", <-reported, "prices in the index:", len(index))
}
