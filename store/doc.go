// Package store holds spuffbot's durable records: the instances it created
// and who owns them, the operations journal that lets an interrupted
// command resume after a crash, the clicks on cards (so that a card
// answers once), approvals, people's SSH keys and the append-only audit
// log; their states, the errors a store reports, and the
// Store interface that every backend implements.
//
// It imports nothing outside the standard library, so that the domain and
// the front ends can name records without pulling in a database. The
// backends live beside it: store/bolt keeps everything in one bbolt file
// for a single replica, store/etcdstore in etcd for several. store/storetest
// is the behaviour suite both pass.
//
// Missing records are reported with errors wrapping ErrNotFound, duplicates
// with ErrExists; test them with errors.Is.
package store
