package commands

// EventRetrying says, once per operation, that a cloud call's outcome is
// unknown and spuffbot keeps trying; Detail is the sentence ("AWS EC2 is
// slow to answer, still trying.").
const EventRetrying EventKind = "retrying"
