/* kowp-site search: reads the static index under search/ (see kowp_site/search/index.py, whose
   rules this file follows exactly) and shows results as text nodes, never as parsed HTML. */
(function () {
  "use strict";

  var root = document.getElementById("search");
  var results = document.getElementById("search-results");
  var status = document.getElementById("search-status");
  var input = document.getElementById("search-page-q");
  if (!root || !results || !status || !input || !window.fetch) return;

  var INDEX = root.getAttribute("data-index");
  var BASE = root.getAttribute("data-base");
  var HANGUL = "\uac00-\ud7a3";
  var KOREAN = new RegExp(
    "([" + HANGUL + "]+)|([0-9]+(?:\\.[0-9]+)+)|((?:(?![" + HANGUL + "])[\\p{L}\\p{N}])+)", "gu");
  var WORDS = /[\p{L}\p{N}]+/gu;
  var ENDINGS = ["하였습니다", "했습니다", "합니다", "하였다", "했다", "한다", "하다", "하는", "하고",
    "하여", "해서", "하며", "에서", "으로", "을", "를", "이", "가", "은", "는", "의", "에", "로", "와",
    "과", "도", "만"];
  var MIN_STEM = 2;
  var ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_";
  var TITLE = 1, INITIAL = 2, FINAL = 4;
  var TF_LEVELS = [1, 2, 3, 4, 6, 8, 12, 16];
  var MAX_QUERY_WORDS = 12;
  var K1 = 1.2, B = 0.75, TITLE_BOOST = 2.0, INITIAL_BOOST = 1.5, WHOLE_BOOST = 1.3, STRIPPED_FORM = 0.8;
  var SHOWN = 20;
  var DECODE = {};
  for (var a = 0; a < ALPHABET.length; a++) DECODE[ALPHABET.charAt(a)] = a;

  // --- the tokenizer (kowp_site/search/tokenize.py) ---------------------------------------------
  function korean(language) {
    return String(language).split("-")[0].toLowerCase() === "ko";
  }
  function words(text, language) {
    text = text.normalize("NFC").toLowerCase();
    var found = [], m;
    var re = korean(language) ? new RegExp(KOREAN.source, "gu") : new RegExp(WORDS.source, "gu");
    while ((m = re.exec(text)) !== null) found.push([m[0], korean(language) && m[1] !== undefined]);
    return found;
  }
  function bigrams(run) {
    var chars = Array.from(run);
    if (chars.length < 2) return [run];
    var out = [];
    for (var i = 0; i + 1 < chars.length; i++) out.push(chars[i] + chars[i + 1]);
    return out;
  }
  function stripEnding(word) {
    for (var i = 0; i < ENDINGS.length; i++) {
      var e = ENDINGS[i];
      if (word.length - e.length >= MIN_STEM && word.slice(-e.length) === e) return word.slice(0, -e.length);
    }
    return word;
  }
  function unique(list) {
    var seen = {}, out = [];
    list.forEach(function (t) { if (!seen.hasOwnProperty(t)) { seen[t] = 1; out.push(t); } });
    return out;
  }
  // Each query word: its forms (the word, then the word less one ending), each form its terms.
  function queryWords(query, language) {
    var found = [], needles = [], seen = {};
    var list = words(query, language);
    for (var i = 0; i < list.length; i++) {
      var word = list[i][0];
      if (seen.hasOwnProperty(word)) continue;
      seen[word] = 1;
      if (found.length === MAX_QUERY_WORDS) break;
      var forms = [];
      if (list[i][1]) {
        forms.push(unique(bigrams(word)));
        var stem = stripEnding(word);
        if (stem !== word) { forms.push(unique(bigrams(stem))); needles.push(stem); }
      } else {
        forms.push([word]);
      }
      needles.push(word);
      found.push(forms);
    }
    return { words: found, needles: needles };
  }

  // --- the index (kowp_site/search/index.py) -----------------------------------------------------
  function fnv1a(term) {
    var bytes = new TextEncoder().encode(term), h = 0x811c9dc5;
    for (var i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193) >>> 0;
    return h >>> 0;
  }
  function decode(text) {
    var found = new Map(), doc = -1, gap = 0, i = 0;
    while (i < text.length) {
      var v = DECODE[text.charAt(i++)];
      if (v >= 32) { gap = gap * 32 + v - 32; continue; }
      doc += gap * 32 + v + 1;
      gap = 0;
      var w = DECODE[text.charAt(i++)];
      found.set(doc, [TF_LEVELS[w >> 3], w & 7]);
    }
    return found;
  }
  var cache = {};
  function getJSON(name) {
    if (!cache[name]) {
      cache[name] = fetch(INDEX + name, { credentials: "same-origin" }).then(function (r) {
        if (!r.ok) throw new Error(name + ": " + r.status);
        return r.json();
      });
      cache[name].catch(function () { delete cache[name]; });
    }
    return cache[name];
  }

  function rank(meta, shards, qwords) {
    var lengths = meta.len, total = lengths.length, sum = 0;
    for (var i = 0; i < total; i++) sum += lengths[i];
    var avgdl = total ? sum / total : 1;
    var decoded = {};
    function postings(term) {
      if (!decoded.hasOwnProperty(term)) {
        var text = shards[fnv1a(term) & (meta.shards - 1)][term];
        decoded[term] = typeof text === "string" ? decode(text) : new Map();
      }
      return decoded[term];
    }
    var scores = null;
    for (var w = 0; w < qwords.length; w++) {
      var best = new Map(), forms = qwords[w];
      for (var f = 0; f < forms.length; f++) {
        var lists = forms[f].map(postings);
        if (lists.some(function (p) { return p.size === 0; })) continue;
        var smallest = lists.reduce(function (x, y) { return y.size < x.size ? y : x; });
        smallest.forEach(function (_, doc) {
          for (var k = 0; k < lists.length; k++) if (!lists[k].has(doc)) return;
          var s = 0;
          for (k = 0; k < lists.length; k++) {
            var df = lists[k].size, p = lists[k].get(doc), tf = p[0];
            var idf = Math.log(1 + (total - df + 0.5) / (df + 0.5));
            var norm = tf * (K1 + 1) / (tf + K1 * (1 - B + B * lengths[doc] / avgdl));
            s += idf * norm * (p[1] & TITLE ? TITLE_BOOST : 1.0);
          }
          var first = lists[0].get(doc)[1], last = lists[lists.length - 1].get(doc)[1];
          if (first & INITIAL) {
            s *= INITIAL_BOOST;
            if (last & FINAL) s *= WHOLE_BOOST;
          }
          if (f) s *= STRIPPED_FORM;
          if (s > (best.get(doc) || 0)) best.set(doc, s);
        });
      }
      if (scores === null) {
        scores = best;
      } else {
        var next = new Map();
        scores.forEach(function (s, doc) { if (best.has(doc)) next.set(doc, s + best.get(doc)); });
        scores = next;
      }
      if (!scores.size) return [];
    }
    var ranked = [];
    scores.forEach(function (s, doc) { ranked.push([doc, s]); });
    ranked.sort(function (x, y) { return y[1] - x[1] || y[0] - x[0]; });
    return ranked;
  }

  // --- showing results: text nodes only ------------------------------------------------------------
  function highlighted(text, needles) {
    var frag = document.createDocumentFragment();
    var lower = text.normalize("NFC").toLowerCase();
    var ranges = [];
    if (lower.length === text.length) {
      needles.forEach(function (n) {
        if (!n) return;
        for (var at = lower.indexOf(n); at !== -1; at = lower.indexOf(n, at + n.length)) ranges.push([at, at + n.length]);
      });
    }
    ranges.sort(function (x, y) { return x[0] - y[0] || y[1] - x[1]; });
    var pos = 0;
    ranges.forEach(function (r) {
      if (r[1] <= pos) return;
      var start = Math.max(r[0], pos);
      if (start > pos) frag.appendChild(document.createTextNode(text.slice(pos, start)));
      var mark = document.createElement("mark");
      mark.textContent = text.slice(start, r[1]);
      frag.appendChild(mark);
      pos = r[1];
    });
    if (pos < text.length) frag.appendChild(document.createTextNode(text.slice(pos)));
    return frag;
  }
  function span(cls, child) {
    var el = document.createElement("span");
    el.className = cls;
    el.appendChild(child);
    return el;
  }
  function item(row, needles) {
    var li = document.createElement("li");
    var a = document.createElement("a");
    a.className = "search-hit";
    a.href = BASE + String(row[1]).replace(/^\/+/, "");
    a.appendChild(span("search-hit-title", highlighted(String(row[0]), needles)));
    var time = document.createElement("time");
    time.className = "search-hit-date";
    time.setAttribute("datetime", String(row[2]));
    time.textContent = String(row[3]);
    a.appendChild(time);
    a.appendChild(span("search-hit-excerpt", highlighted(String(row[4]), needles)));
    li.appendChild(a);
    return li;
  }
  function say(text) {
    status.textContent = text;
  }
  function clear() {
    while (results.firstChild) results.removeChild(results.firstChild);
  }

  var current = 0;
  function run(query) {
    var mine = ++current;
    var started = performance.now();
    clear();
    results.removeAttribute("data-count");
    query = String(query || "");
    if (!query.trim()) { say({{ js_string(_("Type what you are looking for.")) }}); return Promise.resolve(); }
    say({{ js_string(_("Searching…")) }});
    return getJSON("meta.json").then(function (meta) {
      var q = queryWords(query, meta.lang);
      if (!q.words.length) return { meta: meta, q: q, ranked: [] };
      var needed = {};
      q.words.forEach(function (forms) {
        forms.forEach(function (terms) {
          terms.forEach(function (t) { needed[fnv1a(t) & (meta.shards - 1)] = 1; });
        });
      });
      var ids = Object.keys(needed);
      return Promise.all(ids.map(function (n) { return getJSON("index/" + n + ".json"); })).then(function (loaded) {
        var shards = {};
        ids.forEach(function (n, i) { shards[n] = loaded[i]; });
        return { meta: meta, q: q, ranked: rank(meta, shards, q.words) };
      });
    }).then(function (r) {
      var top = r.ranked.slice(0, SHOWN);
      var chunks = unique(top.map(function (h) { return String(Math.floor(h[0] / r.meta.chunk)); }));
      return Promise.all(chunks.map(function (k) { return getJSON("docs/" + k + ".json"); })).then(function (loaded) {
        if (mine !== current) return;
        var rows = {};
        chunks.forEach(function (k, i) { rows[k] = loaded[i]; });
        clear();
        top.forEach(function (h) {
          var row = rows[String(Math.floor(h[0] / r.meta.chunk))][h[0] % r.meta.chunk];
          if (row) results.appendChild(item(row, r.q.needles));
        });
        results.setAttribute("data-count", String(r.ranked.length));
        if (!r.ranked.length) say({{ js_format(_("No results for ‘{query}’."), query="query.slice(0, 80)") }});
        else if (r.ranked.length > top.length) say({{ js_ngettext("The {top} most relevant of {count} result.", "The {top} most relevant of {count} results.", count="r.ranked.length", top="top.length") }});
        else say({{ js_ngettext("{count} result.", "{count} results.", count="r.ranked.length") }});
        performance.measure("kowp-search", { start: started, end: performance.now() });
      });
    }).catch(function () {
      if (mine !== current) return;
      say({{ js_string(_("The search index could not be loaded. Please try again in a moment.")) }});
    });
  }

  function sync(q) {
    document.querySelectorAll('form[role="search"] input[name="q"]').forEach(function (el) { el.value = q; });
  }
  input.form.addEventListener("submit", function (event) {
    event.preventDefault();
    var q = input.value;
    var url = new URL(window.location.href);
    url.searchParams.set("q", q);
    window.history.pushState(null, "", url.pathname + url.search);
    sync(q);
    run(q);
  });
  window.addEventListener("popstate", function () {
    var q = new URLSearchParams(window.location.search).get("q") || "";
    sync(q);
    run(q);
  });
  root.setAttribute("data-ready", "");
  var initial = new URLSearchParams(window.location.search).get("q") || "";
  sync(initial);
  if (initial) run(initial);
})();
