package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/objfs/objfs/internal/mountinfo"
)

const flagJSON = "json"

// `objfs status [MOUNTPOINT]`: what each objfs mount of this mount
// namespace is doing, asked of its daemon over its status socket
// (status_socket.go).
func statusCommand() *cli.Command {
	return &cli.Command{
		Name:         "status",
		Usage:        "show what objfs mounts are doing: source, endpoint, uptime, cache, pending uploads, errors, requests",
		ArgsUsage:    "[MOUNTPOINT]",
		OnUsageError: onUsageError,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: flagJSON, Usage: "print JSON: one object for MOUNTPOINT, else an array of them"},
		},
		Action: statusAction,
	}
}

func statusAction(c *cli.Context) error {
	args := c.Args().Slice()
	if len(args) > 1 {
		return usageErrorf("status", "status takes at most one argument, MOUNTPOINT (got %d)", len(args))
	}
	var mountpoint string
	if len(args) == 1 {
		mp, err := canonicalPath(args[0])
		if err != nil {
			return err
		}
		mountpoint = mp
	}
	mounts, err := objfsMounts(mountinfo.Self, mountpoint)
	if err != nil {
		return err
	}
	reports, failed := collectStatus(mounts)
	if c.Bool(flagJSON) {
		enc := json.NewEncoder(c.App.Writer)
		enc.SetIndent("", "  ")
		if mountpoint != "" {
			if err := enc.Encode(reports[0]); err != nil {
				return err
			}
		} else if err := enc.Encode(reports); err != nil {
			return err
		}
	} else {
		if len(reports) == 0 {
			fmt.Fprintln(c.App.Writer, "no objfs mounts")
		}
		for i, r := range reports {
			if i > 0 {
				fmt.Fprintln(c.App.Writer)
			}
			printStatus(c.App.Writer, r)
		}
	}
	if failed != nil {
		return failed
	}
	return nil
}

// collectStatus asks each mount's daemon; a mount that does not answer
// has a report with Error set, and the first such error is returned.
func collectStatus(mounts []mountinfo.Mount) ([]statusReport, error) {
	reports := make([]statusReport, 0, len(mounts))
	var failed error
	for _, m := range mounts {
		r, err := readStatus(m.MountPoint, ownerOf(m))
		if err != nil {
			r = statusReport{Mountpoint: m.MountPoint, Source: m.Source, Error: err.Error()}
			if failed == nil {
				failed = err
			}
		}
		reports = append(reports, r)
	}
	return reports, failed
}

// printStatus writes r for people.
func printStatus(w io.Writer, r statusReport) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	p("%s: %s", r.Mountpoint, r.Source)
	if r.Error != "" {
		p("  status: %s", r.Error)
		return
	}
	ep := r.Endpoint
	if ep == "" {
		ep = "AWS S3"
	}
	if r.Region != "" {
		ep += " (" + r.Region + ")"
	}
	if len(r.Connectors) == 0 {
		p("  endpoint:   %s", ep)
	}
	mode := "read-write"
	if r.ReadOnly {
		mode = "read-only"
	}
	if r.AsOf != nil {
		mode += ", as of " + r.AsOf.UTC().Format(time.RFC3339Nano)
	}
	p("  daemon:     pid %d, up %s, %s, logs to %s", r.PID, time.Duration(r.UptimeSeconds*float64(time.Second)).Round(time.Second), mode, r.Log)
	for _, c := range r.Connectors {
		cep := c.Endpoint
		if cep == "" {
			cep = "AWS S3"
		}
		p("  connector:  %s (%s, %s): %d allowed, %d denied, %s pending", c.Label, c.Access, cep, c.Allowed, c.Denied, pendingText(c.Uploads))
	}
	p("  cache:      memory %s", tierText(r.Cache.Memory))
	if d := r.Cache.Disk; d != nil {
		p("              disk %s", tierText(*d))
	}
	m := r.Cache.Metadata
	p("              metadata %d entries, %d listings; %d hits, %d misses", m.Stats, m.Listings, m.StatHits+m.NegativeHits+m.ListHits, m.StatMisses+m.ListMisses)
	p("  uploads:    %s pending", pendingText(r.Uploads))
	p("  requests:   %s", requestsText(r.Requests))
	for _, op := range []string{"read", "write"} {
		if st, ok := r.FUSERequests[op]; ok {
			p("  fuse %-6s %d requests, %s, largest %s, %d over 1 MiB", op+":", st.Requests, humanBytes(st.Bytes), humanBytes(st.Largest), st.Over1MiB)
		}
	}
	if len(r.RecentErrors) == 0 {
		p("  errors:     none")
		return
	}
	p("  errors:     last %d warnings and errors:", len(r.RecentErrors))
	for _, l := range r.RecentErrors {
		p("    %s", l)
	}
}

func tierText(t tierReport) string {
	s := fmt.Sprintf("%s of %s (%d blocks)", humanBytes(t.Bytes), humanBytes(t.LimitBytes), t.Blocks)
	if n := t.Hits + t.Misses; n > 0 {
		s += fmt.Sprintf(", %d hits, %d misses (%.0f%% hits)", t.Hits, t.Misses, 100*float64(t.Hits)/float64(n))
	}
	return s
}

func pendingText(u uploadReport) string {
	if u.Files == 0 {
		return "nothing"
	}
	s := fmt.Sprintf("%d file(s), %s", u.Files, humanBytes(u.Bytes))
	if u.Oldest != nil {
		s += fmt.Sprintf(", oldest %s ago", time.Duration(u.OldestAgeSeconds*float64(time.Second)).Round(time.Second))
	}
	return s
}

// requestsText is "GetObject 12 (2xx 11, 4xx 1), PutObject 3", by
// operation name.
func requestsText(req map[string]map[string]int64) string {
	if len(req) == 0 {
		return "none"
	}
	ops := make([]string, 0, len(req))
	for op := range req {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	var parts []string
	for _, op := range ops {
		classes := make([]string, 0, len(req[op]))
		var total int64
		for cl, n := range req[op] {
			classes = append(classes, cl)
			total += n
		}
		sort.Strings(classes)
		s := fmt.Sprintf("%s %d", op, total)
		if len(classes) > 1 || (len(classes) == 1 && classes[0] != "2xx") {
			var cs []string
			for _, cl := range classes {
				cs = append(cs, fmt.Sprintf("%s %d", cl, req[op][cl]))
			}
			s += " (" + strings.Join(cs, ", ") + ")"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}

// humanBytes is n in binary units with one decimal: "12.5 MiB".
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
