package acl

import (
	"fmt"
	"runtime"
)

// Denial is why a Decision refuses, as a kind rather than an errno: acl
// stays free of syscall, and each caller maps the kind once (fs to an
// errno, remote.Restrict to a sentinel error). The zero value, DenyNone,
// means allowed.
type Denial int

const (
	DenyNone        Denial = iota // allowed
	DenyInvisible                 // no pattern reaches the path, or it is not canonical (ENOENT)
	DenyReadOnly                  // a mutation in an `access: read` connector (EROFS)
	DenyOutside                   // a mutation outside the patterns of a readwrite connector (EACCES)
	DenyCrossDevice               // a rename across connectors or buckets (EXDEV)
)

// ErrnoName is the errno users see for the kind ("ENOENT", "EROFS",
// "EACCES", "EXDEV"; "OK" for DenyNone), as `connectors check` and the
// logs print it.
func (k Denial) ErrnoName() string {
	switch k {
	case DenyNone:
		return "OK"
	case DenyInvisible:
		return "ENOENT"
	case DenyReadOnly:
		return "EROFS"
	case DenyOutside:
		return "EACCES"
	case DenyCrossDevice:
		return "EXDEV"
	}
	return fmt.Sprintf("Denial(%d)", int(k))
}

// String is ErrnoName.
func (k Denial) String() string { return k.ErrnoName() }

// errnoText is the errno's message as syscall.Errno's Error gives it on
// this system, for Explain.
func (k Denial) errnoText() string {
	switch k {
	case DenyInvisible:
		return "no such file or directory"
	case DenyReadOnly:
		return "read-only file system"
	case DenyOutside:
		return "permission denied"
	case DenyCrossDevice:
		if runtime.GOOS == "linux" || runtime.GOOS == "windows" {
			return "invalid cross-device link"
		}
		return "cross-device link"
	}
	return k.ErrnoName()
}
