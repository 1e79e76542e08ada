package bot

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/commands"
	"github.com/spuffbot/spuffbot/store"
)

func TestRenderHome(t *testing.T) {
	ready := view(instance("alice-7f3a", "U0ALICE", store.InstanceReady))
	second := view(instance("alice-big", "U0ALICE", store.InstanceReady))
	second.Size, second.PriceHourly, second.OpID = "s-8vcpu-16gb", 0.143, "op-2"
	creating := view(instance("alice-new", "U0ALICE", store.InstanceCreating))
	creating.IP, creating.SpendToDate = "", 0
	waiting := view(instance("alice-gpu", "U0ALICE", store.InstanceCreating))
	waiting.IP, waiting.OpID, waiting.Size, waiting.PriceHourly = "", "op-gpu", "gpu-h100", 3.5
	bobs := view(instance("bob-9xk2", "U0BOB", store.InstanceReady))
	pending := homeApproval{OpID: "op-gpu", Requester: "U0ALICE", Name: "alice-gpu", Size: "gpu-h100", Region: "fra1",
		Cloud: "DigitalOcean", Price: 3.5, Expires: now.Add(4 * time.Hour)}
	tests := []struct {
		name string
		data homeData
	}{
		{"empty", homeData{Now: now}},
		{"two", homeData{Mine: []commands.InstanceView{ready, second}, Now: now,
			Notice: ":alarm_clock: `alice-7f3a` now runs until Mon 19:02 UTC."}},
		{"pending", homeData{Mine: []commands.InstanceView{creating, waiting}, Pending: []homeApproval{pending}, ExtendBy: 4 * time.Hour, Now: now}},
		{"admin", homeData{Mine: []commands.InstanceView{ready}, Admin: true, Now: now,
			Team: []commands.InstanceView{ready, second, bobs}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			goldenView(t, "home_"+tt.name, renderHome(tt.data))
		})
	}
}

// TestRenderHomeSummarisesWhatDoesNotFit checks that a Home tab stays
// within Slack's 100 blocks and says how many it leaves out.
func TestRenderHomeSummarisesWhatDoesNotFit(t *testing.T) {
	for _, n := range []int{0, 29, 31, 500} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			var mine, team []commands.InstanceView
			for i := range n {
				mine = append(mine, view(instance(fmt.Sprintf("mine-%04d", i), "U0ALICE", store.InstanceReady)))
			}
			for i := range 10 * n {
				team = append(team, view(instance(fmt.Sprintf("team-with-a-long-name-%05d", i), "U0000000001", store.InstanceReady)))
			}
			m := renderHome(homeData{Mine: mine, Admin: true, Team: team, Now: now})
			checkViewLimits(t, m)
			raw, _ := json.Marshal(m)
			s := string(raw)
			if shown := strings.Count(s, "spuff_home_vm/"); shown < n && !strings.Contains(s, fmt.Sprintf("and %d more. `/spuff list`", n-shown)) {
				t.Errorf("renderHome(%d own) shows %d and does not say how many more", n, shown)
			}
			if shown := strings.Count(s, "team-with-a-long-name-"); shown < 10*n && !strings.Contains(s, fmt.Sprintf("and %d more. `/spuff list --all`", 10*n-shown)) {
				t.Errorf("renderHome(%d team) shows %d and does not say how many more", 10*n, shown)
			} else if n > 0 && shown == 0 {
				t.Errorf("renderHome(%d team) shows none of the team", 10*n)
			}
		})
	}
}
