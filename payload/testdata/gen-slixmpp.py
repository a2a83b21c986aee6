#!/usr/bin/python3
# Regenerates testdata/slixmpp/*.xml: the stanzas slixmpp (the Debian
# python3-slixmpp, 1.8.3 when written) sends for the payloads parley reads
# and writes. Run from payload/: /usr/bin/python3 testdata/gen-slixmpp.py
# No network: the client's send is replaced by a writer.
import asyncio
import os

import slixmpp
from slixmpp import JID, ClientXMPP

out = os.path.join(os.path.dirname(__file__), 'slixmpp')
x = ClientXMPP('romeo@montague.example/slix', 'secret')
for p in ['xep_0066', 'xep_0085', 'xep_0184', 'xep_0203', 'xep_0308',
          'xep_0333', 'xep_0334', 'xep_0359', 'xep_0421', 'xep_0424',
          'xep_0425', 'xep_0428', 'xep_0444', 'xep_0461']:
    x.register_plugin(p)

sent = []
x.send = lambda s, *a, **k: sent.append(s)
juliet = JID('juliet@capulet.example/balcony')
room = JID('room@muc.example')


def save(name, stanza):
    with open(os.path.join(out, name + '.xml'), 'w') as f:
        f.write(str(stanza) + '\n')


def last(name):
    save(name, sent.pop())


# Reactions (XEP-0444).
x['xep_0444'].send_reactions(juliet, 'msg-1', ['👍', '❤️'])
last('reactions')
# Retraction, generation 0 (XEP-0424 0.3, in a XEP-0422 apply-to).
x['xep_0424'].send_retraction(juliet, 'origin-1')
last('retract')
# Reply (XEP-0461); slixmpp 1.8 marks the quote with the protoXEP namespace
# urn:xmpp:feature-fallback:0 (its feature_fallback plugin), set by hand as
# poezio does.
m = x.make_message(mto=room, mtype='groupchat', mbody='> Anna: cake?\nYes!')
m['reply']['to'] = 'room@muc.example/anna'
m['reply']['id'] = 'stanza-7'
m['feature_fallback']['for'] = 'urn:xmpp:reply:0'
m['feature_fallback']['fallback_body']['start'] = '0'
m['feature_fallback']['fallback_body']['end'] = '14'
save('reply', m)
# Correction (XEP-0308).
m = x.make_message(mto=juliet, mtype='chat', mbody='fixed text')
m['replace']['id'] = 'msg-1'
save('correct', m)
# Chat state (XEP-0085), with a no-store hint.
m = x.make_message(mto=juliet, mtype='chat')
m['chat_state'] = 'composing'
m.enable('no-store')
save('chatstate', m)
# Markers (XEP-0333) and receipts (XEP-0184).
m = x.make_message(mto=juliet, mtype='chat')
m['displayed']['id'] = 'msg-1'
save('displayed', m)
m = x.make_message(mto=juliet, mtype='chat', mbody='read me')
m['id'] = 'msg-2'
m.enable('markable')
m['request_receipt'] = True
m['origin_id']['id'] = 'msg-2'
save('markable', m)
m = x.make_message(mto=juliet)
m['receipt'] = 'msg-2'
save('received', m)
# Out-of-band URL (XEP-0066).
m = x.make_message(mto=juliet, mtype='chat', mbody='https://up.example/cat.jpg')
m['oob']['url'] = 'https://up.example/cat.jpg'
m['oob']['desc'] = 'a cat'
save('oob', m)
# Moderation request, generation 0 (XEP-0425 0.2).
loop = asyncio.new_event_loop()
task = loop.create_task(x['xep_0425'].moderate(room, 'stanza-7', 'spam', timeout=0.01))
try:
    loop.run_until_complete(task)
except Exception:
    pass
save('moderate-iq', sent.pop())
