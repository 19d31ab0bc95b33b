package remote

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/aws/smithy-go/logging"
)

// sdkLogger routes the AWS SDK's own log lines (such as "falling back to
// IMDSv1" while it looks for credentials) into our slog logger at debug
// level, instead of the SDK's default of printing them to stderr: objfs
// reports what matters itself, in its own format.
type sdkLogger struct {
	log *slog.Logger
}

var _ logging.Logger = sdkLogger{}

// Logf implements logging.Logger.
func (l sdkLogger) Logf(c logging.Classification, format string, v ...any) {
	if !l.log.Enabled(context.Background(), slog.LevelDebug) {
		return
	}
	l.log.Debug("aws sdk: "+fmt.Sprintf(format, v...), "sdk_level", string(c))
}
