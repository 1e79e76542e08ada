package aws_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoInteractiveLoginClients keeps the SSO, SSO-OIDC and sign-in
// service clients out of the binary: they serve `aws sso login` and
// `aws login` at a terminal, which an unattended bot cannot use, and
// config.LoadDefaultConfig would link them (1.2 MB).
func TestNoInteractiveLoginClients(t *testing.T) {
	gocmd, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command to list imports with: %v", err)
	}
	const pkg = "github.com/spuffbot/spuffbot/providers/aws"
	out, err := exec.Command(gocmd, "list", "-deps", "-f", "{{.ImportPath}}", pkg).Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v", pkg, err)
	}
	deps := strings.Fields(string(out))
	if len(deps) == 0 {
		t.Fatalf("go list -deps %s listed nothing", pkg)
	}
	for _, path := range deps {
		for _, banned := range []string{"sso", "ssooidc", "signin"} {
			prefix := "github.com/aws/aws-sdk-go-v2/service/" + banned
			if path == prefix || strings.HasPrefix(path, prefix+"/") {
				t.Errorf("package aws depends on %s, want no interactive login client", path)
			}
		}
	}
}
