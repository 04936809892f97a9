// The demo's Vue page: dotNetify's examples as Vue components connected
// with the official dotnetify/vue client (dotnetify.vue.connect(vmId,
// this)), against the same gonetify hub as the React page.
import { createApp, h, ref } from "vue";
import dotnetify from "dotnetify/vue";
import { selectedHub, applyHub } from "../hubs.js";
import HelloWorld from "./HelloWorld.js";
import SimpleList from "./SimpleList.js";
import ChatRoom from "./ChatRoom.js";
import "../styles.css";

const hub = selectedHub();
const connState = ref("idle");
applyHub(dotnetify, hub);
dotnetify.connectionStateHandler = (s) => (connState.value = s);

const App = {
  name: "App",
  render() {
    return h("div", { class: "app" }, [
      h("header", { class: "top" }, [
        h("div", { class: "brand" }, [h("h1", "gonetify"), h("p", "dotNetify view models served by Go, through the official dotnetify/vue client")]),
        h("div", { class: "hub" }, [
          h("span", { class: "conn", "data-testid": "conn-state", "data-state": connState.value }, connState.value),
          h("code", { class: "hub-url", "data-testid": "hub-url" }, hub.url),
          h("a", { href: "/" + location.search }, "React page"),
        ]),
      ]),
      h("main", [h(HelloWorld), h(SimpleList), h(ChatRoom)]),
    ]);
  },
};

createApp(App).mount("#app");
