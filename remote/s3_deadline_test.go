package remote

import (
	"strings"
	"testing"
	"time"
)

// TestS3SmallPutFrozenServer: a server that takes a small body and never
// answers (a SIGSTOPped MinIO) fails the Put after about RequestTimeout,
// not after the long deadline meant for megabytes still in socket buffers.
func TestS3SmallPutFrozenServer(t *testing.T) {
	const timeout = 300 * time.Millisecond
	s := newTestS3(t, stallServer(t, false, "").URL, timeout)
	start := time.Now()
	_, err := s.Put(t.Context(), PutRequest{Bucket: "bkt", Key: "k", Body: strings.NewReader("small"), Size: 5})
	checkClass(t, "small Put to a frozen server", err, ErrTransient)
	if d := time.Since(start); d >= longFactor*timeout {
		t.Errorf("failed after %v; want about %v (the long deadline is %v)", d, timeout, longFactor*timeout)
	}
}

// TestHandedOffDeadline: what is left of an upload after its body was
// read gets the timeout plus the body at drainRate, capped at longFactor.
func TestHandedOffDeadline(t *testing.T) {
	for _, tt := range []struct {
		sent int64
		want time.Duration
	}{
		{0, time.Second},
		{drainRate, 2 * time.Second},
		{100 * drainRate, longFactor * time.Second},
	} {
		if got := handedOffDeadline(time.Second, tt.sent); got != tt.want {
			t.Errorf("handedOffDeadline(1s, %d) = %v, want %v", tt.sent, got, tt.want)
		}
	}
}
