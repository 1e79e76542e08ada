package etcdstore_test

import (
	"bufio"
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

// TestNoGRPCClient keeps the etcd store light: it speaks to etcd's JSON
// gateway with net/http, so neither it nor the client it uses links gRPC,
// etcd's own client and protobufs, or zap (test files aside, which run an
// embedded etcd server).
func TestNoGRPCClient(t *testing.T) {
	banned := []string{
		"google.golang.org/grpc",
		"google.golang.org/protobuf",
		"github.com/grpc-ecosystem/",
		"go.etcd.io/etcd/client/v3",
		"go.etcd.io/etcd/api/v3",
		"go.uber.org/zap",
	}
	gocmd, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command to list imports with: %v", err)
	}
	const pkg = "github.com/spuffbot/spuffbot/store/etcdstore"
	out, err := exec.Command(gocmd, "list", "-deps", pkg).Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v", pkg, err)
	}
	n := 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		n++
		for _, b := range banned {
			if strings.HasPrefix(sc.Text(), b) {
				t.Errorf("package etcdstore depends on %s", sc.Text())
			}
		}
	}
	if n == 0 {
		t.Fatalf("go list -deps %s listed nothing", pkg)
	}
}
