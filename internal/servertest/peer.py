"""Scriptable XMPP peer for parley's integration tests (package servertest).

Run with Debian's /usr/bin/python3 and python3-slixmpp:

    peer.py JID PASSWORD HOST PORT CAFILE

Reads one JSON command per line on stdin and writes one JSON event per line
on stdout (flushed). Commands carry "op": message, raw, presence, subscribe,
approve, autoapprove, join, leave, groupchat, react, retract, reply,
chatstate, marker, moderate, upload, fetch, quit (the references through slixmpp's
plugins: XEP-0444, XEP-0424, XEP-0461, XEP-0085, XEP-0333, XEP-0425; files
through XEP-0363, XEP-0066 and XEP-0454). Events carry "kind":
online, message, groupchat, presence, subscribe, subscribed, unsubscribe,
unsubscribed, iq (answers only), error, disconnected; plus from, to, type, body, show, status,
id, nick, error, delayed and raw (the whole stanza as XML).
"""

import io
import json
import logging
import os
import ssl
import sys
import threading
import urllib.request

import slixmpp
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import StanzaPath

STANZA_NS = "urn:ietf:params:xml:ns:xmpp-stanzas"
DELAY_NS = "urn:xmpp:delay"


def emit(kind, **fields):
    """Write one event line to stdout."""
    event = {"kind": kind}
    event.update({k: v for k, v in fields.items() if v not in (None, "")})
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


def error_condition(stanza):
    """Return the defined condition of a stanza error, or ''."""
    err = stanza.xml.find("{jabber:client}error")
    if err is None:
        return ""
    for child in err:
        if child.tag.startswith("{" + STANZA_NS + "}") and not child.tag.endswith("}text"):
            return child.tag.split("}", 1)[1]
    return "undefined-condition"


