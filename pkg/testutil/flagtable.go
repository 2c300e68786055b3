package testutil

import (
	"flag"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// flagRow matches a README flag-table row: | `-name` | `default` | ...
var flagRow = regexp.MustCompile("^\\| `-([A-Za-z0-9.-]+)` \\| `([^`]*)` \\|")

// RequireFlagTable fails t unless the flag table of the README at path lists
// exactly the flags of fs with their defaults (an empty default is written
// as `""`). documentedAs names flags whose default depends on the machine
// and gives the text the README shows instead.
func RequireFlagTable(t testing.TB, path string, fs *flag.FlagSet, documentedAs map[string]string) {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	documented := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if m := flagRow.FindStringSubmatch(line); m != nil {
			documented[m[1]] = m[2]
		}
	}
	real := map[string]string{}
	fs.VisitAll(func(f *flag.Flag) {
		def, ok := documentedAs[f.Name]
		switch {
		case ok:
		case f.DefValue == "":
			def = `""`
		default:
			def = f.DefValue
		}
		real[f.Name] = def
	})
	require.Equal(t, real, documented, "%s flag table vs the real FlagSet", path)
}
