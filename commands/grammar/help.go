package grammar

import "strings"

// helpEntry is the help of one verb.
type helpEntry struct {
	verb    Verb
	usage   string // one line, without backticks
	summary string // one line for the overview
	details string // the rest of the help page
}

// helpEntries are in the order the overview lists them.
var helpEntries = []helpEntry{
	{
		verb:    VerbUp,
		usage:   "/spuff up [name] [--size S] [--region R] [--provider P] [--image I] [--snapshot ID] [--ttl 4h]",
		summary: "create a dev VM",
		details: `Creates a dev VM and posts its IP and ssh command in a thread when it is ready.

  name             1 to 40 lowercase letters, digits and hyphens, starting with a letter; made up for you when left out
  --size S         machine size, e.g. ` + "`s-2vcpu-4gb`, `cx22` or `t3.medium`" + ` (` + "`/spuff sizes`" + ` lists them)
  --region R       region, e.g. ` + "`fra1`, `fsn1` or `eu-central-1`" + `
  --provider P     ` + "`digitalocean` (or `do`), `hetzner` (or `hcloud`), `aws` (or `ec2`), or `demo`" + `
  --image I        ` + "`ubuntu-24.04` (the default), `ubuntu`, `debian-12`, `debian`" + `, or a cloud image id
  --snapshot ID    boot from one of your snapshots (its id or name) instead of an image
  --ttl 4h         how long the VM lives before it is destroyed, e.g. ` + "`90m`, `4h` or `2d`" + `

Flags may also be written ` + "`--size=S`" + `. Leave them out for the team's defaults.
In Slack, ` + "`/spuff up`" + ` alone opens a form with the clouds, regions and sizes (each with its $/h).

Examples:
  ` + "`/spuff up`" + `
  ` + "`/spuff up web-test --size cx22 --ttl 8h`" + `
  ` + "`/spuff up db-copy --snapshot 1234567 --provider hetzner`",
	},
	{
		verb:    VerbDown,
		usage:   "/spuff down <name> [--snapshot]",
		summary: "destroy one of your VMs",
		details: `Destroys a VM. With ` + "`--snapshot`" + ` its disk is saved as a snapshot first.
` + "`destroy`" + ` and ` + "`rm`" + ` are other names for ` + "`down`" + `.

Example:
  ` + "`/spuff down web-test --snapshot`",
	},
	{
		verb:    VerbList,
		usage:   "/spuff list [--all]",
		summary: "list your VMs",
		details: `Lists your VMs with their IP, size and time left. ` + "`--all`" + ` lists the whole team's.
` + "`ls`" + ` is short for ` + "`list`" + `.`,
	},
	{
		verb:    VerbStatus,
		usage:   "/spuff status <name>",
		summary: "show one VM",
		details: `Shows a VM's state, IP, ssh command, owner and when it expires.

Example:
  ` + "`/spuff status web-test`",
	},
	{
		verb:    VerbSnapshot,
		usage:   "/spuff snapshot create <name> [label] | snapshot list [--all] | snapshot delete <id>",
		summary: "save, list and delete VM disk snapshots",
		details: `Saves the disk of a VM so a new VM can start from it later.

  ` + "`/spuff snapshot create <name> [label]`" + `   save the disk of a VM; the label may hold spaces
  ` + "`/spuff snapshot list`" + `                    list your snapshots with their ids
  ` + "`/spuff snapshot list --all`" + `              everyone's, with who made each (admins)
  ` + "`/spuff snapshot delete <id>`" + `             delete a snapshot

Start a VM from one of your snapshots with ` + "`/spuff up --snapshot <id>`" + `. ` + "`snap`" + ` is short for ` + "`snapshot`" + `.

Example:
  ` + "`/spuff snapshot create web-test before upgrade`",
	},
	{
		verb:    VerbExtend,
		usage:   "/spuff extend <name> <duration>",
		summary: "give a VM more time",
		details: `Pushes back the time a VM is destroyed at by a duration such as ` + "`90m`, `2h` or `1d`" + `.

Example:
  ` + "`/spuff extend web-test 2h`",
	},
	{
		verb:    VerbKeep,
		usage:   "/spuff keep <name> [lease]",
		summary: "keep a VM the idle checks think is forgotten",
		details: `Turns the idle checks off for a VM: for 2 hours, or until its lease ends with ` + "`lease`" + `. ` +
			`A VM whose cloud reports it idle (no CPU, no traffic) for a while is otherwise destroyed after a warning.

Example:
  ` + "`/spuff keep web-test lease`",
	},
	{
		verb:    VerbKey,
		usage:   "/spuff key add <public key> | key list | key remove <fingerprint>",
		summary: "manage the ssh keys put on your VMs",
		details: `Manages your ssh public keys; they are put on every VM you create.

  ` + "`/spuff key add <public key>`" + `       add a key, pasted as in authorized_keys
  ` + "`/spuff key list`" + `                   list your keys with their fingerprints
  ` + "`/spuff key remove <fingerprint>`" + `   remove a key

Example:
  ` + "`/spuff key add ssh-ed25519 AAAAC3Nza… you@laptop`",
	},
	{
		verb:    VerbSizes,
		usage:   "/spuff sizes [--provider P]",
		summary: "list machine sizes and their prices",
		details: `Lists the sizes you may create, with CPUs, memory and hourly price, for the
default provider or the one named with ` + "`--provider`" + `.`,
	},
	{
		verb:    VerbAudit,
		usage:   "/spuff audit [n]",
		summary: "show the latest audit events (admins only)",
		details: `Shows the latest n events of the audit log, oldest first: who did what to which VM,
and whether it went through. n is 1 to 200; 20 when left out. Only admins may read it.
The whole log is exported as JSON lines with ` + "`spuffbot audit export`" + `.

Example:
  ` + "`/spuff audit 50`",
	},
	{
		verb:    VerbHelp,
		usage:   "/spuff help [command]",
		summary: "show this help, or the help of one command",
		details: `Shows every command, or the details of one.

Example:
  ` + "`/spuff help up`",
	},
}