class Peer(slixmpp.ClientXMPP):
    """A client that turns stanzas into events and commands into stanzas."""

    def __init__(self, jid, password):
        super().__init__(jid, password)
        self.rooms = {}  # bare room JID -> our nick
        for plugin in ("xep_0030", "xep_0045", "xep_0199", "xep_0280", "xep_0313",
                       "xep_0066", "xep_0085", "xep_0333", "xep_0359", "xep_0424", "xep_0425", "xep_0444", "xep_0461"):
            self.register_plugin(plugin)
        try:  # files (XEP-0363 needs python3-aiohttp, XEP-0454 python3-cryptography)
            for plugin in ("xep_0363", "xep_0454"):
                self.register_plugin(plugin)
        except Exception as exc:  # only the upload and fetch ops fail then
            sys.stderr.write("file plugins: %s\n" % exc)
        self.auto_authorize = True
        self.auto_subscribe = False
        self.add_event_handler("session_start", self.on_start)
        self.add_event_handler("failed_auth", self.on_failed_auth)
        self.add_event_handler("disconnected", self.on_disconnected)
        self.register_handler(Callback("peer messages", StanzaPath("message"), self.on_message))
        self.register_handler(Callback("peer presence", StanzaPath("presence"), self.on_presence))
        # Only answers: a catch-all iq handler would stop slixmpp from
        # answering unknown requests with feature-not-implemented.
        for typ in ("result", "error"):
            self.register_handler(Callback("peer iq " + typ, StanzaPath("iq@type=" + typ), self.on_iq))

    async def on_start(self, _event):
        await self.get_roster()
        self.send_presence()
        emit("online", **{"from": str(self.boundjid.full)})

    def on_failed_auth(self, _event):
        emit("error", error="not-authorized", body="authentication failed")

    def on_disconnected(self, reason):
        emit("disconnected", body=str(reason or ""))

    def base(self, stanza):
        """Fields common to every stanza event."""
        return {
            "from": str(stanza["from"]),
            "to": str(stanza["to"]),
            "type": stanza.xml.get("type", ""),
            "id": stanza.xml.get("id", ""),
            "raw": str(stanza),
        }

    def on_message(self, msg):
        fields = self.base(msg)
        body = msg.xml.find("{jabber:client}body")
        fields["body"] = body.text if body is not None and body.text else ""
        fields["delayed"] = msg.xml.find("{%s}delay" % DELAY_NS) is not None or None
        mtype = fields["type"]
        if mtype == "error":
            emit("error", error=error_condition(msg), **fields)
        elif mtype == "groupchat":
            emit("groupchat", nick=msg["from"].resource, **fields)
        else:
            emit("message", **fields)

    def on_iq(self, iq):
        fields = self.base(iq)
        emit("iq", error=error_condition(iq), **fields)

    def on_presence(self, pres):
        fields = self.base(pres)
        ptype = fields["type"]
        show = pres.xml.find("{jabber:client}show")
        status = pres.xml.find("{jabber:client}status")
        fields["show"] = show.text if show is not None and show.text else ""
        fields["status"] = status.text if status is not None and status.text else ""
        if pres["from"].bare in self.rooms or pres.xml.find(
                "{http://jabber.org/protocol/muc#user}x") is not None:
            fields["nick"] = pres["from"].resource
        if ptype == "error":
            emit("error", error=error_condition(pres), **fields)
        elif ptype in ("subscribe", "subscribed", "unsubscribe", "unsubscribed"):
            emit(ptype, **fields)
        else:
            emit("presence", **fields)

    def command(self, line):
        """Run one JSON command line from the test."""
        try:
            cmd = json.loads(line)
            op = cmd.get("op")
            if op == "message":
                msg = self.make_message(mto=cmd["to"], mbody=cmd["body"], mtype=cmd.get("type") or "chat")
                if cmd.get("id"):
                    msg["id"] = cmd["id"]
                msg.send()
            elif op == "raw":
                self.send_raw(cmd["xml"])
            elif op == "presence":
                self.send_presence(pshow=cmd.get("show") or None, pstatus=cmd.get("status") or None,
                                   ppriority=cmd.get("priority", 0))
            elif op == "subscribe":
                self.send_presence(pto=cmd["to"], ptype="subscribe")
            elif op == "approve":
                self.send_presence(pto=cmd["to"], ptype="subscribed")
            elif op == "autoapprove":
                self.auto_authorize = True if cmd.get("on") else None
            elif op == "join":
                room, nick = cmd["room"], cmd["nick"]
                self.rooms[room] = nick
                pres = self.make_presence(pto="%s/%s" % (room, nick))
                x = pres.xml.makeelement("{http://jabber.org/protocol/muc}x", {})
                if cmd.get("history") is not None:
                    x.append(x.makeelement("{http://jabber.org/protocol/muc}history",
                                           {"maxstanzas": str(cmd["history"])}))
                pres.xml.append(x)
                pres.send()
            elif op == "leave":
                room = cmd["room"]
                nick = self.rooms.pop(room, None)
                if nick is not None:
                    self.send_presence(pto="%s/%s" % (room, nick), ptype="unavailable")
            elif op == "groupchat":
                self.make_message(mto=cmd["room"], mbody=cmd["body"], mtype="groupchat").send()
            elif op in REFS:
                REFS[op](self, cmd)
            elif op in FILES:
                FILES[op](self, cmd)
            elif op == "quit":
                self.disconnect()
            else:
                emit("error", error="bad-command", body="unknown op %r" % op)
        except Exception as exc:  # report, never die on a bad command
            emit("error", error="bad-command", body="%s: %s" % (type(exc).__name__, exc))


def ref_message(peer, cmd):
    """A message for a reference command: to, type (chat by default)."""
    return peer.make_message(mto=cmd["to"], mtype=cmd.get("type") or "chat")


def op_react(peer, cmd):
    msg = ref_message(peer, cmd)
    peer["xep_0444"].set_reactions(msg, cmd["id"], cmd.get("emojis") or [])
    msg.enable("store")
    msg.send()


def op_retract(peer, cmd):
    peer["xep_0424"].send_retraction(slixmpp.JID(cmd["to"]), cmd["id"], mtype=cmd.get("type") or "chat")


def op_reply(peer, cmd):
    kwargs = {"mto": cmd["to"], "mbody": cmd["body"], "mtype": cmd.get("type") or "chat"}
    peer["xep_0461"].send_reply(cmd["reply_to"], cmd["reply_id"], **kwargs)


def op_chatstate(peer, cmd):
    msg = ref_message(peer, cmd)
    msg["chat_state"] = cmd["state"]
    msg.send()


def op_marker(peer, cmd):
    msg = ref_message(peer, cmd)
    msg[cmd["marker"]]["id"] = cmd["id"]
    msg.send()


def op_moderate(peer, cmd):
    async def run():
        try:
            await peer["xep_0425"].moderate(slixmpp.JID(cmd["room"]), cmd["id"], cmd.get("reason") or "")
            emit("moderated", id=cmd["id"])
        except Exception as exc:
            emit("error", error="moderate", body="%s: %s" % (type(exc).__name__, exc))
    peer.loop.create_task(run())


