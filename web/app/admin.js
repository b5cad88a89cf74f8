// The operators' console: /admin and its pages, each its own module in admin/. Only the
// dispatch lives here; admin/console.js draws the console's frame and guards its door.
import {renderConsole} from "./admin/console.js";

export function render(ctx) {
  return renderConsole(ctx);
}
