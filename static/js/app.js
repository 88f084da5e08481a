// Liaison CRM behaviour that htmx attributes alone cannot express. No inline scripts: CSP allows 'self' only.

// What the behaviours below share.
var liaison = (function () {
  "use strict";

  // The page's status line (base.html): a screen reader says what is written there without moving focus.
  // Its data attributes hold the texts it says, translated.
  function statusLine() {
    return document.getElementById("list-status");
  }

  function announce(text) {
    var status = statusLine();
    if (status) status.textContent = text;
  }

  // `leave(container)` when focus moves from inside a `selector` element to somewhere outside it. Focus lost
  // to nowhere (another window) leaves it be.
  function onFocusLeaving(selector, leave) {
    document.addEventListener("focusout", function (event) {
      var container = event.target.closest && event.target.closest(selector);
      if (container && event.relatedTarget && !container.contains(event.relatedTarget)) leave(container);
    });
  }

  return { statusLine: statusLine, announce: announce, onFocusLeaving: onFocusLeaving };
})();

(function () {
  "use strict";

  function lookupParts(root) {
    return {
      select: root.querySelector("[data-lookup-select]"),
      chips: root.querySelector("[data-lookup-chips]"),
      input: root.querySelector(".lookup-input"),
      results: root.querySelector(".lookup-results"),
      // "Remove %(name)s" in the page's language, from contacts/widgets.py.
      removeLabel: root.dataset.removeLabel,
    };
  }

  function closeMatches(parts) {
    parts.results.innerHTML = "";
    parts.input.setAttribute("aria-expanded", "false");
  }

  // The box is a combobox: a screen reader says "expanded" when there are matches to go down to. When there
  // are none, the page's status line (base.html) says so, as nothing would be said at all.
  // A history restore (Back, Forward) swaps the page's body back with no target: nothing was looked up.
  document.addEventListener("htmx:afterSwap", function (event) {
    var results = event.detail.target;
    if (!results || !results.classList || !results.classList.contains("lookup-results")) return;
    var input = results.closest("[data-lookup]").querySelector(".lookup-input");
    var found = results.querySelector("[data-lookup-choice]");
    input.setAttribute("aria-expanded", found ? "true" : "false");
    liaison.announce(found ? "" : results.textContent.trim());
  });

  function addChip(parts, value, label) {
    var chip = document.createElement("li");
    chip.className = "chip";
    chip.dataset.value = value;
    chip.textContent = label + " ";
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "chip-remove";
    // A function, so a "$&" in the name is not read as a replacement pattern.
    remove.setAttribute("aria-label", parts.removeLabel.replace("%(name)s", function () { return label; }));
    remove.textContent = "×";
    chip.appendChild(remove);
    parts.chips.appendChild(chip);
  }

  function choose(root, value, label) {
    var parts = lookupParts(root);
    var multiple = root.dataset.multiple === "true";
    if (!multiple) {
      parts.select.innerHTML = "";
      parts.chips.innerHTML = "";
    }
    if (!parts.select.querySelector('option[value="' + CSS.escape(value) + '"]')) {
      var option = new Option(label, value, true, true);
      parts.select.appendChild(option);
      addChip(parts, value, label);
    }
    parts.input.value = "";
    closeMatches(parts);
    parts.select.dispatchEvent(new Event("change", { bubbles: true }));
    parts.input.focus();
  }

  function unchoose(root, chip) {
    var parts = lookupParts(root);
    var option = parts.select.querySelector('option[value="' + CSS.escape(chip.dataset.value) + '"]');
    if (option) option.remove();
    chip.remove();
    if (root.dataset.multiple !== "true") {
      parts.select.appendChild(new Option("", "", true, true));
    }
    parts.select.dispatchEvent(new Event("change", { bubbles: true }));
    // The removed chip had focus; the box is where the officer picks again.
    parts.input.focus();
  }

  document.addEventListener("click", function (event) {
    var result = event.target.closest("[data-lookup-choice]");
    if (result) {
      event.preventDefault();
      choose(result.closest("[data-lookup]"), result.dataset.value, result.dataset.label);
      return;
    }
    var remove = event.target.closest(".chip-remove");
    if (remove) {
      event.preventDefault();
      unchoose(remove.closest("[data-lookup]"), remove.closest(".chip"));
      return;
    }
    var confirmButton = event.target.closest("[data-confirm]");
    if (confirmButton && !window.confirm(confirmButton.dataset.confirm)) {
      event.preventDefault();
    }
  });

  document.addEventListener("keydown", function (event) {
    var input = event.target.closest && event.target.closest(".lookup-input");
    if (!input) return;
    var parts = lookupParts(input.closest("[data-lookup]"));
    var first = parts.results.querySelector("[data-lookup-choice]");
    if (event.key === "Enter") {
      // Enter picks the best match instead of submitting the surrounding form.
      event.preventDefault();
      if (first) first.click();
    } else if (event.key === "ArrowDown" && first) {
      event.preventDefault();
      first.focus();
    } else if (event.key === "Escape") {
      closeMatches(parts);
    }
  });

  document.addEventListener("keydown", function (event) {
    var choice = event.target.closest && event.target.closest("[data-lookup-choice]");
    if (!choice) return;
    if (event.key === "ArrowDown" && choice.nextElementSibling) {
      event.preventDefault();
      choice.nextElementSibling.focus();
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      (choice.previousElementSibling || choice.closest("[data-lookup]").querySelector(".lookup-input")).focus();
    } else if (event.key === "Escape") {
      var parts = lookupParts(choice.closest("[data-lookup]"));
      closeMatches(parts);
      // The box asks for matches whenever it gains focus; this once the officer has just closed them.
      parts.input.dataset.closed = "true";
      parts.input.focus();
    }
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    var input = event.detail.elt;
    if (!input.classList || !input.classList.contains("lookup-input") || !input.dataset.closed) return;
    delete input.dataset.closed;
    event.preventDefault();
  });

  // Matches left open over the fields below would hide the one the officer tabs on to.
  liaison.onFocusLeaving("[data-lookup]", function (root) {
    closeMatches(lookupParts(root));
  });
})();

