package main

import (
	"fmt"
	"net"
	"strings"
)

// notifier speaks systemd's sd_notify protocol (sd_notify(3)) without
// libsystemd: each state is one datagram to the unix socket named by
// NOTIFY_SOCKET, a path or, with a leading '@', an abstract socket (Go
// maps '@' to the abstract namespace). A nil notifier (not under systemd)
// sends nothing. It holds no state but the address, so it needs no lock.
type notifier struct {
	addr string
}

// newNotifier reads NOTIFY_SOCKET; nil when it is unset or not a unix
// socket address.
func newNotifier(getenv func(string) string) *notifier {
	addr := getenv("NOTIFY_SOCKET")
	if addr == "" || !(strings.HasPrefix(addr, "/") || strings.HasPrefix(addr, "@")) {
		return nil
	}
	return &notifier{addr: addr}
}

// Send sends state, e.g. "READY=1\nSTATUS=serving". It returns an error
// only when the socket cannot be reached.
func (n *notifier) Send(state string) error {
	if n == nil {
		return nil
	}
	conn, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: n.addr, Net: "unixgram"})
	if err != nil {
		return fmt.Errorf("sd_notify %s: %w", n.addr, err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte(state)); err != nil {
		return fmt.Errorf("sd_notify %s: %w", n.addr, err)
	}
	return nil
}

// status formats a STATUS= line: systemctl status shows it.
func status(format string, args ...any) string {
	s := fmt.Sprintf(format, args...)
	return "STATUS=" + strings.ReplaceAll(s, "\n", " ")
}
