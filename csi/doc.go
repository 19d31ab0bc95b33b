// Package csi is objfs's Container Storage Interface node plugin: the
// Identity and Node services that let a kubelet mount a bucket (or a
// prefix, or a connectors file) into a pod. It imports no go-fuse and no
// AWS SDK. Every mount is served by the objfs binary's own `objfs mount`,
// a process of its own, in one of two modes:
//
//   - hand-off (Config.MounterSocket, the deployment's default): the
//     plugin mounts the target itself with the /dev/fuse descriptor
//     Config.MountFUSE opens, and passes the descriptor with the mount's
//     arguments and environment to objfs csi-mounter (ServeMounter),
//     which runs in another pod and starts the objfs serving it. The
//     mounts survive the plugin's container being replaced.
//   - in-plugin (no socket): the plugin runs `objfs mount` in daemon mode
//     in its own container; the mounts survive the plugin process, not
//     its container.
//
// Types:
//
//   - Config: the node's identity (driver name, node id), the objfs
//     binary to run, the state directory and the unmount bound.
//   - Driver: implements csi.IdentityServer and csi.NodeServer. Static
//     provisioning only: no Controller service is advertised.
//   - volume (volume.go): what one NodePublishVolume asks for, parsed
//     from the volume context, the capability and the secret, and turned
//     into the argv and environment of `objfs mount`. Secret values go
//     only into the environment of that process or into 0600 files under
//     the state directory, never into argv, a log line or an error.
//   - runner (mounter.go): starts objfs mount / umount with a deadline
//     and reads the mount table: execRunner in-plugin, handoffRunner
//     (handoff.go) for the hand-off, whose unpublish also asks the
//     mounter to wait for the mount's objfs to exit.
//   - scrubber (redact.go): a request's secret values (and its
//     credentials file's), replaced in every error a publish, a
//     Controller call or the mounter returns or logs.
//   - ServeMounter (mounterd.go): the mounter's side of the socket, one
//     request (mount or wait) per connection; a mount's request carries
//     the descriptor as SCM_RIGHTS.
//
// Per target path the plugin keeps StateDir/targets/<sha256(target)>/:
// volume (the published volume id and access), cache/ (objfs's
// --cache-dir), objfs.log (the mount's --log-file), and the 0600 files a
// publish needs (connectors.yaml, aws-credentials). Unpublish removes it
// once objfs has exited, and so does a publish that fails for good (the
// kubelet never unpublishes those). The mounter's pod mounts the same
// directory at the same path, so the paths in objfs mount's arguments
// hold there too.
//
// Locks: Driver.mu guards Driver.busy (the target paths with an operation
// in flight); it is a leaf, held only to add or remove a path. A second
// operation on a path that is busy gets codes.Aborted, as the CSI spec
// recommends, so that the slow work (a mount, an unmount waiting for
// uploads) runs without any lock held.
package csi
