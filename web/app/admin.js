import {h, replace} from "./dom.js";
import {title} from "./components.js";

// The operators' console is a later change; its URL already answers.
export function render({main}) {
  title("Admin console");
  replace(main, h("h1", {}, "Admin console"), h("p", {}, "The admin console is not built yet."));
}
