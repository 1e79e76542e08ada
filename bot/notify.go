package bot

import (
	"context"
	"encoding/json"

	"github.com/slack-go/slack"

	"github.com/spuffbot/spuffbot/commands"
	"github.com/spuffbot/spuffbot/failpoint"
	"github.com/spuffbot/spuffbot/store"
)

// Notify shows ev in Slack: the operation's root message follows its
// state, progress goes into its thread, approval cards go to the
// approvers and lifecycle lines to the team channel. It implements
// commands.Notifier: it returns at once, and the events of one operation
// are shown one after another, in the order they came.
func (b *Bot) Notify(ctx context.Context, ev commands.Event) {
	ctx = b.tasks.base // shown after the operation stopped, until Drain gives up
	st := b.state(queueKey(ev))
	b.enqueue(st, func() { b.show(ctx, st, ev) })
}

// queueKey names the queue of ev: its operation's, or for an orphan,
// which no operation concerns, the VM's.
func queueKey(ev commands.Event) string {
	if ev.Op.ID == "" && ev.Orphan != nil {
		return "orphan/" + ev.Orphan.Provider + "/" + ev.Orphan.Instance.ID
	}
	if ev.Op.ID == "" && ev.Instance != nil {
		return "instance/" + ev.Instance.Name // an adopted orphan has no up
	}
	return ev.Op.ID
}

// show shows one event; it runs on st's queue.
//
// A final event sent again after a restart (Replay) updates the root
// message, which is harmless when the root shows it already, and is shown
// in full only when its final reply is not in the thread yet: the rest of
// it (team line, notices) went out before the final reply, or was lost
// with the crash.
func (b *Bot) show(ctx context.Context, st *opState, ev commands.Event) {
	b.ensureThread(ctx, st, ev)
	shown := true // every message of the event went out
	if m, ok := renderRoot(ev); ok && b.rootFollows(st, ev) {
		shown = b.updateRoot(ctx, st, m)
	}
	if ev.Replay && b.shownBefore(ctx, st, ev) {
		b.done(ctx, st, ev, shown)
		return
	}
	var asked md
	switch ev.Kind {
	case commands.EventAwaitingApproval:
		asked = b.approvals.post(ctx, ev) // approvals.go
	case commands.EventApproved, commands.EventDenied, commands.EventApprovalExpired, commands.EventApprovalRefused:
		b.approvals.update(ctx, ev)
	}
	b.orphans.notify(ctx, ev) // orphan cards (orphan.go)
	b.leases.notify(ctx, ev)  // lease warning cards, owner DMs (lease.go)
	b.idleThread(ctx, st, ev)
	b.idle.notify(ctx, ev) // idle warning cards (idle.go)
	if m, ok := renderProgress(ev, asked, b.cfg.Now()); ok {
		shown = b.reply(ctx, st, ev, m) && shown
	}
	if m, ok := renderTeamLine(ev); ok && b.cfg.NotifyChannel != "" {
		if _, err := b.post(ctx, b.cfg.NotifyChannel, "", m); err != nil {
			b.log.Error("team notification", "op", ev.Op.ID, "err", err)
		}
	}
	b.home.notify(ctx, ev) // App Home tabs (home.go)
	b.done(ctx, st, ev, shown)
}

// done records that ev was shown: after an operation's last event its
// state can go, and once the root and the final reply went out (shown),
// the Service stops sending that event again after a restart.
func (b *Bot) done(ctx context.Context, st *opState, ev commands.Event, shown bool) {
	if ev.Op.State.Final() || ev.Orphan != nil {
		st.mu.Lock()
		st.final = true
		st.mu.Unlock()
	}
	if shown && ev.Final() {
		if err := b.svc.Reported(ctx, ev.Op.ID); err != nil {
			b.log.Error("journal final event shown", "op", ev.Op.ID, "err", err)
		}
	}
}

