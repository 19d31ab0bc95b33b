package kubernetes

import (
	"bytes"
	"errors"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/objfs/objfs/acl"
	"github.com/objfs/objfs/csi"
)

// object is one manifest document, generically.
type object map[string]any

func (o object) get(path ...string) any {
	var v any = o
	for _, p := range path {
		var m map[string]any
		switch x := v.(type) {
		case map[string]any:
			m = x
		case object:
			m = x
		default:
			return nil
		}
		v = m[p]
	}
	return v
}

func (o object) str(path ...string) string { s, _ := o.get(path...).(string); return s }

func (o object) list(path ...string) []any { l, _ := o.get(path...).([]any); return l }

// loadAll parses every document of every manifest, failing on a document
// without apiVersion, kind and metadata.name.
func loadAll(t *testing.T) map[string][]object {
	t.Helper()
	files, _ := filepath.Glob("*.yaml")
	ex, _ := filepath.Glob("examples/*.yaml")
	files = append(files, ex...)
	if len(files) < 6 {
		t.Fatalf("manifests: %v", files)
	}
	byKind := map[string][]object{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(b))
		for i := 0; ; i++ {
			var m map[string]any
			err := dec.Decode(&m)
			o := object(m)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s document %d: %v", f, i, err)
			}
			if o == nil {
				continue
			}
			if o.str("apiVersion") == "" || o.str("kind") == "" || o.str("metadata", "name") == "" {
				t.Errorf("%s document %d lacks apiVersion, kind or metadata.name", f, i)
			}
			byKind[o.str("kind")] = append(byKind[o.str("kind")], o)
		}
	}
	return byKind
}

func TestManifests(t *testing.T) {
	k := loadAll(t)
	for _, kind := range []string{"CSIDriver", "DaemonSet", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "PersistentVolume", "PersistentVolumeClaim", "Secret", "Pod"} {
		if len(k[kind]) == 0 {
			t.Errorf("no %s", kind)
		}
	}
	for _, d := range k["CSIDriver"] {
		if d.str("metadata", "name") != csi.DefaultDriverName || d.get("spec", "attachRequired") != false {
			t.Errorf("CSIDriver %s: want %s with attachRequired false", d.str("metadata", "name"), csi.DefaultDriverName)
		}
	}
	sets := map[string]object{}
	for _, ds := range k["DaemonSet"] {
		sets[ds.str("metadata", "name")] = ds
	}
	if sets["objfs-csi-node"] == nil || sets["objfs-csi-mounter"] == nil {
		t.Fatalf("DaemonSets %v: want objfs-csi-node and objfs-csi-mounter", slices.Collect(maps.Keys(sets)))
	}
	socket := checkMounter(t, sets["objfs-csi-mounter"])
	checkDaemonSet(t, sets["objfs-csi-node"], socket)
	secrets := map[string]object{}
	for _, s := range k["Secret"] {
		secrets[s.str("metadata", "name")] = s
	}
	for _, pv := range k["PersistentVolume"] {
		checkPV(t, pv, secrets)
	}
	pvs := map[string]bool{}
	for _, pv := range k["PersistentVolume"] {
		pvs[pv.str("metadata", "name")] = true
	}
	classes := map[string]bool{}
	for _, sc := range k["StorageClass"] {
		classes[sc.str("metadata", "name")] = true
		checkStorageClass(t, sc, secrets)
	}
	if len(classes) == 0 {
		t.Error("no StorageClass example (dynamic provisioning)")
	}
	for _, c := range k["PersistentVolumeClaim"] {
		static := pvs[c.str("spec", "volumeName")] && c.get("spec", "storageClassName") == ""
		dynamic := c.get("spec", "volumeName") == nil && classes[c.str("spec", "storageClassName")]
		if !static && !dynamic {
			t.Errorf("claim %s: binds statically (storageClassName \"\") to a PV of the examples, or names an objfs StorageClass", c.str("metadata", "name"))
		}
	}
	checkController(t, k)
}

// checkStorageClass: provisioned by this driver from a bucket, with its
// parameters known to the Controller and both secrets among the examples.
func checkStorageClass(t *testing.T, sc object, secrets map[string]object) {
	name := sc.str("metadata", "name")
	if sc.str("provisioner") != csi.DefaultDriverName {
		t.Errorf("StorageClass %s: provisioner %q", name, sc.str("provisioner"))
	}
	params, _ := sc.get("parameters").(map[string]any)
	known := []string{csi.ParamBucket, csi.ParamPrefix, csi.AttrEndpoint, csi.AttrRegion, csi.AttrPathStyle, csi.AttrMountOptions}
	for key, v := range params {
		if _, ok := v.(string); !ok {
			t.Errorf("StorageClass %s: parameter %q must be a string (quote it)", name, key)
		}
		if !slices.Contains(known, key) && !strings.HasPrefix(key, "csi.storage.k8s.io/") {
			t.Errorf("StorageClass %s: parameter %q is not one the Controller knows", name, key)
		}
	}
	if params[csi.ParamBucket] == nil {
		t.Errorf("StorageClass %s: no %q parameter", name, csi.ParamBucket)
	}
	for _, kind := range []string{"provisioner", "node-publish"} {
		secret, _ := params["csi.storage.k8s.io/"+kind+"-secret-name"].(string)
		ns, _ := params["csi.storage.k8s.io/"+kind+"-secret-namespace"].(string)
		s := secrets[secret]
		if s == nil || s.str("metadata", "namespace") != ns {
			t.Errorf("StorageClass %s: its %s secret %s/%s is not among the examples", name, kind, ns, secret)
		}
	}
}

