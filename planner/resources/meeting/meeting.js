/* The meeting page (planner serve): the map, the site panel and the answers.
 * Every number comes from the server (the code path of `planner evaluate`); the page only
 * draws. Text from data is set with textContent, never as HTML. */
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const LOCALES = { fi: "fi-FI", sv: "sv-FI", en: "en-GB" };
  const MODE_COLOURS = { shared: "#6a3d9a", office: "#1f78b4", popup: "#ff7f00",
                         remote: "#33a02c", none: "#9e9e9e" };
  const MINUTE_BINS = [[5, "#1a9850"], [10, "#91cf60"], [15, "#fee08b"], [20, "#fc8d59"],
                       [30, "#d73027"], [Infinity, "#7f0000"]];
  const LINES = ["premises_eur", "services_eur", "staff_eur", "staff_travel_eur", "sessions_eur",
                 "remote_eur", "fitout_eur", "closing_eur", "annual_cost_eur"];
  let meta = null, texts = {}, state = null, lang = "en", selected = null, map = null;
  const siteMarkers = {}, residentMarkers = [];
  let polling = null;

  const T = (k) => (k in texts ? texts[k] : k);
  const term = (code) => texts["term." + code] || code;
  const orgName = (o) => term(o);
  const missing = (v) => v === null || v === undefined || Number.isNaN(v);
  function num(v, digits = 0) {
    if (missing(v)) return "–";
    return new Intl.NumberFormat(LOCALES[lang], { maximumFractionDigits: digits,
                                                  minimumFractionDigits: digits }).format(v);
  }
  function pct(v, digits = 1) {
    if (missing(v)) return "–";
    return new Intl.NumberFormat(LOCALES[lang], { style: "percent", maximumFractionDigits: digits,
                                                  minimumFractionDigits: digits }).format(v);
  }
  function el(tag, text, attrs) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = text;
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    return e;
  }
  function cell(row, text, value, cls) {
    const td = el("td", text);
    if (value !== undefined && !missing(value)) td.dataset.value = String(value);
    if (cls) td.className = cls;
    row.appendChild(td);
    return td;
  }
  function header(table, names) {
    const tr = el("tr");
    names.forEach((n) => tr.appendChild(el("th", n)));
    table.appendChild(tr);
  }

  async function api(path, body) {
    const opts = { credentials: "same-origin" };
    if (body !== undefined) {
      opts.method = "POST";
      opts.headers = { "Content-Type": "application/json" };
      opts.body = JSON.stringify(body);
    }
    const r = await fetch(path, opts);
    let data;
    try { data = await r.json(); } catch (e) { data = { error: r.status + " " + r.statusText }; }
    if (!r.ok) throw new Error(data.error || r.statusText);
    return data;
  }
  function showError(e) {
    const box = $("error");
    if (!e) { box.hidden = true; box.textContent = ""; return; }
    box.textContent = T("error") + ": " + String(e.message || e).split("\n")[0];
    box.hidden = false;
  }
  function busy(on) {
    document.body.style.cursor = on ? "progress" : "";
    document.body.dataset.busy = on ? "1" : "0";
  }
  async function act(path, body) {
    busy(true);
    try {
      showError(null);
      state = await api(path, body || {});
      render();
    } catch (e) { showError(e); } finally { busy(false); }
  }

  // ------------------------------------------------------------------ the proposal
  function choiceAt(site, org) {
    const c = state.choices.find((x) => x.site_id === site && x.organisation === org);
    if (!c || c.mode === "closed") return { mode: "none", days_per_month: 0, locked: !!(c && c.locked) };
    return c;
  }
  function siteMode(site) {
    const modes = meta.organisations.map((o) => choiceAt(site, o.key).mode);
    const inPerson = modes.filter((m) => m === "office" || m === "shared" || m === "popup");
    if (modes.filter((m) => m === "office" || m === "shared").length >= 2 ||
        (inPerson.length >= 2 && modes.some((m) => m === "office" || m === "shared"))) return "shared";
    for (const m of ["shared", "office", "popup", "remote"]) if (modes.includes(m)) return m;
    return "none";
  }
  function minuteColour(m) {
    if (missing(m)) return "#bdbdbd";
    return MINUTE_BINS.find(([lim]) => m <= lim)[1];
  }

  // ------------------------------------------------------------------ the map
  function buildMap() {
    map = L.map("map");
    const all = meta.demand.map((d) => [d.lat, d.lon]).concat(meta.sites.map((s) => [s.lat, s.lon]));
    map.fitBounds(L.latLngBounds(all).pad(0.05));  // first: a layer draws once the map has a view
    L.tileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                { maxZoom: 19, attribution: "© OpenStreetMap" }).addTo(map);
    meta.demand.forEach((d) => {
      const m = L.circleMarker([d.lat, d.lon], { radius: Math.max(3, Math.min(9, Math.sqrt(d.population) / 3)),
                                                 weight: 0, fillOpacity: 0.75 }).addTo(map);
      residentMarkers.push(m);
    });
    meta.sites.forEach((s, i) => {
      const today = Object.keys(s.today).length > 0;
      const m = L.circleMarker([s.lat, s.lon], { radius: 9, weight: today ? 3 : 1.5, color: "#111",
                                                 fillOpacity: 0.9, className: "site-marker" }).addTo(map);
      m.bindTooltip(s.name);
      m.on("click", () => selectSite(s.site_id));
      const path = m.getElement();
      if (path) { path.setAttribute("data-site", s.site_id); path.setAttribute("data-index", String(i)); }
      siteMarkers[s.site_id] = m;
    });
    [["bottomleft", "legend"], ["topright", "legend-modes"]].forEach(([position, id]) => {
      const box = L.control({ position });
      box.onAdd = () => {
        const div = L.DomUtil.create("div", "legend");
        div.id = id;
        return div;
      };
      box.addTo(map);
    });
  }
  function drawLegend() {
    const div = $("legend");
    if (!div) return;
    div.textContent = "";
    div.appendChild(el("b", T("residents_minutes")));
    let lo = 0;
    MINUTE_BINS.forEach(([lim, colour]) => {
      const row = el("div");
      const sw = el("i"); sw.style.background = colour; row.appendChild(sw);
      row.appendChild(document.createTextNode(lim === Infinity ? "> " + lo : lo + "–" + lim));
      div.appendChild(row);
      lo = lim;
    });
    const modes = $("legend-modes");
    modes.textContent = "";
    ["shared", "office", "popup", "remote", "none"].forEach((m) => {
      const row = el("div");
      const sw = el("i"); sw.style.background = MODE_COLOURS[m]; sw.style.border = "1px solid #111";
      row.appendChild(sw);
      row.appendChild(document.createTextNode(m === "none" ? T("candidate") : term(m)));
      modes.appendChild(row);
    });
  }
  function drawMap() {
    const minutes = state.answers.minutes.all;
    residentMarkers.forEach((m, i) => m.setStyle({ fillColor: minuteColour(minutes[i]) }));
    meta.sites.forEach((s) => {
      const mode = siteMode(s.site_id);
      siteMarkers[s.site_id].setStyle({ fillColor: MODE_COLOURS[mode],
                                        radius: mode === "none" ? 6 : 10 });
      const path = siteMarkers[s.site_id].getElement();
      if (path) path.setAttribute("data-mode", mode);
    });
  }

  // ------------------------------------------------------------------ the site panel
  function selectSite(siteId) {
    selected = siteId;
    $("site-select").value = siteId;
    drawSite();
  }
  function drawSite() {
    const table = $("site-modes");
    table.textContent = "";
    $("site-name").textContent = "";
    if (!selected) return;
    const site = meta.sites.find((s) => s.site_id === selected);
    $("site-name").textContent = site.name;
    header(table, [T("organisation"), T("mode_at_site"), T("days_month"), T("cost"), ""]);
    const decisions = state.answers.decisions;
    meta.organisations.forEach((o) => {
      const c = choiceAt(selected, o.key);
      const tr = el("tr", null, { "data-org": o.key });
      const who = cell(tr, orgName(o.key) + (site.today[o.key] ? " ◉" : ""));
      if (site.today[o.key]) who.title = T("today") + ": " + term("office");
      const td = el("td");
      const sel = el("select", null, { id: "mode-" + o.key, "aria-label": o.key });
      ["none", "office", "shared", "popup", "remote"].forEach((m) => {
        const opt = el("option", m === "none" ? T("none") : term(m), { value: m });
        if (m === c.mode) opt.selected = true;
        sel.appendChild(opt);
      });
      td.appendChild(sel); tr.appendChild(td);
      const tdDays = el("td");
      const days = el("select", null, { id: "days-" + o.key, "aria-label": o.key + " days" });
      const levels = meta.popup_days.slice();
      if (c.mode === "popup" && !levels.includes(c.days_per_month)) levels.push(c.days_per_month);
      levels.forEach((d) => {
        const opt = el("option", String(d), { value: String(d) });
        if (c.mode === "popup" && d === c.days_per_month) opt.selected = true;
        days.appendChild(opt);
      });
      days.disabled = c.mode !== "popup";
      tdDays.appendChild(days); tr.appendChild(tdDays);
      const dec = decisions.find((d) => d.site_id === selected && d.organisation === o.key);
      cell(tr, dec ? num(dec.annual_cost_eur) : "–", dec ? dec.annual_cost_eur : undefined)
        .id = "site-cost-" + o.key;
      const tdLock = el("td");
      if (c.locked) {  // the badge unlocks: the optimiser may change it again
        const b = el("button", T("locked") + " ×", { type: "button", class: "badge",
                                                      title: T("unlock"), id: "unlock-" + o.key });
        b.addEventListener("click", () => act("/api/unlock", { site_id: selected, organisation: o.key }));
        tdLock.appendChild(b);
      }
      tr.appendChild(tdLock);
      const send = () => act("/api/change", { site_id: selected, organisation: o.key, mode: sel.value,
                                              days_per_month: sel.value === "popup" ? Number(days.value) : 0 });
      sel.addEventListener("change", send);
      days.addEventListener("change", send);
      table.appendChild(tr);
    });
  }

  // ------------------------------------------------------------------ the answers
  function drawKpis() {
    const table = $("kpis");
    table.textContent = "";
    const top = el("tr");
    [["", 2], [T("share_within"), 2], [T("annual_cost"), 2], ["", 1]].forEach(([t, n]) => {
      top.appendChild(el("th", t, { colspan: String(n) }));
    });
    table.appendChild(top);
    header(table, [T("organisation"), T("standard"), T("today"), T("proposal"), T("today"),
                   T("proposal"), T("mean_minutes")]);
    state.answers.kpis.forEach((k) => {
      const tr = el("tr", null, { id: "kpi-" + k.organisation });
      cell(tr, orgName(k.organisation));
      cell(tr, k.standard || "");
      cell(tr, pct(k.within_before), k.within_before);
      const d = (k.within_after || 0) - (k.within_before || 0);
      cell(tr, pct(k.within_after), k.within_after, d < -1e-9 ? "worse" : d > 1e-9 ? "better" : "")
        .classList.add("share");
      cell(tr, num(k.cost_before_eur), k.cost_before_eur);
      const c = k.cost_after_eur - k.cost_before_eur;
      cell(tr, num(k.cost_after_eur), k.cost_after_eur, c > 0.5 ? "worse" : c < -0.5 ? "better" : "")
        .classList.add("cost");
      cell(tr, num(k.mean_min_after, 1), k.mean_min_after);
      table.appendChild(tr);
    });
    const t = state.answers.totals;
    $("total").textContent = T("total_cost") + ": " + T("today") + " " + num(t.today) + " · " +
      T("proposal") + " " + num(t.proposal);
    $("total").dataset.value = String(t.proposal);
  }
  function drawBroken() {
    const ul = $("broken");
    ul.textContent = "";
    const broken = state.answers.standards.filter((s) => !s.met);
    if (!broken.length) { ul.appendChild(el("li", T("none_broken"))); return; }
    broken.forEach((s) => {
      const where = s.area === "all" ? term("all") : s.group;
      const text = orgName(s.organisation) + " · " + where + " · " + s.minutes + " min: " +
        T("achieved") + " " + pct(s.achieved_share) + " (" + T("today") + " " +
        pct(s.achieved_share_today) + "), " + T("required") + " " + pct(s.required_share, 0) +
        " — " + term(s.status === "already broken today" ? "already" : s.status);
      ul.appendChild(el("li", text, { class: s.status === "new" ? "new" : "" }));
    });
  }
  function drawLines() {
    const table = $("lines");
    table.textContent = "";
    const rows = state.answers.cost_lines;
    header(table, [T("lines"), ...rows.map((r) => orgName(r.organisation))]);
    LINES.forEach((line) => {
      const tr = el("tr");
      cell(tr, T(line));
      rows.forEach((r) => cell(tr, num(r[line]), r[line]));
      table.appendChild(tr);
    });
  }
  function drawBudgets() {
    const table = $("budgets");
    table.textContent = "";
    const cols = ["today_eur", "lines_eur", "fees_paid_eur", "fees_received_eur", "budget_eur",
                  "change_eur"];
    header(table, [T("organisation"), T("today"), T("annual_cost_eur"), T("fees_paid_eur"),
                   T("fees_received_eur"), T("budget_eur"), T("change_eur")]);
    state.answers.budgets.forEach((b) => {
      const tr = el("tr", null, { id: "budget-" + b.organisation });
      cell(tr, b.organisation === "joint" ? T("joint") : orgName(b.organisation));
      cols.forEach((c) => cell(tr, num(b[c]), b[c]));
      table.appendChild(tr);
    });
  }
  function drawSplit() {
    const box = $("split");
    box.textContent = "";
    const split = state.answers.split;
    if (!split.length) { box.appendChild(el("p", T("no_shared"))); return; }
    const key = meta.sharing_key;
    [...new Set(split.map((r) => r.site_id))].forEach((sid) => {
      const site = meta.sites.find((s) => s.site_id === sid);
      box.appendChild(el("h3", site ? site.name : sid));
      const table = el("table", null, { "data-site": sid });
      header(table, [T("organisation"), T("key_method") + ": " + term(key), term("shapley"),
                     term("nucleolus")]);
      const at = split.filter((r) => r.site_id === sid);
      [...new Set(at.map((r) => r.organisation))].forEach((o) => {
        const tr = el("tr");
        cell(tr, orgName(o));
        [key, "shapley", "nucleolus"].forEach((m) => {
          const r = at.find((x) => x.organisation === o && x.method === m);
          cell(tr, r ? num(r.share_eur) : "–", r ? r.share_eur : undefined);
        });
        table.appendChild(tr);
      });
      box.appendChild(table);
    });
  }
  function drawRules() {
    const ul = $("rules");
    ul.textContent = "";
    state.answers.checks.filter((c) => c.severity === "breach").forEach((c) => {
      ul.appendChild(el("li", c.rule + ": " + (c.organisation ? orgName(c.organisation) + " " : "") +
                        c.message));
    });
  }
  function render() {
    $("undo").disabled = !state.can_undo;
    $("redo").disabled = !state.can_redo;
    document.body.dataset.version = String(state.version);
    drawMap(); drawSite(); drawKpis(); drawBroken(); drawLines(); drawBudgets(); drawSplit();
    drawRules();
  }

  // ------------------------------------------------------------------ optimise the rest
  function drawSolver(s) {
    const box = $("solver");
    box.hidden = s.state === "idle";
    $("optimise").disabled = s.state === "running";
    $("cancel").hidden = s.state !== "running";
    let text = T("solver") + ": " + T("elapsed") + " " + num(s.elapsed_s, 0) + " s";
    if (s.objective !== null) text += " · " + T("cost") + " " + num(s.objective);
    if (s.bound !== null) text += " · " + T("bound") + " " + num(s.bound);
    if (s.gap !== null) text += " · " + T("gap") + " " + pct(s.gap, 1);
    if (s.state === "done") text = T("solver_done") + " " + text;
    if (s.state === "cancelled") text = T("solver_cancelled");
    box.textContent = s.state === "running" ? T("working") + " " + text : text;
    box.dataset.state = s.state;
  }
  async function poll() {
    try {
      const s = await api("/api/optimise");
      drawSolver(s);
      if (s.state === "running") { polling = setTimeout(poll, 700); return; }
      polling = null;
      if (s.state === "failed") showError(new Error(s.message));
      if (s.state === "done") { state = await api("/api/state"); render(); }
    } catch (e) { showError(e); polling = null; }
  }
  async function optimise() {
    try {
      showError(null);  // at once: starting the solver's process takes a few seconds
      drawSolver({ state: "running", elapsed_s: 0, objective: null, bound: null, gap: null });
      drawSolver(await api("/api/optimise", {}));
      if (!polling) poll();
    } catch (e) { showError(e); }
  }

  // ------------------------------------------------------------------ language and start
  async function setLang(l) {
    lang = l;
    try { localStorage.setItem("planner-lang", l); } catch (e) { /* private mode */ }
    texts = await api("/api/texts?lang=" + encodeURIComponent(l));
    document.documentElement.lang = l;
    document.querySelectorAll("[data-text]").forEach((e) => { e.textContent = T(e.dataset.text); });
    document.title = T("title");
    $("title").textContent = T("title");
    $("lang").value = l;
    $("dl-xlsx").href = "/download/report.xlsx?lang=" + l;
    $("dl-map").href = "/download/proposal.html?lang=" + l;
    const sel = $("site-select");
    const keep = sel.value;
    sel.textContent = "";
    sel.appendChild(el("option", "—", { value: "" }));
    meta.sites.forEach((s) => sel.appendChild(el("option", s.name, { value: s.site_id })));
    sel.value = keep;
    drawLegend();
    if (state) render();
  }
  async function start() {
    try {
      meta = await api("/api/meta");
      $("scenario").textContent = meta.scenario;
      let l = meta.lang;
      try { l = localStorage.getItem("planner-lang") || l; } catch (e) { /* private mode */ }
      buildMap();
      await setLang(meta.languages.includes(l) ? l : meta.lang);
      state = await api("/api/state");
      render();
      $("site-select").addEventListener("change", (e) => selectSite(e.target.value || null));
      $("undo").addEventListener("click", () => act("/api/undo"));
      $("redo").addEventListener("click", () => act("/api/redo"));
      $("reset").addEventListener("click", () => act("/api/reset"));
      $("optimise").addEventListener("click", optimise);
      $("cancel").addEventListener("click", async () => {
        try { drawSolver(await api("/api/optimise/cancel", {})); } catch (e) { showError(e); }
      });
      $("lang").addEventListener("change", (e) => setLang(e.target.value));
      const s = await api("/api/optimise");
      drawSolver(s);
      if (s.state === "running") poll();
      document.body.dataset.ready = "1";
    } catch (e) { showError(e); }
  }
  start();
})();
