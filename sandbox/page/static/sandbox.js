// The settlebot sandbox page: polls /frame about once a second, replaces the regions that
// changed, and posts every click, submission and slash command to /act, which sends Slack's
// signed request to the app. No build step, no framework.
"use strict";
(() => {
  const root = document.getElementById("sandbox");
  const state = { user: root.dataset.startUser, pane: root.dataset.startPane, thread: root.dataset.startThread || "" };
  const regions = ["sidebar", "header", "body", "thread", "modal"];
  let polling = false;
  let follow = false; // after the person acts, show the newest messages (their reply, a receipt)
  let toastTimer = null;

  const query = (extra) => new URLSearchParams({ ...state, ...(extra || {}) }).toString();
  const region = (name) => document.getElementById("r-" + name);

  function remember() {
    history.replaceState(null, "", "/?" + query());
    document.getElementById("composer").hidden = state.pane === "home";
    const box = document.getElementById("composer-input");
    box.placeholder = state.pane === "channel" ? "Message #billing (try /settle)" : "Message settlebot (try /settle)";
  }

  function nearBottom(el) { return el.scrollHeight - el.scrollTop - el.clientHeight < 80; }

  function modalValues(scope) {
    const values = {};
    scope.querySelectorAll("[data-input]").forEach((el) => {
      const key = el.closest(".bk-block").dataset.blockId + "/" + el.dataset.input;
      if (el.classList.contains("bk-radios")) {
        const checked = el.querySelector("input:checked");
        values[key] = checked ? checked.value : null;
      } else {
        values[key] = el.value || null;
      }
    });
    return values;
  }

  function answers(scope) {
    const result = {};
    for (const [key, value] of Object.entries(modalValues(scope))) {
      if (value !== null) result[key.slice(key.indexOf("/") + 1)] = value;
    }
    return result;
  }

  function restore(scope, values) {
    // Slack keeps what a person entered when the app updates a view and the input keeps its ids.
    scope.querySelectorAll("[data-input]").forEach((el) => {
      const value = values[el.closest(".bk-block").dataset.blockId + "/" + el.dataset.input];
      if (value === undefined || value === null) return;
      if (el.classList.contains("bk-radios")) {
        const input = [...el.querySelectorAll("input")].find((i) => i.value === value);
        if (input) input.checked = true;
      } else if (el.tagName !== "SELECT" || [...el.options].some((o) => o.value === value)) {
        el.value = value;
      }
    });
  }

  function swap(name, html) {
    const el = region(name);
    if (name === "modal") {
      const old = el.querySelector(".modal");
      const next = document.createElement("div");
      next.innerHTML = html;
      const fresh = next.querySelector(".modal");
      const values = old && fresh && old.dataset.viewId === fresh.dataset.viewId ? modalValues(old) : null;
      const scroll = old ? old.querySelector(".modal-body").scrollTop : 0;
      el.innerHTML = html;
      if (values && fresh) {
        restore(el, values);
        el.querySelector(".modal-body").scrollTop = scroll;
      }
      return;
    }
    const scroller = name === "body" ? el : el.querySelector(".thread-body");
    const stick = !scroller || nearBottom(scroller) || (follow && name === "body");
    el.innerHTML = html;
    const after = name === "body" ? el : el.querySelector(".thread-body");
    if (after && stick && state.pane !== "home") after.scrollTop = after.scrollHeight;
  }

  async function refresh() {
    if (polling) return;
    polling = true;
    try {
      const known = regions.map((name) => name + ":" + region(name).dataset.sig).join(",");
      const response = await fetch("/frame?" + query({ known }), { cache: "no-store" });
      if (!response.ok) return;
      const frame = await response.json();
      for (const [name, part] of Object.entries(frame.regions)) {
        const el = region(name);
        if (part.html === undefined || el.dataset.sig === part.sig) continue;
        swap(name, part.html);
        el.dataset.sig = part.sig;
      }
    } catch (error) {
      // the sandbox is stopping or restarting: try again on the next tick
    } finally {
      polling = false;
    }
  }

  function toast(message, isError) {
    const el = document.getElementById("toast");
    el.textContent = message;
    el.className = "toast" + (isError ? " error" : "");
    el.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { el.hidden = true; }, 7000);
  }

  async function act(data, busy) {
    if (busy) busy.classList.add("busy");
    follow = data.kind === "slash" || data.kind === "submit";
    try {
      const response = await fetch("/act", {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ user: state.user, ...data }),
      });
      const outcome = await response.json().catch(() => ({ ok: false, message: "HTTP " + response.status }));
      if (outcome.message) toast(outcome.message, !outcome.ok);
      return outcome;
    } catch (error) {
      toast("The sandbox is not answering. Is `make run` still running?", true);
      return { ok: false };
    } finally {
      if (busy) busy.classList.remove("busy");
      refresh();
      [300, 900, 2000].forEach((ms) => setTimeout(refresh, ms)); // work the app does after its ack
      setTimeout(() => { follow = false; }, 3000);
    }
  }

  function go(pane, thread) {
    state.pane = pane;
    state.thread = thread || "";
    remember();
    if (pane === "home" || pane === "messages") act({ kind: "home", tab: pane });
    else refresh();
  }

  function container(el) {
    const box = el.closest("[data-container]");
    if (!box) return null;
    if (box.dataset.container === "view") return { kind: "view", view_id: box.dataset.viewId };
    return { kind: "message", channel: box.dataset.channel, ts: box.dataset.ts, ephemeral: !!box.dataset.ephemeral };
  }

  function click(el, value) {
    const where = container(el);
    if (!where) return;
    if (el.dataset.confirm && !window.confirm(el.dataset.confirm)) return;
    const data = { kind: "click", container: where, action_id: el.dataset.action, block_id: el.dataset.block, value };
    if (where.kind === "view") data.answers = answers(el.closest("[data-container]"));
    act(data, el.tagName === "A" ? null : el);
  }

  document.addEventListener("click", (event) => {
    const el = event.target.closest("[data-pane],[data-thread],[data-close-thread],[data-action],[data-submit],[data-close-modal],[data-scan]");
    if (!el || el.tagName === "SELECT") return;
    if (el.dataset.urlButton) { click(el, el.dataset.value); return; } // the browser opens the link
    event.preventDefault();
    if (el.dataset.pane) go(el.dataset.pane);
    else if (el.dataset.thread) { state.thread = el.dataset.thread; remember(); refresh(); }
    else if (el.hasAttribute("data-close-thread")) { state.thread = ""; remember(); refresh(); }
    else if (el.dataset.action) click(el, el.dataset.value);
    else if (el.hasAttribute("data-submit")) {
      const modal = el.closest(".modal");
      act({ kind: "submit", view_id: modal.dataset.viewId, answers: answers(modal) }, el);
    } else if (el.hasAttribute("data-close-modal")) {
      act({ kind: "close", view_id: el.closest(".modal").dataset.viewId });
    } else if (el.dataset.scan !== undefined) act({ kind: "scan", days: Number(el.dataset.scan) }, el);
  });

  document.addEventListener("change", (event) => {
    const el = event.target;
    if (el.id === "user-switch") {
      state.user = el.value;
      state.thread = "";
      window.location.search = query(); // reload: the whole page is the new person's (lang, avatar)
    } else if (el.dataset && el.dataset.dispatch) {
      click(el, el.value);
    }
  });

  document.getElementById("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const box = document.getElementById("composer-input");
    const text = box.value.trim();
    if (!text) return;
    box.value = "";
    act({ kind: "slash", text, pane: state.pane });
  });

  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    const modal = document.querySelector("#r-modal .modal");
    if (modal) act({ kind: "close", view_id: modal.dataset.viewId });
  });

  remember();
  if (state.pane === "home") act({ kind: "home" });
  const body = region("body");
  body.scrollTop = body.scrollHeight;
  setInterval(refresh, 1000);
})();