// The header's search box: "/" focuses it, arrows move through the results, Escape closes them.
(function () {
  "use strict";

  function box() {
    return document.querySelector("[data-global-search]");
  }

  function results(form) {
    return Array.prototype.slice.call(form.querySelectorAll("[data-search-result]"));
  }

  function close(form) {
    form.querySelector(".global-search-results").innerHTML = "";
  }

  // Read out whole, the results would be said again at every letter typed: the page's status line (base.html)
  // says how many there are, or that nothing matches, and the officer goes down to them with the arrows.
  document.addEventListener("htmx:afterSwap", function (event) {
    var form = box();
    var status = liaison.statusLine();
    if (!form || !status || !form.contains(event.detail.target)) return;
    var empty = event.detail.target.querySelector(".search-empty");
    var count = event.detail.target.querySelectorAll(".search-result").length;
    if (!empty && !count) return;
    liaison.announce(empty ? empty.textContent.trim() : status.dataset.matches.replace("%(count)s", count));
  });

  document.addEventListener("keydown", function (event) {
    var form = box();
    if (!form) return;
    var input = form.querySelector("input[type=search]");
    // A one-key shortcut must not act while the officer is in a field (WCAG 2.1.4): a slash typed or dictated
    // into any box, even an empty list search that took the focus as its page opened, is part of the text.
    var inField = event.target.isContentEditable ||
      (event.target.closest && event.target.closest("input, textarea, select"));
    if (event.key === "/" && !inField && !event.isComposing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      input.focus();
      input.select();
      return;
    }
    if (!form.contains(event.target)) return;
    var items = results(form);
    var index = items.indexOf(document.activeElement);
    if (event.key === "ArrowDown" && items.length) {
      event.preventDefault();
      items[Math.min(index + 1, items.length - 1)].focus();
    } else if (event.key === "ArrowUp" && items.length) {
      event.preventDefault();
      if (index <= 0) input.focus();
      else items[index - 1].focus();
    } else if (event.key === "Escape") {
      // With results open, Escape only closes them: the browser's own Escape in a search box also empties
      // it, and the Enter that followed searched for nothing. With none open, it empties the box as usual.
      if (items.length) event.preventDefault();
      close(form);
      input.focus();
    }
  });

  document.addEventListener("click", function (event) {
    var form = box();
    if (form && !form.contains(event.target)) close(form);
  });

  // Results left open over the page would hide the navigation the officer tabs on to.
  liaison.onFocusLeaving("[data-global-search]", close);
})();

