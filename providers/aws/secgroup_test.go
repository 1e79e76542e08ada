package aws_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/spuffbot/spuffbot/providers/aws"
	"github.com/spuffbot/spuffbot/providers/providertest"
)

func TestSecurityGroupCreatedOnceAndReused(t *testing.T) {
	f := newFixture(t)
	f.create(t, request("a", "op-a"))
	f.create(t, request("b", "op-b"))
	if got := f.emu.Calls("CreateSecurityGroup"); got != 1 {
		t.Errorf("Calls(CreateSecurityGroup) = %d, want 1", got)
	}
	if got := f.emu.Calls("AuthorizeSecurityGroupIngress"); got != 1 {
		t.Errorf("Calls(AuthorizeSecurityGroupIngress) = %d, want 1", got)
	}
	g := spuffGroup(t, f.emu)
	want := []providertest.EC2Rule{{Protocol: "tcp", FromPort: 22, ToPort: 22, CIDR: aws.DefaultSSHCIDR}}
	if diff := cmp.Diff(want, g.Ingress); diff != "" {
		t.Errorf("spuff group ingress mismatch (-want +got):\n%s", diff)
	}
	if g.Tags["managed-by"] != "spuff" {
		t.Errorf("spuff group tags = %v, want managed-by=spuff", g.Tags)
	}

	// A second provider (a restart) finds the group and changes nothing.
	p2, err := aws.New(testConfig(f.emu))
	if err != nil {
		t.Fatal(err)
	}
	f.emu.ResetCalls()
	if _, err := p2.CreateInstance(t.Context(), request("c", "op-c")); err != nil {
		t.Fatalf("CreateInstance() error = %v", err)
	}
	if c, a := f.emu.Calls("CreateSecurityGroup"), f.emu.Calls("AuthorizeSecurityGroupIngress"); c != 0 || a != 0 {
		t.Errorf("after restart: Calls(CreateSecurityGroup) = %d, Calls(AuthorizeSecurityGroupIngress) = %d, want 0, 0", c, a)
	}
}

func TestSecurityGroupCIDRAndRepair(t *testing.T) {
	f := newFixture(t, func(c *aws.Config) { c.SSHCIDR = "198.51.100.0/24" })
	// A spuff group left without its rule (a crash between create and
	// authorize) gets the rule and is reused.
	id := f.emu.AddSecurityGroup(testRegion, aws.SecurityGroupName)
	f.create(t, request("a", "op-a"))
	if got := f.emu.Calls("CreateSecurityGroup"); got != 0 {
		t.Errorf("Calls(CreateSecurityGroup) = %d, want 0: the group exists", got)
	}
	g := spuffGroup(t, f.emu)
	want := []providertest.EC2Rule{{Protocol: "tcp", FromPort: 22, ToPort: 22, CIDR: "198.51.100.0/24"}}
	if g.ID != id || !cmp.Equal(want, g.Ingress) {
		t.Errorf("spuff group = %+v, want %s with ingress %+v", g, id, want)
	}
	if got := f.emu.Instances()[0].SecurityGroups; !cmp.Equal(got, []string{id}) {
		t.Errorf("instance security groups = %v, want [%s]", got, id)
	}
}
