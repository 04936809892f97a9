package examples

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gonetify/gonetify/vm"
)

// ChatMessage is an item of ChatRoomVM's Messages list, and the argument of
// its SendMessage command.
type ChatMessage struct {
	// Id is the item key: the message's number in the room.
	Id int
	// UserId is the sender's connection id.
	UserId string
	// UserName is the sender's name; a non-empty one renames the sender.
	UserName string
	// Date is when the client sent it.
	Date time.Time
	// Text is the message; "<user name>:" at its start makes it private.
	Text string
}

// ChatUser is an item of ChatRoomVM's Users list.
type ChatUser struct {
	// Id is the item key: the user's connection id.
	Id string
	// CorrelationId is the client's own id for the user.
	CorrelationId string
	// Name is "user<n>" until the user gives a name.
	Name string
	// IpAddress is the client's IP address.
	IpAddress string
	// Browser is "<browser>/<OS>" from the User-Agent header, or null.
	Browser *string
}

// userCounter numbers chat users process-wide, like the original's static.
var userCounter atomic.Int64

// ChatRoomVM is dotNetify's ChatRoom example: one multicast instance shared
// by every connection. Users and messages are real server-side lists (so a
// late joiner gets them in its initial state), and each change is also
// sent as a list operation to everybody. A message starting with
// "<user name>:" goes only to that user and the sender, as PrivateMessage.
type ChatRoomVM struct {
	vm.Multicast
	// Messages are the public messages.
	Messages []ChatMessage `vm:"itemKey=Id"`
	// Users are the users in the room.
	Users []ChatUser `vm:"itemKey=Id"`

	_ vm.Commands `vm:"AddUser,RemoveUser,SendMessage"`
}

// NewChatRoomVM returns an empty chat room.
func NewChatRoomVM() *ChatRoomVM {
	return &ChatRoomVM{Messages: []ChatMessage{}, Users: []ChatUser{}}
}

// AddUser adds the calling connection's user (Users_add). A connection
// has at most one user: a second AddUser is ignored.
func (v *ChatRoomVM) AddUser(ctx context.Context, correlationID string) error {
	c := vm.ConnFromContext(ctx)
	if c == nil {
		return vm.Errorf("AddUser needs a connection")
	}
	if v.userIndex(c.ID) >= 0 {
		return nil
	}
	u := ChatUser{
		Id:            c.ID,
		CorrelationId: correlationID,
		Name:          fmt.Sprintf("user%d", userCounter.Add(1)),
		IpAddress:     ipOf(c.RemoteAddr),
		Browser:       browserOf(c.Header.Get("User-Agent")),
	}
	v.Users = append(v.Users, u)
	v.AddList("Users", u)
	return nil
}

// RemoveUser removes the calling connection's user (Users_remove with its
// Id). The client sends it before leaving the room.
func (v *ChatRoomVM) RemoveUser(ctx context.Context) {
	if c := vm.ConnFromContext(ctx); c != nil {
		v.removeUser(c.ID)
	}
}

func (v *ChatRoomVM) removeUser(connID string) {
	if i := v.userIndex(connID); i >= 0 {
		v.Users = slices.Delete(v.Users, i, i+1)
		v.RemoveList("Users", connID)
	}
}

// SendMessage posts a message from the calling connection. A non-empty
// UserName renames the sender (Users_update). A text starting with
// "<user name>:" is sent as PrivateMessage to that user and the sender
// only; any other text is added to Messages (Messages_add).
func (v *ChatRoomVM) SendMessage(ctx context.Context, chat ChatMessage) error {
	c := vm.ConnFromContext(ctx)
	if c == nil {
		return vm.Errorf("SendMessage needs a connection")
	}
	chat.Id = len(v.Messages) + 1
	chat.UserId = c.ID
	chat.UserName = v.updateUserName(c.ID, chat.UserName)
	for _, u := range v.Users {
		if strings.HasPrefix(chat.Text, u.Name+":") {
			to := []string{u.Id}
			if u.Id != c.ID {
				to = append(to, c.ID)
			}
			return v.Send(to, "PrivateMessage", chat)
		}
	}
	v.Messages = append(v.Messages, chat)
	v.AddList("Messages", chat)
	return nil
}

// PostSystemMessage posts a message from the server itself (an
// announcement) to everyone in the room. It is not a declared command, so
// no client can call it: the server calls it with a server-side dispatch
// (hub.Hub.Dispatch; `gonetify serve` offers POST /api/chatroom/system-message).
func (v *ChatRoomVM) PostSystemMessage(text string) {
	msg := ChatMessage{Id: len(v.Messages) + 1, UserId: "system", UserName: "System", Date: time.Now().UTC(), Text: text}
	v.Messages = append(v.Messages, msg)
	v.AddList("Messages", msg)
}

// updateUserName renames the user of connID when name is not empty and
// returns the user's name (connID if there is no such user).
func (v *ChatRoomVM) updateUserName(connID, name string) string {
	i := v.userIndex(connID)
	if i < 0 {
		return connID
	}
	if name != "" {
		v.Users[i].Name = name
		v.UpdateList("Users", v.Users[i])
	}
	return v.Users[i].Name
}

// OnLeave removes the user of a connection that left without RemoveUser
// (closed the page, lost the network): the others get Users_remove.
func (v *ChatRoomVM) OnLeave(ctx context.Context) {
	if c := vm.ConnFromContext(ctx); c != nil {
		v.removeUser(c.ID)
	}
}

// Dispose empties the room. The hub calls it when the last connection
// leaves, so nobody is left to tell.
func (v *ChatRoomVM) Dispose() {
	v.Users, v.Messages = nil, nil
}

func (v *ChatRoomVM) userIndex(id string) int {
	return slices.IndexFunc(v.Users, func(u ChatUser) bool { return u.Id == id })
}

func ipOf(remoteAddr string) string {
	if host, _, err := net.SplitHostPort(remoteAddr); err == nil {
		return host
	}
	return remoteAddr
}

// browserOf gives a rough "<browser>/<OS>" for a User-Agent, standing in
// for the original's UAParser; nil without one.
func browserOf(ua string) *string {
	if ua == "" {
		return nil
	}
	pick := func(pairs ...string) string {
		for i := 0; i < len(pairs); i += 2 {
			if strings.Contains(ua, pairs[i]) {
				return pairs[i+1]
			}
		}
		return "Other"
	}
	b := pick("Edg/", "Edge", "OPR/", "Opera", "Firefox/", "Firefox", "Chrome/", "Chrome", "Safari/", "Safari", "Node", "Node")
	os := pick("Windows", "Windows", "Android", "Android", "iPhone", "iOS", "iPad", "iOS", "Mac OS X", "Mac OS X", "Linux", "Linux")
	s := b + "/" + os
	return &s
}
