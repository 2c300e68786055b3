package config

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"
)

// UnknownKeysError reports configuration keys that the target struct does not
// know. Keys are dotted paths such as "storage.bar".
type UnknownKeysError struct {
	File string
	Keys []string
}

func (e *UnknownKeysError) Error() string {
	return fmt.Sprintf("config file %s contained unknown configuration options: %s", e.File, strings.Join(e.Keys, ", "))
}

// StrictDecodeFile decodes the TOML file at path into v. Unknown keys are an
// *UnknownKeysError; a syntax or type error is one line naming file and line.
func StrictDecodeFile(path string, v any) error {
	md, err := toml.DecodeFile(path, v)
	if err != nil {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	if keys := unknownKeys(md.Undecoded()); len(keys) > 0 {
		return &UnknownKeysError{File: path, Keys: keys}
	}
	return nil
}

// unknownKeys renders the undecoded keys, leaving out the keys inside an
// unknown table since the table itself is already reported.
func unknownKeys(undecoded []toml.Key) []string {
	var out []string
	for _, k := range undecoded {
		s := k.String()
		if !slices.ContainsFunc(out, func(parent string) bool { return strings.HasPrefix(s, parent+".") }) {
			out = append(out, s)
		}
	}
	return out
}

// ExplicitFlags returns the names of the flags set on the command line.
func ExplicitFlags(fs *flag.FlagSet) map[string]bool {
	set := make(map[string]bool)
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}

// Load parses args into the flags of fs (bound to fields of v), decodes the
// file *configPath strictly into v when it is not empty, parses args again so
// explicit flags win, then applies the environment to every flag not given
// on the command line (see the package documentation). An empty envPrefix
// disables the environment. Positional arguments are an error.
func Load(fs *flag.FlagSet, args []string, configPath *string, v any, envPrefix string) error {
	return load(fs, args, configPath, v, envPrefix, os.LookupEnv)
}

func load(fs *flag.FlagSet, args []string, configPath *string, v any, envPrefix string,
	lookup func(string) (string, bool)) error {
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if configPath != nil && *configPath != "" {
		if err := StrictDecodeFile(*configPath, v); err != nil {
			return err
		}
		if err := parseFlags(fs, args); err != nil {
			return err
		}
	}
	if envPrefix == "" {
		return nil
	}
	return applyEnv(fs, envPrefix, lookup)
}

func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("parse flags: %w", err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("parse flags: unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// EnvName returns the environment variable consulted for the flag name.
func EnvName(prefix, flagName string) string {
	return prefix + strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(flagName))
}

// applyEnv sets flags from the environment through their Value, so that
// ExplicitFlags keeps reporting only the command line.
func applyEnv(fs *flag.FlagSet, prefix string, lookup func(string) (string, bool)) error {
	explicit := ExplicitFlags(fs)
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if explicit[f.Name] {
			return
		}
		name := EnvName(prefix, f.Name)
		if val, ok := lookup(name); ok {
			if err := f.Value.Set(val); err != nil {
				errs = append(errs, fmt.Errorf("apply environment %s to -%s: %w", name, f.Name, err))
			}
		}
	})
	return errors.Join(errs...)
}

// Redact hides a secret for logs and String methods: "" stays "", anything
// else becomes "******".
func Redact(s string) string {
	if s == "" {
		return ""
	}
	return "******"
}