// Header menus (<details data-menu>): a click elsewhere, Tab out of them or Escape closes them.
(function () {
  "use strict";

  function closeMenus(except) {
    document.querySelectorAll("details[data-menu][open]").forEach(function (menu) {
      if (menu !== except) menu.removeAttribute("open");
    });
  }

  document.addEventListener("click", function (event) {
    closeMenus(event.target.closest && event.target.closest("details[data-menu]"));
  });

  // Left open, the menu would hide the main navigation's last sections the officer tabs on to.
  liaison.onFocusLeaving("details[data-menu][open]", function (menu) {
    menu.removeAttribute("open");
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var open = document.querySelector("details[data-menu][open]");
    if (!open) return;
    closeMenus(null);
    open.querySelector("summary").focus();
  });
})();

// A select that saves as it changes (<select data-saves-on-choice>: an action's status, a guest's reply)
// saved every option a keyboard user stepped through with the arrow keys or by typing ("In progress", then
// "Done", on the way to "Cancelled"), each written in its history. A choice made by stepping is saved when
// the officer presses Enter or leaves the select; one picked from the opened list is saved at once. Escape
// puts back the choice last saved, so that leaving saves nothing.
(function () {
  "use strict";

  var STEPS = ["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight", "Home", "End", "PageUp", "PageDown"];
  var lastKey = new WeakMap();
  var unsaved = new WeakSet();
  var saved = new WeakMap();

  function choiceSelect(target) {
    return target.closest && target.closest("select[data-saves-on-choice]");
  }

  function save(select) {
    select.dispatchEvent(new Event("change", { bubbles: true }));
  }

  document.addEventListener("focusin", function (event) {
    var select = choiceSelect(event.target);
    // Back from another window, a step not yet saved is still to be saved or put back.
    if (select && !unsaved.has(select)) saved.set(select, select.value);
  });

  document.addEventListener("keydown", function (event) {
    var select = choiceSelect(event.target);
    if (!select) return;
    if (event.key === "Enter" && unsaved.has(select)) {
      event.preventDefault();
      save(select);
    } else if (event.key === "Escape" && unsaved.has(select) && saved.has(select)) {
      event.preventDefault();
      unsaved.delete(select);
      select.value = saved.get(select);
    }
    lastKey.set(select, event.key);
  });

  // The change follows the key that made it, before the key is let go.
  document.addEventListener("keyup", function (event) {
    var select = choiceSelect(event.target);
    if (select) lastKey.delete(select);
  });

  // Caught on its way down, before htmx hears it on the select's form. Every change let through is saved,
  // picked from the opened list or sent by save().
  document.addEventListener("change", function (event) {
    var select = choiceSelect(event.target);
    if (!select) return;
    var key = lastKey.get(select) || "";
    if (event.isTrusted && (STEPS.indexOf(key) >= 0 || (key.length === 1 && key !== " "))) {
      event.stopPropagation();
      unsaved.add(select);
    } else {
      unsaved.delete(select);
      saved.set(select, select.value);
    }
  }, true);

  liaison.onFocusLeaving("select[data-saves-on-choice]", function (select) {
    if (unsaved.has(select)) save(select);
  });
})();

