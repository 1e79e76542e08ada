package providertest

import (
	"fmt"
	"maps"
	"slices"
	"time"
)

// ec2Region is the state of one region. Slices keep creation order.
type ec2Region struct {
	name      string
	instances []*ec2Instance
	images    []*ec2Image
	snapshots []*ec2Snapshot
	vpcs      []*ec2Vpc
	groups    []*ec2Group
	// tokens maps a RunInstances ClientToken to its first reservation.
	tokens map[string]*ec2Token
	ipSeq  int
}

type ec2Instance struct {
	id, reservation, imageID, instanceType, az string
	privateIP, publicIP, clientToken, userData string
	state                                      string
	wantPublicIP                               bool
	groups                                     []string
	tags, volumeTags                           map[string]string
	launched, readyAt                          time.Time
	rootGB                                     int
}

type ec2Token struct {
	fingerprint string
	reservation string
	ids         []string
}

type ec2Image struct {
	id, name, description, owner, state, arch, source string
	public                                            bool
	created, readyAt                                  time.Time
	snapshots                                         []string
	sizeGB                                            int
	tags                                              map[string]string
}

type ec2Snapshot struct {
	id, volumeID, description, owner, state string
	sizeGB                                  int
	started, readyAt                        time.Time
	tags                                    map[string]string
}

type ec2Vpc struct {
	id, cidr  string
	isDefault bool
}

type ec2Group struct {
	id, name, description, vpc string
	rules                      []EC2Rule
	tags                       map[string]string
}

// region returns the state of name, creating and seeding it on first use.
// Callers hold e.mu.
func (e *EC2) region(name string) *ec2Region {
	if rg, ok := e.regions[name]; ok {
		return rg
	}
	rg := &ec2Region{name: name, tokens: make(map[string]*ec2Token)}
	vpc := &ec2Vpc{id: fmt.Sprintf("vpc-%08x", len(e.regions)+1), cidr: "172.31.0.0/16", isDefault: true}
	rg.vpcs = append(rg.vpcs, vpc)
	rg.groups = append(rg.groups, &ec2Group{id: e.newID("sg"), name: "default",
		description: "default VPC security group", vpc: vpc.id, tags: map[string]string{}})
	rg.images = ec2OfficialImages(name)
	e.regions[name] = rg
	return rg
}

// advance moves pending things along: instances to running (with a public
// IP), shutting-down instances to terminated, pending AMIs and snapshots to
// available/completed. It runs on every read. Callers hold e.mu.
func (rg *ec2Region) advance(now time.Time) {
	for _, in := range rg.instances {
		switch {
		case in.state == "pending" && !now.Before(in.readyAt):
			in.state = "running"
			if in.wantPublicIP {
				rg.ipSeq++
				in.publicIP = fmt.Sprintf("203.0.113.%d", (rg.ipSeq-1)%254+1)
			}
		case in.state == "shutting-down":
			in.state, in.publicIP = "terminated", ""
		}
	}
	for _, im := range rg.images {
		if im.state == "pending" && !now.Before(im.readyAt) {
			im.state = "available"
		}
	}
	for _, s := range rg.snapshots {
		if s.state == "pending" && !now.Before(s.readyAt) {
			s.state = "completed"
		}
	}
}

func (rg *ec2Region) instance(id string) *ec2Instance {
	for _, in := range rg.instances {
		if in.id == id {
			return in
		}
	}
	return nil
}

func (rg *ec2Region) image(id string) *ec2Image {
	for _, im := range rg.images {
		if im.id == id {
			return im
		}
	}
	return nil
}

func (rg *ec2Region) group(id string) *ec2Group {
	for _, g := range rg.groups {
		if g.id == id {
			return g
		}
	}
	return nil
}

// EC2Instance is a read-only copy of an emulated instance.
type EC2Instance struct {
	ID, Region, ImageID, InstanceType, State string
	PublicIP, ClientToken                    string
	// UserData is the decoded user data.
	UserData       string
	SecurityGroups []string
	Tags           map[string]string
	VolumeTags     map[string]string
	Launched       time.Time
}

// EC2Image is a read-only copy of an AMI owned by the account.
type EC2Image struct {
	ID, Region, Name, State, SourceInstance string
	SnapshotIDs                             []string
	Tags                                    map[string]string
	Created                                 time.Time
}

// EC2Snapshot is a read-only copy of an EBS snapshot.
type EC2Snapshot struct {
	ID, Region, Description, State string
	SizeGB                         int
	Tags                           map[string]string
}

// EC2SecurityGroup is a read-only copy of a security group.
type EC2SecurityGroup struct {
	ID, Region, Name, VpcID string
	Ingress                 []EC2Rule
	Tags                    map[string]string
}

// EC2Rule is one ingress rule of a security group.
type EC2Rule struct {
	Protocol         string
	FromPort, ToPort int
	CIDR             string
}

