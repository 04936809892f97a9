// HelloWorldVM in Vue, the way dotNetify's Vue examples connect: the data
// declares the view model's properties, and connect's watch option sends
// the inputs' changes.
import { h } from "vue";
import dotnetify from "dotnetify/vue";

export default {
  name: "HelloWorld",
  created() {
    this.vm = dotnetify.vue.connect("HelloWorldVM", this, { watch: ["FirstName", "LastName"] });
  },
  unmounted() {
    this.vm.$destroy();
  },
  data() {
    return { FirstName: "", LastName: "", FullName: "" };
  },
  render() {
    const input = (testid, prop) =>
      h("input", { "data-testid": testid, value: this[prop], onInput: (e) => (this[prop] = e.target.value) });
    return h("section", { "data-testid": "vue-HelloWorld" }, [
      h("h2", "Hello World"),
      h("div", { class: "card" }, [
        h("label", ["First name", input("first-name", "FirstName")]),
        h("label", ["Last name", input("last-name", "LastName")]),
        h("p", { class: "result" }, ["Full name: ", h("strong", { "data-testid": "full-name" }, this.FullName)]),
      ]),
    ]);
  },
};