// The header stays at the top of the screen as the page scrolls; a control the browser scrolls to as focus
// moves up the page would stop under it, out of sight. The header's height changes with the screen's width
// and the sections an officer has, so the room kept for it is measured.
(function () {
  "use strict";

  var header = document.querySelector(".topbar");
  if (!header || !window.ResizeObserver) return;
  new ResizeObserver(function () {
    var sticky = getComputedStyle(header).position === "sticky";
    document.documentElement.style.scrollPaddingTop = sticky ? header.offsetHeight + 8 + "px" : "";
  }).observe(header);
})();

// An end that follows a start (<input data-end-of="starts_at" data-default-minutes="60">): picking the start
// fills the end that long after it, until the officer chooses an end of their own. The server still asks
// for an end after the start; this only saves typing it.
(function () {
  "use strict";

  function later(wallClock, minutes) {
    // datetime-local values are wall-clock times in the meeting's own zone: adding to them as if in UTC keeps
    // the browser's zone, and its clock changes, out of the sum.
    var moment = new Date(wallClock.slice(0, 16) + ":00Z");
    if (isNaN(moment.getTime())) return "";
    return new Date(moment.getTime() + minutes * 60000).toISOString().slice(0, 16);
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.form || !input.name) return;
    if (input.dataset.endOf) {
      delete input.dataset.following;
      return;
    }
    var end = input.form.querySelector('[data-end-of="' + input.name + '"]');
    if (!end || !input.value) return;
    if (end.value && !end.dataset.following && end.value > input.value) return;
    var value = later(input.value, Number(end.dataset.defaultMinutes));
    if (!value) return;
    end.value = value;
    end.dataset.following = "true";
  });
})();

// A list's Filter button (includes/filter_button.html) is for a browser without JS, where the list does not
// redraw as its filters change. Here it is hidden, but kept as the form's default button for Enter.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";

  document.querySelectorAll("[data-filters-submit]").forEach(function (button) {
    button.hidden = true;
  });
});

// On a phone the sections are one row that scrolls sideways (app.css): the one the page is in is brought into
// that row's view, so a reader on Reports sees where they are without scrolling the row to find it.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";

  var nav = document.querySelector(".mainnav");
  var current = nav && nav.querySelector("[aria-current=page]");
  if (!current || nav.scrollWidth <= nav.clientWidth) return;
  var overflow = current.getBoundingClientRect().right - nav.getBoundingClientRect().right;
  if (overflow > 0) nav.scrollLeft += overflow + 16;
});

// A search page puts the cursor in its search box for a reader at a keyboard. On a touch screen the same
// focus opens the on-screen keyboard over the list the reader came to look at, so there it waits for a tap.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";

  var box = document.querySelector("[data-autofocus-with-keyboard]");
  if (box && window.matchMedia("(pointer: fine)").matches) box.focus();
});

// On a phone a list's filters, stacked one under another, put the list a screen and more below its search box:
// typing changed nothing in sight. There (app.css) the filters besides the search fold behind a button that
// says how many of them are chosen. On a wider screen, and without JS, every filter shows.
(function () {
  "use strict";

  function foldable(form) {
    return Array.prototype.slice.call(form.querySelectorAll(":scope > .field:not(.field-q)"));
  }

  // A lookup's empty choice is "", wherever it stands; a select's is its first option.
  function chosen(field) {
    var select = field.querySelector("select");
    if (!select) return false;
    return field.querySelector("[data-lookup]") ? select.value !== "" : select.selectedIndex > 0;
  }

  function label(form) {
    var count = foldable(form).filter(chosen).length;
    var texts = document.body.dataset;
    form.querySelector("[data-filters-toggle]").textContent = count
      ? texts.moreFiltersChosen.replace("%(count)s", count) : texts.moreFilters;
  }

  function fold(form, folded) {
    form.classList.toggle("filters-folded", folded);
    form.querySelector("[data-filters-toggle]").setAttribute("aria-expanded", String(!folded));
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-fold-on-phone]").forEach(function (form) {
      var toggle = document.createElement("button");
      toggle.type = "button";
      toggle.className = "button filters-toggle";
      toggle.dataset.filtersToggle = "";
      form.querySelector(".field-q").after(toggle);
      label(form);
      fold(form, true);
    });
  });

  document.addEventListener("click", function (event) {
    var toggle = event.target.closest && event.target.closest("[data-filters-toggle]");
    if (toggle) fold(toggle.form, !toggle.form.classList.contains("filters-folded"));
  });

  document.addEventListener("change", function (event) {
    var form = event.target.closest && event.target.closest("form[data-fold-on-phone]");
    if (form && form.querySelector("[data-filters-toggle]")) label(form);
  });
})();

