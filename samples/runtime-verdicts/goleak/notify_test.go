package notify

import (
	"errors"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestSendReportsFailure(t *testing.T) {
	defer goleak.VerifyNone(t)

	channels := []Channel{
		Mail{Latency: 20 * time.Millisecond},
		SMS{Number: "+49301234567"}, // a Berlin landline
	}
	err := Send(88231, "Your order 88231 has shipped.", channels)
	if !errors.Is(err, ErrNotMobile) {
		t.Fatalf("Send: %v, want ErrNotMobile", err)
	}
}
