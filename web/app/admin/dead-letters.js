// Events a consumer gave up on, newest first, each with a button to deliver it again.
import {get, request} from "../api.js";
import {dateTime, h, replace} from "../dom.js";
import {notice, title} from "../components.js";
import {busy, problem, table} from "./common.js";

export async function render(ctx) {
  title("Dead letters — Admin");
  const list = await get("/api/v1/admin/dead-letters?limit=100");
  if (!ctx.current) return;
  const message = h("div", {id: "dead-letters-message"});
  const replay = (letter) => {
    if (letter.replayed_at) return `Replayed ${dateTime(letter.replayed_at)}`;
    const button = h("button", {type: "button", on: {click: () => busy(button, async () => {
      replace(message);
      try {
        const {data} = await request("POST", `/api/v1/admin/dead-letters/${encodeURIComponent(letter.id)}/replay`);
        button.replaceWith(`Replayed ${dateTime(data.replayed_at)}`);
        replace(message, notice(`${letter.event.type} ${letter.event.id} was delivered to ${letter.consumer} again.`,
          "success"));
      } catch (error) {
        replace(message, problem(error, `Replay of ${letter.event.type} failed`));
      }
    })}}, `Replay ${letter.event.type}`);
    return button;
  };
  replace(ctx.main, h("h1", {}, "Dead letters"),
    h("p", {class: "hint"}, "Events a consumer failed to handle after its retries. Replay delivers one again."),
    message,
    list.items.length
      ? table("Dead letters, newest first", ["Failed", "Event", "Source → consumer", "Attempts", "Error", "Replay"],
        list.items.map((d) => [dateTime(d.failed_at), `${d.event.type} (${d.event.aggregate_id})`,
          `${d.source} → ${d.consumer}`, String(d.attempts), h("span", {class: "error-text"}, d.error), replay(d)]),
        {id: "dead-letters"})
      : h("p", {}, "No dead letters. Every event was handled."));
}
