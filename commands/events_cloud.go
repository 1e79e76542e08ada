package commands

// Events about a cloud that does not behave.
const (
	// EventRetrying says, once per operation, that a cloud call's outcome
	// is unknown and spuffbot keeps trying; Detail is the sentence ("AWS
	// EC2 is slow to answer, still trying.").
	EventRetrying EventKind = "retrying"
	// EventBootTimeout tells the owner of Instance that their VM was not
	// ready by the boot deadline and was destroyed; Detail says why, with
	// the cloud's last status. EventFailed follows in the thread.
	EventBootTimeout EventKind = "boot-timeout"
)
