// Package providertest holds the behaviour suite every provider passes
// (Run) and stateful HTTP emulators of the three real cloud APIs —
// DigitalOcean, Hetzner Cloud and AWS EC2 — that the real SDK clients talk
// to in tests. The emulators share one fault and counting machinery (Knobs):
// injected 429s and 5xx, slow replies, lost replies, a required token, and
// per-endpoint call counts for benchmarks. Each also serves its cloud's
// metrics (Hetzner's server metrics, DigitalOcean's Monitoring API,
// CloudWatch's GetMetricData at the EC2 emulator's URL) with the activity
// a test sets per instance (Loads).
package providertest