// checkController: the Deployment runs objfs csi --controller with the
// external-provisioner on one socket, under an account allowed to make
// and delete PVs and read secrets.
func checkController(t *testing.T, k map[string][]object) {
	var dep object
	for _, d := range k["Deployment"] {
		if d.str("metadata", "name") == "objfs-csi-controller" {
			dep = d
		}
	}
	if dep == nil {
		t.Fatal("no objfs-csi-controller Deployment")
	}
	spec, byName := podSpec(t, dep)
	plugin, prov := byName["objfs"], byName["csi-provisioner"]
	if plugin == nil || prov == nil {
		t.Fatalf("controller containers %v: want objfs and csi-provisioner", slices.Collect(maps.Keys(byName)))
	}
	args := toStrings(plugin.list("args"))
	if len(args) < 2 || args[0] != "csi" || !slices.Contains(args, "--controller") || !slices.Contains(args, "--endpoint=unix:///csi/csi.sock") {
		t.Errorf("the controller's objfs does not serve csi --controller on /csi/csi.sock: %v", args)
	}
	if !slices.Contains(toStrings(prov.list("args")), "--csi-address=/csi/csi.sock") {
		t.Errorf("csi-provisioner args %v", prov.list("args"))
	}
	sa := spec.str("serviceAccountName")
	granted := map[string]bool{}
	for _, b := range k["ClusterRoleBinding"] {
		for _, s := range b.list("subjects") {
			if o, ok := s.(map[string]any); ok && object(o).str("name") == sa {
				granted[b.str("roleRef", "name")] = true
			}
		}
	}
	ok := false
	for _, r := range k["ClusterRole"] {
		if !granted[r.str("metadata", "name")] {
			continue
		}
		for _, rule := range r.list("rules") {
			o := object(rule.(map[string]any))
			res, verbs := toStrings(o.list("resources")), toStrings(o.list("verbs"))
			if slices.Contains(res, "persistentvolumes") && slices.Contains(verbs, "create") && slices.Contains(verbs, "delete") {
				ok = true
			}
		}
	}
	if !ok {
		t.Errorf("service account %s may not create and delete PersistentVolumes", sa)
	}
}

// podSpec is a DaemonSet's pod spec and its containers by name.
func podSpec(t *testing.T, ds object) (object, map[string]object) {
	t.Helper()
	m, ok := ds.get("spec", "template", "spec").(map[string]any)
	if !ok {
		t.Fatalf("DaemonSet %s has no pod spec", ds.str("metadata", "name"))
	}
	spec := object(m)
	byName := map[string]object{}
	for _, c := range spec.list("containers") {
		if o, ok := c.(map[string]any); ok {
			byName[object(o).str("name")] = o
		}
	}
	return spec, byName
}

// hostPaths maps each volume name of spec to its hostPath.
func hostPaths(spec object) map[string]string {
	out := map[string]string{}
	for _, v := range spec.list("volumes") {
		if o, ok := v.(map[string]any); ok {
			out[object(o).str("name")] = object(o).str("hostPath", "path")
		}
	}
	return out
}

// mountedAt is the hostPath that container c sees at dir, if any.
func mountedAt(spec, c object, dir string) string {
	for _, m := range c.list("volumeMounts") {
		if o, ok := m.(map[string]any); ok && object(o).str("mountPath") == dir {
			return hostPaths(spec)[object(o).str("name")]
		}
	}
	return ""
}

// checkMounter checks the mounter DaemonSet and returns its socket: it
// runs objfs csi-mounter unprivileged with the state directory, and is
// upgraded only when deleted (its mounts are its processes).
func checkMounter(t *testing.T, ds object) string {
	spec, byName := podSpec(t, ds)
	m := byName["mounter"]
	if m == nil {
		t.Fatal("the mounter DaemonSet has no container named mounter")
	}
	if m.get("securityContext", "privileged") == true {
		t.Error("the mounter needs no privilege: the plugin mounts")
	}
	if ds.str("spec", "updateStrategy", "type") != "OnDelete" {
		t.Error("the mounter's updateStrategy must be OnDelete: replacing it ends its mounts")
	}
	script := strings.Join(toStrings(m.list("args")), " ")
	const flag = "objfs csi-mounter --socket "
	i := strings.Index(script, flag)
	if i < 0 {
		t.Fatalf("the mounter does not run objfs csi-mounter: %s", script)
	}
	socket := strings.Fields(script[i+len(flag):])[0]
	if mountedAt(spec, m, "/var/lib/objfs-csi") != "/var/lib/objfs-csi" || !strings.HasPrefix(socket, "/var/lib/objfs-csi/") {
		t.Errorf("the mounter's socket %s must be in the state directory /var/lib/objfs-csi, shared with the plugin", socket)
	}
	return socket
}

