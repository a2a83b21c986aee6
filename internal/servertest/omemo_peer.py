"""OMEMO peer for parley's interop tests (package servertest): python-omemo
with the oldmemo backend (eu.siacs.conversations.axolotl), glued to slixmpp.

Run with Debian's /usr/bin/python3 and python3-slixmpp, python3-omemo,
python3-oldmemo, python3-xmlschema:

    omemo_peer.py JID PASSWORD HOST PORT CAFILE

One JSON command per line on stdin, one JSON event per line on stdout.
Commands ("op"): send {to, body}, distrust {jid, device},
join-room {room, nick}, send-room {room, body} (encrypted to every member
of the room: its owner, admin and member lists, which a members-only
non-anonymous room lets members read),
publish-devices {devices: [ids]} (publish our account's device list as
given, as another client removing a device would), fetch {url, path}
(download an https or aesgcm:// URL, decrypting and checking the tag,
into path), upload {service, to, path} (encrypt the file as XEP-0454 says,
upload it over XEP-0363 and send its aesgcm:// link in an OMEMO message),
quit.
Events ("kind"): online {from: full JID, id: our device id, body: our
fingerprint}, omemo {from, id: sender device, body: plaintext, type:
"key-exchange" for a message without payload, raw: the stanza; in a room
also room and nick, and from is the sender's real JID as the room's
presence gave it}, joined {room}, plain
{from, body, raw}, fetched {body: path, status: bytes written}, uploaded
{body: the aesgcm:// URL sent}, error {error, body}, disconnected.

Media (XEP-0454) is done here with python3-cryptography's AESGCM, apart
from slixmpp's plugin and from parley: a 12-byte IV and a 32-byte key,
the 16-byte tag appended, the URL's fragment the hex IV then key.

Trust: every new device is trusted (blind trust, the library's custom
level "BLIND"); "distrust" refuses one.
"""

import asyncio
import json
import logging
import os
import ssl
import sys
import threading
import urllib.request
import xml.etree.ElementTree as ET

import slixmpp
from slixmpp.exceptions import IqError
from slixmpp.xmlstream.handler import CoroutineCallback
from slixmpp.xmlstream.matcher import StanzaPath

import omemo
import oldmemo
import oldmemo.etree
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NS = oldmemo.oldmemo.NAMESPACE
PUBSUB = "http://jabber.org/protocol/pubsub"
DEVICELIST = NS + ".devicelist"
BUNDLES = NS + ".bundles:"


def emit(kind, **fields):
    event = {"kind": kind}
    event.update({k: v for k, v in fields.items() if v not in (None, "")})
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


class MemoryStorage(omemo.Storage):
    """The library's key/value storage, in memory for the process's life."""

    def __init__(self):
        super().__init__()
        self.data = {}

    async def _load(self, key):
        if key in self.data:
            return omemo.Just(self.data[key])
        return omemo.Nothing()

    async def _store(self, key, value):
        self.data[key] = value

    async def _delete(self, key):
        self.data.pop(key, None)


def publish_options():
    x = ET.Element("{jabber:x:data}x", {"type": "submit"})
    for var, val in (("FORM_TYPE", PUBSUB + "#publish-options"), ("pubsub#access_model", "open")):
        f = ET.SubElement(x, "{jabber:x:data}field", {"var": var})
        if var == "FORM_TYPE":
            f.set("type", "hidden")
        ET.SubElement(f, "{jabber:x:data}value").text = val
    po = ET.Element("{%s}publish-options" % PUBSUB)
    po.append(x)
    return po