// shownBefore reports whether ev, a final event sent again after a
// restart, is in its thread already: its final reply is there. Without a
// thread to look in, or when looking fails, it reports false: a line shown
// twice is better than a result never shown.
func (b *Bot) shownBefore(ctx context.Context, st *opState, ev commands.Event) bool {
	channel, root := st.thread()
	if root == "" {
		return false
	}
	posted, err := b.finalPosted(ctx, channel, root, ev.Op)
	if err != nil {
		b.log.Warn("look for the final reply posted before a restart", "op", ev.Op.ID, "err", err)
		return false
	}
	return posted
}

// ensureThread gives st a thread if it has none: the one recorded on the
// operation, the instance's thread for an operation on an existing
// instance, or a new root message in the operation's channel.
func (b *Bot) ensureThread(ctx context.Context, st *opState, ev commands.Event) {
	op, in := ev.Op, ev.Instance
	st.mu.Lock()
	if st.root != "" || st.noChannel {
		st.mu.Unlock()
		return
	}
	if op.ThreadTS != "" {
		st.channel, st.root = op.Channel, op.ThreadTS
		st.ownRoot = in == nil || in.ThreadTS != op.ThreadTS || in.OpID == op.ID
		st.mu.Unlock()
		return
	}
	st.mu.Unlock()

	if in != nil && in.ThreadTS != "" && in.OpID != op.ID {
		st.mu.Lock()
		st.channel, st.root, st.ownRoot = in.Channel, in.ThreadTS, false
		st.mu.Unlock()
		if _, err := b.svc.AttachThread(ctx, op.ID, in.Channel, in.ThreadTS); err != nil {
			b.log.Error("attach thread", "op", op.ID, "err", err)
		}
		return
	}
	m, ok := renderRoot(ev)
	if op.Channel == "" || !ok {
		return // nobody typed it: no thread, only team notifications
	}
	b.openThread(ctx, st, op, m)
}

// openThread posts m as the root message of op's thread and records the
// thread. Where the bot may not post, it says so through the command's
// response_url and keeps using that.
//
// Unless op was accepted by this process and has had no root yet, a
// process that stopped before it could journal the thread may have posted
// one: openThread looks for it (findRoot) and adopts it.
func (b *Bot) openThread(ctx context.Context, st *opState, op store.Operation, m message) {
	st.mu.Lock()
	fresh := st.fresh
	st.fresh = false
	st.mu.Unlock()
	if !fresh && b.adoptRoot(ctx, st, op) {
		return
	}
	ts, err := b.post(ctx, op.Channel, "", m, opMetadata(op.ID, false))
	if cannotPost(err) {
		b.log.Warn("cannot post in channel; using response_url", "op", op.ID, "channel", op.Channel, "err", err)
		st.mu.Lock()
		st.noChannel = true
		st.mu.Unlock()
		b.respondOp(ctx, st, renderNoChannel(m))
		return
	}
	if err != nil {
		b.log.Error("post root message", "op", op.ID, "err", err)
		return
	}
	st.mu.Lock()
	st.channel, st.root, st.ownRoot, st.lastRoot = op.Channel, ts, true, rootKey(m)
	st.mu.Unlock()
	failpoint.Inject("root-after-post") // posted, thread not recorded
	if _, err := b.svc.AttachThread(ctx, op.ID, op.Channel, ts); err != nil {
		b.log.Error("attach thread", "op", op.ID, "err", err)
	}
}

// adoptRoot makes the root message of op that an earlier process posted
// the root of st's thread, and reports whether there was one.
func (b *Bot) adoptRoot(ctx context.Context, st *opState, op store.Operation) bool {
	ts, err := b.findRoot(ctx, op)
	if err != nil {
		b.log.Warn("look for a root message posted before a restart", "op", op.ID, "err", err)
		return false
	}
	if ts == "" {
		return false
	}
	b.log.Info("adopting the root message posted before a restart", "op", op.ID, "channel", op.Channel)
	st.mu.Lock()
	st.channel, st.root, st.ownRoot, st.lastRoot = op.Channel, ts, true, ""
	st.mu.Unlock()
	if _, err := b.svc.AttachThread(ctx, op.ID, op.Channel, ts); err != nil {
		b.log.Error("attach thread", "op", op.ID, "err", err)
	}
	return true
}

