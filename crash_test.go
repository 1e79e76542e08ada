package main

import (
	"context"
	"regexp"
	"syscall"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/bot/slacktest"
	"github.com/spuffbot/spuffbot/internal/testsync"
	"github.com/spuffbot/spuffbot/store"
)

// crashCase is one crash: the failpoint the bot is killed at, the command
// that reaches it, and what a restarted bot must have made of it.
type crashCase struct {
	point string
	verb  store.OpKind // the command killed: up, down or snapshot create
	// What is left once the restarted bot has finished.
	droplets, snapshots int
	// roots is the number of top-level messages about the instance: one.
	// A crash between posting the root message and journaling its ts
	// leaves that message unrecorded; the restarted bot finds it by its
	// metadata and adopts it rather than opening a second thread.
	roots int
}

var (
	readyRoot     = regexp.MustCompile("`devbox` is ready at `203\\.0\\.113\\.\\d+`")
	destroyedRoot = regexp.MustCompile("`devbox` was destroyed by <@" + slacktest.DefaultUser + ">")
	snapshotSaved = regexp.MustCompile("Saved a snapshot of `devbox` as `spuff-devbox`")
	requestedRoot = regexp.MustCompile("requested `devbox`")
	// The final reply of each command, in the thread: exactly one.
	sshReply       = regexp.MustCompile(`ssh dev@203\.0\.113\.\d+`)
	destroyedReply = regexp.MustCompile("`devbox` is destroyed")
)

// TestCrashRecovery kills the real binary with SIGKILL at every failpoint
// of up, down and snapshot create, restarts it, and checks that the
// request was carried out exactly once: the thread reaches its final
// state, no droplet is without an owner in the store, no droplet was made
// twice, no operation is left unfinished.
func TestCrashRecovery(t *testing.T) {
	binary(t) // build it before the cases' clocks start
	cases := []crashCase{
		// The bot, around the ack of an up. slack-go sends acks from a queue
		// of its own, so after slash-after-ack the ack has rarely reached
		// Slack: both cases are then sent again, as Slack retries them.
		{point: "slash-before-ack", verb: store.OpUp, droplets: 1, roots: 1},
		{point: "slash-after-ack", verb: store.OpUp, droplets: 1, roots: 1},
		{point: "root-after-post", verb: store.OpUp, droplets: 1, roots: 1},
		// An up.
		{point: "up-before-create", verb: store.OpUp, droplets: 1, roots: 1},
		{point: "up-after-create", verb: store.OpUp, droplets: 1, roots: 1},
		{point: "up-after-journal-id", verb: store.OpUp, droplets: 1, roots: 1},
		{point: "up-before-wait", verb: store.OpUp, droplets: 1, roots: 1},
		{point: "up-after-ready", verb: store.OpUp, droplets: 1, roots: 1},
		// Done in the journal, the final event never shown: the restarted
		// bot shows it, in the same thread.
		{point: "op-after-done", verb: store.OpUp, droplets: 1, roots: 1},
		// A down.
		{point: "down-before-destroy", verb: store.OpDown, droplets: 0, roots: 1},
		{point: "down-after-destroy", verb: store.OpDown, droplets: 0, roots: 1},
		{point: "down-after-mark", verb: store.OpDown, droplets: 0, roots: 1},
		// A snapshot create.
		{point: "snapshot-before-create", verb: store.OpSnapshotCreate, droplets: 1, snapshots: 1, roots: 1},
		// The snapshot exists, its id is not journaled: the resumed
		// operation finds it by its name and adopts it.
		{point: "snapshot-after-create", verb: store.OpSnapshotCreate, droplets: 1, snapshots: 1, roots: 1},
		{point: "snapshot-after-journal-id", verb: store.OpSnapshotCreate, droplets: 1, snapshots: 1, roots: 1},
	}
	for _, tc := range cases {
		t.Run(tc.point, func(t *testing.T) {
			t.Parallel() // each case has its own Slack, cloud and database; most of the time is waiting
			crashAndRecover(t, tc)
		})
	}
}

