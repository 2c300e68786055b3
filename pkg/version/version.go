package version

import (
	"fmt"
	"runtime"

	"go.uber.org/zap"
)

// Build facts, set with -ldflags -X (see the package documentation).
var (
	ReleaseVersion = "None"
	GitHash        = "None"
	GitBranch      = "None"
	BuildTS        = "None"
)

// facts is a snapshot of the build variables.
type facts struct {
	release, hash, branch, buildTS, goVersion string
}

func current() facts {
	return facts{ReleaseVersion, GitHash, GitBranch, BuildTS, runtime.Version()}
}

func (f facts) String() string {
	return fmt.Sprintf("Release Version: %s\nGit Commit Hash: %s\nGit Branch: %s\nUTC Build Time: %s\nGo Version: %s",
		f.release, f.hash, f.branch, f.buildTS, f.goVersion)
}

func (f facts) fields() []zap.Field {
	return []zap.Field{
		zap.String("releaseVersion", f.release),
		zap.String("gitHash", f.hash),
		zap.String("gitBranch", f.branch),
		zap.String("utcBuildTime", f.buildTS),
		zap.String("goVersion", f.goVersion),
	}
}

// Info returns the multi-line version text printed by -V.
func Info() string { return current().String() }

// LogInfo logs the build facts as one line; nil lg does nothing.
func LogInfo(lg *zap.Logger) {
	if lg == nil {
		return
	}
	lg.Info("Welcome to TiDB Binlog", current().fields()...)
}
