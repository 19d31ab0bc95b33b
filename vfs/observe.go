package vfs

// Observer is told what the tree decides, for metrics (package metrics
// implements it; the FUSE adapter's Observer adds the operations it
// answers). Its methods must be safe for concurrent use, cheap, and must
// not call back into the tree. Paths and keys are never passed, so that
// an implementation cannot make them labels.
type Observer interface {
	// Decision is called whenever a connector's policy decided whether a
	// change (create, write, truncate, delete, mkdir, rmdir, rename) may
	// happen, before anything is sent: allowed, or refused; and, as
	// refused, for every change the restricted client refused underneath
	// and every lookup of a name no pattern reaches (a denied read).
	// connector is the connector's label.
	Decision(connector string, allowed bool)
}

// noteDecision reports a decision of the tree's connector to the
// observer, if there are both.
func (f *FS) noteDecision(allowed bool) {
	if f.cfg.Observer != nil && f.cfg.Connector != nil {
		f.cfg.Observer.Decision(f.cfg.Connector.Label, allowed)
	}
}
