package dbus_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"parley/dbus"
	"parley/internal/dbustest"
)

func TestNotifyRoundTrip(t *testing.T) {
	addr := dbustest.StartBus(t)
	notes := dbustest.Notifier(t, addr, false)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := dbus.Dial(ctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Name() == "" {
		t.Error("Hello gave no unique name")
	}
	r, err := c.Call(ctx, &dbus.Message{
		Path: "/org/freedesktop/Notifications", Interface: "org.freedesktop.Notifications",
		Member: "Notify", Destination: "org.freedesktop.Notifications",
		Body: []any{"parley", uint32(0), "", "alice", "héllo\nthere", []string{}, map[string]dbus.Variant{"urgency": {Sig: "y", Value: byte(1)}}, int32(-1)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Body) != 1 || r.Body[0] != uint32(1) {
		t.Errorf("reply body %v, want [1]", r.Body)
	}
	n := <-notes
	if n.App != "parley" || n.Summary != "alice" || n.Body != "héllo\nthere" || n.Timeout != -1 || n.Hints["urgency"].Value != byte(1) {
		t.Errorf("daemon got %+v", n)
	}
}

func TestErrorReply(t *testing.T) {
	addr := dbustest.StartBus(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := dbus.Dial(ctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.Call(ctx, &dbus.Message{Path: "/x", Interface: "org.example.X", Member: "Y", Destination: "org.example.Nobody"})
	var de *dbus.Error
	if !errors.As(err, &de) || de.Name != "org.freedesktop.DBus.Error.ServiceUnknown" {
		t.Errorf("call to nobody: %v, want ServiceUnknown", err)
	}
}

func TestCallTimesOut(t *testing.T) {
	addr := dbustest.StartBus(t)
	dbustest.Notifier(t, addr, true)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := dbus.Dial(ctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	short, cancel2 := context.WithCancel(ctx)
	cancel2() // already over: the call must give up, not hang
	_, err = c.Call(short, &dbus.Message{Path: "/org/freedesktop/Notifications", Interface: "org.freedesktop.Notifications", Member: "GetServerInformation", Destination: "org.freedesktop.Notifications"})
	if err == nil {
		t.Fatal("call with a cancelled context succeeded")
	}
}

func TestDialBadAddress(t *testing.T) {
	for _, addr := range []string{"", "tcp:host=x,port=1", "unix:path=/nonexistent/bus"} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if c, err := dbus.Dial(ctx, addr); err == nil {
			c.Close()
			t.Errorf("Dial(%q) succeeded", addr)
		}
		cancel()
	}
}
