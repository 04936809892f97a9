package examples

import (
	"testing"
	"time"
)

func TestChatRoom(t *testing.T) {
	h := newHub(t, quiet)
	const id = "ChatRoomVM"
	c1 := connect(t, h, "c1", "10.0.0.1:1000")

	s := c1.request(id, nil)
	keys(t, s, "Messages", "Messages_itemKey", "Users", "Users_itemKey", "AddUser", "RemoveUser", "SendMessage")
	eq(t, "Users", string(s["Users"]), "[]")
	eq(t, "Messages", string(s["Messages"]), "[]")
	eq(t, "Users_itemKey", get[string](t, s, "Users_itemKey"), "Id")
	eq(t, "Messages_itemKey", get[string](t, s, "Messages_itemKey"), "Id")

	// The sender gets its own Users_add.
	d := only(t, c1.dispatch(id, map[string]any{"AddUser": "0.123"}), id)
	keys(t, d, "Users_add")
	u1 := get[ChatUser](t, d, "Users_add")
	eq(t, "Id", u1.Id, "c1")
	eq(t, "CorrelationId", u1.CorrelationId, "0.123")
	eq(t, "IpAddress", u1.IpAddress, "10.0.0.1")

	// A late joiner's initial state has the user; its own user reaches c1.
	c2 := connect(t, h, "c2", "10.0.0.2:1000")
	users := get[[]ChatUser](t, c2.request(id, nil), "Users")
	eq(t, "len(Users)", len(users), 1)
	eq(t, "CorrelationId", users[0].CorrelationId, "0.123")
	c2.dispatch(id, map[string]any{"AddUser": "0.456"})
	u2 := get[ChatUser](t, only(t, c1.take(), id), "Users_add")
	eq(t, "Users_add.CorrelationId", u2.CorrelationId, "0.456")
	eq(t, "Users_add.Id", u2.Id, "c2")
	eq(t, "distinct names", u1.Name != u2.Name, true)

	c3 := connect(t, h, "c3", "10.0.0.3:1000")
	c3.request(id, nil)
	c3.dispatch(id, map[string]any{"AddUser": "0.789"})
	c1.take()
	c2.take()
	eq(t, "members", h.Stats().VMs, 1)

	// A message renaming its sender: Users_update and Messages_add in one push.
	msg := map[string]any{"Text": "Hi there!", "Date": time.Now(), "UserName": "Rick"}
	d = only(t, c1.dispatch(id, map[string]any{"SendMessage": msg}), id)
	keys(t, d, "Users_update", "Messages_add")
	for _, c := range []*client{c2, c3} {
		d := only(t, c.take(), id)
		keys(t, d, "Users_update", "Messages_add")
		m := get[ChatMessage](t, d, "Messages_add")
		eq(t, "Text", m.Text, "Hi there!")
		eq(t, "UserName", m.UserName, "Rick")
		eq(t, "UserId", m.UserId, "c1")
		eq(t, "Id", m.Id, 1)
		eq(t, "renamed", get[ChatUser](t, d, "Users_update").Name, "Rick")
	}

	// A private message goes to the named user and the sender only.
	sent := c2.dispatch(id, map[string]any{"SendMessage": map[string]any{"Text": "Rick: psst", "Date": time.Now(), "UserName": ""}})
	for _, got := range [][]frame{c1.take(), sent} {
		d := only(t, got, id)
		keys(t, d, "PrivateMessage")
		m := get[ChatMessage](t, d, "PrivateMessage")
		eq(t, "Text", m.Text, "Rick: psst")
		eq(t, "UserId", m.UserId, "c2")
		eq(t, "UserName", m.UserName, u2.Name)
	}
	if f := c3.take(); len(f) != 0 {
		t.Fatalf("c3 saw a private message: %s", dump(f))
	}
	c4 := connect(t, h, "c4", "10.0.0.4:1000")
	eq(t, "Messages kept", len(get[[]ChatMessage](t, c4.request(id, nil), "Messages")), 1)
	c4.conn.Close()

	// RemoveUser (sent as null) removes the caller's user, by Id.
	d = only(t, c1.dispatch(id, map[string]any{"RemoveUser": nil}), id)
	eq(t, "Users_remove", get[string](t, d, "Users_remove"), "c1")
	for _, c := range []*client{c2, c3} {
		eq(t, "Users_remove", get[string](t, only(t, c.take(), id), "Users_remove"), "c1")
	}

	// Leaving keeps the room alive for the others; the last one disposes it.
	c1.dispose(id)
	eq(t, "VMs", h.Stats().VMs, 1)
	// A connection lost without RemoveUser: the others see its user go.
	c2.conn.Close()
	eq(t, "Users_remove on disconnect", get[string](t, only(t, c3.take(), id), "Users_remove"), "c2")
	c3.conn.Close()
	waitVMs(t, h, 0)
	eq(t, "Groups", h.Stats().Groups, 0)
}
