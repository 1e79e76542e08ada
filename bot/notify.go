package bot

import (
	"context"
	"encoding/json"

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
	ctx = context.WithoutCancel(ctx)
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
func (b *Bot) show(ctx context.Context, st *opState, ev commands.Event) {
	b.ensureThread(ctx, st, ev)
	if m, ok := renderRoot(ev); ok && b.rootFollows(st, ev) {
		b.updateRoot(ctx, st, m)
	}
	asked := ""
	switch ev.Kind {
	case commands.EventAwaitingApproval:
		asked = b.postCards(ctx, st, ev)
	case commands.EventApproved, commands.EventDenied, commands.EventApprovalExpired:
		b.updateCards(ctx, st, ev)
	}
	b.showCost(ctx, ev) // lease warning cards, owner DMs, orphan cards
	if m, ok := renderProgress(ev, asked, b.cfg.Now()); ok {
		b.reply(ctx, st, ev, m)
	}
	if m, ok := renderTeamLine(ev); ok && b.cfg.NotifyChannel != "" {
		if _, err := b.post(ctx, b.cfg.NotifyChannel, "", m); err != nil {
			b.log.Error("team notification", "op", ev.Op.ID, "err", err)
		}
	}
	b.homeChanged(ctx, ev) // App Home tabs (home.go)
	if ev.Op.State.Final() || ev.Orphan != nil {
		st.mu.Lock()
		st.final = true
		st.mu.Unlock()
	}
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
func (b *Bot) openThread(ctx context.Context, st *opState, op store.Operation, m message) {
	ts, err := b.post(ctx, op.Channel, "", m)
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

// rootFollows reports whether ev changes the root message of st's
// thread: an operation's own root, or the instance's root for what
// happens to the instance (a down, a lease, the reconciler).
func (b *Bot) rootFollows(st *opState, ev commands.Event) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.root != "" && (st.ownRoot || ev.Op.Kind == store.OpDown || ev.Kind == commands.EventExtended ||
		ev.Kind == commands.EventDestroyedOutside)
}

// updateRoot edits the root message to m unless it already shows m.
func (b *Bot) updateRoot(ctx context.Context, st *opState, m message) {
	key := rootKey(m)
	st.mu.Lock()
	channel, root, same := st.channel, st.root, st.lastRoot == key
	st.mu.Unlock()
	if same {
		return
	}
	if err := b.update(ctx, channel, root, m); err != nil {
		b.log.Error("update root message", "op", st.id, "err", err)
		return
	}
	st.mu.Lock()
	st.lastRoot = key
	st.mu.Unlock()
}

func rootKey(m message) string {
	raw, _ := json.Marshal(m)
	return string(raw)
}

// reply posts m into st's thread; without a thread, the events that
// matter most go to the command's response_url.
func (b *Bot) reply(ctx context.Context, st *opState, ev commands.Event, m message) {
	channel, root := st.thread()
	if root != "" {
		if _, err := b.post(ctx, channel, root, m); err != nil {
			b.log.Error("thread reply", "op", ev.Op.ID, "err", err)
		}
		return
	}
	st.mu.Lock()
	noChannel := st.noChannel
	st.mu.Unlock()
	if noChannel && worthResponse[ev.Kind] {
		b.respondOp(ctx, st, m)
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
