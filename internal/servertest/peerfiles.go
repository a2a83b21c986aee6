package servertest

// Files through the peer (peer.py's upload, sendurl and fetch ops). Their
// outcomes are events: "uploaded" (Body the URL sent), "fetched" (Body the
// path, Status the byte count), or "error" with Error "upload" or "fetch".

// Upload makes the peer upload the file at path to the upload service
// (XEP-0363, WithFileShare), encrypted with XEP-0454 when encrypt, and send
// its URL to `to` as the body and an OOB element (an aesgcm:// URL when
// encrypted). name, when not "", is the name the slot asks for.
func (p *Peer) Upload(service, to, path, name string, encrypt bool) {
	p.send(map[string]any{"op": "upload", "service": service, "to": to, "path": path, "name": name, "encrypt": encrypt})
}

// SendURL makes the peer send url to `to` as an uploaded file's message
// (body and OOB) without uploading anything: a hostile link.
func (p *Peer) SendURL(to, url string) {
	p.send(map[string]any{"op": "sendurl", "to": to, "url": url})
}

// Fetch makes the peer download url (http, https with the test CA, or
// aesgcm://, decrypted) into path.
func (p *Peer) Fetch(url, path string) {
	p.send(map[string]any{"op": "fetch", "url": url, "path": path})
}
