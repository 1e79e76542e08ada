package etcdstore

// TxnAttempts returns how many transactions the compare-and-swap loops of
// s have sent, for the benchmarks.
func TxnAttempts(s *Store) int64 { return s.txnAttempts.Load() }
