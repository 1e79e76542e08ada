// Package console is spuffbot's terminal front end: it reads `/spuff ...`
// lines, runs them through the same commands.Service as the Slack bot, and
// prints replies and progress as plain text — like Hubot's shell adapter.
// It works interactively and piped.
package console

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"

	"github.com/spuffbot/spuffbot/commands"
	"github.com/spuffbot/spuffbot/commands/grammar"
)

// Config configures a console session.
type Config struct {
	In  io.Reader
	Out io.Writer
	// User is who the commands run as.
	User string
	// Prompt is printed before each line when set (interactive use).
	Prompt string
	Logger *slog.Logger
	// Service runs the commands. The console prints its events once
	// subscribed to them (Service.Subscribe), and confirms each final
	// event printed (Service.Reported), resumed operations' too.
	Service *commands.Service
}

// Console runs commands typed in a terminal.
type Console struct {
	cfg Config
	svc *commands.Service
	mu  sync.Mutex // guards writes to Out
}

// New returns a console over cfg.Service. Subscribe it to the Service
// before the Service resumes anything, then call Run:
//
//	con := console.New(console.Config{In: os.Stdin, Out: os.Stdout, User: "alice", Service: svc})
//	svc.Subscribe(con)
//
// It does no I/O.
func New(cfg Config) *Console {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Console{cfg: cfg, svc: cfg.Service}
}

// Run reads lines until In ends or ctx is done. Each command finishes —
// its operation included — before the next line is read, so piped scripts
// print in order. A bad command prints a helpful error and Run goes on.
func (c *Console) Run(ctx context.Context) error {
	lines := make(chan string)
	errc := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(c.cfg.In)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
		errc <- sc.Err()
		close(lines)
	}()
	for {
		c.prompt()
		select {
		case <-ctx.Done():
			return nil
		case line, ok := <-lines:
			if !ok {
				return <-errc
			}
			c.handle(ctx, line)
		}
	}
}

func (c *Console) prompt() {
	if c.cfg.Prompt != "" {
		c.print(c.cfg.Prompt)
	}
}

func (c *Console) handle(ctx context.Context, line string) {
	line = strings.TrimSpace(line)
	if line == "" || strings.HasPrefix(line, "#") {
		return
	}
	if line == "quit" || line == "exit" {
		c.println("Use Ctrl-D to leave.")
		return
	}
	cmd, err := grammar.Parse(line)
	if err != nil {
		c.println("error: " + err.Error())
		return
	}
	caller := commands.Caller{User: c.cfg.User, UserName: c.cfg.User, Channel: "console"}
	svc := c.svc
	reply, err := svc.Handle(ctx, "", caller, cmd)
	if err != nil {
		c.fail(cmd, err)
		return
	}
	c.render(reply)
	if reply.Followup != nil {
		next, err := reply.Followup(ctx)
		if err != nil {
			c.fail(cmd, err)
		} else {
			c.render(next)
		}
	}
	if reply.Op != nil && !reply.Duplicate {
		svc.Run(ctx, reply.Op.ID)
	}
}

// fail prints err as a sentence; commands.Describe logs what is not the
// person's own mistake, with any reference the sentence repeats.
func (c *Console) fail(cmd grammar.Command, err error) {
	text, _ := commands.Describe(c.cfg.Logger, "command failed", err, "cmd", string(cmd.Verb), "user", c.cfg.User)
	c.println("error: " + text)
}

func (c *Console) print(s string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fmt.Fprint(c.cfg.Out, s)
}

func (c *Console) println(s string) { c.print(s + "\n") }
