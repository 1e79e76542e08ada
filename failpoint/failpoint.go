// Package failpoint crashes the process at a named point, so that a test
// can prove that spuffbot recovers from a crash anywhere in an operation.
//
// Code marks a point with one line:
//
//	failpoint.Inject("up-after-create")
//
// and main arms at most one point from the environment at start:
//
//	SPUFF_FAILPOINT=up-after-create     the first time the point is reached
//	SPUFF_FAILPOINT=up-after-create@3   the third time
//
// When the armed point is reached, the process writes one line naming it to
// standard error and kills itself with SIGKILL: a real crash, with no
// deferred function run, no buffer flushed and no file closed. Unarmed, an
// Inject costs one atomic load and allocates nothing, so the points stay in
// the production binary, which is the binary the crash tests run.
package failpoint

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
)

// EnvVar is the environment variable main passes to Enable.
const EnvVar = "SPUFF_FAILPOINT"

// point is the armed point: its name, and on which hit it fires.
type point struct {
	name string
	nth  int64
	hits atomic.Int64
}

var armed atomic.Pointer[point]

// kill ends the process; tests replace it to see a point fire.
var kill = crash

// Enable arms the point spec names, "name" or "name@N" (N >= 1: fire on
// the Nth time the point is reached). An empty spec disarms. Names are
// lower-case letters, digits, '-', '.' and '/'. A malformed spec is an
// error and leaves nothing armed.
func Enable(spec string) error {
	if spec == "" {
		armed.Store(nil)
		return nil
	}
	p, err := parse(spec)
	if err != nil {
		armed.Store(nil)
		return err
	}
	armed.Store(p)
	return nil
}

// Inject kills the process if name is the armed point and this is the hit
// it was armed for. It does nothing otherwise.
func Inject(name string) {
	p := armed.Load()
	if p == nil || p.name != name {
		return
	}
	if p.hits.Add(1) == p.nth {
		kill(name)
	}
}

func parse(spec string) (*point, error) {
	name, nth := spec, int64(1)
	if i := strings.LastIndexByte(spec, '@'); i >= 0 {
		n, err := strconv.ParseInt(spec[i+1:], 10, 64)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("failpoint %q: the count after @ must be a whole number from 1", spec)
		}
		name, nth = spec[:i], n
	}
	if err := checkName(name); err != nil {
		return nil, fmt.Errorf("failpoint %q: %w", spec, err)
	}
	return &point{name: name, nth: nth}, nil
}

var errEmptyName = errors.New("no point name")

func checkName(name string) error {
	if name == "" {
		return errEmptyName
	}
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '.', r == '/':
		default:
			return fmt.Errorf("%q may not appear in a point name", r)
		}
	}
	return nil
}

// crash writes which point fired and kills the process.
func crash(name string) {
	fmt.Fprintf(os.Stderr, "failpoint %s: killing the process\n", name)
	killSelf()
}
