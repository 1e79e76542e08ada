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
	"github.com/spuffbot/spuffbot/store"
)

// BenchmarkIdleRSS10k starts the real binary (`spuffbot run`) on a
// database holding 10,000 instances, connected to a fake Slack, lets it
// settle and reports its resident memory (VmRSS) in MB.
func BenchmarkIdleRSS10k(b *testing.B) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		b.Skip("needs /proc")
	}
	bin := binary(b)
	db := filepath.Join(b.TempDir(), "spuff.db")
	seedInstances(b, db, 10000)
	slack := slacktest.New()
	defer slack.Close()
	var rss float64
	for b.Loop() {
		rss = idleRSS(b, bin, slack, db)
	}
	b.ReportMetric(rss, "RSS-MB")
}

// seedInstances writes n live instances of 200 owners, batched.
func seedInstances(b *testing.B, path string, n int) {
	b.Helper()
	db, err := store.Open(path, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 256)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			id := fmt.Sprintf("op%05d", i)
			_, _, err := db.Accept(ctx, store.Acceptance{
				Op: store.Operation{ID: id, Kind: store.OpUp, State: store.OpDone, Owner: fmt.Sprintf("U%03d", i%200), Provider: "demo"},
				Reserve: &store.Instance{Name: fmt.Sprintf("vm-%05d", i), Provider: "demo", CloudID: fmt.Sprintf("demo-%d", i),
					Owner: fmt.Sprintf("U%03d", i%200), Size: "small", Region: "demo-eu", PriceHourly: 0.0074,
					Status: store.InstanceReady, OpID: id, IP: "203.0.113.9", LeaseExpiry: time.Now().Add(72 * time.Hour)},
			})
			if err != nil {
				b.Error(err)
			}
		}()
	}
	wg.Wait()
}

func idleRSS(b *testing.B, bin string, slack *slacktest.Server, db string) float64 {
	b.Helper()
	cmd := exec.Command(bin, "run")
	cmd.Env = []string{"HOME=" + b.TempDir(), "SLACK_API_URL=" + slack.APIURL(), "SLACK_APP_TOKEN=" + slack.AppToken(),
		"SLACK_BOT_TOKEN=" + slack.BotToken(), "SPUFF_DB=" + db, "SPUFF_LISTEN=127.0.0.1:0", "SPUFF_MAX_INSTANCES=0",
		"SPUFF_RECONCILE_EVERY=1h", "SPUFF_LOG_LEVEL=error"}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := slack.WaitConnected(ctx, 1); err != nil {
		b.Fatalf("bot did not connect: %v", err)
	}
	time.Sleep(3 * time.Second) // start-up work (catalog, reconcile pass) settles
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	b.Fatal("no VmRSS in /proc status")
	return 0
}
