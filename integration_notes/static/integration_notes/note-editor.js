// The note editor: saves the draft as the therapist types (debounced), keeps an unsaved copy
// in this browser (localStorage) until the server has it, and sends the last changes when
// the tab is closed. The server refuses a stale copy (another window saved since), so a
// save never overwrites newer text.
(function () {
  "use strict";
  var form = document.getElementById("note-form");
  if (!form) return;
  var url = form.dataset.autosaveUrl;
  var storageKey = "kap-note-draft-" + form.dataset.noteId;
  var statusEl = document.getElementById("save-status");
  var wordsEl = document.getElementById("word-count");
  var revisionInput = form.querySelector("input[name=revision]");
  var DEBOUNCE_MS = 800;
  var timer = null;
  var inFlight = null;
  var edits = 0; // bumped on every keystroke
  var savedEdits = 0; // the edit count the server has
  var blocked = false; // a refusal that retrying cannot fix

  function fields() {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.name.indexOf("f_") === 0;
    });
  }
  function values() {
    var out = {};
    fields().forEach(function (el) { out[el.name] = el.value; });
    return out;
  }
  function countWords() {
    var text = fields()
      .filter(function (el) { return el.tagName === "TEXTAREA" || el.type === "text"; })
      .map(function (el) { return el.value; })
      .join(" ");
    var matches = text.match(/[\p{L}\p{N}_]+(?:['’-][\p{L}\p{N}_]+)*/gu);
    return matches ? matches.length : 0;
  }
  function setStatus(text, isError) {
    statusEl.textContent = text;
    statusEl.classList.toggle("save-error", !!isError);
  }
  function backup() {
    try {
      localStorage.setItem(
        storageKey,
        JSON.stringify({ revision: Number(revisionInput.value), values: values(), at: Date.now() })
      );
    } catch (e) { /* storage full or disabled: the server copy still saves */ }
  }
  function dropBackup() {
    try { localStorage.removeItem(storageKey); } catch (e) { /* ignore */ }
  }
  function dirty() { return edits !== savedEdits; }

  function save() {
    if (blocked) return Promise.resolve();
    if (inFlight) {
      return inFlight.then(function () { return dirty() ? save() : null; });
    }
    var sentAt = edits;
    setStatus("Saving…");
    inFlight = fetch(url, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" },
    })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      })
      .then(function (result) {
        if (result.ok) {
          revisionInput.value = result.body.revision;
          savedEdits = sentAt;
          wordsEl.textContent = result.body.word_count;
          if (dirty()) {
            // More was typed while this save was on its way; the timer saves it next.
            setStatus("Unsaved changes");
            backup();
          } else {
            setStatus("Saved " + result.body.saved_at_display);
            dropBackup();
          }
        } else {
          blocked = ["stale_draft", "note_signed", "not_the_author"].indexOf(result.body.code) >= 0;
          setStatus("Not saved: " + result.body.detail, true);
        }
      })
      .catch(function () {
        setStatus("Offline — your text is kept in this browser and will be saved when you are back.", true);
      })
      .then(function () { inFlight = null; });
    return inFlight;
  }

  function onEdit() {
    edits += 1;
    wordsEl.textContent = countWords();
    setStatus("Unsaved changes");
    backup();
    clearTimeout(timer);
    timer = setTimeout(save, DEBOUNCE_MS);
  }
  form.addEventListener("input", onEdit);
  form.addEventListener("change", onEdit);

  // Closing or leaving the tab: send what is unsaved with a beacon (it outlives the page).
  function flushOnLeave() {
    if (!dirty() || blocked || !navigator.sendBeacon) return;
    if (navigator.sendBeacon(url, new FormData(form))) savedEdits = edits;
  }
  window.addEventListener("pagehide", flushOnLeave);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") flushOnLeave();
  });
  window.addEventListener("online", function () { if (dirty()) save(); });

  // Sign: confirm, wait for any save in flight (so the revision is current), then submit.
  var signButton = document.getElementById("sign-button");
  form.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    if (submitter === signButton && !window.confirm(signButton.dataset.confirm)) {
      event.preventDefault();
      return;
    }
    if (inFlight) {
      event.preventDefault();
      clearTimeout(timer);
      inFlight.then(function () {
        if (submitter && submitter.formAction) form.action = submitter.formAction;
        dropBackup();
        HTMLFormElement.prototype.submit.call(form);
      });
      return;
    }
    clearTimeout(timer);
    savedEdits = edits; // the form submission carries the text
    dropBackup();
  });

  // A copy left in this browser by a tab that closed before the server had it: restore it
  // when it was made from the version the server still has, then save it.
  try {
    var stored = JSON.parse(localStorage.getItem(storageKey) || "null");
    if (stored && stored.revision === Number(revisionInput.value)) {
      var changed = false;
      fields().forEach(function (el) {
        if (Object.prototype.hasOwnProperty.call(stored.values, el.name) && stored.values[el.name] !== el.value) {
          el.value = stored.values[el.name];
          changed = true;
        }
      });
      if (changed) {
        edits += 1;
        setStatus("Restored unsaved text from this browser");
        save();
      } else {
        dropBackup();
      }
    } else if (stored) {
      dropBackup();
    }
  } catch (e) { /* a corrupt copy is ignored */ }
})();
