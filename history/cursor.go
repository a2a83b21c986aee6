package history

// Bare returns c without the fold state it carries: a place in the
// conversation that any later read may start from, in either direction
// (Before and After fold from scratch, or through the id index, from a
// bare cursor). The UI keeps bare cursors at page boundaries so that a
// window may drop lines and read them again later.
func (c Cursor) Bare() Cursor { return Cursor{seg: c.seg, off: c.off} }
