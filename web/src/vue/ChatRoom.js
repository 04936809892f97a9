// ChatRoomVM in Vue: Users and Messages (multicast), AddUser once the
// room's state arrived (the client drops a $dispatch made before its hub
// connects), RemoveUser on unmount, SendMessage, and PrivateMessage, which
// the server sends only to the two users of a "<name>: ..." message.
import { h } from "vue";
import dotnetify from "dotnetify/vue";

export default {
  name: "ChatRoom",
  created() {
    this.vm = dotnetify.vue.connect("ChatRoomVM", this);
    // The first Users the server sends is the room's initial state.
    const unwatch = this.$watch("Users", () => {
      unwatch();
      this.vm.$dispatch({ AddUser: this.correlationId });
    });
    this.$watch("PrivateMessage", (message) => {
      if (!message) return;
      this.Messages.push({ ...message, Text: "(private) " + message.Text, private: true });
      this.PrivateMessage = null;
    });
  },
  unmounted() {
    this.vm.$dispatch({ RemoveUser: null });
    this.vm.$destroy();
  },
  data() {
    return { Users: [], Messages: [], PrivateMessage: null, message: "", correlationId: `${Math.random()}` };
  },
  methods: {
    userName(userId) {
      const user = this.Users.find((u) => u.Id === userId);
      return user ? user.Name : null;
    },
    send() {
      if (this.message.trim() === "") return;
      const match = /name is ([A-z]+)/i.exec(this.message);
      this.vm.$dispatch({ SendMessage: { Text: this.message, Date: new Date(), UserName: match ? match[1] : "" } });
      this.message = "";
    },
  },
  render() {
    return h("section", { "data-testid": "vue-ChatRoom" }, [
      h("h2", "Chat Room"),
      h("div", { class: "grid2" }, [
        h(
          "ul",
          { class: "card", "data-testid": "users" },
          this.Users.map((u) => h("li", { key: u.Id, class: u.CorrelationId === this.correlationId ? "myself" : "" }, [h("b", u.Name), " ", u.Browser])),
        ),
        h("div", { class: "card" }, [
          h(
            "div",
            { "data-testid": "messages" },
            this.Messages.map((m, i) =>
              h("p", { key: i, class: m.private ? "private" : "" }, [h("b", this.userName(m.UserId) || m.UserName), ": ", h("span", { "data-testid": "message-text" }, m.Text)]),
            ),
          ),
          h("form", { class: "send", onSubmit: (ev) => (ev.preventDefault(), this.send()) }, [
            h("input", { "data-testid": "message", placeholder: "Type your message here", value: this.message, onInput: (ev) => (this.message = ev.target.value) }),
            h("button", { type: "submit", "data-testid": "send" }, "Send"),
          ]),
        ]),
      ]),
    ]);
  },
};
