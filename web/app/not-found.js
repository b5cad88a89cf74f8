import {h, replace} from "./dom.js";
import {title} from "./components.js";

export function render({main, url}) {
  title("Page not found");
  replace(main,
    h("h1", {}, "Page not found"),
    h("p", {}, "There is no page at ", h("code", {}, url.pathname), ". It may have moved, or the link may be mistyped."),
    h("ul", {},
      h("li", {}, h("a", {href: "/"}, "Go to the home page")),
      h("li", {}, h("a", {href: `/search?q=${encodeURIComponent(url.pathname.split("/").pop() || "")}`},
        "Search the shop")),
      h("li", {}, h("a", {href: "/cart"}, "See your cart"))));
}
