package cartcache

import (
	"testing"
	"time"
)

func TestGetDuringRefresh(t *testing.T) {
	hour := time.Now().Add(time.Hour)
	store := NewStore(map[string]Cart{
		"c-7f3a": {ID: "c-7f3a", UserID: 1042, Expires: hour},
		"c-91c2": {ID: "c-91c2", UserID: 2210, Expires: hour},
	})
	c := New(store)
	stop := make(chan struct{})
	defer close(stop)
	go c.Janitor(time.Minute, stop)

	if got := c.Get("c-7f3a"); got.UserID != 1042 {
		t.Fatalf("Get(c-7f3a).UserID = %d, want 1042", got.UserID)
	}

	// The cart c-0d55 was deleted from the store (checked out on another device): its
	// refresh never gets an answer and keeps the cache locked.
	refreshed := make(chan struct{})
	go func() {
		c.Refresh("c-0d55")
		close(refreshed)
	}()
	time.Sleep(50 * time.Millisecond)

	if got := c.Get("c-91c2"); got.UserID != 2210 {
		t.Fatalf("Get(c-91c2).UserID = %d, want 2210", got.UserID)
	}
	<-refreshed
}
