// Package commands is spuffbot's domain: the policy, and the Service that
// runs every command for a caller, journals operations, reports progress
// through a Notifier and resumes unfinished work after a crash. The /spuff
// language itself (Command, Parse, Help) is package grammar, beneath it:
// front ends parse a line there and hand the Command to the Service. It
// imports no chat library: the Slack bot and the terminal console are both
// front ends of the same Service, built over it and then subscribed to its
// events (Service.Subscribe). Service.Background is the one place periodic
// work runs (reconciler, lease reaper, approval expiry), on the replica a
// shared store elects.
package commands
