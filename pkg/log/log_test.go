package log

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"google.golang.org/grpc/grpclog"
)

func TestMain(m *testing.M) {
	// lumberjack starts one background goroutine per file logger that lives
	// until the logger is closed; New's contract does not expose Close.
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("gopkg.in/natefinch/lumberjack%2ev2.(*Logger).millRun"))
}

var _ grpclog.LoggerV2 = GRPCLogger(nil)

type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time                         { return c.t }
func (c fixedClock) NewTicker(d time.Duration) *time.Ticker { return time.NewTicker(d) }

// textLogger logs through the text encoder into buf at a fixed time.
func textLogger(buf *bytes.Buffer) *zap.Logger {
	core := zapcore.NewCore(newTextEncoder(), zapcore.AddSync(buf), zapcore.DebugLevel)
	at := time.Date(2026, 11, 21, 22, 36, 30, 123e6, time.FixedZone("", 8*3600))
	return zap.New(core, zap.WithClock(fixedClock{at}))
}

func TestParseLevel(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want zapcore.Level
	}{
		{"", zapcore.InfoLevel}, {"debug", zapcore.DebugLevel}, {"INFO", zapcore.InfoLevel},
		{"Warn", zapcore.WarnLevel}, {"warning", zapcore.WarnLevel}, {"error", zapcore.ErrorLevel},
		{"FATAL", zapcore.FatalLevel},
	} {
		got, err := ParseLevel(tc.in)
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.want, got, tc.in)
	}
	_, err := ParseLevel("verbose")
	require.ErrorIs(t, err, ErrUnknownLevel)
	require.Contains(t, err.Error(), `"verbose"`)
}

func TestNewRejectsBadConfig(t *testing.T) {
	_, err := New(Config{Level: "loud"})
	require.ErrorIs(t, err, ErrUnknownLevel)
	_, err = New(Config{Format: "xml"})
	require.ErrorIs(t, err, ErrUnknownFormat)
	require.Contains(t, err.Error(), `"xml"`)

	notDir := filepath.Join(t.TempDir(), "plain")
	require.NoError(t, os.WriteFile(notDir, nil, 0o644))
	_, err = New(Config{File: filepath.Join(notDir, "x.log")})
	require.Error(t, err)
}

func TestNewTextFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "sub", "pump.log")
	lg, err := New(Config{Level: "INFO", File: file})
	require.NoError(t, err)
	lg.Debug("hidden")
	lg.Info("hello world", zap.String("nodeID", "n1"), zap.Int("count", 3))
	require.NoError(t, lg.Sync())

	data, err := os.ReadFile(file)
	require.NoError(t, err)
	re := regexp.MustCompile(`^\[\d{4}/\d\d/\d\d \d\d:\d\d:\d\d\.\d{3} [+-]\d\d:\d\d\] \[INFO\] \[log_test\.go:\d+\] ` +
		`\["hello world"\] \[nodeID=n1\] \[count=3\]\n$`)
	require.Regexp(t, re, string(data))
}

func TestNewJSONFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "drainer.log")
	lg, err := New(Config{Level: "warn", File: file, Format: "JSON"})
	require.NoError(t, err)
	lg.Info("hidden")
	lg.Warn("slow write", zap.Duration("took", 1500*time.Millisecond), zap.Int64("commitTS", 42))
	require.NoError(t, lg.Sync())

	data, err := os.ReadFile(file)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	require.Len(t, lines, 1)
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &got))
	require.Equal(t, "WARN", got["level"])
	require.Equal(t, "slow write", got["message"])
	require.Equal(t, "1.5s", got["took"])
	require.EqualValues(t, 42, got["commitTS"])
	require.Contains(t, got["caller"], "log/log_test.go:")
	_, err = time.Parse(timeLayout, got["time"].(string))
	require.NoError(t, err)
}

type point struct{ X, Y int }

func (p point) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddInt("x", p.X)
	enc.AddInt("y", p.Y)
	return nil
}

