package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/bot/slacktest"
	"github.com/spuffbot/spuffbot/internal/testsync"
	"github.com/spuffbot/spuffbot/providers/providertest"
	"github.com/spuffbot/spuffbot/store"
	"github.com/spuffbot/spuffbot/store/bolt"
)

// BenchmarkIdleRSS10k starts the release binary (`spuffbot run`, built as
// the Dockerfile builds it) with 10,000
// running instances — in its database and, consistently, as droplets at
// the DigitalOcean emulator — connected to a fake Slack; once start-up
// (catalog, first reconciler pass over all 10,000) has settled it reports
// the process's resident memory in MB: VmRSS, of which RssAnon (the Go
// heap and runtime) and RssFile (the binary's pages and the mapped bbolt
// file). SPUFF_RSS_DEBUG=1 logs /proc/<pid>/smaps for a finer breakdown;
// SPUFF_RSS_GOMEMLIMIT sets the child's GOMEMLIMIT.
func BenchmarkIdleRSS10k(b *testing.B) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		b.Skip("needs /proc")
	}
	bin := releaseBinary(b) // as the image ships it: its size is part of the RSS
	do := providertest.NewDigitalOcean()
	defer do.Close()
	db := filepath.Join(b.TempDir(), "spuff.db")
	seedInstances(b, db, do, 10000)
	slack := slacktest.New()
	defer slack.Close()
	var mem map[string]float64
	for b.Loop() {
		mem = idleRSS(b, bin, slack, do, db)
	}
	for _, k := range []string{"VmRSS", "RssAnon", "RssFile"} {
		b.ReportMetric(mem[k], k+"-MB")
	}
}

// seedInstances puts n running instances of 200 owners in the store and
// the same droplets at the emulator. Writes are concurrent so that Accept
// batches them.
func seedInstances(b *testing.B, path string, do *providertest.DigitalOcean, n int) {
	b.Helper()
	db, err := bolt.Open(path, bolt.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 256)
	for i := range n {
		op, owner, name := fmt.Sprintf("op%05d", i), fmt.Sprintf("U%07d", i%200), fmt.Sprintf("vm-%05d", i)
		id := do.AddDroplet(name, "spuff", "spuff-owner:"+owner, "spuff-op:"+op)
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			_, _, err := db.Accept(ctx, store.Acceptance{
				Op: store.Operation{ID: op, Kind: store.OpUp, State: store.OpDone, Owner: owner, Provider: "digitalocean", Reported: true},
				Reserve: &store.Instance{Name: name, Provider: "digitalocean", CloudID: strconv.Itoa(id), Owner: owner,
					Size: "s-1vcpu-1gb", Region: "nyc3", PriceHourly: 0.00893, Status: store.InstanceReady, OpID: op,
					IP: "203.0.113.9", LeaseExpiry: time.Now().Add(72 * time.Hour)},
			})
			if err != nil {
				b.Error(err)
			}
		}()
	}
	wg.Wait()
}

func idleRSS(b *testing.B, bin string, slack *slacktest.Server, do *providertest.DigitalOcean, db string) map[string]float64 {
	b.Helper()
	cmd := exec.Command(bin, "run")
	cmd.Env = []string{"HOME=" + b.TempDir(), "SLACK_API_URL=" + slack.APIURL(), "SLACK_APP_TOKEN=" + slack.AppToken(),
		"SLACK_BOT_TOKEN=" + slack.BotToken(), "SPUFF_DB=" + db, "SPUFF_LISTEN=127.0.0.1:0", "SPUFF_MAX_INSTANCES=0",
		"SPUFF_PROVIDER=digitalocean", "DIGITALOCEAN_TOKEN=t", "DIGITALOCEAN_API_URL=" + do.URL,
		"SPUFF_LOG_LEVEL=error", "GOMEMLIMIT=" + os.Getenv("SPUFF_RSS_GOMEMLIMIT"), "GODEBUG=" + os.Getenv("SPUFF_RSS_GODEBUG")}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := slack.WaitConnected(ctx, 1); err != nil {
		b.Fatalf("bot did not connect: %v", err)
	}
	listed := func() int { return do.Calls("GET /v2/droplets") }
	if err := testsync.Poll(ctx, func() bool { return listed() >= 10000/200 }); err != nil {
		b.Fatalf("the first reconciler pass did not list every droplet (%d pages)", listed())
	}
	time.Sleep(5 * time.Second) // the pass finishes; the GC returns what it used
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid))
	if err != nil {
		b.Fatal(err)
	}
	if os.Getenv("SPUFF_RSS_DEBUG") != "" {
		smaps, _ := os.ReadFile(fmt.Sprintf("/proc/%d/smaps", cmd.Process.Pid))
		b.Logf("%s\n%s", status, smaps)
	}
	mem := make(map[string]float64)
	for _, line := range strings.Split(string(status), "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[2] == "kB" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			mem[strings.TrimSuffix(f[0], ":")] = kb / 1024
		}
	}
	if mem["VmRSS"] == 0 {
		b.Fatal("no VmRSS in /proc status")
	}
	return mem
}
