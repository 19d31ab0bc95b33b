package main

import (
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// listenNotify listens on a unixgram socket at addr and returns a
// function reading the next datagram.
func listenNotify(t *testing.T, addr string) func() string {
	t.Helper()
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: addr, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return func() string {
		t.Helper()
		buf := make([]byte, 4096)
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, err := conn.Read(buf)
		if err != nil {
			t.Fatalf("read notification: %v", err)
		}
		return string(buf[:n])
	}
}

func TestNotifySendsDatagrams(t *testing.T) {
	addr := filepath.Join(t.TempDir(), "notify.sock")
	next := listenNotify(t, addr)
	n := newNotifier(func(k string) string {
		if k == "NOTIFY_SOCKET" {
			return addr
		}
		return ""
	})
	if n == nil {
		t.Fatal("no notifier for a path socket")
	}
	if err := n.Send("READY=1\n" + status("Serving %s", "/mnt/x")); err != nil {
		t.Fatal(err)
	}
	if got := next(); got != "READY=1\nSTATUS=Serving /mnt/x" {
		t.Fatalf("got %q", got)
	}
}

// TestNotifyAbstractSocket: an address starting with @ is in the
// abstract namespace (Linux).
func TestNotifyAbstractSocket(t *testing.T) {
	addr := "@objfs-test-" + strings.ReplaceAll(t.Name(), "/", "-") + time.Now().Format("150405.000000000")
	next := listenNotify(t, addr)
	n := newNotifier(func(string) string { return addr })
	if err := n.Send("STOPPING=1"); err != nil {
		t.Fatal(err)
	}
	if got := next(); got != "STOPPING=1" {
		t.Fatalf("got %q", got)
	}
}

func TestNotifyAbsent(t *testing.T) {
	for _, v := range []string{"", "relative/path", "vsock:2:1234"} {
		n := newNotifier(func(string) string { return v })
		if n != nil {
			t.Errorf("NOTIFY_SOCKET=%q gave a notifier", v)
		}
		if err := n.Send("READY=1"); err != nil {
			t.Errorf("nil notifier: %v", err)
		}
	}
	n := newNotifier(func(string) string { return filepath.Join(t.TempDir(), "nobody-listens") })
	if err := n.Send("READY=1"); err == nil {
		t.Error("no error for a socket nobody listens on")
	}
}

func TestStatusIsOneLine(t *testing.T) {
	if got := status("a\nb %d", 1); got != "STATUS=a b 1" {
		t.Fatalf("got %q", got)
	}
}
