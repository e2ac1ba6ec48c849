// Package cartcache keeps the shopping carts of signed-in customers in memory in front of the
// cart store, and refreshes a cart from the store when it has expired.
//
// What goes wrong: Refresh holds the cache lock while it waits for the store's answer, and
// the store client answers nothing for a cart the store no longer has (it drops the
// request instead of replying "not found"). The refresh of such a cart waits in a chan
// receive forever with the lock held, and every Get after it waits in sync.Mutex.Lock.
// TestGetDuringRefresh gets stuck that way and `go test -timeout 5s` panics with
// "test timed out after 5s" and every goroutine's stack.
package cartcache

import (
	"sync"
	"time"
)

// Cart is one customer's shopping cart.
type Cart struct {
	ID      string
	UserID  int
	Expires time.Time
}

type loadRequest struct {
	id    string
	reply chan Cart
}

// Store is the client of the cart store: a goroutine that serves load requests.
type Store struct {
	requests chan loadRequest
	carts    map[string]Cart
}

// NewStore starts the store client over the given carts.
func NewStore(carts map[string]Cart) *Store {
	s := &Store{requests: make(chan loadRequest), carts: carts}
	go s.serve()
	return s
}

func (s *Store) serve() {
	for req := range s.requests {
		cart, ok := s.carts[req.id]
		if !ok {
			continue // BUG: the caller waits on req.reply forever
		}
		req.reply <- cart
	}
}

// Load asks the store for one cart and waits for the answer.
func (s *Store) Load(id string) Cart {
	reply := make(chan Cart)
	s.requests <- loadRequest{id: id, reply: reply}
	return <-reply
}

// Cache holds the carts in memory.
type Cache struct {
	mu    sync.Mutex
	carts map[string]Cart
	store *Store
}

// New returns an empty cache in front of store.
func New(store *Store) *Cache {
	return &Cache{carts: make(map[string]Cart), store: store}
}

// Get returns the cached cart, loading it from the store on a miss.
func (c *Cache) Get(id string) Cart {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.carts[id]; ok && time.Now().Before(s.Expires) {
		return s
	}
	s := c.store.Load(id)
	c.carts[id] = s
	return s
}

// Refresh reloads a cart from the store. BUG: it waits for the store with the lock held.
func (c *Cache) Refresh(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.carts[id] = c.store.Load(id)
}

// Janitor drops expired carts every interval until stop is closed.
func (c *Cache) Janitor(interval time.Duration, stop <-chan struct{}) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case now := <-t.C:
			c.mu.Lock()
			for id, s := range c.carts {
				if now.After(s.Expires) {
					delete(c.carts, id)
				}
			}
			c.mu.Unlock()
		case <-stop:
			return
		}
	}
}
