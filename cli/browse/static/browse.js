// Selection changes go to the server at once (kept in .lakeform/browse/), progress is polled.
"use strict";

// The per-process token the page was rendered with; the server refuses a change without it.
const TOKEN = document.querySelector("meta[name=lakeform-token]").content;

// One change at a time, in the order made: two in flight could be answered out of order, and
// the count of the older answer would be the one left on the page.
let sending = Promise.resolve();

function post(items) {
  sending = sending.catch(() => {}).then(() => send(items));  // one failure stops no later one
  return sending;
}

async function send(items) {
  const answer = await fetch("/select", {
    method: "POST",
    headers: {"Content-Type": "application/json", "X-Lakeform-Token": TOKEN},
    body: JSON.stringify({items}),
  });
  if (!answer.ok) {
    alert("The selection could not be saved: " + answer.status + " " + (await answer.text()));
    return;
  }
  const body = await answer.json();
  document.getElementById("selected-count").textContent = body.selected;
}

document.addEventListener("change", (event) => {
  const box = event.target;
  if (box.classList.contains("pick")) {
    box.closest("tr, .item-actions")?.classList.toggle("selected", box.checked);
    post([{kind: box.dataset.kind, id: box.dataset.id, selected: box.checked}]);
  } else if (box.classList.contains("sources")) {
    post([{kind: box.dataset.kind, id: box.dataset.id, selected: true, sources: box.checked}])
      .then(() => { if (document.getElementById("selected-items")) location.reload(); });
  }
});

document.addEventListener("click", (event) => {
  const button = event.target;
  if (button.id === "select-page") {
    const boxes = [...document.querySelectorAll("input.pick")];
    boxes.forEach((b) => { b.checked = true; b.closest("tr")?.classList.add("selected"); });
    post(boxes.map((b) => ({kind: b.dataset.kind, id: b.dataset.id, selected: true})));
  } else if (button.classList.contains("unpick")) {
    post([{kind: button.dataset.kind, id: button.dataset.id, selected: false}])
      .then(() => location.reload());
  }
});

// While the workspace is read or an export runs, follow it; reload when it ends.
async function poll() {
  const listing = document.getElementById("listing-status");
  const exporting = document.querySelector("#export[data-status=running]");
  if (listing?.dataset.phase !== "listing" && !exporting) return;
  const status = await (await fetch("/api/status")).json();
  if (listing?.dataset.phase === "listing") {
    if (status.listing.phase !== "listing") { location.reload(); return; }
    document.getElementById("listing-detail").textContent = status.listing.detail;
  }
  if (exporting) {
    const e = status.export;
    if (!e || e.status !== "running") { location.reload(); return; }
    const bar = document.getElementById("export-progress");
    bar.max = e.total || 1;
    bar.value = e.done;
    document.getElementById("export-phase").textContent = `${e.phase} ${e.done}/${e.total}`;
  }
  setTimeout(poll, 400);
}
setTimeout(poll, 400);