func TestTextEncoderFields(t *testing.T) {
	head := "[2026/11/21 22:36:30.123 +08:00] [INFO] [<unknown>] "
	for _, tc := range []struct {
		name  string
		msg   string
		field zap.Field
		want  string
	}{
		{"bare", "start", zap.String("addr", "127.0.0.1:8250"), "[start] [addr=127.0.0.1:8250]"},
		{"quoted", "two words", zap.String("sql", `a="b" [c]`), `["two words"] [sql="a=\"b\" [c]"]`},
		{"empty", "", zap.String("k", ""), `[""] [k=""]`},
		{"unicode", "héllo", zap.String("k", "日本"), "[héllo] [k=日本]"},
		{"newline", "m", zap.String("k", "a\nb"), `[m] [k="a\nb"]`},
		{"error", "m", zap.Error(errors.New("boom: bad")), `[m] [error="boom: bad"]`},
		{"bool", "m", zap.Bool("ok", true), "[m] [ok=true]"},
		{"uint", "m", zap.Uint64("ts", 1<<63), "[m] [ts=9223372036854775808]"},
		{"float", "m", zap.Float64("f", 0.25), "[m] [f=0.25]"},
		{"duration", "m", zap.Duration("d", 3*time.Second), "[m] [d=3s]"},
		{"bytes", "m", zap.Binary("b", []byte{0, 1}), `[m] [b="AAE="]`},
		{"strings", "m", zap.Strings("ids", []string{"a", "b"}), `[m] [ids="[\"a\",\"b\"]"]`},
		{"object", "m", zap.Object("p", point{1, 2}), `[m] [p="{\"x\":1,\"y\":2}"]`},
		{"reflect", "m", zap.Any("m", map[string]int{"a": 1}), `[m] [m="{\"a\":1}"]`},
		{"stringer", "m", zap.Stringer("s", time.Second), "[m] [s=1s]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			textLogger(&buf).Info(tc.msg, tc.field)
			require.Equal(t, head+tc.want+"\n", buf.String())
		})
	}
}

func TestTextEncoderContext(t *testing.T) {
	var buf bytes.Buffer
	lg := textLogger(&buf).Named("pump").With(zap.String("component", "storage"))
	lg.With(zap.Namespace("kv"), zap.Int("level", 1)).Warn("compact", zap.Int("files", 2))
	lg.Error("after", zap.Int("n", 1))
	lines := strings.Split(buf.String(), "\n")
	require.Equal(t, "[2026/11/21 22:36:30.123 +08:00] [WARN] [<unknown>] [compact] [logger=pump] "+
		"[component=storage] [kv.level=1] [kv.files=2]", lines[0])
	require.Equal(t, "[2026/11/21 22:36:30.123 +08:00] [ERROR] [<unknown>] [after] [logger=pump] "+
		"[component=storage] [n=1]", lines[1])
}

func TestTextEncoderStackAndCaller(t *testing.T) {
	var buf bytes.Buffer
	lg := textLogger(&buf).WithOptions(zap.AddCaller(), zap.AddStacktrace(zapcore.ErrorLevel))
	lg.Error("failed")
	require.Regexp(t, `^\[[^]]+\] \[ERROR\] \[log_test\.go:\d+\] \[failed\] \[stack=".*TestTextEncoderStackAndCaller.*"\]\n$`,
		buf.String())
}

func TestLibrary(t *testing.T) {
	var buf, errOut bytes.Buffer
	for _, level := range []zapcore.Level{zapcore.DebugLevel, zapcore.ErrorLevel} {
		buf.Reset()
		core := zapcore.NewCore(newTextEncoder(), zapcore.AddSync(&buf), level)
		lg := Library(zap.New(core, zap.ErrorOutput(zapcore.AddSync(&errOut))), "etcd")
		lg.Info("chatter")
		lg.Warn("noted")
		lg.Error("bad")
		if level == zapcore.DebugLevel {
			require.Contains(t, buf.String(), "[noted] [component=etcd]")
		} else {
			require.NotContains(t, buf.String(), "noted")
		}
		require.NotContains(t, buf.String(), "chatter")
		require.Contains(t, buf.String(), "[bad] [component=etcd]")
	}
	require.Empty(t, errOut.String())
	Library(nil, "x").Error("nothing happens")
}

func TestGRPCLogger(t *testing.T) {
	var buf bytes.Buffer
	core := zapcore.NewCore(newTextEncoder(), zapcore.AddSync(&buf), zapcore.DebugLevel)
	gl := GRPCLogger(zap.New(core))
	gl.Infof("dialing %s", "x")
	gl.Warningf("retry %d", 2)
	require.False(t, gl.V(0))
	require.NotContains(t, buf.String(), "dialing")
	require.Contains(t, buf.String(), `["retry 2"] [component=grpc]`)
}
