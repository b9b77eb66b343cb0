// OpenTalking status page: fetches status.json every few seconds and redraws in place (no page reload).
// Data is written with textContent only, never as HTML.
(function () {
  "use strict";

  var params = new URLSearchParams(window.location.search);
  var every = clamp(parseInt(params.get("refresh") || "3000", 10), 500, 60000, 3000);
  var previous = null;    // model id -> {connected, reason} from the last successful refresh
  var lastOk = null;      // Date of the last successful refresh
  var changes = 0;

  function clamp(v, lo, hi, dflt) {
    return isNaN(v) ? dflt : Math.min(hi, Math.max(lo, v));
  }

  function $(id) {
    return document.getElementById(id);
  }

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) {
      e.textContent = String(text);
    }
    return e;
  }

  function time(d) {
    return d.toLocaleTimeString([], {hour: "2-digit", minute: "2-digit", second: "2-digit"});
  }

  function age(ms) {
    if (typeof ms !== "number" || ms < 0) {
      return "unknown";
    }
    if (ms < 10000) {
      return (ms / 1000).toFixed(1) + " s";
    }
    if (ms < 120000) {
      return Math.round(ms / 1000) + " s";
    }
    return Math.round(ms / 60000) + " min";
  }

  function badge(connected) {
    var b = el("span", {"class": "badge " + (connected ? "ok" : "bad")});
    b.appendChild(el("span", {"aria-hidden": "true"}, connected ? "✓" : "✗"));
    b.appendChild(document.createTextNode(connected ? "Connected" : "Not connected"));
    return b;
  }

  function row(s, defaultModel) {
    var tr = el("tr", {"role": "row", "data-model": s.id, "data-connected": String(!!s.connected),
      "data-reason": s.reason});
    var name = el("th", {"scope": "row", "role": "rowheader"}, s.id);
    if (s.id === defaultModel) {
      name.appendChild(el("span", {"class": "tag"}, "default"));
    }
    tr.appendChild(name);
    tr.appendChild(el("td", {"role": "cell", "data-label": "Backend"}, s.backend));
    var status = el("td", {"role": "cell", "data-label": "Status", "class": "status"});
    status.appendChild(badge(!!s.connected));
    tr.appendChild(status);
    var reason = el("td", {"role": "cell", "data-label": "Reason"});
    reason.appendChild(el("code", {}, s.reason));
    tr.appendChild(reason);
    tr.appendChild(el("td", {"role": "cell", "data-label": "Detail", "class": "detail"}, s.detail || "—"));
    return tr;
  }

  function noteChanges(statuses, now) {
    var seen = {};
    statuses.forEach(function (s) {
      seen[s.id] = {connected: !!s.connected, reason: s.reason};
      if (!previous) {
        return;
      }
      var before = previous[s.id];
      if (!before || before.connected !== !!s.connected || before.reason !== s.reason) {
        var text = time(now) + " " + s.id + ": "
          + (before ? (before.connected ? "connected" : "not connected") + " (" + before.reason + ") → " : "new → ")
          + (s.connected ? "connected" : "not connected") + " (" + s.reason + ")";
        var li = el("li", {"data-model": s.id, "data-connected": String(!!s.connected)}, text);
        var list = $("changes");
        list.insertBefore(li, list.firstChild);
        while (list.children.length > 20) {
          list.removeChild(list.lastChild);
        }
        changes++;
        $("no-changes").hidden = true;
      }
    });
    previous = seen;
  }

  function render(data) {
    var now = new Date();
    var statuses = Array.isArray(data.statuses) ? data.statuses : [];
    var body = $("model-rows");
    var rows = document.createDocumentFragment();
    statuses.forEach(function (s) { rows.appendChild(row(s, data.default_model)); });
    body.replaceChildren(rows);
    noteChanges(statuses, now);

    var q = data.queue || {};
    $("slot").textContent = q.slot_occupied ? "Occupied" : "Free";
    $("waiting").textContent = String(q.queue_size || 0);
    $("source").textContent = q.source === "unavailable" ? "unavailable (store down: showing zeros)" : (q.source || "–");
    $("age").textContent = age(data.snapshot_age_ms);

    var connected = statuses.filter(function (s) { return s.connected; }).length;
    var summary = connected + " of " + statuses.length + " models connected"
      + (connected ? " (" + statuses.filter(function (s) { return s.connected; })
        .map(function (s) { return s.id; }).join(", ") + ")" : "")
      + "; GPU slot " + (q.slot_occupied ? "occupied" : "free") + ", " + (q.queue_size || 0) + " waiting.";
    if ($("summary").textContent !== summary) {
      $("summary").textContent = summary;
    }
    document.title = "(" + connected + "/" + statuses.length + ") OpenTalking status";

    var problem = $("problem");
    if (q.source === "unavailable") {
      problem.textContent = "The queue store is unreachable: the queue figures are zeros, not real values.";
      problem.hidden = false;
    } else {
      problem.hidden = true;
    }
    lastOk = now;
    var updated = $("updated");
    updated.textContent = time(now);
    updated.setAttribute("datetime", now.toISOString());
    document.body.dataset.state = "ok";
    document.body.dataset.updates = String(parseInt(document.body.dataset.updates || "0", 10) + 1);
    document.body.dataset.changes = String(changes);
  }

  function failed(why) {
    document.body.dataset.state = "error";
    var problem = $("problem");
    problem.textContent = "Cannot reach the server (" + why + "). "
      + (lastOk ? "Showing the data from " + time(lastOk) + "." : "No data yet.") + " Retrying…";
    problem.hidden = false;
  }

  function refresh() {
    var ctl = typeof AbortController === "function" ? new AbortController() : null;
    var timer = ctl ? setTimeout(function () { ctl.abort(); }, Math.max(2000, every)) : null;
    fetch("status.json", {cache: "no-store", headers: {"Accept": "application/json"}, signal: ctl && ctl.signal})
      .then(function (r) {
        if (!r.ok) {
          throw new Error("HTTP " + r.status);
        }
        return r.json();
      })
      .then(render)
      .catch(function (e) { failed(e && e.name === "AbortError" ? "timed out" : (e && e.message) || "error"); })
      .then(function () {
        if (timer) {
          clearTimeout(timer);
        }
        setTimeout(refresh, every);
      });
  }

  $("interval").textContent = String(every / 1000);
  refresh();
})();
