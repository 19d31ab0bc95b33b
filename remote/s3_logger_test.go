package remote

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/smithy-go/logging"
)

// TestSDKLoggerGoesThroughSlogAtDebug: the SDK's own lines reach our
// logger at debug level only, never stderr.
func TestSDKLoggerGoesThroughSlogAtDebug(t *testing.T) {
	var debug, info bytes.Buffer
	dl := sdkLogger{log: slog.New(slog.NewTextHandler(&debug, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	il := sdkLogger{log: slog.New(slog.NewTextHandler(&info, &slog.HandlerOptions{Level: slog.LevelInfo}))}
	for _, l := range []sdkLogger{dl, il} {
		l.Logf(logging.Warn, "falling back to IMDSv1: %s", "no token")
	}
	if got := debug.String(); !strings.Contains(got, "level=DEBUG") || !strings.Contains(got, "falling back to IMDSv1: no token") || !strings.Contains(got, "sdk_level=WARN") {
		t.Errorf("debug logger got %q", got)
	}
	if info.Len() != 0 {
		t.Errorf("info logger got %q, want nothing", info.String())
	}
}

// TestLoadOptionsSetLogger: the SDK configuration is given our logger.
func TestLoadOptionsSetLogger(t *testing.T) {
	cfg := S3Config{}.WithDefaults()
	var lo config.LoadOptions
	opts, err := loadOptions(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, opt := range opts {
		if err := opt(&lo); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok := lo.Logger.(sdkLogger); !ok {
		t.Fatalf("SDK logger is %T, want sdkLogger", lo.Logger)
	}
}
