// Ankommen web chat: sends messages to /api/chat, renders answers and buttons, polls for late answers.
// Text is always inserted with textContent, never as HTML.
(() => {
  "use strict";
  const RTL = new Set(["ar", "fa", "ps"]);
  const log = document.getElementById("log");
  const form = document.getElementById("form");
  const input = document.getElementById("text");
  const session = localStorage.getItem("ankommen-session") || crypto.getRandomValues(new Uint8Array(12))
    .reduce((s, b) => s + b.toString(16).padStart(2, "0"), "");
  localStorage.setItem("ankommen-session", session);
  let since = null;
  let pollTimer = null;
  let slowTimer = null;  // reminders and other messages the bot sends by itself, while the page is open
  let busy = false;
  if (new URLSearchParams(location.search).has("embed")) document.body.classList.add("embedded");

  // The whole page follows the conversation's language: right-to-left for Arabic, Persian and Pashto.
  function setLanguage(language) {
    if (!language) return;
    document.documentElement.lang = language;
    document.documentElement.dir = RTL.has(language) ? "rtl" : "ltr";
  }

  function bubble(text, who, language, buttons) {
    const item = document.createElement("li");
    item.className = `bubble bubble--${who}`;
    item.dir = language && RTL.has(language) ? "rtl" : "auto";
    if (language) item.lang = language;
    item.textContent = text;
    if (buttons && buttons.length) {
      const row = document.createElement("div");
      row.className = "buttons";
      for (const b of buttons) {
        const el = document.createElement("button");
        el.type = "button";
        el.textContent = b.title;
        el.addEventListener("click", () => send(b.payload, b.title));
        row.appendChild(el);
      }
      item.appendChild(row);
    }
    log.appendChild(item);
    item.scrollIntoView({ block: "end", behavior: "smooth" });
  }

  async function poll() {
    if (!since || busy) return;  // never while an answer is on its way: it would arrive twice
    const r = await fetch(`/api/chat/updates?session=${session}&since=${encodeURIComponent(since)}`);
    if (!r.ok) return;
    const data = await r.json();
    for (const m of data.messages) { bubble(m.text, "bot", null, []); since = m.at; }
    if (data.messages.length) { clearInterval(pollTimer); pollTimer = null; }
  }

  async function send(text, shown) {
    bubble(shown || text, "user", null, []);
    const body = { session, text, message_id: crypto.randomUUID ? crypto.randomUUID() : String(Date.now()),
                   language: navigator.language || null };
    busy = true;
    try {
      const r = await fetch("/api/chat", { method: "POST", headers: { "Content-Type": "application/json" },
                                           body: JSON.stringify(body) });
      const data = await r.json();
      if (!r.ok) { bubble(data.message || "Error", "bot", null, []); return; }
      const language = data.meta && data.meta.language;
      setLanguage(language);
      for (const m of data.messages) bubble(m.text, "bot", language, m.buttons);
      since = data.at;
      if (!slowTimer) slowTimer = setInterval(poll, 60000);
      if (data.meta && data.meta.pending && !pollTimer) {
        pollTimer = setInterval(poll, 15000);  // a "technical problem" answer: the real one follows later
      }
    } catch (e) {
      bubble("Keine Verbindung. / No connection. ⚠️", "bot", null, []);
    } finally {
      busy = false;
    }
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    send(text);
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); }
  });
  send("/start", "👋");
})();
