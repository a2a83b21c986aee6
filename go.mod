module parley

go 1.26.8

require mellium.im/xmpp v0.22.0

require (
	golang.org/x/net v0.46.0 // indirect
	golang.org/x/text v0.31.0 // indirect
	mellium.im/reader v0.1.0 // indirect
	mellium.im/xmlstream v0.15.4 // indirect
)
