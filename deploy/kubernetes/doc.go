// Package kubernetes holds the files that deploy objfs's CSI driver
// (README, Kubernetes): the CSIDriver, the node DaemonSet with the
// node-driver-registrar sidecar, RBAC, the image's Dockerfile and
// examples. It has no code; its test parses every manifest and checks
// the fields a CSI deployment needs, so that a cluster is not needed to
// catch a broken file.
package kubernetes
