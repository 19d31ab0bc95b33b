//go:build linux

package csi

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/container-storage-interface/spec/lib/go/csi"
)

// TestErrorsHoldNoSecret: whatever a failed mount or S3 call says, the
// values of the request's secret (keys, a credentials file's keys, the
// environment the mounter got) reach neither the error the kubelet or
// the provisioner gets (and puts in events) nor a log line.
func TestErrorsHoldNoSecret(t *testing.T) {
	var logs bytes.Buffer
	d, f := newTestDriver(t)
	d.cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	fileKey := "fileKey" + secretValue[:12]
	secrets := map[string]string{
		SecretAccessKeyID: "AKIDSECRETID", SecretSecretAccessKey: secretValue,
		SecretProfile: "team", SecretCredentialsFile: "[team]\naws_secret_access_key = " + fileKey + "\n",
	}
	f.mountFail = errors.New("objfs mount: signing with AKIDSECRETID/" + secretValue + " failed; profile file says " + fileKey)
	req := publishRequest(filepath.Join(t.TempDir(), "vol"))
	req.Secrets = secrets
	_, err := d.NodePublishVolume(context.Background(), req)
	if err == nil {
		t.Fatal("a failed mount succeeded")
	}
	for _, v := range []string{"AKIDSECRETID", secretValue, fileKey} {
		if strings.Contains(err.Error(), v) || strings.Contains(logs.String(), v) {
			t.Errorf("a secret's value is in the error or the log:\n%v\n%s", err, logs.String())
		}
	}
	if !strings.Contains(err.Error(), "signing with") {
		t.Errorf("the error lost its message: %v", err)
	}

	store := &failingStore{err: errors.New("S3 says: bad key " + secretValue)}
	d.cfg.Store = store
	_, err = d.CreateVolume(context.Background(), &csi.CreateVolumeRequest{
		Name: "pvc-1", Parameters: map[string]string{ParamBucket: "b"}, Secrets: secrets,
		VolumeCapabilities: []*csi.VolumeCapability{capability(csi.VolumeCapability_AccessMode_MULTI_NODE_MULTI_WRITER)},
	})
	if err == nil || strings.Contains(err.Error(), secretValue) {
		t.Errorf("CreateVolume's error: %v", err)
	}
	_, err = d.DeleteVolume(context.Background(), &csi.DeleteVolumeRequest{VolumeId: "b/pvc-1/", Secrets: secrets})
	if err == nil || strings.Contains(err.Error(), secretValue) {
		t.Errorf("DeleteVolume's error: %v", err)
	}
}

type failingStore struct{ err error }

func (s *failingStore) Stat(context.Context, Location, map[string]string) (int64, bool, error) {
	return 0, false, s.err
}
func (s *failingStore) Create(context.Context, Location, int64, map[string]string) error {
	return s.err
}
func (s *failingStore) Delete(context.Context, Location, map[string]string) error { return s.err }

// TestMounterErrorsHoldNoSecret: the mounter's answer and log, when the
// objfs it starts fails, hold no value of the environment it was given.
func TestMounterErrorsHoldNoSecret(t *testing.T) {
	var logs bytes.Buffer
	sock := filepath.Join(t.TempDir(), "m", "mounter.sock")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 1)
	go func() {
		served <- ServeMounter(ctx, MounterConfig{
			Socket: sock,
			Logger: slog.New(slog.NewTextHandler(&logs, nil)),
			Start: func(args, env []string, _ *os.File) (int, error) {
				return 0, errors.New("objfs: cannot use " + strings.Join(env, " "))
			},
			Wait: func(string, time.Duration) (bool, error) { return false, nil },
		})
	}()
	waitForSocket(t, sock)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	req := handoffRequest{Op: opMount, Target: "/t", Args: []string{"s3://b/", "/t"}, Env: []string{"AWS_SECRET_ACCESS_KEY=" + secretValue}}
	resp, err := callMounter(ctx, sock, req, w)
	if err != nil || resp.Error == "" {
		t.Fatalf("a failed start: %+v %v", resp, err)
	}
	cancel()
	<-served
	if strings.Contains(resp.Error, secretValue) || strings.Contains(logs.String(), secretValue) {
		t.Fatalf("the secret is in the answer or the log:\n%s\n%s", resp.Error, logs.String())
	}
}
