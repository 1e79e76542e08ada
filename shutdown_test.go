package main

import (
	"context"
	"fmt"
	"regexp"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/bot/slacktest"
	"github.com/spuffbot/spuffbot/internal/testsync"
	"github.com/spuffbot/spuffbot/store"
)

// TestShutdownDuringBurst stops the real binary with SIGTERM while a burst
// of ups is in flight, and more commands keep coming: it must exit 0
// within a bounded time, and every command it acked must be carried out,
// by it or by the next start. A command it did not ack is sent again after
// the restart, as Slack retries it, and must be carried out exactly once.
func TestShutdownDuringBurst(t *testing.T) {
	const burst, late = 20, 5
	r := newRig(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	// Droplets boot slowly: the burst is still waiting for them at SIGTERM.
	r.do.SetReadyAfter(4 * time.Second)
	first := r.start(ctx, "")

	name := func(i int) string { return fmt.Sprintf("box-%02d", i) }
	var sending sync.WaitGroup
	cmds := make([]slacktest.SlashCommand, burst+late)
	errs := make([]error, burst+late)
	send := func(i int) { // in its own goroutine: no t.Fatal here
		cmds[i] = slacktest.SlashCommand{Text: "up " + name(i), TriggerID: "trigger-" + name(i)}
		cmds[i].EnvelopeID, errs[i] = r.slack.SendSlashCommand(ctx, cmds[i])
	}
	sent := func() {
		t.Helper()
		sending.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("send /spuff up %s: %v", name(i), err)
			}
		}
	}
	for i := range burst {
		sending.Go(func() { send(i) })
	}
	sent()
	for i := range burst {
		if _, err := r.slack.WaitAck(ctx, cmds[i].EnvelopeID); err != nil {
			t.Fatalf("/spuff %s was never acked: %v", cmds[i].Text, err)
		}
	}

	// SIGTERM while the ups are in flight and more commands arrive.
	for i := burst; i < burst+late; i++ {
		sending.Go(func() { send(i) })
	}
	took := r.stop(first, syscall.SIGTERM, 30*time.Second)
	t.Logf("the bot exited %v after SIGTERM", took.Round(time.Millisecond))
	inFlight := 0
	for _, d := range r.do.Droplets() {
		if d.Status != "active" {
			inFlight++
		}
	}
	t.Logf("at exit: %d droplets, %d of them still booting", len(r.do.Droplets()), inFlight)

	second := r.start(ctx, "")
	sent() // commands sent while no bot was connected reach this one
	acked := 0
	for i, c := range cmds {
		if r.acked(c) {
			acked++
			continue
		}
		retry := c
		retry.RetryAttempt, retry.RetryReason = 1, "timeout"
		cmds[i] = r.slash(ctx, retry)
	}
	t.Logf("acked before the restart: %d of %d", acked, len(cmds))
	for _, c := range cmds {
		if _, err := r.slack.WaitAck(ctx, c.EnvelopeID); err != nil {
			t.Fatalf("/spuff %s was never acked: %v", c.Text, err)
		}
	}
	ready := regexp.MustCompile("is ready at `203\\.0\\.113\\.\\d+`")
	for i := range cmds {
		if err := testsync.Poll(ctx, func() bool { return r.rootSays(name(i), ready) }); err != nil {
			t.Fatalf("%s never became ready after the restart: %v", name(i), err)
		}
	}
	r.stop(second, syscall.SIGTERM, 30*time.Second)

	db := r.checkCloudMatchesStore(ctx)
	if n := len(r.do.Droplets()); n != len(cmds) {
		t.Errorf("%d droplets, want %d", n, len(cmds))
	}
	for i := range cmds {
		if n := len(r.roots(name(i))); n != 1 {
			t.Errorf("%d root messages about %s, want 1", n, name(i))
		}
		in, err := db.GetInstance(ctx, name(i))
		if err != nil || in.Status != store.InstanceReady {
			t.Errorf("%s in the store: %+v, %v; want it ready", name(i), in, err)
		}
	}
}
