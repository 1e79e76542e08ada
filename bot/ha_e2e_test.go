package bot

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/bot/slacktest"
	"github.com/spuffbot/spuffbot/commands"
	"github.com/spuffbot/spuffbot/providers/demo"
	"github.com/spuffbot/spuffbot/store"
)

// TestHASpreadsCommandsAcrossReplicas sends 60 /spuff up, 6 for each of 10
// people under a cap of 5, to two replicas that Slack serves round robin,
// then redelivers every envelope twice, so that each one reaches both
// replicas. Exactly 50 VMs are made, at the cloud and in the store, with
// one thread each; every redelivery of an accepted command is acked empty.
func TestHASpreadsCommandsAcrossReplicas(t *testing.T) {
	t.Parallel()
	c := newCluster(t, commands.Config{MaxInstancesPerUser: 5})
	a := c.start("a")
	c.start("b")
	const people, each, capLive = 10, 6, 5

	type sent struct{ env, trigger, text, user string }
	var cmds []sent
	for u := range people {
		for i := range each {
			s := sent{trigger: fmt.Sprintf("trig-%02d-%d", u, i), text: fmt.Sprintf("up box-%02d-%d", u, i), user: userID(u)}
			s.env = c.slash(s.user, s.text, s.trigger, 0)
			cmds = append(cmds, s)
		}
	}
	acked := func(n int) func() bool {
		return func() bool {
			for _, s := range cmds {
				if len(c.slack.AcksFor(s.env)) < n {
					return false
				}
			}
			return true
		}
	}
	c.waitFor("every command acked", acked(1))
	conns := map[int]bool{}
	accepted := map[string]bool{}
	for _, s := range cmds {
		ack := c.slack.AcksFor(s.env)[0]
		conns[ack.Conn] = true
		switch {
		case ack.Payload == nil:
			accepted[s.env] = true
		case !strings.Contains(ackText(ack), "limit"):
			t.Errorf("/spuff %s acked with %q, want an empty ack or a refusal at the limit", s.text, ackText(ack))
		}
	}
	if len(conns) != 2 {
		t.Errorf("acks came over %d connections, want 2: the envelopes should reach both replicas", len(conns))
	}
	if len(accepted) != people*capLive {
		t.Errorf("%d commands accepted, want %d (%d people, a cap of %d)", len(accepted), people*capLive, people, capLive)
	}

	// Redeliver each envelope twice in a row: round robin brings one of the
	// two to each replica, the one that took it and the other.
	for _, s := range cmds {
		c.slash(s.user, s.text, s.trigger, 1)
		c.slash(s.user, s.text, s.trigger, 2)
	}
	c.waitFor("every redelivery acked", acked(3))
	for _, s := range cmds {
		acks := c.slack.AcksFor(s.env)
		by := map[int]bool{}
		for _, ack := range acks {
			by[ack.Conn] = true
		}
		if len(by) != 2 {
			t.Errorf("/spuff %s was acked over %d connections, want both", s.text, len(by))
		}
		if !accepted[s.env] {
			continue
		}
		for _, ack := range acks[1:] {
			if ack.Payload != nil {
				t.Errorf("redelivered /spuff %s acked with %q, want an empty ack", s.text, ackText(ack))
			}
		}
	}

	c.settled(a)
	want := people * capLive
	c.waitFor("every root message ready", func() bool {
		roots := c.slack.Messages(general)
		for _, m := range roots {
			if !strings.Contains(m.PlainText(), "is ready") {
				return false
			}
		}
		return len(roots) >= want
	})
	if got := len(c.slack.Messages(general)); got != want {
		t.Errorf("%d root messages in the channel, want %d", got, want)
	}
	if got := c.demo.Calls()[demo.OpCreateInstance]; got != want {
		t.Errorf("CreateInstance called %d times, want %d", got, want)
	}
	if got := c.atCloud(); got != want {
		t.Errorf("%d VMs at the cloud, want %d", got, want)
	}
	live := c.live(a)
	for _, in := range live {
		if in.Status != store.InstanceReady || in.IP == "" {
			t.Errorf("instance %s is %s with IP %q, want ready with an IP", in.Name, in.Status, in.IP)
		}
	}
	if len(live) != want {
		t.Errorf("%d live instances in the store, want %d", len(live), want)
	}
}

