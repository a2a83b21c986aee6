package muc

import (
	"errors"
	"strings"

	"mellium.im/xmpp/stanza"
)

func knownCondition(c stanza.Condition) bool {
	switch c {
	case stanza.BadRequest, stanza.Conflict, stanza.FeatureNotImplemented,
		stanza.Forbidden, stanza.Gone, stanza.InternalServerError,
		stanza.ItemNotFound, stanza.JIDMalformed, stanza.NotAcceptable,
		stanza.NotAllowed, stanza.NotAuthorized, stanza.PolicyViolation,
		stanza.RecipientUnavailable, stanza.Redirect,
		stanza.RegistrationRequired, stanza.RemoteServerNotFound,
		stanza.RemoteServerTimeout, stanza.ResourceConstraint,
		stanza.ServiceUnavailable, stanza.SubscriptionRequired,
		stanza.UndefinedCondition, stanza.UnexpectedRequest:
		return true
	}
	return false
}

// JoinErrorText says in plain words why joining a room (or changing nick in
// it) failed, for the room window. nick is the nick that was tried; for a
// nick conflict suggested is a nick to offer instead (nick with "_"
// appended), otherwise empty.
func JoinErrorText(c stanza.Condition, nick string) (text, suggested string) {
	switch c {
	case stanza.Conflict:
		s := SuggestNick(nick)
		return "nick " + nick + " is already in use in this room; try " + s, s
	case stanza.NotAuthorized:
		return "this room needs a password, or the password was wrong", ""
	case stanza.RegistrationRequired:
		return "this room is members-only and you are not a member", ""
	case stanza.Forbidden:
		return "you are banned from this room", ""
	case stanza.ServiceUnavailable:
		return "the room is full or not available", ""
	case stanza.ItemNotFound, stanza.RemoteServerNotFound, stanza.RecipientUnavailable:
		return "the room or its service cannot be reached", ""
	case stanza.RemoteServerTimeout:
		return "the room's server did not answer in time", ""
	case stanza.NotAllowed:
		return "the room does not exist and you may not create it", ""
	case stanza.JIDMalformed, stanza.BadRequest:
		return "the nick " + nick + " is not acceptable", ""
	case stanza.NotAcceptable:
		return "the room does not accept this nick (it may have to be your registered nick)", ""
	case stanza.Gone:
		return "the room was destroyed", ""
	case stanza.Redirect:
		return "the room has moved", ""
	case stanza.PolicyViolation:
		return "the room refused you by its policy", ""
	case stanza.ResourceConstraint:
		return "the room's server is too busy, try again later", ""
	}
	return refused(c), ""
}

// refused is the text for a condition without words of its own. c is
// reduced to a known condition first: a reply from the network may name
// any element, of any length.
func refused(c stanza.Condition) string {
	if !knownCondition(c) {
		c = stanza.UndefinedCondition
	}
	return "the room refused the request (" + string(c) + ")"
}

// SuggestNick returns a nick to offer when nick is taken: nick followed by
// an underscore, cut so that it stays within MaxNick.
func SuggestNick(nick string) string {
	return clip(nick, MaxNick-1) + "_"
}

// RequestErrorText says in plain words why a moderation or owner request
// (kick, ban, role, affiliation, destroy, configuration) failed. err is what
// the request function returned; non-stanza errors are described by their
// own text.
func RequestErrorText(err error) string {
	var se stanza.Error
	if !errors.As(err, &se) {
		return err.Error()
	}
	var b strings.Builder
	switch se.Condition {
	case stanza.Forbidden:
		b.WriteString("you do not have the privileges for this")
	case stanza.NotAllowed:
		b.WriteString("the room does not allow this (for example changing the role of an owner or admin)")
	case stanza.ItemNotFound:
		b.WriteString("no such room or occupant")
	case stanza.Conflict:
		b.WriteString("this would leave the room without an owner")
	case stanza.BadRequest, stanza.JIDMalformed:
		b.WriteString("the room did not understand the request")
	case stanza.NotAcceptable:
		b.WriteString("the room did not accept the request")
	case stanza.ServiceUnavailable, stanza.FeatureNotImplemented:
		b.WriteString("the room does not support this")
	case stanza.RemoteServerNotFound, stanza.RemoteServerTimeout, stanza.RecipientUnavailable:
		b.WriteString("the room cannot be reached")
	default:
		b.WriteString(refused(se.Condition))
	}
	if t := se.Error(); t != "" && t != string(se.Condition) {
		b.WriteString(": ")
		b.WriteString(clip(t, MaxReason))
	}
	return b.String()
}
