// Package providertest holds the behaviour suite every provider passes
// (Run) and stateful HTTP emulators of the three real cloud APIs —
// DigitalOcean, Hetzner Cloud and AWS EC2 — that the real SDK clients talk
// to in tests. The emulators share one fault and counting machinery (Knobs):
// injected 429s and 5xx, slow replies, lost replies, a required token, and
// per-endpoint call counts for benchmarks.
package providertest
