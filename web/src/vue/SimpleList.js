// SimpleListVM in Vue: Employees (kept in sync by the client from
// Employees_add/_update/_remove), and the Add, Update and Remove commands.
import { h } from "vue";
import dotnetify from "dotnetify/vue";

export default {
  name: "SimpleList",
  created() {
    this.vm = dotnetify.vue.connect("SimpleListVM", this);
  },
  unmounted() {
    this.vm.$destroy();
  },
  data() {
    return { Employees: [], firstName: "", lastName: "" };
  },
  methods: {
    add() {
      const fullName = `${this.firstName} ${this.lastName}`.trim();
      if (fullName === "") return;
      this.vm.$dispatch({ Add: fullName });
      this.firstName = "";
      this.lastName = "";
    },
    update(employee, prop, value) {
      employee[prop] = value;
      this.vm.$dispatch({ Update: { Id: employee.Id, [prop]: value } });
    },
    remove(id) {
      this.vm.$dispatch({ Remove: id });
    },
  },
  render() {
    const cell = (e, prop) =>
      h("td", [h("input", { "data-testid": `${prop}-${e.Id}`, value: e[prop], onChange: (ev) => this.update(e, prop, ev.target.value) })]);
    return h("section", { "data-testid": "vue-SimpleList" }, [
      h("h2", "Simple List"),
      h("form", { class: "add", onSubmit: (ev) => (ev.preventDefault(), this.add()) }, [
        h("input", { "data-testid": "add-first", placeholder: "First name", value: this.firstName, onInput: (ev) => (this.firstName = ev.target.value) }),
        h("input", { "data-testid": "add-last", placeholder: "Last name", value: this.lastName, onInput: (ev) => (this.lastName = ev.target.value) }),
        h("button", { type: "submit", "data-testid": "add" }, "Add"),
      ]),
      h("table", { class: "table", "data-testid": "employees" }, [
        h("thead", [h("tr", [h("th", "First name"), h("th", "Last name"), h("th")])]),
        h(
          "tbody",
          this.Employees.map((e) =>
            h("tr", { key: e.Id, "data-id": e.Id }, [
              cell(e, "FirstName"),
              cell(e, "LastName"),
              h("td", [h("button", { type: "button", "data-testid": `remove-${e.Id}`, onClick: () => this.remove(e.Id) }, "Remove")]),
            ]),
          ),
        ),
      ]),
    ]);
  },
};
