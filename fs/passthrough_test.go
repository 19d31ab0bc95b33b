package fs

import (
	"context"
	"testing"
	"time"
)

// ioModes keeps an inode's opens all passthrough, of one version, or all
// not: the kernel fails any other mix.
func TestIOModes(t *testing.T) {
	var m ioModes
	ctx := context.Background()
	if m.openPassthrough("e1", true) {
		t.Fatal("joined a backing file that is not there")
	}
	if !m.openPassthrough("e1", false) || !m.openPassthrough("e1", true) {
		t.Fatal("passthrough opens of one version refused")
	}
	if m.openPassthrough("e2", false) {
		t.Fatal("passthrough open of another version beside e1's")
	}
	if m.openOther(ctx, 0) {
		t.Fatal("another open beside passthrough ones")
	}
	got := make(chan bool)
	go func() { got <- m.openOther(ctx, time.Minute) }()
	m.releasePassthrough()
	select {
	case <-got:
		t.Fatal("an open stopped waiting with a passthrough open left")
	case <-time.After(20 * time.Millisecond):
	}
	m.releasePassthrough()
	if !<-got {
		t.Fatal("a waiting open not admitted once passthrough ones closed")
	}
	if m.openPassthrough("e1", false) {
		t.Fatal("passthrough open beside another one")
	}
	m.releaseOther()
	if !m.openPassthrough("e2", false) {
		t.Fatal("passthrough refused with nothing open")
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if m.openOther(cctx, time.Minute) {
		t.Fatal("an interrupted wait admitted")
	}
}
