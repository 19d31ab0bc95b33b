package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	csispec "github.com/container-storage-interface/spec/lib/go/csi"
	"github.com/urfave/cli/v2"
	"google.golang.org/grpc"

	"github.com/objfs/objfs/csi"
)

// `objfs csi` is a subcommand, not a separate binary: every mount is this
// same binary's `objfs mount` (started in daemon mode here, or by objfs
// csi-mounter from the descriptor this plugin mounted), so one binary in
// the image is the plugin, the mounter and every mount.

const (
	flagCSIEndpoint   = "endpoint"
	flagCSINodeID     = "node-id"
	flagCSIDriverName = "driver-name"
	flagCSIStateDir   = "state-dir"
	flagCSIUnmountMax = "unmount-timeout"
	flagCSIController = "controller"
)

func csiCommand() *cli.Command {
	return &cli.Command{
		Name:         "csi",
		Usage:        "serve the CSI Identity and Node services (Kubernetes node plugin)",
		ArgsUsage:    " ",
		OnUsageError: onUsageError,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: flagCSIEndpoint, Value: "unix:///csi/csi.sock", Usage: "the gRPC endpoint, unix://PATH"},
			&cli.StringFlag{Name: flagCSINodeID, Usage: "this node's id (the Kubernetes node name)", EnvVars: []string{"NODE_NAME"}},
			&cli.StringFlag{Name: flagCSIDriverName, Value: csi.DefaultDriverName, Usage: "the CSI driver name"},
			&cli.StringFlag{Name: flagCSIStateDir, Value: "/var/lib/objfs-csi", Usage: "per-volume state: cache, logs, 0600 credential files"},
			&cli.DurationFlag{Name: flagCSIUnmountMax, Value: 5 * time.Minute, Usage: "how long an unpublish waits for pending uploads"},
			&cli.BoolFlag{Name: flagCSIController, Usage: "also serve the Controller service: dynamic provisioning of prefixes (the controller Deployment)"},
			&cli.StringFlag{Name: flagMounterSocket, Usage: "hand each mount to the objfs csi-mounter listening on `PATH` (mounts then survive the plugin's container); empty: run the mounts in this container"},
			&cli.StringFlag{Name: flagLogLevel, Value: "info", Usage: "debug, info, warn, error"},
		},
		Action: runCSI,
	}
}

func runCSI(c *cli.Context) error {
	if c.Args().Present() {
		return usageErrorf("csi", "csi takes no arguments")
	}
	sock, ok := strings.CutPrefix(c.String(flagCSIEndpoint), "unix://")
	if !ok || sock == "" {
		return usageErrorf("csi", "--endpoint must be unix:///PATH")
	}
	level, err := parseLevel(c.String(flagLogLevel))
	if err != nil {
		return usageErrorf("csi", "%v", err)
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	stateDir, err := filepath.Abs(c.String(flagCSIStateDir))
	if err != nil {
		return err
	}
	// objfs's redacting logger: the plugin's own AWS secrets (the
	// Controller's fallback) and secret-named attributes never show.
	logger := newLogger(c.App.ErrWriter, logOptions{Level: level, Format: "text"}, os.Getenv).With("component", "csi")
	var mountFD func(string, csi.KernelMount) (*os.File, error)
	if c.String(flagMounterSocket) != "" {
		mountFD = mountFUSE(logger.With("component", "fs"))
	}
	var store csi.Store
	if c.Bool(flagCSIController) {
		store = s3Store{}
	}
	d, err := csi.New(csi.Config{
		MounterSocket:  c.String(flagMounterSocket),
		Store:          store,
		MountFUSE:      mountFD,
		DriverName:     c.String(flagCSIDriverName),
		Version:        versionString(),
		NodeID:         c.String(flagCSINodeID),
		Binary:         self,
		StateDir:       stateDir,
		UnmountTimeout: c.Duration(flagCSIUnmountMax),
		Logger:         logger,
	})
	if err != nil {
		return usageErrorf("csi", "%v", err)
	}
	if err := os.MkdirAll(filepath.Dir(sock), 0o750); err != nil {
		return err
	}
	if err := os.Remove(sock); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("removing the old socket: %w", err)
	}
	lis, err := net.Listen("unix", sock)
	if err != nil {
		return err
	}
	srv := grpc.NewServer(grpc.UnaryInterceptor(logErrors(logger)))
	csispec.RegisterIdentityServer(srv, d)
	csispec.RegisterNodeServer(srv, d)
	if store != nil {
		csispec.RegisterControllerServer(srv, d)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		// The mounts are other processes: they keep serving.
		srv.GracefulStop()
	}()
	logger.Info("serving", "endpoint", sock, "node", c.String(flagCSINodeID), "version", versionString(), "mounter", c.String(flagMounterSocket))
	return srv.Serve(lis)
}

// logErrors logs each failed call by method; requests themselves (which
// carry secrets) are never logged.
func logErrors(log *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		resp, err := h(ctx, req)
		if err != nil {
			log.Warn("call failed", "method", info.FullMethod, "err", err)
		}
		return resp, err
	}
}
