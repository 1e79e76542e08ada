package bot

import (
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/providers/demo"
)

// TestCloudSlowToAnswer: a create whose answer is lost is not a failure.
// The thread says once that the cloud is slow, and the VM still arrives.
func TestCloudSlowToAnswer(t *testing.T) {
	h := newHarness(t, func(su *setup) { su.svc.RetryBackoff = time.Millisecond })
	h.demo.SetFailNext(demo.OpCreateInstance, &providers.Error{Provider: "demo", Op: "create instance",
		Kind: providers.ErrUnknownOutcome, Message: "503 Service Unavailable"})
	root := h.up(alice, "")
	h.waitThread(general, root.TS, "Demo cloud is slow to answer, still trying.")
	h.waitThread(general, root.TS, "is ready at")
}

// TestBootTimeoutTellsOwner: a VM that is not ready by the boot deadline
// is destroyed; the thread says why, and so does a DM to its owner.
func TestBootTimeoutTellsOwner(t *testing.T) {
	h := newHarness(t, func(su *setup) { su.svc.BootTimeout = 100 * time.Millisecond })
	h.demo.SetReadyAfter(time.Hour)
	root := h.up(alice, "")
	h.waitThread(general, root.TS, "was not ready after")
	h.waitRoot(general, root.TS, "could not get")
	h.waitMessage(h.slack.DMChannel(alice), "Demo cloud last reported it as new); it was destroyed so that it does not bill")
}