// subUsage holds the usage of each sub-command, for hints.
var subUsage = map[string]string{
	"snapshot create": "/spuff snapshot create <name> [label]",
	"snapshot list":   "/spuff snapshot list",
	"snapshot delete": "/spuff snapshot delete <id>",
	"key add":         "/spuff key add <public key>",
	"key list":        "/spuff key list",
	"key remove":      "/spuff key remove <fingerprint>",
}

// Usage returns the one-line usage of v, such as
// "/spuff down <name> [--snapshot]", or "/spuff help" for an unknown verb.
func Usage(v Verb) string {
	for _, e := range helpEntries {
		if e.verb == v {
			return e.usage
		}
	}
	return "/spuff help"
}

// usageOf returns the usage of a command given by its canonical words.
func usageOf(cmd string) string {
	if u, ok := subUsage[cmd]; ok {
		return u
	}
	return Usage(Verb(cmd))
}

// Help returns the help text: an overview of every command when topic is
// empty, else the page of one command, named by its verb or an alias
// (e.g. "up", "rm"). The text is plain, with commands in backticks. An
// unknown topic gives an *Error.
func Help(topic string) (string, error) {
	topic = strings.TrimSpace(topic)
	if topic == "" {
		return overview(), nil
	}
	v, err := helpTopic(topic)
	if err != nil {
		return "", err
	}
	for _, e := range helpEntries {
		if string(e.verb) == v {
			return "`" + e.usage + "`\n" + e.details, nil
		}
	}
	return overview(), nil
}

// helpTopic resolves a help topic (a verb or an alias, with or without a
// leading "/spuff" and sub-command) to a verb name.
func helpTopic(topic string) (string, error) {
	words := strings.Fields(strings.ToLower(normalizeLine(topic)))
	if len(words) > 0 && words[0] == "/spuff" {
		words = words[1:]
	}
	if len(words) == 0 {
		return "", nil
	}
	if v, ok := verbWords[words[0]]; ok {
		return string(v), nil
	}
	msg := "no help for " + codeWord(words[0])
	if best, ok := closest(words[0], verbList, synonyms); ok {
		return "", &Error{Msg: msg, Hint: "did you mean `/spuff help " + best + "`?"}
	}
	return "", &Error{Msg: msg, Hint: "try `/spuff help`"}
}

func overview() string {
	var b strings.Builder
	b.WriteString("spuff creates short-lived dev VMs and destroys them when their time is up.\n\n")
	for _, e := range helpEntries {
		b.WriteString("`" + e.usage + "`\n    " + e.summary + "\n")
	}
	b.WriteString("\n`/spuff help <command>` shows the details of one command, e.g. `/spuff help up`.")
	return b.String()
}
