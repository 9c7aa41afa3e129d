// Suggestions as you type in a search box ([data-suggest]): the first hits of /search as
// links under the box. Without this script the form still works (it submits to /search).
"use strict";
(function () {
  const kinds = { project: "Project", organisation: "Organisation", region: "Region",
    country: "Country", topic: "Topic", programme: "Programme" };
  for (const input of document.querySelectorAll("input[data-suggest]")) {
    const form = input.form;
    const list = document.createElement("ul");
    list.className = "suggestions";
    list.hidden = true;
    list.setAttribute("role", "listbox");
    form.style.position = "relative";
    form.appendChild(list);
    let timer = null;
    let asked = 0;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(suggest, 120);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" && !list.hidden) {
        const first = list.querySelector("a");
        if (first) { first.focus(); event.preventDefault(); }
      } else if (event.key === "Escape") {
        list.hidden = true;
      }
    });
    document.addEventListener("click", function (event) {
      if (!form.contains(event.target)) list.hidden = true;
    });
    async function suggest() {
      const text = input.value.trim();
      const mine = ++asked;
      if (!text) { list.hidden = true; return; }
      const url = new URL(form.action);
      url.searchParams.set("q", text);
      url.searchParams.set("format", "json");
      let found;
      try {
        const response = await fetch(url, { headers: { Accept: "application/json" } });
        if (!response.ok) return;
        found = await response.json();
      } catch (e) {
        return;
      }
      if (mine !== asked) return; // a later keystroke asked again
      list.replaceChildren();
      for (const hit of found.hits.slice(0, 8)) {
        const item = document.createElement("li");
        const link = document.createElement("a");
        link.href = hit.page;
        const badge = document.createElement("span");
        badge.className = "badge";
        badge.textContent = kinds[hit.type] || hit.type;
        link.append(badge, hit.label);
        item.appendChild(link);
        list.appendChild(item);
      }
      list.hidden = list.children.length === 0;
    }
  }
})();
