package acl

import (
	"strings"
	"testing"
)

// BenchmarkDecide measures the per-operation cost fs pays.
func BenchmarkDecide(b *testing.B) {
	c := newConn(b, "c", ReadWrite, "data/in/*", "data/out/*", "models/team.jpg", "logs/app*")
	key := "out/2024/05/17/run-42/checkpoint-000123.pt"
	for b.Loop() {
		if !c.Decide(OpWrite, "data", key).Allowed() {
			b.Fatal("denied")
		}
	}
}

// BenchmarkEntryVisible measures filtering one listing entry.
func BenchmarkEntryVisible(b *testing.B) {
	c := newConn(b, "c", Read, "data/in/*", "data/out/*", "models/team.jpg", "logs/app*")
	for b.Loop() {
		c.EntryVisible("data", "in/2024/", "part-00001.parquet", false)
	}
}

// BenchmarkDecideNestedEscapes bounds the worst case of repeated decoding:
// 16 segments of 255 bytes, each "%2525...", decoded 127 times.
func BenchmarkDecideNestedEscapes(b *testing.B) {
	c := newConn(b, "c", Read)
	seg := "%" + strings.Repeat("25", 127)
	key := strings.Repeat(seg+"/", 15) + seg
	for b.Loop() {
		c.Decide(OpRead, "data", key)
	}
}
