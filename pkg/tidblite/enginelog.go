package tidblite

import (
	"io"

	"github.com/sirupsen/logrus"
	"go.uber.org/zap"
)

// go-mysql-server and its vitess fork log through logrus' standard logger.
// Its warnings (a failed user statement, the secure_file_priv advice) are
// debug noise for tidb-lite; its errors become warnings of our logger.
// logrus is process-wide: the last started server's logger receives them.

type logrusToZap struct{ lg *zap.Logger }

var _ logrus.Hook = logrusToZap{}

func (h logrusToZap) Levels() []logrus.Level {
	return []logrus.Level{logrus.PanicLevel, logrus.FatalLevel, logrus.ErrorLevel, logrus.WarnLevel}
}

func (h logrusToZap) Fire(e *logrus.Entry) error {
	if e.Level == logrus.WarnLevel {
		h.lg.Debug(e.Message)
		return nil
	}
	h.lg.Warn(e.Message)
	return nil
}

// routeEngineLogs sends the engine's logrus output to lg.
func routeEngineLogs(lg *zap.Logger) {
	std := logrus.StandardLogger()
	std.SetLevel(logrus.WarnLevel)
	std.SetOutput(io.Discard)
	hooks := logrus.LevelHooks{}
	hooks.Add(logrusToZap{lg: lg.With(zap.String("component", "engine"))})
	std.ReplaceHooks(hooks)
}
