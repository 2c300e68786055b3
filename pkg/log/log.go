package log

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zapgrpc"
	"gopkg.in/natefinch/lumberjack.v2"
)

// Formats accepted by Config.Format.
const (
	FormatText = "text"
	FormatJSON = "json"
)

// MaxFileSizeMB is the size at which the log file is rotated.
const MaxFileSizeMB = 300

// timeLayout is the timestamp layout of both formats.
const timeLayout = "2006/01/02 15:04:05.000 -07:00"

var (
	// ErrUnknownLevel is returned for a log level that is not one of
	// debug, info, warn, error or fatal.
	ErrUnknownLevel = errors.New("log: unknown log level")
	// ErrUnknownFormat is returned for a log format other than text or json.
	ErrUnknownFormat = errors.New("log: unknown log format")
)

// Config holds the logging settings of a binary.
type Config struct {
	Level  string `toml:"level" json:"level"`   // debug|info|warn|error|fatal; "" = info
	File   string `toml:"file" json:"file"`     // "" = stderr
	Format string `toml:"format" json:"format"` // text|json; "" = text
}

// ParseLevel parses a level name case-insensitively; "" means info.
func ParseLevel(s string) (zapcore.Level, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "debug":
		return zapcore.DebugLevel, nil
	case "", "info":
		return zapcore.InfoLevel, nil
	case "warn", "warning":
		return zapcore.WarnLevel, nil
	case "error":
		return zapcore.ErrorLevel, nil
	case "fatal":
		return zapcore.FatalLevel, nil
	}
	return zapcore.InfoLevel, fmt.Errorf("%w %q (want debug, info, warn, error or fatal)", ErrUnknownLevel, s)
}

// New builds a logger from cfg. The file, when set, is created (with its
// directory) up front so that a bad path fails here and not at the first write.
func New(cfg Config) (*zap.Logger, error) {
	level, err := ParseLevel(cfg.Level)
	if err != nil {
		return nil, err
	}
	enc, err := newEncoder(cfg.Format)
	if err != nil {
		return nil, err
	}
	out, err := openOutput(cfg.File)
	if err != nil {
		return nil, err
	}
	core := zapcore.NewCore(enc, out, level)
	return zap.New(core, zap.AddCaller(), zap.ErrorOutput(zapcore.Lock(os.Stderr))), nil
}

func newEncoder(format string) (zapcore.Encoder, error) {
	switch strings.ToLower(format) {
	case "", FormatText:
		return newTextEncoder(), nil
	case FormatJSON:
		return zapcore.NewJSONEncoder(zapcore.EncoderConfig{
			TimeKey:        "time",
			LevelKey:       "level",
			NameKey:        "logger",
			CallerKey:      "caller",
			MessageKey:     "message",
			StacktraceKey:  "stack",
			LineEnding:     zapcore.DefaultLineEnding,
			EncodeLevel:    zapcore.CapitalLevelEncoder,
			EncodeTime:     zapcore.TimeEncoderOfLayout(timeLayout),
			EncodeDuration: zapcore.StringDurationEncoder,
			EncodeCaller:   zapcore.ShortCallerEncoder,
		}), nil
	}
	return nil, fmt.Errorf("%w %q (want text or json)", ErrUnknownFormat, format)
}

func openOutput(file string) (zapcore.WriteSyncer, error) {
	if file == "" {
		return zapcore.Lock(os.Stderr), nil
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return nil, fmt.Errorf("create log directory: %w", err)
	}
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open log file: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("close log file: %w", err)
	}
	return zapcore.AddSync(&lumberjack.Logger{
		Filename:  file,
		MaxSize:   MaxFileSizeMB,
		LocalTime: true,
	}), nil
}

// Library returns a child of lg for a third-party library (etcd client,
// embedded etcd, gRPC, PD client): it carries component=name and drops
// entries below warn, which those libraries emit in bulk. Nil lg gives a nop.
func Library(lg *zap.Logger, name string) *zap.Logger {
	if lg == nil {
		return zap.NewNop()
	}
	lg = lg.With(zap.String("component", name))
	// IncreaseLevel refuses (and complains) when the core is already above warn.
	if lg.Core().Enabled(zapcore.WarnLevel) {
		lg = lg.WithOptions(zap.IncreaseLevel(zapcore.WarnLevel))
	}
	return lg
}

// GRPCLogger adapts lg for grpclog.SetLoggerV2: gRPC's own messages are
// logged at warn and above with component=grpc.
func GRPCLogger(lg *zap.Logger) *zapgrpc.Logger {
	return zapgrpc.NewLogger(Library(lg, "grpc").WithOptions(zap.AddCallerSkip(1)))
}