func crashAndRecover(t *testing.T, tc crashCase) {
	r := newRig(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	first := r.start(ctx, tc.point)
	cmd := r.slash(ctx, slacktest.SlashCommand{Text: "up devbox"})
	sent := []slacktest.SlashCommand{cmd}
	if tc.verb != store.OpUp {
		if err := testsync.Poll(ctx, func() bool { return r.rootSays("devbox", readyRoot) }); err != nil {
			t.Fatalf("devbox never became ready before the %s: %v", tc.verb, err)
		}
		text := "down devbox"
		if tc.verb == store.OpSnapshotCreate {
			text = "snapshot create devbox"
		}
		cmd = r.slash(ctx, slacktest.SlashCommand{Text: text})
		sent = append(sent, cmd)
	}
	r.waitKilled(ctx, first, tc.point)
	acked := r.acked(cmd)

	second := r.start(ctx, "")
	if !acked {
		// Slack sends an envelope again when it got no ack, with the same
		// trigger_id; the bot must recognise it.
		retry := cmd
		retry.RetryAttempt, retry.RetryReason = 1, "timeout"
		r.slash(ctx, retry)
	}
	for _, c := range sent {
		if _, err := r.slack.WaitAck(ctx, c.EnvelopeID); err != nil {
			t.Fatalf("/spuff %s was never acked: %v", c.Text, err)
		}
	}
	final := func() bool { return r.rootSays("devbox", readyRoot) }
	switch tc.verb {
	case store.OpDown:
		final = func() bool { return r.rootSays("devbox", destroyedRoot) }
	case store.OpSnapshotCreate:
		final = func() bool { return r.threadSays("devbox", snapshotSaved) }
	}
	if err := testsync.Poll(ctx, final); err != nil {
		t.Fatalf("after the restart, the %s never reached its final state (acked before the crash: %v): %v", tc.verb, acked, err)
	}
	r.stop(second, syscall.SIGTERM, 30*time.Second)

	db := r.checkCloudMatchesStore(ctx)
	if n := len(r.do.Droplets()); n != tc.droplets {
		t.Errorf("%d droplets at the cloud, want %d", n, tc.droplets)
	}
	if n := len(r.do.Snapshots()); n != tc.snapshots {
		t.Errorf("%d snapshots at the cloud, want %d", n, tc.snapshots)
	}
	roots := r.roots("devbox")
	if len(roots) != tc.roots {
		for _, m := range roots {
			t.Logf("root: %s", m.PlainText())
		}
		t.Errorf("%d root messages about devbox, want %d", len(roots), tc.roots)
	}
	for _, m := range roots[:max(len(roots)-1, 0)] {
		if !requestedRoot.MatchString(m.PlainText()) {
			t.Errorf("an earlier root message is not the one left by the crash: %s", m.PlainText())
		}
	}
	r.checkFinalReply(tc.verb)
	ops, err := db.ListOperations(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	count := map[store.OpKind]int{}
	for _, op := range ops {
		count[op.Kind]++
		if op.State != store.OpDone {
			t.Errorf("operation %s (%s) ended %s: %s", op.ID, op.Kind, op.State, op.Error)
		}
	}
	if count[store.OpUp] != 1 || count[tc.verb] != 1 || len(ops) != len(sent) {
		t.Errorf("operations journaled: %v, want one of each command sent (%d)", count, len(sent))
	}
	in, err := db.GetInstance(ctx, "devbox")
	if err != nil {
		t.Fatal(err)
	}
	want := store.InstanceReady
	if tc.verb == store.OpDown {
		want = store.InstanceDestroyed
	}
	if in.Status != want || in.Owner != slacktest.DefaultUser {
		t.Errorf("devbox in the store is %s, owned by %q; want %s, owned by %s", in.Status, in.Owner, want, slacktest.DefaultUser)
	}
	t.Logf("killed at %s (command acked before: %v)", tc.point, acked)
}

// checkFinalReply checks that the thread of the last root message about
// devbox holds the final reply of the command killed exactly once, and,
// for an up, that it ends with it: the person got the ssh line, once.
func (r *rig) checkFinalReply(verb store.OpKind) {
	r.t.Helper()
	roots := r.roots("devbox")
	if len(roots) == 0 {
		return
	}
	thread := r.slack.Thread(slacktest.DefaultChannel, roots[len(roots)-1].TS)
	want := map[store.OpKind]*regexp.Regexp{store.OpUp: sshReply, store.OpDown: destroyedReply, store.OpSnapshotCreate: snapshotSaved}[verb]
	n := 0
	for _, m := range thread {
		if want.MatchString(m.PlainText()) {
			n++
		}
	}
	if n != 1 {
		for _, m := range thread {
			r.t.Logf("reply: %s", m.PlainText())
		}
		r.t.Errorf("%d replies in the thread match %q, want 1", n, want)
	}
	if verb == store.OpUp && (len(thread) == 0 || !sshReply.MatchString(thread[len(thread)-1].PlainText())) {
		r.t.Errorf("the thread does not end with the ssh line")
	}
}
