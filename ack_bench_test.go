package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/bot/slacktest"
	"github.com/spuffbot/spuffbot/providers/providertest"
)

// ackBurst is how many /spuff up envelopes BenchmarkAckBurstProcess sends
// at once.
const ackBurst = 500

// BenchmarkAckBurstProcess runs the release binary (`spuffbot run`) in its
// own process against the fake Slack and a DigitalOcean emulator in the
// test process, sends 500 /spuff up envelopes at once, each from another
// person, and reports the time from each envelope leaving the fake Slack
// to its ack arriving (p50, p99, max) and the bot process's CPU time per
// envelope from the first send to the last ack (all its threads, from
// /proc/<pid>/task/*/schedstat), which includes whatever work of the
// earlier commands ran in between. Run it with -benchtime 1x: later
// bursts share the CPU with the operations of the earlier ones.
func BenchmarkAckBurstProcess(b *testing.B) {
	if _, err := os.Stat("/proc/self/task"); err != nil {
		b.Skip("needs /proc")
	}
	bin := releaseBinary(b)
	do := providertest.NewDigitalOcean()
	defer do.Close()
	do.SetReadyAfter(2 * time.Second)
	slack := slacktest.New()
	defer slack.Close()
	cmd := exec.Command(bin, "run")
	cmd.Env = []string{"HOME=" + b.TempDir(), "SLACK_API_URL=" + slack.APIURL(), "SLACK_APP_TOKEN=" + slack.AppToken(),
		"SLACK_BOT_TOKEN=" + slack.BotToken(), "SPUFF_DB=" + filepath.Join(b.TempDir(), "spuff.db"), "SPUFF_MAX_INSTANCES=0",
		"SPUFF_PROVIDER=digitalocean", "DIGITALOCEAN_TOKEN=t", "DIGITALOCEAN_API_URL=" + do.URL, "SPUFF_LOG_LEVEL=error"}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := slack.WaitConnected(ctx, 1); err != nil {
		b.Fatalf("bot did not connect: %v", err)
	}
	// One command first: the catalog is cached and the database warm.
	if _, err := acked(ctx, slack, "U0WARMUP0"); err != nil {
		b.Fatal(err)
	}
	var lat []time.Duration
	var cpu time.Duration
	n := 0
	for i := 0; b.Loop(); i++ {
		before := cpuTime(b, cmd.Process.Pid)
		ids := make([]string, ackBurst)
		for j := range ids {
			id, err := slack.SendSlashCommand(ctx, slacktest.SlashCommand{UserID: fmt.Sprintf("U%03dB%05d", i%1000, j), Text: "up --ttl 1h"})
			if err != nil {
				b.Fatal(err)
			}
			ids[j] = id
		}
		for _, id := range ids {
			a, err := slack.WaitAck(ctx, id)
			if err != nil {
				b.Fatal(err)
			}
			lat = append(lat, a.At.Sub(a.SentAt))
		}
		cpu += cpuTime(b, cmd.Process.Pid) - before
		n += ackBurst
	}
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(pct(1), "max-ms")
	b.ReportMetric(float64(cpu.Microseconds())/float64(n), "cpu-µs/envelope")
	b.ReportMetric(0, "ns/op")
}

// acked sends one /spuff up as user and waits for its ack.
func acked(ctx context.Context, slack *slacktest.Server, user string) (slacktest.Ack, error) {
	id, err := slack.SendSlashCommand(ctx, slacktest.SlashCommand{UserID: user, Text: "up --ttl 1h"})
	if err != nil {
		return slacktest.Ack{}, err
	}
	return slack.WaitAck(ctx, id)
}

// cpuTime returns the CPU time process pid has used so far, summed over
// its threads.
func cpuTime(b *testing.B, pid int) time.Duration {
	b.Helper()
	dir := fmt.Sprintf("/proc/%d/task", pid)
	tasks, err := os.ReadDir(dir)
	if err != nil {
		b.Fatal(err)
	}
	var total time.Duration
	for _, t := range tasks {
		raw, err := os.ReadFile(filepath.Join(dir, t.Name(), "schedstat"))
		if err != nil {
			continue // the thread ended
		}
		if f := strings.Fields(string(raw)); len(f) > 0 {
			ns, _ := strconv.ParseInt(f[0], 10, 64)
			total += time.Duration(ns)
		}
	}
	return total
}
