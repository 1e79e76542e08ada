package main

import (
	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/providers/demo"
	"github.com/spuffbot/spuffbot/store/bolt"
)

// keepDemoState makes the demo cloud keep its VMs and snapshots in the
// bbolt file, in a bucket of its own, so that the next run (a second
// `spuffbot console`) finds the world the last one left. With an etcd
// store the demo cloud lives in memory, as before. A state that cannot
// be read is logged and the demo cloud starts empty.
func keepDemoState(a *app) {
	db, ok := a.db.(*bolt.DB)
	if !ok {
		return
	}
	for name, p := range a.provs {
		for {
			u, ok := p.(interface{ Unwrap() providers.Provider })
			if !ok {
				break
			}
			p = u.Unwrap()
		}
		d, ok := p.(*demo.Provider)
		if !ok {
			continue
		}
		if err := d.Persist(db); err != nil {
			a.log.Warn("keep the demo cloud in the database file", "provider", name, "err", err)
		}
	}
}
