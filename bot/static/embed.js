// Ankommen on any web page with one tag:
//   <script src="https://ankommen.example.org/static/embed.js" async></script>
// Optional attributes: data-label="Fragen? Questions?" (the button's text), data-position="left".
// It adds a round button in a corner; the button opens the chat in an iframe served by the gateway, so the
// host page shares no cookies, scripts or styles with it. On a phone the chat fills the screen.
(() => {
  "use strict";
  const script = document.currentScript;
  if (!script || document.getElementById("ankommen-embed")) return;
  const origin = new URL(script.src).origin;
  const label = script.dataset.label || "Ankommen – Fragen? Questions? أسئلة؟";
  const side = script.dataset.position === "left" ? "left" : "right";

  const root = document.createElement("div");
  root.id = "ankommen-embed";
  const style = document.createElement("style");
  style.textContent = `
    #ankommen-embed { position: fixed; ${side}: 16px; bottom: 16px; z-index: 2147483000; font: 16px system-ui, sans-serif; }
    #ankommen-embed button { width: 60px; height: 60px; border: 0; border-radius: 50%; background: #005a9c;
      color: #fff; font-size: 28px; cursor: pointer; box-shadow: 0 2px 8px rgba(0,0,0,.3); }
    #ankommen-embed button:focus-visible { outline: 3px solid #f5a623; outline-offset: 2px; }
    #ankommen-embed iframe { display: none; position: fixed; ${side}: 16px; bottom: 88px; width: 380px;
      height: min(640px, calc(100vh - 110px)); border: 0; border-radius: 12px; background: #fff;
      box-shadow: 0 4px 24px rgba(0,0,0,.3); }
    #ankommen-embed.open iframe { display: block; }
    @media (max-width: 600px) {
      #ankommen-embed.open iframe { left: 0; right: 0; top: 0; bottom: 0; width: 100vw; height: 100%; border-radius: 0; }
      #ankommen-embed.open button { position: fixed; top: 8px; ${side}: 8px; width: 44px; height: 44px; font-size: 20px; z-index: 1; }
    }`;
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = "💬";
  button.title = label;
  button.setAttribute("aria-label", label);
  button.setAttribute("aria-expanded", "false");
  const frame = document.createElement("iframe");
  frame.title = label;
  frame.loading = "lazy";
  button.addEventListener("click", () => {
    if (!frame.src) frame.src = `${origin}/?embed=1`;  // load the chat only when someone opens it
    const open = root.classList.toggle("open");
    button.textContent = open ? "✕" : "💬";
    button.setAttribute("aria-expanded", String(open));
  });
  root.append(style, frame, button);
  document.body.appendChild(root);
})();
