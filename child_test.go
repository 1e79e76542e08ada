package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/bot/slacktest"
	"github.com/spuffbot/spuffbot/failpoint"
	"github.com/spuffbot/spuffbot/internal/testsync"
	"github.com/spuffbot/spuffbot/providers/providertest"
	"github.com/spuffbot/spuffbot/store"
	"github.com/spuffbot/spuffbot/store/bolt"
)

// The tests in crash_test.go and shutdown_test.go run the real spuffbot
// binary as a child process against the fake Slack and the DigitalOcean
// emulator, both in the test process, and kill or stop it.

var built struct {
	once sync.Once
	dir  string
	path string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	if release.dir != "" {
		os.RemoveAll(release.dir)
	}
	os.Exit(code)
}

// binary builds spuffbot once per test run (without -race: the child is
// the program under test, not the test) and returns its path.
func binary(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the spuffbot binary")
	}
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" {
		t.Skip("kills the child with unix signals")
	}
	built.once.Do(func() {
		built.dir, built.err = os.MkdirTemp("", "spuffbot-child-")
		if built.err != nil {
			return
		}
		built.path = filepath.Join(built.dir, "spuffbot")
		out, err := exec.Command("go", "build", "-o", built.path, ".").CombinedOutput()
		if err != nil {
			built.err = fmt.Errorf("go build: %w\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.path
}

// rig is one bot deployment: a fake Slack, a DigitalOcean emulator and a
// database file, which successive child processes share.
type rig struct {
	t     *testing.T
	bin   string
	slack *slacktest.Server
	do    *providertest.DigitalOcean
	db    string
	env   map[string]string
	runs  int
}

// teamChannel receives the bot's team notifications.
const teamChannel = "C0SPUFFTEAM"

func newRig(t *testing.T) *rig {
	t.Helper()
	r := &rig{t: t, bin: binary(t), slack: slacktest.New(), do: providertest.NewDigitalOcean()}
	t.Cleanup(r.do.Close)
	t.Cleanup(r.slack.Close)
	r.slack.CreateChannel(teamChannel)
	r.do.RequireToken("do-token")
	r.db = filepath.Join(t.TempDir(), "spuff.db")
	r.env = map[string]string{
		"SLACK_API_URL": r.slack.APIURL(), "SLACK_APP_TOKEN": r.slack.AppToken(), "SLACK_BOT_TOKEN": r.slack.BotToken(),
		"SPUFF_PROVIDER": "digitalocean", "DIGITALOCEAN_TOKEN": "do-token", "DIGITALOCEAN_API_URL": r.do.URL,
		"SPUFF_DB": r.db, "SPUFF_NOTIFY_CHANNEL": teamChannel, "SPUFF_RECONCILE_EVERY": "300ms",
		"SPUFF_MAX_INSTANCES": "0", "SPUFF_LOG_LEVEL": "debug",
	}
	return r
}

// child is one run of the binary.
type child struct {
	name   string
	cmd    *exec.Cmd
	out    *testsync.Buffer
	done   chan struct{}
	state  *os.ProcessState
	waited error
}

// start runs the binary with failpoint armed ("" for none) and waits
// until it has connected to Slack.
func (r *rig) start(ctx context.Context, fp string) *child {
	r.t.Helper()
	r.runs++
	c := &child{name: fmt.Sprintf("run %d", r.runs), out: &testsync.Buffer{}, done: make(chan struct{})}
	if fp != "" {
		c.name += " (" + fp + ")"
	}
	c.cmd = exec.Command(r.bin, "run")
	// Only what the rig sets: nothing from the developer's environment.
	c.cmd.Env = []string{"HOME=" + r.t.TempDir(), failpoint.EnvVar + "=" + fp}
	for k, v := range r.env {
		c.cmd.Env = append(c.cmd.Env, k+"="+v)
	}
	c.cmd.Stdout, c.cmd.Stderr = c.out, c.out
	if err := c.cmd.Start(); err != nil {
		r.t.Fatalf("start %s: %v", r.bin, err)
	}
	go func() {
		c.waited = c.cmd.Wait()
		c.state = c.cmd.ProcessState
		close(c.done)
	}()
	r.t.Cleanup(func() {
		select {
		case <-c.done:
		default:
			_ = c.cmd.Process.Kill()
			<-c.done
		}
		if r.t.Failed() {
			r.t.Logf("output of %s:\n%s", c.name, c.out.String())
		}
	})
	if err := testsync.Poll(ctx, func() bool { return r.slack.Connections() >= 1 || c.exited() }); err != nil || c.exited() {
		r.t.Fatalf("%s did not connect to Slack (%v, exited %v)", c.name, err, c.exited())
	}
	return c
}

func (c *child) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// waitKilled waits for c to die at failpoint fp and for its Slack
// connection to go.
func (r *rig) waitKilled(ctx context.Context, c *child, fp string) {
	r.t.Helper()
	select {
	case <-c.done:
	case <-ctx.Done():
		r.t.Fatalf("%s is still running: failpoint %s was never reached", c.name, fp)
	}
	ws, ok := c.state.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		r.t.Fatalf("%s ended with %v, want death by SIGKILL", c.name, c.waited)
	}
	if want := "failpoint " + fp + ": killing the process"; !strings.Contains(c.out.String(), want) {
		r.t.Fatalf("%s was killed, but its output lacks %q", c.name, want)
	}
	r.waitDisconnected(ctx)
}

// stop sends sig to c and waits for it to exit, at most limit; it returns
// how long that took.
func (r *rig) stop(c *child, sig os.Signal, limit time.Duration) time.Duration {
	r.t.Helper()
	start := time.Now()
	if err := c.cmd.Process.Signal(sig); err != nil {
		r.t.Fatalf("signal %s: %v", c.name, err)
	}
	select {
	case <-c.done:
	case <-time.After(limit):
		r.t.Fatalf("%s did not exit within %v of %v", c.name, limit, sig)
	}
	if c.waited != nil {
		r.t.Fatalf("%s exited with %v after %v, want exit status 0", c.name, c.waited, sig)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r.waitDisconnected(ctx)
	return time.Since(start)
}

func (r *rig) waitDisconnected(ctx context.Context) {
	r.t.Helper()
	if err := r.slack.WaitFor(ctx, func(s *slacktest.Server) bool { return s.Connections() == 0 }); err != nil {
		r.t.Fatalf("the dead bot's Slack connection is still open: %v", err)
	}
}

// slash sends cmd with a trigger_id of the test's choosing (unless it has
// one), so that the same command can be sent again as Slack's retry, and
// returns it with its envelope id.
func (r *rig) slash(ctx context.Context, cmd slacktest.SlashCommand) slacktest.SlashCommand {
	r.t.Helper()
	if cmd.TriggerID == "" {
		cmd.TriggerID = fmt.Sprintf("trigger-%d-%d", r.runs, time.Now().UnixNano())
	}
	id, err := r.slack.SendSlashCommand(ctx, cmd)
	if err != nil {
		r.t.Fatalf("send /spuff %s: %v", cmd.Text, err)
	}
	cmd.EnvelopeID = id
	return cmd
}

// acked reports whether the envelope of cmd was acknowledged.
func (r *rig) acked(cmd slacktest.SlashCommand) bool { return len(r.slack.AcksFor(cmd.EnvelopeID)) > 0 }

// roots returns the top-level messages in the default channel about
// instance name.
func (r *rig) roots(name string) []slacktest.Message {
	var out []slacktest.Message
	for _, m := range r.slack.Messages(slacktest.DefaultChannel) {
		if strings.Contains(m.PlainText(), "`"+name+"`") {
			out = append(out, m)
		}
	}
	return out
}

// rootSays reports whether some root message about name matches re.
func (r *rig) rootSays(name string, re *regexp.Regexp) bool {
	for _, m := range r.roots(name) {
		if re.MatchString(m.PlainText()) {
			return true
		}
	}
	return false
}

// threadSays reports whether a reply in the thread of a root message
// about name matches re.
func (r *rig) threadSays(name string, re *regexp.Regexp) bool {
	for _, root := range r.roots(name) {
		for _, m := range r.slack.Thread(slacktest.DefaultChannel, root.TS) {
			if re.MatchString(m.PlainText()) {
				return true
			}
		}
	}
	return false
}

// openStore opens the database of a stopped bot.
func (r *rig) openStore() *bolt.DB {
	r.t.Helper()
	db, err := bolt.Open(r.db, bolt.Options{})
	if err != nil {
		r.t.Fatalf("open the bot's database: %v", err)
	}
	r.t.Cleanup(func() { db.Close() })
	return db
}

// checkCloudMatchesStore checks, after the bot stopped, that every droplet
// at the emulator is a live instance with an owner in the store (no
// orphan), that no two droplets share a name or an operation (no
// duplicate), that every live instance with a cloud id exists at the cloud,
// and that no operation is left unfinished. It returns the store.
func (r *rig) checkCloudMatchesStore(ctx context.Context) *bolt.DB {
	r.t.Helper()
	db := r.openStore()
	all, err := db.ListInstances(ctx, store.InstanceFilter{})
	if err != nil {
		r.t.Fatal(err)
	}
	byCloudID := map[string]store.Instance{}
	for _, in := range all {
		if in.Status.Live() && in.CloudID != "" {
			byCloudID[in.CloudID] = in
		}
	}
	names, ops := map[string]int{}, map[string]int{}
	droplets := map[string]bool{}
	for _, d := range r.do.Droplets() {
		id := strconv.Itoa(d.ID)
		droplets[id] = true
		in, ok := byCloudID[id]
		if !ok || in.Owner == "" {
			r.t.Errorf("droplet %s (%s, tags %v) has no live owner in the store: an orphan", id, d.Name, d.Tags)
		}
		names[d.Name]++
		for _, tag := range d.Tags {
			if strings.HasPrefix(tag, "spuff-op:") {
				ops[tag]++
			}
		}
	}
	for name, n := range names {
		if n > 1 {
			r.t.Errorf("%d droplets are named %s: a duplicate", n, name)
		}
	}
	for op, n := range ops {
		if n > 1 {
			r.t.Errorf("%d droplets carry %s: a duplicate", n, op)
		}
	}
	for id, in := range byCloudID {
		if !droplets[id] {
			r.t.Errorf("the store has %s live (%s) on droplet %s, which does not exist", in.Name, in.Status, id)
		}
	}
	unfinished, err := db.ListOperations(ctx, true)
	if err != nil {
		r.t.Fatal(err)
	}
	for _, op := range unfinished {
		r.t.Errorf("operation %s (%s %s) is left %s at step %q", op.ID, op.Kind, op.Instance, op.State, op.Step)
	}
	for _, m := range r.slack.Messages(teamChannel) {
		if strings.Contains(strings.ToLower(m.PlainText()), "orphan") {
			r.t.Errorf("the team channel reports an orphan: %s", m.PlainText())
		}
	}
	return db
}