// Back to a filtered list shows the page htmx kept as markup, taken when the next choice is made, and
// markup carries the filters' values as the page first came: the list read "Resolved" while its status
// filter said "Open or in progress", and the next change sent that. Each time the list is read, the
// choices it was read with are written into the markup, so that Back shows the filters of the list it shows.
(function () {
  "use strict";

  document.addEventListener("htmx:afterSettle", function (event) {
    var config = event.detail.requestConfig;
    var form = config && config.elt;
    if (!form || !form.matches || !form.matches("form.filters") || !config.formData) return;
    // The values the list was read with, as sent: not the controls' values now, which may already hold the
    // next choice (typed while this answer was on its way).
    var sent = config.formData;
    form.querySelectorAll("input[name], select[name] option").forEach(function (control) {
      if (control.tagName === "OPTION") {
        control.toggleAttribute("selected", sent.getAll(control.parentElement.closest("select").name).indexOf(control.value) >= 0);
      } else if (control.type === "checkbox" || control.type === "radio") {
        control.toggleAttribute("checked", sent.getAll(control.name).indexOf(control.value) >= 0);
      } else if (control.type !== "hidden") {
        control.setAttribute("value", sent.get(control.name) || "");
      }
    });
  });
})();

// An htmx action that fails leaves the page as it was; without a word the officer would take it as done
// (a stale page's "Mark done" on a follow-up that moved, a refused change, the server down). The texts
// come translated from the page (base.html); they join the page's messages, as a message after a full
// page load would.
(function () {
  "use strict";

  function say(text) {
    var main = document.getElementById("main");
    if (!main || !text) return;
    var list = main.querySelector(".messages");
    if (!list) {
      list = document.createElement("ul");
      list.className = "messages";
      main.insertBefore(list, main.firstChild);
    }
    list.setAttribute("role", "alert");
    var shown = Array.prototype.some.call(list.children, function (item) { return item.textContent === text; });
    if (!shown) {
      var item = document.createElement("li");
      item.className = "message error";
      item.textContent = text;
      list.appendChild(item);
    }
    list.scrollIntoView({ block: "nearest" });
  }

  // The server answers 503 only when it kept nothing of the request (another save at the same moment, the
  // database away): it may be sent again as it was. Any other error may come after the change was saved
  // (its reminders failed, say), and sent again it would be made twice.
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr.status;
    var texts = document.body.dataset;
    say(status === 503 ? texts.requestNotKept : status >= 500 ? texts.requestFailed : texts.requestRefused);
  });

  document.addEventListener("htmx:sendError", function () {
    say(document.body.dataset.requestUnsent);
  });
})();

// A list's filters redraw the list as the officer types or chooses; a screen reader user, still in the
// filters, would not hear that it changed. The page's status line says what it now shows: its rows, or why
// there are none. Its texts come translated from the page (base.html).
(function () {
  "use strict";

  document.addEventListener("htmx:afterSettle", function (event) {
    var form = event.detail.requestConfig && event.detail.requestConfig.elt;
    var status = liaison.statusLine();
    if (!status || !form || !form.matches || !form.matches("form.filters")) return;
    var list = event.detail.target;
    if (!list.isConnected && list.id) list = document.getElementById(list.id);
    if (!list) return;
    var empty = list.querySelector(".empty");
    var text = empty ? empty.textContent.trim() : status.dataset.rowsShown.replace(
      "%(count)s", list.querySelectorAll("tbody tr").length);
    if (!empty && list.querySelector(".pager")) text += " " + status.dataset.morePages;
    // Emptied first, so the same words after another change are said again.
    liaison.announce("");
    setTimeout(function () { liaison.announce(text); }, 100);
  });
})();