def make_manager_class(xmpp):
    """A SessionManager whose PEP and sending go through xmpp."""

    class Manager(omemo.SessionManager):
        @staticmethod
        async def _publish(node, payload):
            iq = xmpp.make_iq_set()
            pubsub = ET.Element("{%s}pubsub" % PUBSUB)
            pub = ET.SubElement(pubsub, "{%s}publish" % PUBSUB, {"node": node})
            item = ET.SubElement(pub, "{%s}item" % PUBSUB, {"id": "current"})
            item.append(payload)
            pubsub.append(publish_options())
            iq.xml.append(pubsub)
            await iq.send()

        @staticmethod
        async def _fetch(jid, node):
            iq = xmpp.make_iq_get(ito=jid)
            pubsub = ET.Element("{%s}pubsub" % PUBSUB)
            ET.SubElement(pubsub, "{%s}items" % PUBSUB, {"node": node})
            iq.xml.append(pubsub)
            try:
                res = await iq.send()
            except IqError as e:
                if e.condition == "item-not-found":
                    return None
                raise
            for item in res.xml.iter("{%s}item" % PUBSUB):
                for child in item:
                    return child
            return None

        @staticmethod
        async def _upload_bundle(bundle):
            try:
                await Manager._publish(BUNDLES + str(bundle.device_id), oldmemo.etree.serialize_bundle(bundle))
            except Exception as e:
                raise omemo.BundleUploadFailed() from e

        @staticmethod
        async def _download_bundle(namespace, bare_jid, device_id):
            try:
                elt = await Manager._fetch(bare_jid, BUNDLES + str(device_id))
            except Exception as e:
                raise omemo.BundleDownloadFailed() from e
            if elt is None:
                raise omemo.BundleNotFound()
            return oldmemo.etree.parse_bundle(elt, bare_jid, device_id)

        @staticmethod
        async def _delete_bundle(namespace, device_id):
            pass

        @staticmethod
        async def _upload_device_list(namespace, device_list):
            try:
                await Manager._publish(DEVICELIST, oldmemo.etree.serialize_device_list(device_list))
            except Exception as e:
                raise omemo.DeviceListUploadFailed() from e

        @staticmethod
        async def _download_device_list(namespace, bare_jid):
            try:
                elt = await Manager._fetch(bare_jid, DEVICELIST)
            except Exception as e:
                raise omemo.DeviceListDownloadFailed() from e
            if elt is None:
                return {}
            return oldmemo.etree.parse_device_list(elt)

        async def _evaluate_custom_trust_level(self, device):
            return {
                "BLIND": omemo.TrustLevel.TRUSTED,
                "DISTRUSTED": omemo.TrustLevel.DISTRUSTED,
            }.get(device.trust_level_name, omemo.TrustLevel.UNDECIDED)

        async def _make_trust_decision(self, undecided, identifier):
            for d in undecided:
                await self.set_trust(d.bare_jid, d.identity_key, "BLIND")

        @staticmethod
        async def _send_message(message, bare_jid):
            msg = xmpp.make_message(mto=bare_jid, mtype="chat")
            msg.xml.append(oldmemo.etree.serialize_message(message))
            msg.xml.append(ET.Element("{urn:xmpp:hints}store"))
            msg.send()

    return Manager