// TestHAReplicaDiesMidUp kills the replica running a /spuff up once the VM
// exists and is waited for: the other replica resumes the operation when
// the dead one's claim expires, and finishes it in the same thread with
// the same VM.
func TestHAReplicaDiesMidUp(t *testing.T) {
	t.Parallel()
	c := newCluster(t, commands.Config{})
	members := map[string]*member{"a": c.start("a"), "b": c.start("b")}
	c.demo.SetReadyAfter(3 * clusterTTL) // still booting when its replica dies

	env := c.slash(alice, "up devbox", "trig-devbox", 0)
	if _, err := c.slack.WaitAck(c.ctx, env); err != nil {
		t.Fatal(err)
	}
	var op store.Operation
	c.waitFor("the VM created, its id and thread journaled", func() bool {
		ops, err := members["a"].st.ListOperations(c.ctx, true)
		if err != nil || len(ops) != 1 {
			return false
		}
		op = ops[0]
		return op.CloudID != "" && op.ThreadTS != ""
	})
	runner, err := members["a"].st.Holder(c.ctx, op.ID)
	if err != nil || members[runner] == nil {
		t.Fatalf("Holder(%s) = %q, %v, want a or b", op.ID, runner, err)
	}
	killed := time.Now()
	members[runner].kill(t)
	survivor := members["a"]
	if runner == "a" {
		survivor = members["b"]
	}

	c.waitFor("the survivor takes the operation over", func() bool {
		h, err := survivor.st.Holder(c.ctx, op.ID)
		return err == nil && h == survivor.id
	})
	t.Logf("%s took the operation over %v after %s was killed (lease %v)", survivor.id, time.Since(killed).Round(time.Millisecond), runner, clusterTTL)
	c.waitFor("the root message ready", func() bool {
		m, _ := c.slack.Message(general, op.ThreadTS)
		return strings.Contains(m.PlainText(), "is ready")
	})
	c.settled(survivor)
	done, err := survivor.st.GetOperation(c.ctx, op.ID)
	if err != nil || done.State != store.OpDone {
		t.Fatalf("GetOperation(%s) = %+v, %v, want done", op.ID, done, err)
	}
	if got := c.demo.Calls()[demo.OpCreateInstance]; got != 1 {
		t.Errorf("CreateInstance called %d times, want 1", got)
	}
	if got := c.atCloud(); got != 1 {
		t.Errorf("%d VMs at the cloud, want 1", got)
	}
	if live := c.live(survivor); len(live) != 1 || live[0].Status != store.InstanceReady || live[0].CloudID != op.CloudID {
		t.Errorf("live instances = %+v, want devbox ready on %s", live, op.CloudID)
	}
	if got := len(c.slack.Messages(general)); got != 1 {
		t.Errorf("%d root messages, want 1", got)
	}
	if n := countReplies(c.slack, op.ThreadTS, "ssh dev@"); n != 1 {
		t.Errorf("%d ready replies in the thread, want 1", n)
	}
	if h, _ := survivor.st.Holder(c.ctx, op.ID); h != "" {
		t.Errorf("Holder(%s) after the run = %q, want none", op.ID, h)
	}
}