def op_upload(peer, cmd):
    """Upload cmd["path"] to cmd["service"] (XEP-0363), encrypted with
    XEP-0454 when cmd["encrypt"], and send its URL to cmd["to"] as the body
    and an OOB element; emits "uploaded" with the URL as body."""
    async def run():
        try:
            with open(cmd["path"], "rb") as f:
                data = f.read()
            ctype = cmd.get("content_type") or "application/octet-stream"
            frag = None
            if cmd.get("encrypt"):
                data, frag = peer["xep_0454"].encrypt(input_file=io.BytesIO(data))
                ctype = "application/octet-stream"
            name = cmd.get("name") or os.path.basename(cmd["path"])
            iq = await peer["xep_0363"].request_slot(slixmpp.JID(cmd["service"]), name, len(data), ctype)
            slot = iq["http_upload_slot"]
            headers = {h["name"]: h["value"] for h in slot["put"]["headers"]}
            headers["Content-Type"] = ctype
            put_url, url = slot["put"]["url"], slot["get"]["url"]
            await peer.loop.run_in_executor(None, http_put, peer, put_url, data, headers)
            if frag:
                url = "aesgcm://" + url[len("https://"):] + "#" + frag
            send_url(peer, cmd, url)
        except Exception as exc:
            emit("error", error="upload", body="%s: %s" % (type(exc).__name__, exc))
    peer.loop.create_task(run())


def send_url(peer, cmd, url):
    msg = peer.make_message(mto=cmd["to"], mbody=url, mtype=cmd.get("type") or "chat")
    msg["oob"]["url"] = url
    msg.send()
    emit("uploaded", body=url)


def op_sendurl(peer, cmd):
    """Send cmd["url"] as an uploaded file's message (any URL: a hostile one)."""
    send_url(peer, cmd, cmd["url"])


def tls_context(peer):
    return ssl.create_default_context(cafile=peer.ca_certs)


def http_put(peer, url, data, headers):
    req = urllib.request.Request(url, data=data, method="PUT", headers=headers)
    with urllib.request.urlopen(req, context=tls_context(peer), timeout=60) as resp:
        resp.read()


def op_fetch(peer, cmd):
    """GET cmd["url"] (decrypting aesgcm://) into cmd["path"]; emits
    "fetched" with the path as body and the byte count as status."""
    def fetch():
        url, frag = cmd["url"], None
        if url.startswith("aesgcm://"):
            url, frag = "https://" + url[len("aesgcm://"):].split("#")[0], url.split("#", 1)[1]
        with urllib.request.urlopen(url, context=tls_context(peer), timeout=60) as resp:
            data = resp.read()
        if frag:
            data = peer["xep_0454"].decrypt(io.BytesIO(data), frag)
        with open(cmd["path"], "wb") as f:
            f.write(data)
        return len(data)

    async def run():
        try:
            n = await peer.loop.run_in_executor(None, fetch)
            emit("fetched", body=cmd["path"], status=str(n))
        except Exception as exc:
            emit("error", error="fetch", body="%s: %s" % (type(exc).__name__, exc))
    peer.loop.create_task(run())


FILES = {"upload": op_upload, "sendurl": op_sendurl, "fetch": op_fetch}


REFS = {"react": op_react, "retract": op_retract, "reply": op_reply,
        "chatstate": op_chatstate, "marker": op_marker, "moderate": op_moderate}


def read_commands(peer):
    """Feed stdin lines to the event loop; disconnect on EOF."""
    for line in sys.stdin:
        line = line.strip()
        if line:
            peer.loop.call_soon_threadsafe(peer.command, line)
    peer.loop.call_soon_threadsafe(peer.disconnect)


def main():
    jid, password, host, port, cafile = sys.argv[1:6]
    level = logging.DEBUG if os.environ.get("PARLEY_SERVER_DEBUG") == "1" else logging.WARNING
    logging.basicConfig(level=level, stream=sys.stderr, format="%(levelname)s %(name)s %(message)s")
    peer = Peer(jid, password)
    peer.ca_certs = cafile
    peer.connect(address=(host, int(port)), force_starttls=True)
    threading.Thread(target=read_commands, args=(peer,), daemon=True).start()
    peer.process(forever=False)


if __name__ == "__main__":
    main()
