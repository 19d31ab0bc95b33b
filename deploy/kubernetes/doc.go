// Package kubernetes holds the files that deploy objfs's CSI driver
// (README, Kubernetes): the CSIDriver, the node DaemonSet with the
// node-driver-registrar sidecar, the mounter DaemonSet, RBAC, the image's
// Dockerfile and examples. It has no code; its tests parse every
// manifest and check the fields a CSI deployment needs, so that a
// cluster is not needed to catch a broken file, and run the Dockerfile's
// build stage in a clone (no container builder runs here).
package kubernetes