// TestHALeaderDies kills the replica that runs the reaper. The other is
// elected once the dead one's lease expires and reaps an instance whose
// lease ended after the kill, once: one warning, one down operation, one
// destroy.
func TestHALeaderDies(t *testing.T) {
	t.Parallel()
	c := newCluster(t, commands.Config{})
	a := c.start("a")
	c.waitFor("a leads", a.svc.Leading)
	b := c.start("b")

	env := c.slash(alice, "up devbox", "trig-devbox", 0)
	if _, err := c.slack.WaitAck(c.ctx, env); err != nil {
		t.Fatal(err)
	}
	root := c.rootOf("devbox")
	c.waitFor("devbox ready", func() bool { return countReplies(c.slack, root, "ssh dev@") == 1 })
	c.settled(a)

	// The lease enters the warning window: the leader warns.
	setLease(t, c, b, time.Now().Add(10*time.Minute))
	c.waitFor("the leader's warning", func() bool { return countReplies(c.slack, root, "when its lease ends") == 1 })
	killed := time.Now()
	a.kill(t)
	// Now the lease ends, after the leader died and before, or after, the
	// next one is elected.
	setLease(t, c, b, time.Now().Add(clusterTTL/4))

	c.waitFor("b leads", b.svc.Leading)
	t.Logf("b leads %v after the leader was killed (lease %v)", time.Since(killed).Round(time.Millisecond), clusterTTL)
	if id, err := b.st.Leader(c.ctx); err != nil || id != "b" {
		t.Errorf("Leader() = %q, %v, want b", id, err)
	}
	c.waitFor("the expiry in the thread", func() bool { return countReplies(c.slack, root, "its lease ended at") == 1 })
	c.settled(b)
	if got := c.demo.Calls()[demo.OpDestroyInstance]; got != 1 {
		t.Errorf("DestroyInstance called %d times, want 1", got)
	}
	if got := c.atCloud(); got != 0 {
		t.Errorf("%d VMs at the cloud after the expiry, want 0", got)
	}
	ops, err := b.st.ListOperations(c.ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	downs := 0
	for _, op := range ops {
		if op.Kind == store.OpDown {
			downs++
		}
	}
	if downs != 1 {
		t.Errorf("%d down operations journaled, want 1", downs)
	}
	if n := countReplies(c.slack, root, "when its lease ends"); n != 1 {
		t.Errorf("%d lease warnings in the thread, want 1", n)
	}
	if n := countReplies(c.slack, root, "its lease ended at"); n != 1 {
		t.Errorf("%d expiry replies in the thread, want 1", n)
	}
}

// TestHAReplicaWithoutEtcdDoesNotAck cuts one replica off from etcd while
// its Slack connection stays up: it acks nothing it cannot journal, Slack
// redelivers, and the other replica takes every command.
func TestHAReplicaWithoutEtcdDoesNotAck(t *testing.T) {
	t.Parallel()
	c := newCluster(t, commands.Config{})
	a, b := c.start("a"), c.start("b")
	_ = a.st.Client().Close()
	if err := a.st.Ping(c.ctx); err == nil {
		t.Errorf("Ping() on the replica without etcd = nil, want an error for /readyz")
	}

	const n = 6
	for i := range n {
		trigger := fmt.Sprintf("trig-%d", i)
		for attempt := 0; ; attempt++ {
			if attempt == 5 {
				t.Fatalf("/spuff up box-%d never acked after %d deliveries", i, attempt)
			}
			before := c.unjournaled("a")
			env := c.slash(alice, fmt.Sprintf("up box-%d", i), trigger, attempt)
			c.waitFor("an ack, or a replica that could not journal", func() bool {
				return len(c.slack.AcksFor(env)) > 0 || c.unjournaled("a") > before
			})
			if len(c.slack.AcksFor(env)) > 0 {
				break
			}
		}
	}
	if c.unjournaled("a") == 0 {
		t.Errorf("no command reached the replica without etcd; the test proves nothing")
	}
	conns := map[int]bool{}
	for _, ack := range c.slack.Acks() {
		conns[ack.Conn] = true
		if ack.Payload != nil {
			t.Errorf("ack %s carries %q, want an empty ack", ack.EnvelopeID, ackText(ack))
		}
	}
	if len(conns) != 1 {
		t.Errorf("acks came over %d connections, want 1: the replica without etcd acked", len(conns))
	}
	c.settled(b)
	if got := len(c.live(b)); got != n {
		t.Errorf("%d live instances, want %d", got, n)
	}
	if got := c.atCloud(); got != n {
		t.Errorf("%d VMs at the cloud, want %d", got, n)
	}
}

// setLease sets devbox's lease expiry, keeping its warning.
func setLease(t *testing.T, c *cluster, m *member, expiry time.Time) {
	t.Helper()
	if _, err := m.st.UpdateInstance(c.ctx, "devbox", func(in *store.Instance) error {
		in.LeaseExpiry = expiry
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// rootOf waits for the root message of instance name and returns its ts.
func (c *cluster) rootOf(name string) string {
	c.t.Helper()
	m, err := c.slack.WaitMessage(c.ctx, general, func(m slacktest.Message) bool {
		return strings.Contains(m.PlainText(), "`"+name+"`")
	})
	if err != nil {
		c.t.Fatalf("no root message for %s: %v", name, err)
	}
	return m.TS
}

// countReplies counts the replies in the thread of root that contain want.
func countReplies(s *slacktest.Server, root, want string) int {
	n := 0
	for _, m := range s.Thread(general, root) {
		if strings.Contains(m.PlainText(), want) {
			n++
		}
	}
	return n
}
