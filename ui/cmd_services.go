package ui

import "slices"

// serviceCommands are the rows of the account and server services (issue
// 15): entity queries, blocking, vCards, the XML console. Each group keeps
// its rows beside its code.
func serviceCommands() []command {
	return slices.Concat(entityCommands(), blockCommands(), registerCommands(), tlsCommands())
}
