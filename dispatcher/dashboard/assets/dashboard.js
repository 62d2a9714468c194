// The dashboard page: polls /api/farm every second and /api/trust every five, and redraws.
// Read-only. A token given in the page's URL (?token=...) is sent with every request.
"use strict";

const token = new URLSearchParams(location.search).get("token");
const withToken = (url) => token ? url + (url.includes("?") ? "&" : "?") + "token=" + encodeURIComponent(token) : url;
const headers = token ? { Authorization: "Bearer " + token } : {};
let credits = new Map();  // worker key -> credit

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v; else node.setAttribute(k, v);
  }
  for (const child of children) node.append(child instanceof Node ? child : String(child));
  return node;
}

function short(key) { return key.length > 12 ? key.slice(0, 12) + "…" : key; }

function rate(value) {
  if (!value) return "–";
  const units = ["", "k", "M", "G", "T"];
  let i = 0;
  while (value >= 1000 && i < units.length - 1) { value /= 1000; ++i; }
  return value.toFixed(value < 10 ? 1 : 0) + units[i] + "/s";
}

function renderJob(job) {
  const pct = job.units_total ? (100 * job.units_done / job.units_total) : 0;
  const what = job.kind === "simulation" ? "runs" : "frames";
  const box = el("div", { class: "job", id: "job-" + job.id },
    el("div", { class: "job-head" },
      el("span", { class: "job-name" }, `#${job.id} ${job.name}`),
      el("span", { class: "state state-" + job.state }, job.state),
      el("span", { class: "units" }, `${job.units_done} / ${job.units_total} units`),
      el("span", {}, `${job.frames_done} / ${job.frames_total} ${what}`),
      el("span", {}, `${pct.toFixed(1)}%`),
      el("span", {}, `replication ${job.replication}, ${job.units_in_flight} leased`)),
    el("div", { class: "progress" }, el("div", { style: `width:${pct}%` })));
  if (job.message) box.append(el("div", { class: "message" }, job.message));
  const images = el("div", { class: "images" });
  for (const image of job.images) {
    const src = withToken(image.url) + (image.live ? (token ? "&" : "?") + "v=" + job.units_done : "");
    images.append(el("figure", {}, el("img", { src, alt: image.label }), el("figcaption", {}, image.label)));
  }
  box.append(images);
  return box;
}

function renderWorkers(workers) {
  const body = document.querySelector("#workers tbody");
  body.replaceChildren();
  if (!workers.length) body.append(el("tr", {}, el("td", { colspan: 8, class: "empty" }, "No worker connected.")));
  for (const w of workers) {
    const state = w.quarantined ? "quarantined" : w.draining ? "draining (leaving)" : w.paused ? "paused (machine busy)" : w.trusted ? "trusted" : "active";
    const problems = [];
    if (w.quarantined) problems.push(w.quarantine_reason);
    if (w.results_invalid) problems.push(`${w.results_invalid} invalid`);
    if (w.timed_out) problems.push(`${w.timed_out} timed out`);
    if (w.malformed) problems.push(`${w.malformed} malformed`);
    body.append(el("tr", { class: "worker" },
      el("td", {}, el("div", {}, w.name), el("div", { class: "key" }, short(w.key))),
      el("td", {}, w.devices.join(", ")),
      el("td", { class: w.quarantined ? "bad" : "" }, state),
      el("td", {}, `${w.units_in_flight}`),
      el("td", {}, rate(w.rate)),
      el("td", {}, `${w.results_valid}`),
      el("td", {}, credits.has(w.key) ? String(credits.get(w.key)) : "0"),
      el("td", { class: problems.length ? "bad" : "" }, problems.join("; ") || "–")));
  }
}

async function fetchJson(url) {
  const response = await fetch(withToken(url), { headers, cache: "no-store" });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response.json();
}

async function refreshFarm() {
  try {
    const farm = await fetchJson("api/farm");
    const jobs = document.getElementById("jobs");
    jobs.replaceChildren(...(farm.jobs.length ? farm.jobs.map(renderJob) : [el("p", { class: "empty" }, "No jobs yet.")]));
    renderWorkers(farm.workers);
    const running = farm.jobs.filter((j) => j.state === "running" || j.state === "queued").length;
    document.getElementById("summary").textContent =
      `${running} active jobs · ${farm.workers.length} workers · ${farm.units_pending} units pending · ${farm.units_leased} leased`;
    document.getElementById("updated").textContent = "updated " + new Date(farm.time_ms).toLocaleTimeString();
  } catch (e) {
    document.getElementById("summary").textContent = "cannot reach the dispatcher (" + e.message + ")";
  }
}

async function refreshTrust() {
  try {
    const trust = await fetchJson("api/trust");
    credits = new Map(trust.credits.map((c) => [c.key, c.credit]));
    const l = trust.ledger;
    const status = document.getElementById("ledger-status");
    status.className = l.ok ? "ok" : "bad";
    status.textContent = !l.key_known ? `${l.entries} entries (no ledger key recorded yet: not verified)`
      : l.ok ? `${l.entries} entries, ${l.verified} verified: signatures and chain intact`
      : `LEDGER DAMAGED: ${l.problem}`;
    if (trust.error) status.textContent += ` (last read failed: ${trust.error})`;
    const body = document.querySelector("#ledger tbody");
    body.replaceChildren(...l.tail.slice().reverse().map((e) => el("tr", {},
      el("td", {}, e.seq), el("td", { class: "key" }, short(e.key)), el("td", {}, e.job), el("td", {}, e.unit),
      el("td", {}, (e.reversal ? "−" : "") + e.credit), el("td", {}, new Date(e.time_ms).toLocaleTimeString()))));
  } catch (e) {
    document.getElementById("ledger-status").textContent = "cannot read the ledger (" + e.message + ")";
  }
}

refreshFarm();
refreshTrust();
setInterval(refreshFarm, 1000);
setInterval(refreshTrust, 5000);