class Peer(slixmpp.ClientXMPP):
    def __init__(self, jid, password):
        super().__init__(jid, password)
        self.manager = None
        self.add_event_handler("session_start", self.on_start)
        self.add_event_handler("failed_auth", lambda _e: emit("error", error="not-authorized"))
        self.add_event_handler("disconnected", lambda r: emit("disconnected", body=str(r or "")))
        self.register_handler(CoroutineCallback("omemo messages", StanzaPath("message"), self.on_message))
        self.register_handler(CoroutineCallback("room presences", StanzaPath("presence"), self.on_presence))
        self.real = {}  # room/nick -> real bare JID, from the room's presences
        self.nicks = {}  # room -> our nick

    async def on_presence(self, pres):
        x = pres.xml.find("{http://jabber.org/protocol/muc#user}x")
        if x is None:
            return
        item = x.find("{http://jabber.org/protocol/muc#user}item")
        key = str(pres["from"])
        if pres["type"] == "unavailable":
            self.real.pop(key, None)
        elif item is not None and item.get("jid"):
            self.real[key] = item.get("jid").split("/")[0]
        room, nick = pres["from"].bare, pres["from"].resource
        if self.nicks.get(room) == nick and pres["type"] != "unavailable":
            emit("joined", room=room)

    async def on_start(self, _event):
        await self.get_roster()
        self.send_presence()
        try:
            storage = MemoryStorage()
            cls = make_manager_class(self)
            self.manager = await cls.create(
                [oldmemo.Oldmemo(storage)], storage, self.boundjid.bare, None, "BLIND")
            own, _ = await self.manager.get_own_device_information()
            fp = " ".join(self.manager.format_identity_key(own.identity_key))
            emit("online", **{"from": str(self.boundjid.full), "id": str(own.device_id), "body": fp})
        except Exception as e:
            emit("error", error="omemo-setup", body="%s: %s" % (type(e).__name__, e))

    async def on_message(self, msg):
        if msg["type"] == "error" or self.manager is None:
            return
        sender = msg["from"].bare
        extra = {}
        if msg["type"] == "groupchat":
            room, nick = msg["from"].bare, msg["from"].resource
            if self.nicks.get(room) == nick or msg.xml.find("{%s}encrypted" % NS) is None:
                return  # our own reflection, or a plain room message
            sender = self.real.get(str(msg["from"]))
            if sender is None:
                emit("error", error="decrypt", body="no real JID for %s" % msg["from"])
                return
            extra = {"room": room, "nick": nick}
        enc = msg.xml.find("{%s}encrypted" % NS)
        if enc is None:
            body = msg.xml.find("{jabber:client}body")
            if body is not None:
                emit("plain", **{"from": sender, "body": body.text or "", "raw": str(msg)})
            return
        try:
            message = await oldmemo.etree.parse_message(enc, sender, self.boundjid.bare, self.manager)
            plaintext, device, _ = await self.manager.decrypt(message)
            if plaintext is None:
                emit("omemo", **{"from": sender, "id": str(device.device_id), "type": "key-exchange"}, **extra)
            else:
                emit("omemo", **{"from": sender, "id": str(device.device_id), "body": plaintext.decode(), "raw": str(msg)}, **extra)
        except Exception as e:
            emit("error", error="decrypt", body="%s: %s" % (type(e).__name__, e))

    async def send_encrypted(self, to, body):
        try:
            await self.manager.refresh_device_list(NS, to)
            messages, errors = await self.manager.encrypt(frozenset([to]), {NS: body.encode()})
            for e in errors:
                emit("error", error="encrypt-partial", body=repr(e))
            for message in messages:
                msg = self.make_message(mto=to, mtype="chat")
                msg["body"] = "I sent you an OMEMO encrypted message but your client doesn't seem to support that."
                msg.xml.append(oldmemo.etree.serialize_message(message))
                msg.xml.append(ET.Element("{urn:xmpp:hints}store"))
                msg.xml.append(ET.Element("{urn:xmpp:eme:0}encryption", {"namespace": NS, "name": "OMEMO"}))
                msg.send()
            emit("sent", to=to, body=body)
        except Exception as e:
            emit("error", error="encrypt", body="%s: %s" % (type(e).__name__, e))

    def join_room(self, room, nick):
        self.nicks[room] = nick
        pres = self.make_presence(pto="%s/%s" % (room, nick))
        x = ET.SubElement(pres.xml, "{http://jabber.org/protocol/muc}x")
        ET.SubElement(x, "{http://jabber.org/protocol/muc}history", {"maxstanzas": "0"})
        pres.send()

    async def room_members(self, room):
        members = set()
        for aff in ("owner", "admin", "member"):
            iq = self.make_iq_get(ito=room)
            q = ET.SubElement(iq.xml, "{http://jabber.org/protocol/muc#admin}query")
            ET.SubElement(q, "{http://jabber.org/protocol/muc#admin}item", {"affiliation": aff})
            try:
                res = await iq.send()
            except IqError:
                continue
            for item in res.xml.iter("{http://jabber.org/protocol/muc#admin}item"):
                if item.get("jid"):
                    members.add(item.get("jid").split("/")[0])
        members.discard(self.boundjid.bare)
        return members

    async def send_room(self, room, body):
        try:
            members = await self.room_members(room)
            for m in members:
                await self.manager.refresh_device_list(NS, m)
            messages, errors = await self.manager.encrypt(frozenset(members), {NS: body.encode()})
            for e in errors:
                emit("error", error="encrypt-partial", body=repr(e))
            for message in messages:
                msg = self.make_message(mto=room, mtype="groupchat")
                msg["body"] = "I sent you an OMEMO encrypted message but your client doesn't seem to support that."
                msg.xml.append(oldmemo.etree.serialize_message(message))
                msg.xml.append(ET.Element("{urn:xmpp:hints}store"))
                msg.send()
            emit("sent", to=room, body=" ".join(sorted(members)))
        except Exception as e:
            emit("error", error="encrypt", body="%s: %s" % (type(e).__name__, e))

    async def distrust(self, jid, device):
        for d in await self.manager.get_device_information(jid):
            if d.device_id == device:
                await self.manager.set_trust(jid, d.identity_key, "DISTRUSTED")
                emit("distrusted", **{"from": jid, "id": str(device)})
                return
        emit("error", error="distrust", body="no device %d of %s" % (device, jid))

    async def publish_devices(self, ids):
        """Publish our account's device list as ids (another client of the
        account removing devices), bypassing the library."""
        try:
            elt = oldmemo.etree.serialize_device_list({i: None for i in ids})
            await self.manager._publish(DEVICELIST, elt)
            emit("published", body=" ".join(str(i) for i in ids))
        except Exception as e:
            emit("error", error="publish", body="%s: %s" % (type(e).__name__, e))

    def tls_context(self):
        return ssl.create_default_context(cafile=self.ca_certs)

    def fetch(self, url, path):
        """GET url (https, or aesgcm:// decrypted with its tag checked) into
        path; nothing is written when the tag does not match."""
        frag = None
        if url.startswith("aesgcm://"):
            loc, frag = url[len("aesgcm://"):].split("#", 1)
            url = "https://" + loc
        with urllib.request.urlopen(url, context=self.tls_context(), timeout=120) as resp:
            data = resp.read()
        if frag:
            raw = bytes.fromhex(frag)
            iv, key = raw[:-32], raw[-32:]
            data = AESGCM(key).decrypt(iv, data, None)  # raises InvalidTag
        with open(path, "wb") as f:
            f.write(data)
        return len(data)

    async def op_fetch(self, cmd):
        try:
            n = await self.loop.run_in_executor(None, self.fetch, cmd["url"], cmd["path"])
            emit("fetched", body=cmd["path"], status=str(n))
        except Exception as e:
            emit("error", error="fetch", body="%s: %s" % (type(e).__name__, e))

    def put(self, url, data, headers):
        req = urllib.request.Request(url, data=data, method="PUT", headers=headers)
        with urllib.request.urlopen(req, context=self.tls_context(), timeout=120) as resp:
            resp.read()

    async def op_upload(self, cmd):
        """Encrypt cmd["path"], upload it to cmd["service"] and send the
        aesgcm:// link to cmd["to"] over OMEMO."""
        try:
            with open(cmd["path"], "rb") as f:
                plain = f.read()
            iv, key = os.urandom(12), os.urandom(32)
            data = AESGCM(key).encrypt(iv, plain, None)
            iq = self.make_iq_get(ito=cmd["service"])
            req = ET.SubElement(iq.xml, "{urn:xmpp:http:upload:0}request", {
                "filename": os.path.basename(cmd["path"]), "size": str(len(data)),
                "content-type": "application/octet-stream"})
            res = await iq.send()
            slot = res.xml.find("{urn:xmpp:http:upload:0}slot")
            put = slot.find("{urn:xmpp:http:upload:0}put")
            get = slot.find("{urn:xmpp:http:upload:0}get").get("url")
            headers = {h.get("name"): h.text or "" for h in put.findall("{urn:xmpp:http:upload:0}header")}
            headers["Content-Type"] = "application/octet-stream"
            await self.loop.run_in_executor(None, self.put, put.get("url"), data, headers)
            if not get.startswith("https://"):
                raise ValueError("not an https slot: " + get)
            url = "aesgcm://" + get[len("https://"):] + "#" + iv.hex() + key.hex()
            await self.send_encrypted(cmd["to"], url)
            emit("uploaded", body=url)
        except Exception as e:
            emit("error", error="upload", body="%s: %s" % (type(e).__name__, e))

    def command(self, line):
        try:
            cmd = json.loads(line)
            op = cmd.get("op")
            if op == "send":
                asyncio.ensure_future(self.send_encrypted(cmd["to"], cmd["body"]))
            elif op == "join-room":
                self.join_room(cmd["room"], cmd["nick"])
            elif op == "send-room":
                asyncio.ensure_future(self.send_room(cmd["room"], cmd["body"]))
            elif op == "distrust":
                asyncio.ensure_future(self.distrust(cmd["jid"], int(cmd["device"])))
            elif op == "publish-devices":
                asyncio.ensure_future(self.publish_devices([int(d) for d in cmd["devices"]]))
            elif op == "fetch":
                asyncio.ensure_future(self.op_fetch(cmd))
            elif op == "upload":
                asyncio.ensure_future(self.op_upload(cmd))
            elif op == "quit":
                self.disconnect()
            else:
                emit("error", error="bad-command", body="unknown op %r" % op)
        except Exception as exc:
            emit("error", error="bad-command", body="%s: %s" % (type(exc).__name__, exc))


def read_commands(peer):
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
