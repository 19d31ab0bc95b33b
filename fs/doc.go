// Package fs is the go-fuse adapter of objfs: go-fuse (fs API) nodes over
// the FUSE-agnostic core in package vfs. Each node method resolves its
// vfs node, calls the core, and maps the error to an errno through the
// one table (toErrno, which fail also uses to decide how loud a failure
// is logged); the adapter holds no file-system state of its own beyond
// how each inode's opens use the kernel (ioModes, for passthrough).
//
//   - dirNode, fileNode, symlinkNode: one per vfs.Dir, vfs.File and
//     vfs.Symlink. go-fuse owns its
//     tree and the node IDs, with StableAttr {Ino, Gen} from the core
//     node; inode() hands go-fuse the node for a core child and keeps the
//     two trees in agreement, and OnForget tells the core when the kernel
//     dropped a node.
//   - readHandle, passthroughHandle, writeHandle, dirHandle: one per open.
//     A readHandle answers with bytes or, for a disk-cached block, a file
//     range go-fuse splices (spanResult); a passthroughHandle lets the
//     kernel read the cache file itself (passthrough.go); a writeHandle
//     records the opener, since only the opener's closes commit; a
//     dirHandle keeps the stream position ("." and ".." are the
//     adapter's).
//   - connectorsRoot: the read-only root of a multi-connector mount, one
//     persistent child per label (each tree's root dirNode).
//   - readOnlyNode: the empty xattr list of directories and links, and
//     statfs; noXattr is getxattr's "none" (ENOSYS with extended
//     attributes off, so the kernel stops asking, else ENODATA); fileNode
//     answers its object's user.s3.* attributes (vfs.File.Xattr, ERANGE
//     and size queries by copyXattr; only a size query of the list may
//     HEAD, vfs.File.XattrNames).
//   - Mount, MountConnectors: the FUSE options and the serve loop;
//     observedFS reports every answered operation, and the size of every
//     READ and WRITE, to the Observer (the one place operations are
//     counted). request_size.go sizes the requests (MaxRequestSize,
//     raising the sysctl fs.fuse.max_pages_limit when root can) and
//     readahead_bdi.go the kernel readahead. With MountOptions.FD they
//     serve a /dev/fuse descriptor that MountFD (in another process:
//     objfs csi) mounted with the same options.
//
// Locks: dirHandle.mu guards pos; ioModes.mu one file node's counts of
// passthrough and other opens (a leaf). Everything else is the core's or
// go-fuse's; the adapter holds no lock while calling the core.
package fs