// rootFollows reports whether ev changes the root message of st's
// thread: an operation's own root, or the instance's root for what
// happens to the instance (a down, a lease, the reconciler).
func (b *Bot) rootFollows(st *opState, ev commands.Event) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.root != "" && (st.ownRoot || ev.Op.Kind == store.OpDown || ev.Kind == commands.EventExtended ||
		ev.Kind == commands.EventDestroyedOutside)
}

// updateRoot edits the root message to m unless it already shows m, and
// reports whether the root shows m now. An operation's own root keeps its
// metadata.
func (b *Bot) updateRoot(ctx context.Context, st *opState, m message) bool {
	key := rootKey(m)
	st.mu.Lock()
	channel, root, own, same := st.channel, st.root, st.ownRoot, st.lastRoot == key
	st.mu.Unlock()
	if same {
		return true
	}
	var extra []slack.MsgOption
	if own {
		extra = append(extra, opMetadata(st.id, false))
	}
	if err := b.update(ctx, channel, root, m, extra...); err != nil {
		b.log.Error("update root message", "op", st.id, "err", err)
		return false
	}
	st.mu.Lock()
	st.lastRoot = key
	st.mu.Unlock()
	return true
}

func rootKey(m message) string {
	raw, _ := json.Marshal(m)
	return string(raw)
}

// reply posts m into st's thread; without a thread, the events that
// matter most go to the command's response_url. It reports false when m
// could not be shown. An operation's final reply carries metadata that
// finalPosted finds after a restart.
func (b *Bot) reply(ctx context.Context, st *opState, ev commands.Event, m message) bool {
	channel, root := st.thread()
	if root != "" {
		var extra []slack.MsgOption
		if ev.Final() {
			extra = append(extra, opMetadata(ev.Op.ID, true))
		}
		if _, err := b.post(ctx, channel, root, m, extra...); err != nil {
			b.log.Error("thread reply", "op", ev.Op.ID, "err", err)
			return false
		}
		return true
	}
	st.mu.Lock()
	noChannel := st.noChannel
	st.mu.Unlock()
	if noChannel && worthResponse[ev.Kind] {
		return b.respondOp(ctx, st, m)
	}
	// Without a thread: shown, unless the root failed to post where the
	// command was typed.
	return ev.Op.Channel == "" || noChannel
}

// idleThread tells st's thread what an idle event of an instance means.
func (b *Bot) idleThread(ctx context.Context, st *opState, ev commands.Event) {
	if ev.Instance == nil || ev.Orphan != nil {
		return
	}
	if m, ok := renderIdleThread(ev); ok {
		b.reply(ctx, st, ev, m)
	}
}

// dm posts m to user in a direct message.
func (b *Bot) dm(ctx context.Context, user string, m message) {
	ch, err := b.openDM(ctx, user)
	if err == nil {
		_, err = b.post(ctx, ch, "", m)
	}
	if err != nil {
		b.log.Error("direct message", "user", user, "err", err)
	}
}

// worthResponse are the events told through a response_url, which takes
// only a few posts, when there is no thread.
var worthResponse = map[commands.EventKind]bool{
	commands.EventAwaitingApproval: true,
	commands.EventDenied:           true,
	commands.EventApprovalExpired:  true,
	commands.EventReady:            true,
	commands.EventSnapshotCreated:  true,
	commands.EventSnapshotDeleted:  true,
	commands.EventDestroyed:        true,
	commands.EventFailed:           true,
	commands.EventExpired:          true,
	commands.EventLeaseWarning:     true,
}
