package secret

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const token = "xoxb-very-secret"

func TestValueNeverPrints(t *testing.T) {
	v := New(token)
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("msg", "token", v)
	js, _ := json.Marshal(struct{ T Value }{v})
	for name, out := range map[string]string{
		"%v": fmt.Sprintf("%v", v), "%s": fmt.Sprintf("%s", v), "%+v": fmt.Sprintf("%+v", v),
		"%#v": fmt.Sprintf("%#v", v), "struct %+v": fmt.Sprintf("%+v", struct{ T Value }{v}),
		"slog": logs.String(), "json": string(js),
	} {
		if strings.Contains(out, token) {
			t.Errorf("%s shows the secret: %s", name, out)
		}
	}
	if v.Reveal() != token || v.Empty() || !New("").Empty() {
		t.Errorf("Reveal/Empty do not work")
	}
}

func TestFromEnv(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "tok")
	if err := os.WriteFile(file, []byte("  from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		env     map[string]string
		want    string
		wantErr string
	}{
		{"variable", map[string]string{"TOK": " direct "}, "direct", ""},
		{"variable wins", map[string]string{"TOK": "direct", "TOK_FILE": file}, "direct", ""},
		{"file", map[string]string{"TOK_FILE": file}, "from-file", ""},
		{"unset", map[string]string{}, "", ""},
		{"missing file", map[string]string{"TOK_FILE": filepath.Join(dir, "nope")}, "", "TOK_FILE: cannot read"},
	} {
		v, err := FromEnv(func(k string) string { return tc.env[k] }, "TOK")
		switch {
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.wantErr)
		case tc.wantErr == "" && (err != nil || v.Reveal() != tc.want):
			t.Errorf("%s: FromEnv = %q, %v; want %q", tc.name, v.Reveal(), err, tc.want)
		}
	}
}
