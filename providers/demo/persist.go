package demo

import (
	"encoding/json"
	"fmt"
	"maps"
	"time"

	"github.com/spuffbot/spuffbot/providers"
)

// StateStore keeps the demo cloud's state between runs, so that a second
// run finds the VMs and snapshots of the first. The bbolt store
// implements it over a bucket of its own in the database file.
type StateStore interface {
	// LoadDemoState returns the state saved last, or nil when there is
	// none.
	LoadDemoState() ([]byte, error)
	// SaveDemoState replaces the saved state.
	SaveDemoState(data []byte) error
}

// savedState is the demo cloud as it is saved.
type savedState struct {
	Version   int             `json:"version"`
	LastID    int             `json:"last_id"`
	LastSnap  int             `json:"last_snap"`
	Instances []savedInstance `json:"instances"`
	Snapshots []savedSnapshot `json:"snapshots"`
}

type savedInstance struct {
	providers.Instance
	Seq     int           `json:"seq"`
	Host    int           `json:"host"`
	ReadyAt time.Time     `json:"ready_at"`
	DiskGB  float64       `json:"disk_gb"`
	BusyFor time.Duration `json:"busy_for"`
	Loads   []savedLoad   `json:"loads,omitempty"`
}

type savedLoad struct {
	At   time.Time `json:"at"`
	Load Load      `json:"load"`
}

type savedSnapshot struct {
	providers.Snapshot
	Seq    int               `json:"seq"`
	Labels map[string]string `json:"labels,omitempty"`
}

// Persist makes the demo cloud keep its state in st: the state saved
// there replaces what the cloud holds now (an empty cloud just built by
// New), and every change from now on is saved. A change that cannot be
// saved is kept in memory and reported by SaveErr; the next change tries
// again.
func (p *Provider) Persist(st StateStore) error {
	data, err := st.LoadDemoState()
	if err != nil {
		return fmt.Errorf("demo: load the saved state: %w", err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if data != nil {
		var s savedState
		if err := json.Unmarshal(data, &s); err != nil {
			return fmt.Errorf("demo: read the saved state: %w", err)
		}
		p.restore(s)
	}
	p.store = st
	p.changed()
	return p.saveErr
}

// SaveErr returns the error of the last save that failed, or nil once a
// save succeeds.
func (p *Provider) SaveErr() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.saveErr
}

// restore replaces the state with s; the caller holds p.mu.
func (p *Provider) restore(s savedState) {
	p.lastID, p.lastSnap = s.LastID, s.LastSnap
	p.instances = make(map[string]*instance, len(s.Instances))
	p.ips = ipPool{}
	for _, si := range s.Instances {
		in := &instance{Instance: si.Instance, seq: si.Seq, host: si.Host, readyAt: si.ReadyAt,
			diskGB: si.DiskGB, busyFor: si.BusyFor, gone: make(chan struct{})}
		for _, l := range si.Loads {
			in.loads = append(in.loads, loadChange{at: l.At, load: l.Load})
		}
		if si.Host >= 1 && si.Host <= hosts {
			p.ips.used[si.Host] = true
			p.ips.last = max(p.ips.last, si.Host)
		}
		p.instances[in.ID] = in
	}
	p.snapshots = make(map[string]*snapshot, len(s.Snapshots))
	for _, ss := range s.Snapshots {
		p.snapshots[ss.ID] = &snapshot{Snapshot: ss.Snapshot, seq: ss.Seq, labels: ss.Labels}
	}
}

// changed saves the state, when a StateStore is attached; the caller
// holds p.mu.
func (p *Provider) changed() {
	if p.store == nil {
		return
	}
	s := savedState{Version: 1, LastID: p.lastID, LastSnap: p.lastSnap}
	for _, in := range p.instances {
		si := savedInstance{Instance: in.Instance, Seq: in.seq, Host: in.host, ReadyAt: in.readyAt,
			DiskGB: in.diskGB, BusyFor: in.busyFor}
		si.Labels = maps.Clone(in.Labels)
		for _, l := range in.loads {
			si.Loads = append(si.Loads, savedLoad{At: l.at, Load: l.load})
		}
		s.Instances = append(s.Instances, si)
	}
	for _, sn := range p.snapshots {
		s.Snapshots = append(s.Snapshots, savedSnapshot{Snapshot: sn.Snapshot, Seq: sn.seq, Labels: sn.labels})
	}
	data, err := json.Marshal(s)
	if err == nil {
		err = p.store.SaveDemoState(data)
	}
	p.saveErr = err
}
