// Package csi is objfs's Container Storage Interface node plugin: the
// Identity and Node services that let a kubelet mount a bucket (or a
// prefix, or a connectors file) into a pod. It imports no go-fuse and no
// AWS SDK: a publish runs the objfs binary's own `objfs mount` in daemon
// mode, an unpublish runs `objfs umount`, so every mount is served by a
// separate process that outlives the plugin (a crash or a restart of the
// plugin never takes a pod's files away).
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
//     and reads the mount table.
//
// Per target path the plugin keeps StateDir/targets/<sha256(target)>/:
// volume (the published volume id and access), cache/ (objfs's
// --cache-dir), objfs.log (the mount's --log-file), and the 0600 files a
// publish needs (connectors.yaml, aws-credentials). Unpublish removes it
// once objfs has exited.
//
// Locks: Driver.mu guards Driver.busy (the target paths with an operation
// in flight); it is a leaf, held only to add or remove a path. A second
// operation on a path that is busy gets codes.Aborted, as the CSI spec
// recommends, so that the slow work (a mount, an unmount waiting for
// uploads) runs without any lock held.
package csi
