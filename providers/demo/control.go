package demo

import (
	"fmt"
	"maps"
	"time"

	"github.com/spuffbot/spuffbot/providers"
)

// Operation names, one per method of providers.Provider, as SetFailNext
// takes them and Calls reports them.
const (
	OpCreateInstance  = "CreateInstance"
	OpDestroyInstance = "DestroyInstance"
	OpGetInstance     = "GetInstance"
	OpListInstances   = "ListInstances"
	OpWaitReady       = "WaitReady"
	OpCreateSnapshot  = "CreateSnapshot"
	OpListSnapshots   = "ListSnapshots"
	OpDeleteSnapshot  = "DeleteSnapshot"
	OpCatalog         = "Catalog"
)

func init() { opText[OpActivity] = "activity" }

// opText is the Op of errors, per operation name.
var opText = map[string]string{
	OpCreateInstance:  "create instance",
	OpDestroyInstance: "destroy instance",
	OpGetInstance:     "get instance",
	OpListInstances:   "list instances",
	OpWaitReady:       "wait for instance",
	OpCreateSnapshot:  "create snapshot",
	OpListSnapshots:   "list snapshots",
	OpDeleteSnapshot:  "delete snapshot",
	OpCatalog:         "catalog",
}

// SetFailNext makes the next call of op (one of the Op constants) fail with
// err, returned as it is and without changing any state. Several calls
// queue up, one fault per call of op. It panics when op is unknown or err is
// nil, which are mistakes in the test that calls it.
func (p *Provider) SetFailNext(op string, err error) {
	if _, ok := opText[op]; !ok {
		panic(fmt.Sprintf("demo: SetFailNext: unknown operation %q", op))
	}
	if err == nil {
		panic("demo: SetFailNext: nil error")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.failNext[op] = append(p.failNext[op], err)
}

// Calls returns how many times each method was called, keyed by the Op
// constants; methods never called are absent. Calls that failed count too.
func (p *Provider) Calls() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.calls)
}

// SetReadyAfter changes Config.ReadyAfter for instances created from now on.
func (p *Provider) SetReadyAfter(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.readyAfter = max(d, 0)
}

// AddUnmanaged puts in an instance that spuff did not create: it has no
// spuff labels, runs the smallest size in the first region and is already
// active. It returns the instance's id. It panics when every address of
// 203.0.113.0/24 is taken.
func (p *Provider) AddUnmanaged(name string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	host, ok := p.ips.take()
	if !ok {
		panic("demo: AddUnmanaged: no public IPv4 address left")
	}
	now := p.now()
	in := p.newInstance(providers.Instance{
		Name:   name,
		Region: regions[0].Slug,
		Size:   sizes[0].Slug,
		Labels: map[string]string{"team": "someone-else"},
	}, host, now, now, imageDiskGB[defaultImage])
	return in.ID
}

// Remove deletes an instance behind spuff's back, as a person clicking in
// the cloud's web console would. It reports whether the instance existed.
func (p *Provider) Remove(id string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.deleteInstance(id)
}

// AddUnmanagedSnapshot puts in a snapshot that spuff did not make, and
// returns its id.
func (p *Provider) AddUnmanagedSnapshot(name string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.newSnapshot(name, imageDiskGB[defaultImage], map[string]string{"team": "someone-else"}).ID
}