// Instances returns every instance in every region, terminated ones
// included (EC2 shows them for a while), in launch order.
func (e *EC2) Instances() []EC2Instance {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []EC2Instance
	for _, rg := range e.sortedRegions() {
		for _, in := range rg.instances {
			out = append(out, EC2Instance{
				ID: in.id, Region: rg.name, ImageID: in.imageID, InstanceType: in.instanceType,
				State: in.state, PublicIP: in.publicIP, ClientToken: in.clientToken, UserData: in.userData,
				SecurityGroups: slices.Clone(in.groups), Tags: maps.Clone(in.tags),
				VolumeTags: maps.Clone(in.volumeTags), Launched: in.launched,
			})
		}
	}
	return out
}

// Images returns the AMIs the account owns, in every region.
func (e *EC2) Images() []EC2Image {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []EC2Image
	for _, rg := range e.sortedRegions() {
		for _, im := range rg.images {
			if im.owner == EC2AccountID {
				out = append(out, EC2Image{ID: im.id, Region: rg.name, Name: im.name, State: im.state,
					SourceInstance: im.source, SnapshotIDs: slices.Clone(im.snapshots),
					Tags: maps.Clone(im.tags), Created: im.created})
			}
		}
	}
	return out
}

// Snapshots returns the account's EBS snapshots, in every region.
func (e *EC2) Snapshots() []EC2Snapshot {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []EC2Snapshot
	for _, rg := range e.sortedRegions() {
		for _, s := range rg.snapshots {
			out = append(out, EC2Snapshot{ID: s.id, Region: rg.name, Description: s.description,
				State: s.state, SizeGB: s.sizeGB, Tags: maps.Clone(s.tags)})
		}
	}
	return out
}

// SecurityGroups returns every security group, default ones included.
func (e *EC2) SecurityGroups() []EC2SecurityGroup {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []EC2SecurityGroup
	for _, rg := range e.sortedRegions() {
		for _, g := range rg.groups {
			out = append(out, EC2SecurityGroup{ID: g.id, Region: rg.name, Name: g.name, VpcID: g.vpc,
				Ingress: slices.Clone(g.rules), Tags: maps.Clone(g.tags)})
		}
	}
	return out
}

// OfficialImageID returns the id of the official AMI called name in
// region, or "" if there is none.
func (e *EC2) OfficialImageID(region, name string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, im := range e.region(region).images {
		if im.public && im.name == name {
			return im.id
		}
	}
	return ""
}

// AddInstance puts a running instance with the given tags (and no others)
// straight into region, as if someone had launched it outside spuff, and
// returns its id.
func (e *EC2) AddInstance(region string, tags map[string]string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	rg := e.region(region)
	now := time.Now().UTC()
	in := &ec2Instance{id: e.newID("i"), reservation: e.newID("r"), imageID: rg.images[0].id,
		instanceType: "t3.micro", az: region + "a", privateIP: "172.31.0.250", state: "pending",
		wantPublicIP: true, tags: maps.Clone(tags), volumeTags: map[string]string{},
		launched: now, readyAt: now, rootGB: 8}
	if in.tags == nil {
		in.tags = map[string]string{}
	}
	rg.instances = append(rg.instances, in)
	rg.advance(now)
	return in.id
}

// AddSecurityGroup creates a security group without rules in region's
// default VPC, as if made by hand, and returns its id.
func (e *EC2) AddSecurityGroup(region, name string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	rg := e.region(region)
	g := &ec2Group{id: e.newID("sg"), name: name, description: name, vpc: rg.vpcs[0].id, tags: map[string]string{}}
	rg.groups = append(rg.groups, g)
	return g.id
}

// DeregisterImage removes an AMI but keeps its EBS snapshots, as EC2's
// DeregisterImage does (for tests of half-finished deletes). It reports
// whether the AMI existed.
func (e *EC2) DeregisterImage(id string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, rg := range e.regions {
		if i := slices.IndexFunc(rg.images, func(im *ec2Image) bool { return im.id == id }); i >= 0 {
			rg.images = slices.Delete(rg.images, i, i+1)
			return true
		}
	}
	return false
}

// PurgeTerminated forgets terminated instances, as EC2 does about an hour
// after termination; later calls naming them get InvalidInstanceID.NotFound.
func (e *EC2) PurgeTerminated() {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, rg := range e.regions {
		rg.advance(time.Now().UTC())
		rg.instances = slices.DeleteFunc(rg.instances, func(in *ec2Instance) bool { return in.state == "terminated" })
	}
}

func (e *EC2) sortedRegions() []*ec2Region {
	names := slices.Sorted(maps.Keys(e.regions))
	out := make([]*ec2Region, 0, len(names))
	for _, n := range names {
		out = append(out, e.regions[n])
	}
	return out
}

func ec2SortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }
