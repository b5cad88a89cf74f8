// One product: create or edit it with its variants and images, or archive it. Each
// variant links to its stock and audit trail.
import {ApiError, get, request} from "../api.js";
import {dateTime, field, h, majorUnits, minorUnits, replace, showFieldError, statusLabel} from "../dom.js";
import {notice, title} from "../components.js";
import {busy, problem} from "./common.js";

export async function renderNew(ctx) {
  title("New product — Admin");
  await draw(ctx, null);
}

export async function render(ctx) {
  const [id] = ctx.params;
  let product;
  try {
    product = await get(`/api/v1/admin/products/${encodeURIComponent(id)}`);
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 404) throw error;
    if (!ctx.current) return;
    replace(ctx.main, h("h1", {}, "Product not found"), h("p", {}, h("a", {href: "/admin/products"}, "All products")));
    return;
  }
  if (!ctx.current) return;
  title(`${product.name} — Admin`);
  await draw(ctx, product);
}

async function draw(ctx, product) {
  const categories = await get("/api/v1/categories").then((list) => list.items).catch(() => []);
  if (!ctx.current) return;
  const currency = product?.variants[0]?.price.currency || "USD";
  const name = field("Name", {name: "name", required: true, maxlength: "200", value: product?.name || ""});
  const slug = field("Slug", {name: "slug", maxlength: "100", value: product?.slug || "",
    pattern: "[a-z0-9]+(-[a-z0-9]+)*"}, {hint: "Lower-case words joined by hyphens; made from the name when empty."});
  const description = h("textarea", {id: "product-description", name: "description", rows: "4", maxlength: "10000"});
  description.value = product?.description || "";
  const archived = product?.status === "archived";
  const status = field("Status", {name: "status", disabled: archived}, {options: (archived ? ["archived"] : ["active", "draft"])
    .map((value) => h("option", {value, selected: value === (product?.status || "active")}, statusLabel(value)))});
  const category = field("Category", {name: "category_id"}, {options: [
    h("option", {value: "", selected: !product?.category_id}, "None"),
    ...categories.map((c) => h("option", {value: c.id, selected: c.id === product?.category_id}, c.name))]});
  const money = field("Currency", {name: "currency", required: true, maxlength: "3", pattern: "[A-Z]{3}",
    value: currency}, {hint: "Three capital letters, the same for every variant."});
  const images = h("textarea", {id: "product-images", name: "images", rows: "3"});
  images.value = (product?.images || []).join("\n");

  const variantList = h("div", {class: "variant-list"});
  const variantRows = [];
  const addVariant = (variant) => {
    const row = variantRow(variant, variantRows.length + 1, currency, product, () => {
      variantRows.splice(variantRows.indexOf(row), 1);
      row.element.remove();
    });
    variantRows.push(row);
    variantList.append(row.element);
  };
  (product?.variants.length ? product.variants : [null]).forEach(addVariant);

  const message = h("div", {id: "product-message"});
  const save = h("button", {type: "submit", class: "primary"}, product ? "Save changes" : "Create product");
  const form = h("form", {class: "admin-form", on: {submit: async (event) => {
    event.preventDefault();
    replace(message);
    const body = {
      name: name.control.value.trim(),
      description: description.value,
      category_id: category.control.value || null,
      images: images.value.split("\n").map((line) => line.trim()).filter(Boolean),
      variants: [],
    };
    if (slug.control.value.trim()) body.slug = slug.control.value.trim();
    if (!archived) body.status = status.control.value;
    const code = money.control.value.trim().toUpperCase();
    let valid = true;
    for (const row of variantRows) {
      const variant = row.read(code);
      if (!variant) valid = false;
      else body.variants.push(variant);
    }
    if (!body.variants.length) {
      replace(message, notice("A product needs at least one variant.", "error"));
      return;
    }
    if (!valid) {
      replace(message, notice("Please correct the variants below.", "error"));
      return;
    }
    await busy(save, async () => {
      try {
        const {data} = product
          ? await request("PATCH", `/api/v1/admin/products/${encodeURIComponent(product.id)}`, {body})
          : await request("POST", "/api/v1/admin/products", {body});
        if (!ctx.current) return;
        if (product) {
          await draw(ctx, data);
          replace(ctx.main.querySelector("#product-message"), notice("Saved.", "success"));
        } else {
          ctx.navigate(`/admin/products/${encodeURIComponent(data.id)}?created=1`, {replaceState: true});
        }
      } catch (error) {
        replace(message, problem(error, "Not saved"));
      }
    });
  }}},
  name.wrapper, slug.wrapper,
  h("div", {class: "field"}, h("label", {for: "product-description"}, "Description"), description),
  status.wrapper, category.wrapper, money.wrapper,
  h("div", {class: "field"}, h("label", {for: "product-images"}, "Image URLs"),
    h("p", {class: "hint"}, "One http(s) URL a line, at most 20."), images),
  h("h2", {}, "Variants"),
  variantList,
  h("p", {}, h("button", {type: "button", on: {click: () => addVariant(null)}}, "Add a variant")),
  save);

  const archive = product && !archived ? h("button", {type: "button", id: "archive", on: {click: async () => {
    await busy(archive, async () => {
      try {
        const {data} = await request("POST", `/api/v1/admin/products/${encodeURIComponent(product.id)}/archive`);
        if (!ctx.current) return;
        await draw(ctx, data);
        replace(ctx.main.querySelector("#product-message"), notice("Archived: shoppers no longer see it.", "success"));
      } catch (error) {
        replace(message, problem(error, "Not archived"));
      }
    });
  }}}, "Archive product") : null;

  replace(ctx.main,
    h("p", {class: "breadcrumb"}, h("a", {href: "/admin/products"}, "Products")),
    h("h1", {}, product ? product.name : "New product"),
    product ? h("p", {class: "hint"}, `${statusLabel(product.status)} · updated ${dateTime(product.updated_at)} · `,
      product.status === "active" ? h("a", {href: `/products/${encodeURIComponent(product.slug)}`}, "View in the shop")
        : "not in the shop") : null,
    ctx.query.get("created") === "1" && product ? notice("Created.", "success") : null,
    message, form,
    archive ? h("section", {class: "danger"}, h("h2", {}, "Archive"),
      h("p", {}, "An archived product leaves the shop; its orders keep their lines."), archive) : null);
}

// A variant's fields; read() answers the VariantInput or null (with the errors shown).
function variantRow(variant, index, currency, product, remove) {
  const sku = field("SKU", {name: "sku", required: true, maxlength: "64", value: variant?.sku || "",
    pattern: "[A-Za-z0-9][A-Za-z0-9._\\-]{0,63}"});
  const name = field("Variant name", {name: "variant_name", maxlength: "200", value: variant?.name || ""});
  const price = field("Price", {name: "price", required: true, inputmode: "decimal",
    value: variant ? majorUnits(variant.price.amount, variant.price.currency) : ""}, {hint: "In the currency above, e.g. 19.99."});
  const attributes = field("Attributes (JSON)", {name: "attributes",
    value: variant && Object.keys(variant.attributes || {}).length ? JSON.stringify(variant.attributes) : ""},
  {hint: "An object, e.g. {\"color\": \"red\"}; empty for none."});
  const saved = product && variant && product.variants.some((v) => v.sku === variant.sku);
  const element = h("fieldset", {class: "variant-row"}, h("legend", {}, `Variant ${index}`),
    sku.wrapper, name.wrapper, price.wrapper, attributes.wrapper,
    h("p", {class: "variant-actions"},
      saved ? h("a", {href: `/admin/inventory/${encodeURIComponent(variant.sku)}`}, `Stock of ${variant.sku}`) : null,
      h("button", {type: "button", class: "link-button", on: {click: remove}}, `Remove variant ${index}`)));
  const read = (code) => {
    let ok = true;
    const amount = minorUnits(price.control.value, /^[A-Z]{3}$/.test(code) ? code : "USD");
    showFieldError(price, amount === null ? "A price of 0 or more, like 19.99." : "");
    showFieldError(sku, sku.control.value.trim() ? "" : "Every variant needs a SKU.");
    let attrs = {};
    const text = attributes.control.value.trim();
    if (text) {
      try {
        attrs = JSON.parse(text);
        if (!attrs || typeof attrs !== "object" || Array.isArray(attrs)) throw new Error("not an object");
        showFieldError(attributes, "");
      } catch {
        showFieldError(attributes, "Not a JSON object.");
        ok = false;
      }
    } else showFieldError(attributes, "");
    if (amount === null || !sku.control.value.trim()) ok = false;
    if (!ok) return null;
    const out = {sku: sku.control.value.trim(), price: {amount, currency: code}, attributes: attrs};
    if (name.control.value.trim()) out.name = name.control.value.trim();
    return out;
  };
  return {element, read};
}
