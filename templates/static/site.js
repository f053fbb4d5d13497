/* svcnotes site: table sort, filters remembered in the URL hash, CSV export (the search page: search.js).
   Vanilla JS, no dependencies, no inline handlers (the CSP forbids them). Works from file://. */
(function () {
  "use strict";

  var collator = new Intl.Collator(document.documentElement.lang || "zh-CN", { numeric: true, sensitivity: "base" });

  function $all(root, sel) { return Array.prototype.slice.call(root.querySelectorAll(sel)); }

  /* ---- URL hash state: #complaints.status=open&complaints.q=abc ---- */
  function readHash() {
    var out = {};
    location.hash.replace(/^#/, "").split("&").forEach(function (pair) {
      if (!pair) return;
      var i = pair.indexOf("=");
      try {
        if (i > 0) out[decodeURIComponent(pair.slice(0, i))] = decodeURIComponent(pair.slice(i + 1));
      } catch (e) { /* ignore malformed hash parts */ }
    });
    return out;
  }
  function writeHash(state) {
    var parts = Object.keys(state).sort().filter(function (k) { return state[k] !== ""; })
      .map(function (k) { return encodeURIComponent(k) + "=" + encodeURIComponent(state[k]); });
    var url = location.pathname + location.search + (parts.length ? "#" + parts.join("&") : "");
    try { history.replaceState(null, "", url); } catch (e) { /* file:// in some browsers */ }
  }

  function cellText(cell) { return (cell.textContent || "").replace(/\s+/g, " ").trim(); }
  function sortValue(cell, type) {
    var raw = cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cellText(cell);
    if (type === "num") {
      var n = parseFloat(String(raw).replace(/[,\s%]/g, ""));
      return isNaN(n) ? -Infinity : n;
    }
    return raw;
  }

  /* ---- one register: sort + filter + CSV ---- */
  function Register(el) {
    this.el = el;
    this.id = el.id;
    this.table = el.querySelector("table.data");
    this.tbody = this.table.tBodies[0];
    this.rows = $all(this.tbody, "tr");
    this.headers = $all(this.table.tHead, "th");
    this.textInput = el.querySelector("[data-filter-text]");
    this.selects = $all(el, "select[data-filter]");
    this.queue = el.querySelector("select[data-queue]");
    this.queueLinks = $all(el, "[data-queue-link]");
    this.count = el.querySelector("[data-count]");
    this.empty = el.querySelector("[data-empty]");
    this.reset = el.querySelector("[data-filter-reset]");
    this.rows.forEach(function (tr) { tr._text = cellText(tr).toLowerCase(); });
    /* On a phone each row is a card: every cell is labelled with its column (see site.css). */
    var labels = this.headers.map(function (th) { return cellText(th); });
    if (window.matchMedia && window.matchMedia("(max-width: 640px)").matches) {
      this.rows.forEach(function (tr) {
        for (var i = 1; i < tr.cells.length; i++) if (labels[i]) tr.cells[i].setAttribute("data-label", labels[i]);
      });
    }
    /* On a phone the filters fold away behind their summary unless one is in use. */
    var panel = el.querySelector("details.filter-panel");
    if (panel && window.matchMedia && window.matchMedia("(max-width: 640px)").matches) {
      var st = readHash(), id = this.id;
      panel.open = Object.keys(st).some(function (k) {
        return k.indexOf(id + ".") === 0 && !/\.(sort|queue)$/.test(k) && st[k] !== "";
      });
    }
    this.setupSort();
    this.setupFilters();
    this.setupActions();
  }

  Register.prototype.key = function (name) { return this.id + "." + name; };

  Register.prototype.setupSort = function () {
    var self = this;
    this.headers.forEach(function (th, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      /* Print shows the label from this attribute: Chromium leaves buttons blank in the header
         row it repeats on every printed page. */
      th.setAttribute("data-label", cellText(th));
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      th.setAttribute("aria-sort", "none");
      button.addEventListener("click", function () {
        var dir = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
        self.sort(index, dir, true);
      });
    });
    var saved = readHash()[this.key("sort")];
    if (saved) {
      var m = /^(\d+)([ad])$/.exec(saved);
      if (m && this.headers[+m[1]]) this.sort(+m[1], m[2] === "a" ? "ascending" : "descending", false);
    }
  };

  Register.prototype.sort = function (index, dir, remember) {
    var th = this.headers[index];
    var type = th.getAttribute("data-type") || "text";
    var sign = dir === "ascending" ? 1 : -1;
    this.headers.forEach(function (h) { h.setAttribute("aria-sort", "none"); });
    th.setAttribute("aria-sort", dir);
    var keyed = this.rows.map(function (tr, i) {
      return { tr: tr, i: i, v: tr.cells[index] ? sortValue(tr.cells[index], type) : "" };
    });
    keyed.sort(function (a, b) {
      var c = type === "num" ? (a.v < b.v ? -1 : a.v > b.v ? 1 : 0) : collator.compare(String(a.v), String(b.v));
      return c * sign || a.i - b.i;
    });
    var frag = document.createDocumentFragment();
    keyed.forEach(function (k) { frag.appendChild(k.tr); });
    this.tbody.appendChild(frag);
    if (remember) this.remember("sort", index + (dir === "ascending" ? "a" : "d"));
  };

  Register.prototype.remember = function (name, value) {
    var state = readHash();
    state[this.key(name)] = value;
    writeHash(state);
  };

  /* The person using the site (for the 我负责的 / 待我核决 queues), remembered in this browser. */
  var PERSONAL = { mine: true, approve: true };
  function me() { try { return localStorage.getItem("svcnotes.me") || ""; } catch (e) { return ""; } }
  function setMe(id) { try { localStorage.setItem("svcnotes.me", id); } catch (e) { /* private mode */ } }

  /* Filters and the work queue come from the URL hash (so a dashboard link opens exactly its list);
     with no queue in the hash the register opens on its default queue (what needs doing). */
  Register.prototype.load = function () {
    var self = this, state = readHash();
    var text = state[this.key("q")] || "";
    if (this.textInput && this.textInput.value !== text) this.textInput.value = text;
    this.selects.forEach(function (sel) {
      var saved = state[self.key(sel.getAttribute("data-filter"))] || "";
      sel.value = $all(sel, "option").some(function (o) { return o.value === saved; }) ? saved : "";
    });
    if (this.queue) {
      /* The default queue is the landing view: a filter chosen without a queue looks at every row. */
      var filtered = Object.keys(state).some(function (k) {
        return k.indexOf(self.id + ".") === 0 && k !== self.key("sort") && k !== self.key("queue") && state[k] !== "";
      });
      var q = state[this.key("queue")] || (filtered ? "all" : this.queue.getAttribute("data-default")) || "all";
      this.queue.value = $all(this.queue, "option").some(function (o) { return o.value === q; }) ? q : "all";
    }
    this.filter();
  };

  Register.prototype.setupFilters = function () {
    var self = this;
    if (this.textInput) {
      this.textInput.addEventListener("input", function () { self.remember("q", self.textInput.value); self.load(); });
    }
    this.selects.forEach(function (sel) {
      sel.addEventListener("change", function () { self.remember(sel.getAttribute("data-filter"), sel.value); self.load(); });
    });
    if (this.queue) {
      this.queue.addEventListener("change", function () { self.remember("queue", self.queue.value); self.filter(); });
    }
    var meSelect = this.el.querySelector("select[data-me]");
    if (meSelect) {
      meSelect.value = me();
      meSelect.addEventListener("change", function () { setMe(meSelect.value); self.filter(); });
    }
    if (this.reset) {
      this.reset.hidden = false;
      this.reset.addEventListener("click", function () {
        var st = readHash();
        if (self.textInput) delete st[self.key("q")];
        self.selects.forEach(function (sel) { delete st[self.key(sel.getAttribute("data-filter"))]; });
        delete st[self.key("queue")];
        writeHash(st);
        self.load();
      });
    }
    this.load();
  };

  Register.prototype.filter = function () {
    var q = this.textInput ? this.textInput.value.trim().toLowerCase() : "";
    var terms = q ? q.split(/\s+/) : [];
    var conds = this.selects.filter(function (s) { return s.value !== ""; })
      .map(function (s) { return ["data-f-" + s.getAttribute("data-filter"), s.value]; });
    var chosen = this.queue ? this.queue.value : "all";
    /* "mine" and "approve" are per person: the row lists the people as mine:<id> / approve:<id>. */
    var queue = chosen === "all" ? "" : " " + (PERSONAL[chosen] ? chosen + ":" + (me() || "-") : chosen) + " ";
    var shown = 0;
    this.rows.forEach(function (tr) {
      var ok = conds.every(function (c) { return tr.getAttribute(c[0]) === c[1]; }) &&
        (!queue || (" " + (tr.getAttribute("data-q") || "") + " ").indexOf(queue) !== -1) &&
        terms.every(function (term) { return tr._text.indexOf(term) !== -1; });
      tr.hidden = !ok;
      if (ok) shown++;
    });
    var current = this.queue ? this.queue.value : "";
    var rows = this.rows, who = me();
    $all(this.el, "[data-queue-count]").forEach(function (span) {
      var token = " " + span.getAttribute("data-queue-count") + ":" + who + " ";
      span.textContent = who ? rows.filter(function (tr) { return (" " + (tr.getAttribute("data-q") || "") + " ").indexOf(token) !== -1; }).length : "";
    });
    this.queueLinks.forEach(function (a) {
      if (a.getAttribute("data-queue-link") === current) a.setAttribute("aria-current", "true");
      else a.removeAttribute("aria-current");
    });
    if (this.count) {
      this.count.textContent = (this.count.getAttribute("data-template") || "{shown}/{total}")
        .replace("{shown}", shown).replace("{total}", this.rows.length);
    }
    if (this.empty) this.empty.hidden = shown > 0;
  };

  Register.prototype.setupActions = function () {
    var self = this;
    var csv = this.el.querySelector("[data-csv]");
    if (csv && window.Blob && window.URL && URL.createObjectURL) {
      csv.hidden = false;
      csv.addEventListener("click", function () { self.downloadCsv(); });
    }
    var print = this.el.querySelector("[data-print]");
    if (print && window.print) {
      print.hidden = false;
      print.addEventListener("click", function () { window.print(); });
    }
  };

  function csvField(text) {
    /* A leading = + - @ would run as a formula in Excel: prefix a quote (CSV injection). */
    if (/^[=+\-@\t\r]/.test(text) && !/^-?\d+([.,]\d+)*$/.test(text)) text = "'" + text;
    return /[",\r\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }

  Register.prototype.downloadCsv = function () {
    var lines = [this.headers.map(function (th) { return csvField(cellText(th)); }).join(",")];
    this.rows.forEach(function (tr) {
      if (tr.hidden) return;
      lines.push(Array.prototype.map.call(tr.cells, function (c) { return csvField(cellText(c)); }).join(","));
    });
    /* BOM so Excel opens UTF-8 Chinese text correctly; CRLF as RFC 4180 says. */
    var blob = new Blob(["\uFEFF" + lines.join("\r\n") + "\r\n"], { type: "text/csv;charset=utf-8" });
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = (this.el.getAttribute("data-csv-name") || "table") + ".csv";
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  };

  function init() {
    /* The running header of a printed page (see @page in site.css): the page's own print title. */
    var printTitle = document.body.getAttribute("data-print-title");
    if (printTitle) document.documentElement.style.setProperty("--print-title", JSON.stringify(printTitle));
    /* The search box in every page's header opens the search page with the query (forms may not
       submit under the CSP, so the script navigates). */
    $all(document, "[data-site-search]").forEach(function (form) {
      form.addEventListener("submit", function (ev) {
        ev.preventDefault();
        var q = form.querySelector("input").value.trim();
        location.href = form.getAttribute("data-action") + (q ? "#q=" + encodeURIComponent(q) : "");
      });
    });
    var registers = [];
    $all(document, "[data-register]").forEach(function (el) {
      if (el.id && el.querySelector("table.data")) registers.push(new Register(el));
    });
    window.addEventListener("hashchange", function () { registers.forEach(function (r) { r.load(); }); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