// An htmx swap that replaces the control the officer was on ("Mark done", a status select, "Add objective")
// would leave focus on the page's body: a keyboard or screen reader user is thrown back to the top. Focus
// goes instead to the new content: the first field it says is wrong, else its [data-focus-after-swap]
// element, else the control of the same name, else its first control, else the content itself. A page
// that comes back with errors likewise starts on the first wrong field, which reads out its error; one that
// comes back with a question before saving (likely duplicates) starts on its [data-focus-on-load] heading.
(function () {
  "use strict";

  var INVALID = '[aria-invalid="true"]';

  document.addEventListener("DOMContentLoaded", function () {
    var spot = document.querySelector("main form " + INVALID) || document.querySelector("main [data-focus-on-load]");
    if (spot && document.activeElement === document.body) spot.focus();
  });

  var FOCUSABLE = "a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled]), summary";
  var sentFrom = new WeakMap();
  var lost = new WeakMap();

  document.addEventListener("htmx:beforeRequest", function (event) {
    sentFrom.set(event.detail.xhr, document.activeElement);
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    var active = document.activeElement;
    if (!target || !active || active === document.body || !target.contains(active)) return;
    lost.set(event.detail.xhr, {
      target: target, parent: target.parentNode, previous: target.previousSibling, name: active.name,
      moved: active !== sentFrom.get(event.detail.xhr),
    });
  });

  // The first of what came in its place: "Show older" brings the older entries, then another button.
  function replacement(was) {
    if (was.target.isConnected) return was.target;
    if (was.target.id) return document.getElementById(was.target.id);
    if (was.previous && was.previous.isConnected) return was.previous.nextElementSibling;
    return was.parent && was.parent.firstElementChild;
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    var was = lost.get(event.detail.xhr);
    if (!was) return;
    lost.delete(event.detail.xhr);
    var fresh = replacement(was);
    if (!fresh) return;
    // htmx puts focus back on a field of the same id, if the new content has one ("Summary" of a fresh log
    // form); the place new content names for focus (a confirmation) comes first, unless a field is wrong.
    // Focus outside the new content was put there by the officer as it came in, and stays; so does a field
    // they moved to while the request ran (on to the log form's next field), if htmx could put it back.
    var named = !fresh.querySelector(INVALID) && fresh.querySelector("[data-focus-after-swap]");
    var active = document.activeElement;
    var kept = active && active !== document.body && active.isConnected;
    if (kept && (was.moved || !named || !fresh.contains(active))) return;
    var spot = fresh.querySelector(INVALID) || named ||
      (was.name && fresh.querySelector('[name="' + CSS.escape(was.name) + '"]:not([type=hidden])')) ||
      fresh.querySelector(FOCUSABLE) || fresh;
    if (!spot.matches(FOCUSABLE)) spot.setAttribute("tabindex", "-1");
    spot.focus();
  });
})();

// A button whose words follow a checkbox (<button data-follows="id" data-checked-text="…"
// data-unchecked-text="…">): "Import 120 rows" becomes "Import 115 rows" once the likely duplicates are to
// be left out. Its words are its name to a screen reader, so they say what pressing it does. Without script
// the server's wording names both counts.
(function () {
  "use strict";

  function follow(button) {
    var checkbox = document.getElementById(button.dataset.follows);
    if (!checkbox) return;
    button.textContent = checkbox.checked ? button.dataset.checkedText : button.dataset.uncheckedText;
  }

  document.querySelectorAll("button[data-follows]").forEach(follow);
  document.addEventListener("change", function (event) {
    if (!event.target.id) return;
    document.querySelectorAll('button[data-follows="' + CSS.escape(event.target.id) + '"]').forEach(follow);
  });
})();
