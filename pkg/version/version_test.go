package version

import (
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

func TestInfoDefaults(t *testing.T) {
	want := "Release Version: None\nGit Commit Hash: None\nGit Branch: None\nUTC Build Time: None\nGo Version: " +
		runtime.Version()
	require.Equal(t, want, Info())
}

func TestFactsString(t *testing.T) {
	f := facts{"v8.5.0", "abc123", "master", "2026-11-21 10:00:00", "go1.26.8"}
	require.Equal(t, "Release Version: v8.5.0\nGit Commit Hash: abc123\nGit Branch: master\n"+
		"UTC Build Time: 2026-11-21 10:00:00\nGo Version: go1.26.8", f.String())
}

func TestLogInfo(t *testing.T) {
	core, logs := observer.New(zap.InfoLevel)
	LogInfo(zap.New(core))
	LogInfo(nil)
	require.Equal(t, 1, logs.Len())
	ctx := logs.All()[0].ContextMap()
	require.Equal(t, "None", ctx["releaseVersion"])
	require.Equal(t, "None", ctx["gitHash"])
	require.Equal(t, "None", ctx["gitBranch"])
	require.Equal(t, "None", ctx["utcBuildTime"])
	require.Equal(t, runtime.Version(), ctx["goVersion"])
}

// TestLdflags proves the variables' import path matches what the Makefile stamps.
func TestLdflags(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	const pkg = "github.com/openbinlog/tidb-binlog/pkg/version."
	ldflags := "-X " + pkg + "ReleaseVersion=v9.9.9 -X " + pkg + "GitHash=deadbeef -X " + pkg +
		"GitBranch=feature -X '" + pkg + "BuildTS=2026-11-21 22:36:30'"
	out, err := exec.Command("go", "run", "-ldflags", ldflags, "./testdata/printversion").CombinedOutput()
	require.NoError(t, err, string(out))
	got := string(out)
	for _, line := range []string{
		"Release Version: v9.9.9", "Git Commit Hash: deadbeef", "Git Branch: feature",
		"UTC Build Time: 2026-11-21 22:36:30",
	} {
		require.True(t, strings.Contains(got, line+"\n"), "missing %q in %q", line, got)
	}
}
