package aws

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spuffbot/spuffbot/providers"
)

// sharedFiles is the profiles of the shared config and credentials files,
// each a map from lower-case key to value; the credentials file's values
// win.
type sharedFiles struct {
	configFile, credentialsFile string
	profiles                    map[string]map[string]string
}

// loadSharedFiles reads the shared config and credentials files, from
// AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE or ~/.aws. A missing
// file is an empty one; so is an unreadable one at the default place.
func loadSharedFiles(env providers.Env) (sharedFiles, error) {
	s := sharedFiles{profiles: map[string]map[string]string{}}
	home := strings.TrimSpace(env("HOME"))
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	for _, f := range []struct {
		path        *string
		variable    string
		name        string
		credentials bool
	}{{&s.configFile, "AWS_CONFIG_FILE", "config", false}, {&s.credentialsFile, "AWS_SHARED_CREDENTIALS_FILE", "credentials", true}} {
		*f.path = strings.TrimSpace(env(f.variable))
		named := *f.path != ""
		if !named {
			if home == "" {
				continue
			}
			*f.path = filepath.Join(home, ".aws", f.name)
		}
		b, err := os.ReadFile(*f.path)
		if errors.Is(err, os.ErrNotExist) || err != nil && !named {
			continue
		}
		if err != nil {
			return s, fmt.Errorf("aws: %s: %w", f.variable, err)
		}
		for name, values := range parseShared(string(b), f.credentials) {
			if s.profiles[name] == nil {
				s.profiles[name] = map[string]string{}
			}
			for k, v := range values {
				s.profiles[name][k] = v
			}
		}
	}
	return s, nil
}

// parseShared parses a shared config (or credentials) file as the SDKs do:
// "[profile name]" and "[default]" sections in the config file, "[name]"
// in the credentials file; "key = value" lines with # and ; comments;
// indented lines continue a value or nest under an empty one (nested
// settings are not used here and dropped). Other sections (sso-session,
// services) are dropped too, as are "[]" and "= value" lines. Lines end
// at \n, \r\n or a lone \r.
func parseShared(text string, credentialsFile bool) map[string]map[string]string {
	out := map[string]map[string]string{}
	var section map[string]string // nil: outside a profile
	var key string                // the last key set, for continuations
	for _, line := range strings.FieldsFunc(text, func(r rune) bool { return r == '\n' || r == '\r' }) {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || trimmed[0] == '#' || trimmed[0] == ';' {
			continue
		}
		if strings.HasPrefix(trimmed, "[") {
			head, _, _ := strings.Cut(trimmed, "#")
			head, _, _ = strings.Cut(head, ";")
			head = strings.TrimSpace(head)
			section, key = nil, ""
			if !strings.HasSuffix(head, "]") {
				continue
			}
			name := strings.TrimSpace(head[1 : len(head)-1])
			typ, rest, spaced := strings.Cut(strings.Join(strings.Fields(name), " "), " ")
			switch {
			case credentialsFile && !spaced:
				// [name]
			case credentialsFile:
				continue // "[profile x]" is not valid in the credentials file
			case !spaced && name == "default":
			case spaced && typ == "profile":
				name = rest
			default:
				continue // sso-session, services, or a name without "profile "
			}
			if name == "" {
				continue
			}
			if out[name] == nil {
				out[name] = map[string]string{}
			}
			section = out[name]
			continue
		}
		if section == nil {
			continue
		}
		indented := line[0] == ' ' || line[0] == '\t'
		if indented {
			if key != "" && section[key] != "" && !strings.Contains(trimmed, "=") {
				section[key] += "\n" + trimmed
				continue
			}
			if key != "" && section[key] == "" {
				continue // a nested setting
			}
		}
		k, v, ok := strings.Cut(trimPropertyComment(trimmed), "=")
		if !ok {
			continue
		}
		key = strings.ToLower(strings.TrimSpace(k))
		if key == "" {
			continue // "= value": no setting
		}
		section[key] = unquote(strings.TrimSpace(v))
	}
	return out
}

func trimPropertyComment(s string) string {
	for _, c := range []string{" #", " ;", "\t#", "\t;"} {
		s, _, _ = strings.Cut(s, c)
	}
	return s
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}
