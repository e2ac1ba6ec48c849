// Package notify sends order notifications (e-mail, SMS) through a pool of senders and
// reports how each delivery went.
//
// What goes wrong: Send starts one goroutine per channel and returns as soon as the first
// delivery fails, without reading the other goroutines' results. Their results channel is
// unbuffered, so each delivery that finishes after the failure waits in a chan send forever.
// TestSendReportsFailure checks for leaked goroutines with goleak.VerifyNone, which fails
// the test with "found unexpected goroutines:" and the leaked goroutine's stack.
package notify

import (
	"errors"
	"fmt"
	"time"
)

// Channel is one way to reach a customer.
type Channel interface {
	Name() string
	Deliver(orderID int, text string) error
}

// Send delivers text on every channel and returns the first error. BUG: on an error it
// returns without draining results, and the senders still running block in results <- err.
func Send(orderID int, text string, channels []Channel) error {
	results := make(chan error)
	for _, ch := range channels {
		ch := ch
		go func() {
			err := ch.Deliver(orderID, text)
			if err != nil {
				err = fmt.Errorf("%s: %w", ch.Name(), err)
			}
			results <- err
		}()
	}
	for range channels {
		if err := <-results; err != nil {
			return err
		}
	}
	return nil
}

// Mail delivers by e-mail; it takes a while.
type Mail struct{ Latency time.Duration }

func (m Mail) Name() string { return "mail" }
func (m Mail) Deliver(orderID int, text string) error {
	time.Sleep(m.Latency)
	return nil
}

// SMS delivers by text message; numbers that are not mobile numbers fail at once.
type SMS struct{ Number string }

// ErrNotMobile is the SMS gateway's answer for a landline number.
var ErrNotMobile = errors.New("not a mobile number")

func (s SMS) Name() string { return "sms" }
func (s SMS) Deliver(orderID int, text string) error {
	if len(s.Number) < 4 || s.Number[:4] != "+491" {
		return ErrNotMobile
	}
	return nil
}
