/* svcnotes search page: the index is written by svcnotes/site/search.py (read its docstring).
   A query loads the gram shards of its terms' grams (a few KB each), intersects their posting lists
   into candidate entries, then loads only the parts that hold candidates, customers' first, then
   newest first, checking each candidate as a substring match (works for Chinese) and showing results
   from the first part on. All terms must match; qualifiers customer: status: kind: owner: match
   those fields. Scripts, not fetch, so the site works from file://. No dependencies, no inline code. */
(function () {
  "use strict";

  var PAGE = 50;
  var QUALIFIERS = { customer: ["c"], status: ["s", "sv"], kind: ["k", "kl"], owner: ["o"],
                     "客户": ["c"], "状态": ["s", "sv"], "类型": ["k", "kl"], "负责人": ["o"] };
  /* svcnotes.site.search.SEPARATORS: no gram spans one of these */
  var SEPARATORS = " \t\n\r\u000b\f\u0001\u001c\u001d\u001e\u001f\u0085\u00a0\u1680\u2028\u2029\u202f\u205f\u3000\ufeff" +
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a";
  var TERMINAL = "0123456789abcdefghijklmnopqrstuv", MORE = "ABCDEFGHIJKLMNOPQRSTUVWXYZ!#$%&(";

  function readHash() {
    var out = {};
    location.hash.replace(/^#/, "").split("&").forEach(function (pair) {
      var i = pair.indexOf("=");
      try { if (i > 0) out[decodeURIComponent(pair.slice(0, i))] = decodeURIComponent(pair.slice(i + 1)); } catch (e) { /* malformed */ }
    });
    return out;
  }
  function writeHash(q) {
    var url = location.pathname + location.search + (q ? "#q=" + encodeURIComponent(q) : "");
    try { history.replaceState(null, "", url); } catch (e) { /* file:// in some browsers */ }
  }

  function parseQuery(text) {
    var out = { terms: [], fields: [] };
    text.trim().toLowerCase().split(/\s+/).forEach(function (word) {
      if (!word) return;
      var m = /^(customer|status|kind|owner|客户|状态|类型|负责人)[:：](.+)$/.exec(word);
      if (m) out.fields.push([QUALIFIERS[m[1]], m[2]]);
      else out.terms.push(word);
    });
    return out;
  }

  function matches(e, query, kind, status) {
    if (kind && e.k !== kind) return false;
    if (status && e.s !== status) return false;
    var x = e.x || "";
    for (var i = 0; i < query.terms.length; i++) if (x.indexOf(query.terms[i]) === -1) return false;
    return query.fields.every(function (f) {
      return f[0].some(function (key) { return String(e[key] || "").toLowerCase().indexOf(f[1]) !== -1; });
    });
  }

  /* The grams of a term (svcnotes.site.search.grams): pairs holding a non-ASCII character, ASCII triples. */
  function grams(term) {
    var cs = Array.from(term), out = [], seen = {};
    function add(g) { if (!seen[g]) { seen[g] = 1; out.push(g); } }
    for (var i = 0; i + 1 < cs.length; i++) {
      var a = cs[i], b = cs[i + 1];
      if (SEPARATORS.indexOf(a) !== -1 || SEPARATORS.indexOf(b) !== -1) continue;
      if (a.codePointAt(0) > 127 || b.codePointAt(0) > 127) add(a + b);
      else if (i + 2 < cs.length && cs[i + 2].codePointAt(0) <= 127 && SEPARATORS.indexOf(cs[i + 2]) === -1) add(a + b + cs[i + 2]);
    }
    return out;
  }

  function shardOf(gram, shards) {
    var h = 2166136261;
    Array.from(gram).forEach(function (ch) { h = Math.imul(h ^ ch.codePointAt(0), 16777619) >>> 0; });
    return h % shards;
  }

  /* svcnotes.site.search.encode's positions, each plus base, appended to out */
  function decode(text, base, out) {
    var prev = -1, value = 0, run = false;
    for (var i = 0; i < text.length; i++) {
      var ch = text.charAt(i), k = MORE.indexOf(ch);
      if (k !== -1) { value = value * 32 + k; continue; }
      value = value * 32 + TERMINAL.indexOf(ch);
      if (run) { for (var j = 1; j <= value; j++) out.push(base + prev + j); prev += value; run = false; }
      else if (value === 0) run = true;
      else { prev += value; out.push(base + prev); }
      value = 0;
    }
  }

  function intersect(a, b) {
    var out = [], i = 0, j = 0;
    while (i < a.length && j < b.length) {
      if (a[i] < b[j]) i++;
      else if (a[i] > b[j]) j++;
      else { out.push(a[i]); i++; j++; }
    }
    return out;
  }

  function snippet(e, terms) {
    /* The matched text around the first term that is not in the title, with the terms marked. */
    var x = e.x || "", body = x.indexOf("\u0001", x.indexOf("\u0001") + 1) + 1, at = -1, term = "";
    if (body <= 0) return null;
    x = x.slice(body);
    for (var i = 0; i < terms.length && at === -1; i++) {
      var from = x.indexOf(terms[i]);
      if (from !== -1) { at = from; term = terms[i]; }
    }
    if (at === -1) return null;
    var start = Math.max(0, at - 30), end = Math.min(x.length, at + term.length + 50);
    var text = (start > 0 ? "…" : "") + x.slice(start, end) + (end < x.length ? "…" : "");
    var p = document.createElement("p");
    p.className = "search-snippet";
    var rest = text;
    while (rest) {
      var best = -1, len = 0;
      terms.forEach(function (t) { var k = rest.indexOf(t); if (k !== -1 && (best === -1 || k < best)) { best = k; len = t.length; } });
      if (best === -1) { p.appendChild(document.createTextNode(rest)); break; }
      p.appendChild(document.createTextNode(rest.slice(0, best)));
      var mark = document.createElement("mark");
      mark.textContent = rest.slice(best, best + len);
      p.appendChild(mark);
      rest = rest.slice(best + len);
    }
    return p;
  }

  function item(e, root, terms) {
    var li = document.createElement("li");
    var head = document.createElement("p");
    head.className = "search-head";
    var kind = document.createElement("span");
    kind.className = "badge badge-kind-" + (e.k || "");
    kind.textContent = e.kl || e.k || "";
    var a = document.createElement("a");
    a.href = root + e.u;
    a.textContent = e.t;
    head.appendChild(kind);
    head.appendChild(document.createTextNode(" "));
    head.appendChild(a);
    li.appendChild(head);
    var meta = [e.s, e.c, e.d, e.o].filter(function (v) { return v; });
    if (meta.length) {
      var m = document.createElement("p");
      m.className = "search-meta muted";
      if (e.s) {
        var st = document.createElement("span");
        st.className = "badge badge-" + (e.sv || "");
        st.textContent = e.s;
        m.appendChild(st);
        meta.shift();
        if (meta.length) m.appendChild(document.createTextNode(" · "));
      }
      m.appendChild(document.createTextNode(meta.join(" · ")));
      li.appendChild(m);
    }
    var snip = snippet(e, terms);
    if (snip) li.appendChild(snip);
    return li;
  }

  /* Loads a script once; callbacks get whether it ran. */
  function Loader(root) { this.root = root; this.state = {}; this.waiting = {}; }
  Loader.prototype.load = function (url, done) {
    var self = this;
    if (url in this.state) { done(this.state[url]); return; }
    if (this.waiting[url]) { this.waiting[url].push(done); return; }
    this.waiting[url] = [done];
    var s = document.createElement("script");
    s.src = this.root + url;
    function finish(ok) {
      self.state[url] = ok;
      var callbacks = self.waiting[url];
      delete self.waiting[url];
      callbacks.forEach(function (cb) { cb(ok); });
    }
    s.onload = function () { finish(true); };
    s.onerror = function () { finish(false); };
    document.head.appendChild(s);
  };

  function setupSearch(box) {
    var input = box.querySelector("[data-search-input]");
    var list = box.querySelector("[data-search-results]");
    var count = box.querySelector("[data-search-count]");
    var more = box.querySelector("[data-search-more]");
    var kindSel = box.querySelector("[data-search-kind]");
    var statusSel = box.querySelector("[data-search-status]");
    var root = document.body.getAttribute("data-root") || "";
    var info = { m: 1, p: 1, g: [] };
    try { info = JSON.parse(box.getAttribute("data-index") || "") || info; } catch (e) { /* no index: nothing found */ }
    var loader = new Loader(root);
    var GRAMS = window.SVCNOTES_GRAMS = window.SVCNOTES_GRAMS || {};
    var PARTS = window.SVCNOTES_PARTS = window.SVCNOTES_PARTS || {};

    /* Every part with the global positions it holds, in result order (groups in order, each newest first). */
    var groups = [], parts = [], base = 0;
    info.g.forEach(function (g) {
      var n = g[2], many = Math.max(1, Math.ceil(n / info.p));
      groups.push({ name: g[0], base: base });
      for (var p = many - 1; p >= 0; p--) {
        var start = Math.max(0, n - (p + 1) * info.p), end = n - p * info.p;
        parts.push({ url: "search/" + g[0] + (p ? "-" + (p + 1) : "") + ".js", kind: g[1], lo: base + start, hi: base + end });
      }
      base += n;
    });

    var gen = 0, query = null, hits = [], shown = 0, needed = [], next = 0, failed = false;

    function postings(gram) {
      var shard = GRAMS[shardOf(gram, info.m)] || {}, out = [];
      groups.forEach(function (g) { var text = (shard[g.name] || {})[gram]; if (text) decode(text, g.base, out); });
      return out;
    }

    /* Candidate positions (sorted), or null when no term has a gram (every entry is a candidate). */
    function candidates(sets) {
      var out = null;
      sets.forEach(function (set) {
        set.forEach(function (gram) { var p = postings(gram); out = out === null ? p : intersect(out, p); });
      });
      return out;
    }

    /* The parts to read: those of the wanted kind holding a candidate, customers' first (a customer
       file the query names goes first), then in result order. */
    function plan(cands, kind) {
      var out = [], c = 0;
      parts.forEach(function (part) {
        var inside = null;
        if (cands !== null) {
          while (c < cands.length && cands[c] < part.lo) c++;
          inside = [];
          for (var j = c; j < cands.length && cands[j] < part.hi; j++) inside.push(cands[j]);
          if (!inside.length) return;
        }
        if (!kind || part.kind === kind) out.push({ part: part, inside: inside });
      });
      return out.filter(function (n) { return n.part.kind === "customer"; })
        .concat(out.filter(function (n) { return n.part.kind !== "customer"; }));
    }

    function scan(need) {
      var entries = PARTS[need.part.url];
      if (!entries) { failed = true; return; }
      var kind = kindSel ? kindSel.value : "", status = statusSel ? statusSel.value : "";
      var lo = need.part.lo, positions = need.inside;
      if (positions === null) { positions = []; for (var p = lo; p < need.part.hi; p++) positions.push(p); }
      positions.forEach(function (pos) {
        var e = entries[pos - lo];
        if (e && matches(e, query, kind, status)) { e._o = pos; hits.push(e); }
      });
    }

    function advance(my) {
      while (my === gen && next < needed.length) {
        var need = needed[next], url = need.part.url;
        if (!(url in loader.state)) {
          loader.load(url, function () { if (my === gen) advance(my); });
          return;
        }
        scan(need);
        next++;
        render(false);
      }
      if (my === gen) render(false);
    }

    function render(all) {
      if (!query) return;
      /* A record whose number starts with the query, then a customer file it names, then the
         rest in index order (complaints, callbacks, notes, each newest first). */
      var exact = query.terms.join(" ");
      function rank(e) {
        var t = (e.t || "").toLowerCase();
        if (exact && t.indexOf(exact) === 0) return 0;
        if (!exact || e.k !== "customer") return 2;
        var x = e.x || "", keysEnd = x.indexOf("\u0001", x.indexOf("\u0001") + 1);
        return x.slice(0, keysEnd === -1 ? x.length : keysEnd).indexOf(exact) !== -1 ? 1 : 2;  /* its name or id */
      }
      hits.forEach(function (e) { e._r = rank(e); });
      hits.sort(function (a, b) { return a._r - b._r || a._o - b._o; });
      var limit = all ? shown + PAGE : Math.max(shown, PAGE);
      list.textContent = "";
      var frag = document.createDocumentFragment();
      hits.slice(0, limit).forEach(function (e) { frag.appendChild(item(e, root, query.terms)); });
      list.appendChild(frag);
      shown = Math.min(limit, hits.length);
      var done = next >= needed.length;
      var text = hits.length ? box.getAttribute("data-results-template").replace("{n}", hits.length) : (done ? box.getAttribute("data-none") : "");
      if (hits.length > shown) text += " · " + box.getAttribute("data-shown-template").replace("{shown}", shown);
      if (!done) text += (text ? " · " : "") + box.getAttribute("data-loading-template").replace("{done}", next).replace("{total}", needed.length);
      if (failed && !hits.length && done) text = box.getAttribute("data-no-index");
      count.textContent = text;
      more.hidden = hits.length <= shown;
      if (!more.hidden) more.textContent = box.getAttribute("data-more-template").replace("{n}", Math.min(PAGE, hits.length - shown));
    }

    function run(remember) {
      var raw = input.value.trim(), my = ++gen;
      if (remember) writeHash(raw);
      list.textContent = "";
      count.textContent = "";
      hits = []; shown = 0; needed = []; next = 0; failed = false;
      query = parseQuery(raw);
      if (!query.terms.length && !query.fields.length) { query = null; more.hidden = true; return; }
      /* customer: and owner: values are in the entry's text too, so their grams narrow the search */
      var texts = query.terms.concat(query.fields.filter(function (f) { return f[0].length === 1; }).map(function (f) { return f[1]; }));
      var sets = texts.map(grams).filter(function (set) { return set.length; });
      var shards = [];
      sets.forEach(function (set) { set.forEach(function (g) { var s = shardOf(g, info.m); if (shards.indexOf(s) === -1) shards.push(s); }); });
      var waiting = shards.length, broken = false;
      function ready() {
        if (my !== gen) return;
        /* a gram shard that did not load narrows nothing: every part is read instead */
        needed = plan(broken ? null : candidates(sets), kindSel ? kindSel.value : "");
        advance(my);
      }
      if (!waiting) { ready(); return; }
      shards.forEach(function (s) {
        loader.load("search/g" + s + ".js", function (ok) { if (!ok) broken = true; if (--waiting === 0) ready(); });
      });
    }

    more.addEventListener("click", function () { render(true); });
    var timer = null;
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(function () { run(true); }, 60); });
    [kindSel, statusSel].forEach(function (sel) { if (sel) sel.addEventListener("change", function () { run(false); }); });
    input.disabled = false;
    input.value = readHash().q || "";
    run(false);
    input.focus();
  }

  function init() {
    var box = document.querySelector("[data-search]");
    if (box) setupSearch(box);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
