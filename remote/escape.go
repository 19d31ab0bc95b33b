package remote

import "strings"

// escapeCopySource formats an x-amz-copy-source value: "bucket/key" with
// every byte of the key percent-encoded except unreserved characters
// (RFC 3986) and "/". Encoding "+", "%", "#", "?" and spaces leaves no room
// for a server to read them as anything but themselves.
func escapeCopySource(bucket, key string) string {
	return escapePath(bucket) + "/" + escapePath(key)
}

func escapePath(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isUnreserved(c) || c == '/' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~'
}