func checkDaemonSet(t *testing.T, ds object, mounterSocket string) {
	spec, byName := podSpec(t, ds)
	plugin, reg := byName["objfs"], byName["node-driver-registrar"]
	if plugin == nil || reg == nil {
		t.Fatalf("containers: want objfs and node-driver-registrar, got %v", byName)
	}
	if plugin.get("securityContext", "privileged") != true {
		t.Error("the objfs container must be privileged (FUSE mounts propagated to the kubelet)")
	}
	args := toStrings(plugin.list("args"))
	if len(args) == 0 || args[0] != "csi" || !slices.ContainsFunc(args, func(a string) bool { return strings.HasPrefix(a, "--node-id=") }) {
		t.Errorf("the objfs container does not run objfs csi --node-id: %v", args)
	}
	if !slices.Contains(args, "--mounter-socket="+mounterSocket) {
		t.Errorf("the plugin does not hand its mounts to the mounter's socket %s: %v", mounterSocket, args)
	}
	if mountedAt(spec, plugin, "/var/lib/objfs-csi") != "/var/lib/objfs-csi" {
		t.Error("the plugin must see the state directory where the mounter does")
	}
	if ds.str("spec", "updateStrategy", "type") != "RollingUpdate" {
		t.Error("with the hand-off the plugin can be replaced at any time: RollingUpdate")
	}
	bidi := false
	for _, m := range plugin.list("volumeMounts") {
		o := object(m.(map[string]any))
		if o.str("mountPath") == "/var/lib/kubelet" && o.str("mountPropagation") == "Bidirectional" {
			bidi = true
		}
	}
	if !bidi {
		t.Error("the objfs container needs /var/lib/kubelet with Bidirectional propagation")
	}
	regArgs := toStrings(reg.list("args"))
	if !slices.Contains(regArgs, "--kubelet-registration-path=/var/lib/kubelet/plugins/"+csi.DefaultDriverName+"/csi.sock") {
		t.Errorf("registrar args %v", regArgs)
	}
	paths := map[string]bool{}
	for _, p := range hostPaths(spec) {
		paths[p] = true
	}
	for _, p := range []string{"/var/lib/kubelet/plugins/" + csi.DefaultDriverName, "/var/lib/kubelet/plugins_registry", "/var/lib/kubelet", "/dev/fuse", "/var/lib/objfs-csi"} {
		if !paths[p] {
			t.Errorf("no hostPath volume %s", p)
		}
	}
}

func checkPV(t *testing.T, pv object, secrets map[string]object) {
	name := pv.str("metadata", "name")
	if pv.str("spec", "csi", "driver") != csi.DefaultDriverName || pv.str("spec", "csi", "volumeHandle") == "" {
		t.Errorf("PV %s: driver %s and a volumeHandle", name, csi.DefaultDriverName)
	}
	attrs, _ := pv.get("spec", "csi", "volumeAttributes").(map[string]any)
	known := []string{csi.AttrSource, csi.AttrEndpoint, csi.AttrRegion, csi.AttrPathStyle, csi.AttrReadOnly, csi.AttrMountOptions, csi.AttrConnectors}
	for key, v := range attrs {
		if !slices.Contains(known, key) {
			t.Errorf("PV %s: unknown volume attribute %q", name, key)
		}
		if _, ok := v.(string); !ok {
			t.Errorf("PV %s: attribute %q must be a string (quote it)", name, key)
		}
	}
	if c, ok := attrs[csi.AttrConnectors].(string); ok {
		if _, err := acl.Parse([]byte(c), name); err != nil {
			t.Errorf("PV %s: connectors: %v", name, err)
		}
	}
	s := secrets[pv.str("spec", "csi", "nodePublishSecretRef", "name")]
	if s == nil {
		t.Errorf("PV %s: its nodePublishSecretRef names no Secret of the examples", name)
	}
}

func toStrings(l []any) []string {
	var out []string
	for _, v := range l {
		s, _ := v.(string)
		out = append(out, s)
	}
	return out
}

// TestDockerfile: two stages, the build stage runs make build, the image
// holds objfs and fuse3 and runs the plugin.
func TestDockerfile(t *testing.T) {
	b, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	// Count FROM lines, the first line included: a single stage that
	// starts the file must not pass.
	stages := 0
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(line, "FROM ") {
			stages++
		}
	}
	if stages < 2 {
		t.Errorf("%d FROM lines, want a multi-stage build", stages)
	}
	for _, want := range []string{"RUN make build", "fuse3", "COPY --from=build /src/bin/objfs /usr/bin/objfs", `CMD ["csi"]`} {
		if !strings.Contains(s, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
}
