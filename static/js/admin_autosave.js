// Admin forms (posts, pages, author profiles): what the author types is
// copied to this browser's localStorage a moment after each change, so that
// a crashed browser, a laptop asleep past the session or a save refused
// because someone else saved later loses nothing. Opening the form again
// offers the copy; a successful save drops it, a refused one keeps it, and
// the logged-out page drops every copy (it is unpublished text, and the
// computer may be shared). Nothing is stored on the server.
//
// A copy is kept under the account and the form's address, and says which
// version of the object it was written on (the post's updated_at when the
// form was opened), so a copy older than someone else's save is recognized.
// It holds only the fields changed on this device: restoring it onto a newer
// version leaves the other person's changes to the other fields as they are.
// Another account's copies are dropped when its form pages open: a session
// that expired without a logout must not hand them to the next person.
//
// The copy a banner offers is set aside under a key of its own (HELD) until
// Restore or Discard, and what is typed meanwhile is copied as ever: an author
// who ignores the banner and writes on loses neither.
//
// A new object's form (…/add/) has one address for every new post: its copy
// is kept under the tab's own key instead (an id in sessionStorage, which a
// reload keeps and another tab does not share). Otherwise a second "Add post"
// tab was offered the first one's text, a duplicate post once both were
// saved, and its typing overwrote that copy. A copy whose tab is gone (closed,
// crashed, gone to another page) is offered to the next new form of its kind,
// in any tab, so it is not lost: each such tab holds a Web Lock while it
// lives, which the browser releases whatever way the tab ends. Without Web
// Locks (an old browser, a page not served over HTTPS) a copy is offered in
// its own tab only: a duplicate post is not worth the guess.
//
// The writing only, as restoring a revision: text fields, the body, tags.
// Never passwords, files or hidden inputs (the CSRF token, the version), and
// not the publishing choices (status, dates, author), made again in a click.
"use strict";
(function () {
  var PREFIX = "skolr-autosave:";
  var SUBMITTED = "skolr-autosave-submitted"; // in sessionStorage: the copy of the form being saved
  var HELD = "#offered"; // after a copy's key: the copy a banner offers, until Restore or Discard
  var TAB = "skolr-autosave-tab"; // in sessionStorage: the id of the tab, in its new objects' keys
  var LOCK = "skolr-autosave-tab:"; // and the Web Lock a tab with a new object's form holds
  var MAX_AGE = 30 * 24 * 3600 * 1000;
  var MAX_COPIES = 20;
  var DELAY = 800; // ms after the last change
  var TEXT_INPUT = /^(text|url|email|search)$/;
  var EMPTY_DOCUMENT = /^<(\w+)(\s[^>]*)?><\/\1>$/i; // what the editor writes as ""

  var storage, session;
  try {
    storage = window.localStorage;
    storage.setItem("skolr-autosave-probe", "1");
    storage.removeItem("skolr-autosave-probe");
  } catch (error) {
    return; // no storage (private browsing, blocked by the browser): no autosave
  }
  try {
    session = window.sessionStorage;
  } catch (error) {
    session = null;
  }

  function read(key) {
    try {
      var copy = JSON.parse(storage.getItem(key));
      return copy && copy.fields && typeof copy.time === "number" ? copy : null;
    } catch (error) {
      return null;
    }
  }

  function write(key, copy) {
    try {
      storage.setItem(key, JSON.stringify(copy));
      return true;
    } catch (error) {
      return false; // full (quota): the form works as before, without a copy
    }
  }

  function remove(key) {
    try {
      storage.removeItem(key);
    } catch (error) {
      // nothing to do
    }
  }

  function copyKeys() {
    var keys = [];
    for (var i = 0; i < storage.length; i++) {
      var key = storage.key(i);
      if (key && key.indexOf(PREFIX) === 0) keys.push(key);
    }
    return keys;
  }

  // Copies older than MAX_AGE go, and all but the MAX_COPIES newest.
  function prune() {
    var now = Date.now();
    var kept = [];
    copyKeys().forEach(function (key) {
      var copy = read(key);
      if (copy && now - copy.time < MAX_AGE) kept.push([copy.time, key]);
      else remove(key);
    });
    kept.sort(function (a, b) { return b[0] - a[0]; });
    kept.slice(MAX_COPIES).forEach(function (entry) { remove(entry[1]); });
  }

  function fieldsOf(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      if (!el.name || el.disabled || el.name.indexOf("__prefix__") !== -1) return false;
      if (el.tagName === "TEXTAREA") return true; // the body editor writes its own (hidden) textarea
      if (el.tagName === "SELECT") return el.multiple; // tags; one choice (status, author) is publishing
      return el.tagName === "INPUT" && TEXT_INPUT.test(el.type) && !/\bv(Date|Time)Field\b/.test(el.className);
    });
  }

  // The body editor of a textarea: announced when it starts, and kept by
  // Tiptap on its element (for an editor that started before this script).
  var editors = new WeakMap();
  document.addEventListener("prose-editor:ready", function (event) {
    editors.set(event.detail.textarea, event.detail.editor);
  });
  function editorOf(el) {
    if (el.tagName !== "TEXTAREA") return null;
    if (editors.has(el)) return editors.get(el);
    var roots = el.parentNode.querySelectorAll(".ProseMirror");
    for (var i = 0; i < roots.length; i++) if (roots[i].editor) return roots[i].editor;
    return null;
  }

  function valueOf(el) {
    if (el.tagName === "SELECT") {
      return Array.prototype.map.call(el.selectedOptions, function (option) { return [option.value, option.text]; });
    }
    var editor = editorOf(el);
    if (!editor) return el.value;
    // As the editor writes its textarea: the same text compares equal
    // before the first keystroke (the server's markup may differ in form).
    var html = editor.getHTML();
    return EMPTY_DOCUMENT.test(html) ? "" : html;
  }

  function same(a, b) {
    if (Array.isArray(a) && Array.isArray(b)) {
      a = a.map(function (pair) { return pair[0]; });
      b = b.map(function (pair) { return pair[0]; }); // a tag renamed since is still the same tag
    }
    return JSON.stringify(a) === JSON.stringify(b);
  }

  function setValue(el, value) {
    if (el.tagName === "SELECT") {
      var wanted = value.map(function (pair) { return pair[0]; });
      Array.prototype.forEach.call(el.options, function (option) {
        option.selected = wanted.indexOf(option.value) !== -1;
      });
      value.forEach(function (pair) {
        var known = Array.prototype.some.call(el.options, function (option) { return option.value === pair[0]; });
        if (!known) el.add(new Option(pair[1], pair[0], true, true)); // the autocomplete lists only chosen tags
      });
      el.dispatchEvent(new Event("change", { bubbles: true })); // the autocomplete widget shows them
      return;
    }
    var editor = editorOf(el);
    if (editor) {
      editor.commands.setContent(value); // writes the textarea and fires "input", as typing does
    } else {
      el.value = value;
      el.dispatchEvent(new Event("input", { bubbles: true }));
    }
  }

  function versionOf(form) {
    var opened = form.elements.namedItem("opened_version"); // the post form's own conflict check
    var marked = document.getElementById("autosave-version"); // other objects with an updated_at
    return (opened && opened.value) || (marked && marked.getAttribute("data-version")) || null;
  }

  function timeElement(copy) {
    var when = new Date(copy.time);
    var element = document.createElement("time");
    element.dateTime = when.toISOString();
    element.textContent = when.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
    return element;
  }

  function button(label, onClick) {
    var element = document.createElement("button");
    element.type = "button";
    element.className = "button";
    element.textContent = label;
    element.style.marginRight = "8px";
    element.addEventListener("click", onClick);
    return element;
  }

  // "You have unsaved changes from <time> on this device. Restore them / Discard"
  function offer(form, copy, stale, onRestore, onDiscard) {
    var banner = document.createElement("div");
    banner.id = "autosave-banner";
    banner.setAttribute("role", "status");
    Object.assign(banner.style, {
      background: "var(--message-warning-bg, #ffc)",
      border: "1px solid var(--hairline-color, #ccc)",
      padding: "10px 12px",
      margin: "0 0 15px",
    });
    var text = document.createElement("p");
    text.append("You have unsaved changes from ", timeElement(copy), " on this device.");
    if (stale) {
      text.append(
        " It was saved again since (by someone else, or by you in another tab):" +
          " restoring puts back only the fields you changed, over the newer version."
      );
    }
    var actions = document.createElement("p");
    actions.append(
      button("Restore them", function () {
        onRestore();
        text.replaceChildren("Restored your changes from ", timeElement(copy), ". Save to keep them.");
        actions.remove();
      }),
      button("Discard", function () {
        onDiscard();
        banner.remove();
      })
    );
    banner.append(text, actions);
    form.insertBefore(banner, form.firstChild);
  }

  // The copy to offer of two: the one a banner offered and nobody answered,
  // and the one typed in the form after it (while the banner waited). Each
  // holds only the fields changed then, so the later one's fields go over the
  // earlier one's: where the author wrote on in a field, that is the text
  // they last had; a field only the earlier one changed was never discarded.
  // It names the earlier one's version (the older one, if the object was
  // saved between): restoring it over a newer version says so.
  function combine(earlier, later) {
    if (!earlier || !later) return earlier || later;
    return {
      time: Math.max(earlier.time, later.time),
      version: earlier.version || later.version,
      fields: Object.assign({}, earlier.fields, later.fields),
    };
  }

  function newTabId() {
    var id = Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
    try {
      if (session) session.setItem(TAB, id);
    } catch (error) {
      // Then a copy is this page's: after a reload it is offered as a gone tab's.
    }
    return id;
  }

  function tabId() {
    try {
      return (session && session.getItem(TAB)) || newTabId();
    } catch (error) {
      return newTabId();
    }
  }

  // The key of a new object's form in this tab, given to done() once the
  // tab holds its lock and has taken over a gone tab's copy, if any.
  function tabKey(base, done) {
    var locks = navigator.locks;
    var id = tabId();
    var called = false;
    function once() {
      if (!called) done(base + "#tab-" + id);
      called = true;
    }
    if (!locks) return once();
    (function claim() {
      locks
        .request(LOCK + id, { ifAvailable: true }, function (lock) {
          if (!lock) {
            // A duplicated tab starts with a copy of the other's sessionStorage, id included.
            id = newTabId();
            return claim();
          }
          adopt(locks, base, id, once);
          return new Promise(function () {}); // held as long as the page lives
        })
        .catch(once);
    })();
  }

  // A gone tab's copy of this new object's form (the newest, if several)
  // becomes this tab's offered copy, unless this tab has one of its own.
  // Its tab's lock, taken for the moment, keeps two new tabs from both
  // taking it. A copy from before keys were per tab has no tab: it is gone.
  function adopt(locks, base, id, done) {
    var own = base + "#tab-" + id;
    if (read(own) || read(own + HELD)) return done();
    locks
      .query()
      .then(function (state) {
        var alive = state.held.map(function (lock) { return lock.name; });
        var newest = null;
        copyKeys().forEach(function (key) {
          if (key.indexOf(base) !== 0) return;
          var match = /^(#tab-(\w+))?(#offered)?$/.exec(key.slice(base.length)); // [, tab's key, tab, held]
          var tab = match && (match[2] || "");
          if (!match || alive.indexOf(LOCK + tab) !== -1) return;
          var copy = read(key);
          if (copy && (!newest || copy.time > newest.time)) {
            newest = { time: copy.time, key: base + (match[1] || ""), tab: tab };
          }
        });
        if (!newest) return done();
        return locks.request(LOCK + newest.tab, { ifAvailable: true }, function (lock) {
          var copy = lock && combine(read(newest.key + HELD), read(newest.key));
          if (copy && write(own + HELD, copy)) {
            remove(newest.key + HELD);
            remove(newest.key);
          }
          done();
        });
      })
      .catch(done);
  }

  function start(form, key) {
    var held = key + HELD;
    var fields = fieldsOf(form);
    // A read-only form (a post or page in the trash) has nothing to type
    // into: a copy kept from before waits for the form to be editable again.
    if (!fields.length) return;
    var initial = {};
    fields.forEach(function (el) { initial[el.name] = valueOf(el); });
    // Fields changed on this device before this page (a restored copy, a
    // refused save shown again): kept in the copy even if unchanged here.
    var carried = {};
    var timer = null;

    function save() {
      clearTimeout(timer);
      timer = null;
      var changed = {};
      var any = false;
      fields.forEach(function (el) {
        var value = valueOf(el);
        if (carried[el.name] || !same(value, initial[el.name])) {
          changed[el.name] = value;
          any = true;
        }
      });
      if (any) write(key, { time: Date.now(), version: versionOf(form), fields: changed });
      else remove(key); // every change undone
    }

    function later() {
      clearTimeout(timer);
      timer = setTimeout(save, DELAY);
    }

    function carry(copy) {
      Object.keys(copy.fields).forEach(function (name) { carried[name] = true; });
    }

    form.addEventListener("input", later);
    form.addEventListener("change", later);
    // The tag autocomplete (select2) announces a choice through jQuery only.
    var jQuery = window.django && window.django.jQuery;
    if (jQuery) jQuery(form).on("change", later);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden" && timer) save();
    });
    window.addEventListener("pagehide", function () {
      if (timer) save();
    });
    form.addEventListener("submit", function (event) {
      save();
      // "Preview changes" sends the form to a new tab and saves nothing:
      // the copy is not the one of a form being saved.
      if (event.submitter && event.submitter.formTarget) return;
      try {
        if (session) session.setItem(SUBMITTED, key);
      } catch (error) {
        // The copy then stays until it expires or the author logs out.
      }
    });

    function differs(copy) {
      return fields.some(function (el) {
        return el.name in copy.fields && !same(copy.fields[el.name], valueOf(el));
      });
    }

    var copy = read(key);
    var offered = combine(read(held), copy);
    if (!offered) return;
    // A refused save shows the copy's text: it stays this form's copy, with
    // what comes next. Otherwise the copy is offered (set aside under HELD,
    // the key this form writes then holding only what is typed from now on)
    // or is what the server sent already.
    var shown = Boolean(copy && !differs(copy) && form.querySelector(".errornote"));
    if (shown) carry(copy);
    if (!differs(offered)) {
      remove(held);
      if (!shown) remove(key);
      return;
    }
    if (write(held, offered) && !shown) remove(key);
    var version = versionOf(form);
    offer(
      form,
      offered,
      Boolean(offered.version && version && offered.version !== version),
      function () {
        fields.forEach(function (el) {
          if (el.name in offered.fields && !same(offered.fields[el.name], valueOf(el))) {
            setValue(el, offered.fields[el.name]);
          }
        });
        carry(offered);
        save();
        remove(held);
      },
      function () {
        remove(held); // what was typed since the page opened stays, and its copy
      }
    );
  }

  // The logged-out page: every copy goes.
  if (document.currentScript && document.currentScript.hasAttribute("data-forget")) {
    copyKeys().forEach(remove);
    try {
      if (session) session.removeItem(SUBMITTED);
    } catch (error) {
      // nothing to do
    }
    return;
  }

  // The page after a save: a success message (the list, or the form again)
  // means the copy of the form that was sent has done its work. A form
  // shown again with errors keeps it.
  var submitted = null;
  try {
    submitted = session && session.getItem(SUBMITTED);
    if (submitted) session.removeItem(SUBMITTED);
  } catch (error) {
    submitted = null;
  }
  if (submitted && document.querySelector(".messagelist .success") && !document.querySelector(".errornote")) {
    remove(submitted);
  }
  prune();

  // The signed-in account (templates/admin/base_site.html): copies typed by
  // another account go. Without one (not signed in) nothing is offered.
  var account = document.querySelector('meta[name="skolr-account"]');
  if (!account || !account.content) return;
  var mine = PREFIX + account.content + ":";
  copyKeys().forEach(function (key) {
    if (key.indexOf(mine) !== 0) remove(key);
  });

  if (!/\/(add|change)\/$/.test(location.pathname)) return; // not the history, delete or list pages
  var form = document.querySelector("#content-main form[id$='_form'][method=post]");
  if (!form) return;

  // The first values are read once the body editor has loaded what the
  // server sent (it starts from a module script, maybe after "load").
  function editorsReady() {
    return Array.prototype.every.call(form.querySelectorAll("textarea"), function (textarea) {
      var isEditor = Array.prototype.some.call(textarea.attributes, function (attribute) {
        return attribute.name.indexOf("data-django-prose-editor") === 0;
      });
      return !isEditor || editorOf(textarea);
    });
  }
  var started = false;
  function startOnce() {
    if (started) return;
    started = true;
    var base = mine + location.pathname;
    if (/\/add\/$/.test(location.pathname)) {
      tabKey(base, function (key) { start(form, key); });
    } else {
      start(form, base);
    }
  }
  window.addEventListener("load", function () {
    if (editorsReady()) return startOnce();
    document.addEventListener("prose-editor:ready", function () {
      if (editorsReady()) startOnce();
    });
    setTimeout(startOnce, 3000); // an editor that never comes: plain textareas then
  });
})();
