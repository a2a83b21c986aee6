package ui

import "slices"

// serviceCommands are the rows of the account and server services (issue
// 15): entity queries, ad-hoc commands (cmd_adhoc.go), blocking, vCards,
// the XML console. Each group keeps its rows beside its code.
func serviceCommands() []command {
	return slices.Concat(entityCommands(), adhocCommands(), blockCommands(), registerCommands(), tlsCommands(), []command{vcardCommand()})
}
